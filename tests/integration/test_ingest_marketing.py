"""`publics ingest` on the marketing deliveries (Meta / Google Ads, Brevo / Mailchimp, social
insights, team spreadsheets; fixtures described in tests/unit/test_readers_marketing.py): good
files land in raw as text, row counts computed here from the files themselves; bad files are
rejected with file, line and problem, quarantined, exit code 2; a re-run loads nothing twice."""

from __future__ import annotations

import codecs
import shutil
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import FIXTURES, run_cli

FOLDERS = [FIXTURES / d for d in ("ads", "emailing", "social", "spreadsheets")]
# Bad fixtures → the message fragment their rejection must show (file, line, problem).
REJECTED = {
    "meta_ads_insights_missing_spend_column.csv": "line 1: missing required column(s): spend",
    "google_ads_campaigns_wrong_delimiter_pipe.csv": "line 1: missing required column(s): campaign_id",
    "google_ads_campaigns_data_after_total.csv": "line 4: data line after the summary line 3",
    "brevo_campaigns_missing_sent_column.csv": "line 1: missing required column(s): sent",
    "mailchimp_email_activity_truncated_line.csv": "line 3: 3 fields where the header has 9",
    "mailchimp_reports_utf16_encoding.csv": "line 1: encoded in UTF-16",
    "social_insights_missing_platform_column.csv": "line 1: missing required column(s): platform",
    "budgets_missing_budget_column.xlsx": "line 2: sheet 'Sheet': missing required column(s): budget",
    "plan_utm_empty_sheet.xlsx": "empty sheet 'Plan UTM'",
    "invitations_csv_renamed_not_an_xlsx.xlsx": "not an xlsx workbook",
}
TABLE_OF = {  # file-name prefix → raw table
    "meta_ads_insights": "meta_ads_insights",
    "google_ads_campaigns": "google_ads_campaigns",
    "brevo_campaigns": "brevo_campaigns",
    "mailchimp_email_activity": "mailchimp_email_activity",
    "mailchimp_reports": "mailchimp_reports",
    "social_insights": "social_posts",
    "reseaux_sociaux": "social_posts",
    "invitations": "spreadsheet_invitations",
    "budgets": "spreadsheet_campaign_budgets",
    "plan_utm": "spreadsheet_utm_plan",
}
TABLES = sorted(set(TABLE_OF.values()))


def fixture_files() -> list[Path]:
    return sorted(p for folder in FOLDERS for p in folder.iterdir())


def good_files() -> list[Path]:
    return [p for p in fixture_files() if p.name not in REJECTED]


def table_of(path: Path) -> str:
    return next(t for prefix, t in TABLE_OF.items() if path.name.startswith(prefix))


def csv_data_rows(path: Path) -> int:
    """Data lines of a delivered CSV (the fixtures have no multi-line field): non-blank lines
    after the header — the first line with at least two separators — that are not summary
    ("Total…") lines or all-empty."""
    data = path.read_bytes()
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252")
    lines = [line for line in text.splitlines() if line.strip()]
    header = next(i for i, line in enumerate(lines) if max(line.count(s) for s in ",;\t") >= 2)
    return sum(1 for line in lines[header + 1:]
               if not line.startswith("Total") and line.strip(",;\t"))


def xlsx_data_rows(path: Path) -> int:
    """Non-empty rows of the first sheet, minus the header (openpyxl's normal, non-streaming mode)."""
    sheet = openpyxl.load_workbook(path).worksheets[0]
    filled = [row for row in sheet.iter_rows(values_only=True) if any(v not in (None, "") for v in row)]
    return len(filled) - 1


def expected_rows() -> dict[str, int]:
    counts = dict.fromkeys(TABLES, 0)
    for path in good_files():
        counts[table_of(path)] += xlsx_data_rows(path) if path.suffix == ".xlsx" else csv_data_rows(path)
    return counts


