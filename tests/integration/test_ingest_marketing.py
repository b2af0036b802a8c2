"""`publics ingest` on the marketing deliveries (Meta / Google Ads, Brevo / Mailchimp, social
insights, team spreadsheets; fixtures described in tests/unit/test_readers_marketing.py): good
files land in raw as text, row counts computed here from the files themselves; bad files are
rejected with file, line and problem, quarantined, exit code 2; a re-run loads nothing twice."""

from __future__ import annotations

import codecs
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import FIXTURES, run_cli

FOLDERS = [FIXTURES / d for d in ("ads", "emailing", "social", "spreadsheets")]
# Bad fixtures → the message fragment their rejection must show (file, line, problem).
REJECTED = {
    "meta_ads_insights_missing_spend_column.csv": "line 1: missing required column(s): spend",
    "google_ads_campaigns_wrong_delimiter_pipe.csv": "line 1: missing required column(s): segments_date",
    "google_ads_campaigns_data_after_total.csv": "line 4: data line after the summary line 3",
    "brevo_campaigns_missing_sent_column.csv": "line 1: missing required column(s): sent",
    "brevo_export_header_fits_both_exports.csv": "its header fit 2 entities",
    "mailchimp_email_activity_truncated_line.csv": "line 3: 3 fields where the header has 9",
    "mailchimp_reports_utf16_encoding.csv": "line 1: encoded in UTF-16",
    "social_insights_missing_platform_column.csv": "line 1: missing required column(s): platform",
    "budgets_missing_budget_column.xlsx": "line 2: sheet 'Sheet': no header row with the contract's columns",
    "plan_utm_empty_sheet.xlsx": "empty sheet 'Plan UTM'",
    "invitations_csv_renamed_not_an_xlsx.xlsx": "not an xlsx workbook",
}
TABLE_OF = {  # file-name prefix → raw table
    "meta_ads_insights": "meta_ads_insights",
    "google_ads_campaigns": "google_ads_campaigns",
    # UI exports under the names the tools give them (docs/formats.md §4)
    "Théâtre des Célestins-Campagnes": "meta_ads_insights",
    "Opera Studio-Campaigns": "meta_ads_insights",
    "Campaign report": "google_ads_campaigns",
    "Rapport sur les campagnes": "google_ads_campaigns",
    "brevo_campaigns": "brevo_campaigns",
    "brevo_export": "brevo_contacts",
    "mailchimp_email_activity": "mailchimp_email_activity",
    "members_export": "mailchimp_members",
    "subscribed_members_export": "mailchimp_members",
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
    after the header — the first line with at least two separators, not one quoted field — that are not summary
    ("Total…") lines or all-empty."""
    return _data_rows(path.read_bytes())


def zip_data_rows(path: Path) -> int:
    """The data lines of every CSV inside a zipped delivery (Mailchimp's audience export)."""
    with zipfile.ZipFile(path) as archive:
        return sum(_data_rows(archive.read(n)) for n in archive.namelist() if n.endswith(".csv"))


def _data_rows(data: bytes) -> int:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252")
    lines = [line for line in text.splitlines() if line.strip()]
    def one_quoted_field(line: str) -> bool:  # a date-range line: "March 1, 2026 - March 31, 2026"
        return line.startswith('"') and line.rstrip().endswith('"') and line.count('"') == 2

    header = next(i for i, line in enumerate(lines)
                  if max(line.count(s) for s in ",;\t") >= 2 and not one_quoted_field(line))
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
        count = {".xlsx": xlsx_data_rows, ".zip": zip_data_rows}.get(path.suffix, csv_data_rows)
        counts[table_of(path)] += count(path)
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
    # GAQL: 3 below the preamble (footer excluded) + 2 UTF-16; UI: 3 English + 2 French (UTF-16)
    assert counts["google_ads_campaigns"] == 10
    assert counts["meta_ads_insights"] == 7 + 4 + 3 + 3  # API CSVs; Ads Manager FR, EN, xlsx (total rows included)
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


def test_ui_exports_to_staging_same_euros_to_the_cent(tmp_path, fresh_db, query):
    """Meta Ads Manager (French CSV without campaign ID, English CSV, French xlsx) and Google Ads
    UI downloads (English CSV, French "CSV pour Excel") → raw → staging: rows, amounts to the
    cent, days; the Ads Manager total row is no campaign."""
    from publics.dbt_runner import dbt_build

    folder = tmp_path / "inbox" / "ads"
    folder.mkdir(parents=True)
    for path in (FIXTURES / "ads").iterdir():
        if not path.name.startswith(("meta_ads", "google_ads")):
            shutil.copy(path, folder / path.name)
    result = ingest(folder.parent, tmp_path / "q", fresh_db)
    assert result.code == 0, result
    # cautious: not the tests that also read models left unbuilt here (marts' equal sums)
    dbt_build(fresh_db, ["stg_ads__meta_insights", "stg_ads__google_campaigns", "--indirect-selection", "cautious"])

    meta = query("select source_file, campaign_key, campaign_id, activity_date::text, spend_eur::text, "
                 "impressions, link_clicks, reach from staging.stg_ads__meta_insights order by 1, 2, 4")
    assert meta == [
        ("Opera Studio-Campaigns-Mar-1-2026-Mar-31-2026.csv", "120210000000000001", "120210000000000001",
         "2026-03-14", "1234.56", 70118, 987, 41002),
        ("Opera Studio-Campaigns-Mar-1-2026-Mar-31-2026.csv", "120210000000000001", "120210000000000001",
         "2026-03-15", "53.16", 28194, 217, 20478),
        ("Théâtre des Célestins-Campagnes-1 avr. 2026-30 avr. 2026.xlsx", "120210000000000002",
         "120210000000000002", "2026-04-03", "120.25", 5002, 61, 3100),
        ("Théâtre des Célestins-Campagnes-1 avr. 2026-30 avr. 2026.xlsx", "120210000000000002",
         "120210000000000002", "2026-04-04", "60.25", 3001, 35, 2110),
        ("Théâtre des Célestins-Campagnes-1 mars 2026-31 mars 2026.csv", "Carmen - conquête", None,
         "2026-03-01", "45.12", 10922, 123, 8412),
        ("Théâtre des Célestins-Campagnes-1 mars 2026-31 mars 2026.csv", "Carmen - conquête", None,
         "2026-03-02", "1039.80", 9871, 101, 6020),
        ("Théâtre des Célestins-Campagnes-1 mars 2026-31 mars 2026.csv", "Tosca - ventes", None,
         "2026-03-02", "7.25", 300, 13, 680),
    ]
    google = query("select source_file, campaign_key, activity_date::text, spend_eur::text, impressions, clicks "
                   "from staging.stg_ads__google_campaigns order by 1, 2, 3")
    assert google == [
        ("Campaign report.csv", "Carmen - search marque", "2026-03-01", "1234.56", 12034, 842),
        ("Campaign report.csv", "Carmen - search marque", "2026-03-02", "15.23", 812, 96),
        ("Campaign report.csv", "Tosca - performance max", "2026-03-01", "600.00", 5000, 300),
        ("Rapport sur les campagnes.csv", "21000000001", "2026-03-03", "2345.67", 18204, 1310),
        ("Rapport sur les campagnes.csv", "21000000002", "2026-03-03", "38.09", 950, 41),
    ]
    # The UI downloads' totals ("Total: …" lines, Ads Manager's first row) match the rows kept.
    assert query("select sum(spend_eur)::text from staging.stg_ads__google_campaigns "
                 "where source_file = 'Campaign report.csv'") == [("1849.79",)]
    assert query("select sum(spend_eur)::text from staging.stg_ads__meta_insights "
                 "where source_file like 'Théâtre%%mars%%'") == [("1092.17",)]