def raw_counts(query) -> dict[str, int]:
    return {t: query(f"select count(*) from raw.{t}")[0][0] for t in TABLES}


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    """Every marketing fixture, good and bad, in one delivery folder."""
    folder = tmp_path / "inbox"
    folder.mkdir()
    for path in fixture_files():
        shutil.copy(path, folder / path.name)
    return folder


def ingest(folder: Path, quarantine: Path, db):
    return run_cli("ingest", str(folder), "--quarantine", str(quarantine), env={"DATABASE_URL": db.url})


def test_expected_counts_are_not_trivial() -> None:
    counts = expected_rows()
    assert all(n > 0 for n in counts.values()), counts
    assert counts["google_ads_campaigns"] == 5  # 3 below the preamble (footer excluded) + 2 UTF-16
    assert counts["spreadsheet_invitations"] == 4


def test_marketing_deliveries_good_load_bad_rejected_nothing_twice(inbox, tmp_path, fresh_db, query):
    quarantine = tmp_path / "quarantine"
    result = ingest(inbox, quarantine, fresh_db)

    assert result.code == 2, result  # partial: bad files rejected, the good ones loaded
    assert "Traceback" not in result.out
    for name, fragment in REJECTED.items():
        line = next((l for l in result.out.splitlines() if "✘" in l and name in l), None)
        assert line is not None, f"{name} not reported as rejected:\n{result}"
        assert fragment in line, line
        assert (quarantine / name).read_bytes() == (inbox / name).read_bytes()
        assert fragment.split(": ", 1)[-1] in (quarantine / f"{name}.reason.txt").read_text()

    assert raw_counts(query) == expected_rows()
    statuses = dict(query("select file_name, status from raw.load_ledger"))
    assert statuses == {p.name: ("rejected" if p.name in REJECTED else "loaded") for p in fixture_files()}
    lines = query("select error_line from raw.load_ledger where file_name = %s",
                  ("mailchimp_email_activity_truncated_line.csv",))
    assert lines == [(3,)]

    # Values land as delivered text; line numbers are the physical line / sheet row.
    assert query(
        "select _row_number, metrics_cost_micros from raw.google_ads_campaigns "
        "where _source_file like %s order by 1", ("%preamble_total_footer.csv",)
    ) == [(4, "15230000"), (5, "14100000"), (6, "30000000")]
    assert query(
        "select _row_number, prenom, date_de_representation, nombre_de_places, present "
        "from raw.spreadsheet_invitations order by 1 limit 2"
    ) == [(2, "Claire", "2026-03-14 20:00:00", "2", "true"), (3, "Hélène", "2026-03-14", "4", "false")]
    assert query("select spend from raw.meta_ads_insights where campaign_id = '23856666'") == [("8,00",)]
    types = dict(query(
        "select table_name, string_agg(distinct data_type, ',') from information_schema.columns "
        "where table_schema = 'raw' and table_name = any(%s) and column_name not like '\\_%%' group by 1",
        (TABLES,),
    ))
    assert types == dict.fromkeys(TABLES, "text")

    again = ingest(inbox, quarantine, fresh_db)
    assert raw_counts(query) == expected_rows()
    loaded_twice = query("select file_hash from raw.load_ledger where status = 'loaded' group by 1 having count(*) > 1")
    assert loaded_twice == []
    assert again.out.count("skipped: identical to") == len(good_files()), again
    assert again.code == 2  # the bad files are still bad


def test_good_marketing_files_alone_exit_zero(tmp_path, fresh_db, query):
    folder = tmp_path / "good"
    folder.mkdir()
    for path in good_files():
        shutil.copy(path, folder / path.name)
    result = ingest(folder, tmp_path / "q", fresh_db)
    assert result.code == 0, result
    assert raw_counts(query) == expected_rows()
    assert not (tmp_path / "q").exists() or not any((tmp_path / "q").iterdir())
