"""`publics ingest` on hand-made SecuTix files: good files load, bad ones are rejected with file,
line and problem, quarantined, and nothing is loaded twice."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ingestion.loader import LOCK_KEY
from publics import warehouse
from tests.conftest import FIXTURES, run_cli

GOOD = FIXTURES / "secutix" / "good"
BAD = FIXTURES / "secutix" / "bad"
TABLES = {"contacts": "secutix_contacts", "performances": "secutix_performances",
          "orders": "secutix_orders", "tickets": "secutix_tickets"}


def data_lines(path: Path) -> int:
    """Rows of a delivered file: its non-empty lines minus the header."""
    return sum(1 for line in path.read_bytes().splitlines() if line.strip()) - 1


def expected_rows(folder: Path) -> dict[str, int]:
    counts = dict.fromkeys(TABLES.values(), 0)
    for path in folder.glob("*.csv"):
        entity = next(k for k in TABLES if k in path.name)
        counts[TABLES[entity]] += data_lines(path)
    return counts


def raw_counts(query) -> dict[str, int]:
    return {t: query(f"select count(*) from raw.{t}")[0][0] for t in TABLES.values()}


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    """The good files and every bad file in one delivery folder."""
    folder = tmp_path / "inbox"
    shutil.copytree(GOOD, folder)
    for bad in BAD.glob("*.csv"):
        shutil.copy(bad, folder / bad.name)
    return folder


def test_bad_files_are_rejected_with_file_line_problem_and_good_files_load(inbox, tmp_path, fresh_db, query):
    quarantine = tmp_path / "quarantine"
    result = run_cli("ingest", str(inbox), "--quarantine", str(quarantine), env={"DATABASE_URL": fresh_db.url})

    assert result.code == 2, result  # partial: some files rejected, the others loaded
    assert "Traceback" not in result.out
    expected_messages = {
        "secutix_tickets_truncated_line.csv": ", line ",
        "secutix_orders_wrong_delimiter.csv": "line 1: wrong delimiter",
        "secutix_contacts_missing_column.csv": "line 1: missing required column(s): contact_number",
        "secutix_performances_empty.csv": "empty file",
        "secutix_contacts_utf16_encoding.csv": "UTF-16",
        "secutix_tickets_binary_garbage.csv": "binary content",
    }
    for name, fragment in expected_messages.items():
        line = next((l for l in result.out.splitlines() if "✘" in l and name in l), None)
        assert line is not None, f"{name} not reported as rejected:\n{result}"
        assert fragment in line, line
        assert (quarantine / name).read_bytes() == (inbox / name).read_bytes()
        assert fragment.strip(", ") in (quarantine / f"{name}.reason.txt").read_text()

    assert raw_counts(query) == expected_rows(GOOD)
    statuses = dict(query("select file_name, status from raw.load_ledger"))
    assert {n: s for n, s in statuses.items() if n in expected_messages} == dict.fromkeys(expected_messages, "rejected")
    assert sum(s == "loaded" for s in statuses.values()) == len(list(GOOD.glob("*.csv")))


def test_truncated_line_is_named_by_its_line_number(fresh_db, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(BAD / "secutix_tickets_truncated_line.csv", folder)
    expected_line = next(
        i for i, line in enumerate((BAD / "secutix_tickets_truncated_line.csv").read_bytes().splitlines(), 1)
        if i > 1 and line.count(b";") != (BAD / "secutix_tickets_truncated_line.csv").read_bytes().splitlines()[0].count(b";")
    )
    result = run_cli("ingest", str(folder), "--quarantine", str(tmp_path / "q"), env={"DATABASE_URL": fresh_db.url})
    assert f"secutix_tickets_truncated_line.csv, line {expected_line}:" in result.out, result


def test_rerun_loads_nothing_twice(inbox, tmp_path, fresh_db, query):
    env = {"DATABASE_URL": fresh_db.url}
    run_cli("ingest", str(inbox), "--quarantine", str(tmp_path / "q"), env=env)
    before = raw_counts(query)
    again = run_cli("ingest", str(inbox), "--quarantine", str(tmp_path / "q"), env=env)
    assert raw_counts(query) == before
    loaded_twice = query("select file_hash from raw.load_ledger where status = 'loaded' group by 1 having count(*) > 1")
    assert loaded_twice == []
    assert again.out.count("skipped: identical to") == len(list(GOOD.glob("*.csv"))), again


def test_overlapping_deltas_are_all_kept_in_raw(fresh_db, tmp_path, query):
    run_cli("ingest", str(GOOD), "--quarantine", str(tmp_path / "q"), env={"DATABASE_URL": fresh_db.url})
    files = query("select _source_file, count(*) from raw.secutix_orders group by 1")
    assert len(files) == len(list(GOOD.glob("*orders*.csv"))) >= 2
    overlapping = query("select file_number from raw.secutix_orders group by 1 having count(*) > 1")
    assert overlapping, "the delta fixture re-delivers at least one order"


def test_a_file_failing_mid_way_leaves_no_partial_rows(fresh_db, tmp_path, query):
    header = (GOOD / "secutix_orders_20260101.csv").read_bytes().splitlines()[0]
    width = header.count(b";") + 1
    cols = [c.strip().upper() for c in header.decode("cp1252").split(";")]
    row = [""] * width
    fields = {"FILE_NUMBER": "F{i}", "ORDER_DATE": "01/02/2026 10:00:00", "FILE_STATE": "SOLDED",
              "ORDER_ORIGINATOR": "DESK", "LAST_UPDATE": "01/02/2026 10:00:00"}
    for name, value in fields.items():
        row[cols.index(name)] = value
    template = ";".join(row)
    body = "\r\n".join(template.format(i=i) for i in range(5000))
    path = tmp_path / "in" / "secutix_orders_20260301.csv"
    path.parent.mkdir()
    path.write_bytes(header + b"\r\n" + body.encode() + b"\r\nF9;broken\r\n")
    result = run_cli("ingest", str(path.parent), "--quarantine", str(tmp_path / "q"), env={"DATABASE_URL": fresh_db.url})
    assert result.code == 2, result
    assert "line 5002" in result.out
    assert query("select count(*) from raw.secutix_orders") == [(0,)]
    # Once the file is mended, the next run loads it whole.
    path.write_bytes(header + b"\r\n" + body.encode() + b"\r\n")
    assert run_cli("ingest", str(path.parent), "--quarantine", str(tmp_path / "q"), env={"DATABASE_URL": fresh_db.url}).code == 0
    assert query("select count(*) from raw.secutix_orders") == [(5000,)]


def test_a_second_ingestion_at_once_is_refused(fresh_db, tmp_path, query):
    with warehouse.connect(fresh_db, autocommit=True) as holder:
        holder.execute("select pg_advisory_lock(%s)", (LOCK_KEY,))
        result = run_cli("ingest", str(GOOD), "--quarantine", str(tmp_path / "q"), env={"DATABASE_URL": fresh_db.url})
    assert result.code == 75, result  # refused: another pipeline step holds the lock
    assert "ingest: another pipeline step is running on this database" in result.out
    assert "Traceback" not in result.out


def test_unknown_file_is_reported_not_lost(fresh_db, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "budget_2026.pdf").write_bytes(b"%PDF-1.4")
    result = run_cli("ingest", str(folder), "--quarantine", str(tmp_path / "q"), env={"DATABASE_URL": fresh_db.url})
    assert result.code == 2
    assert "budget_2026.pdf: no source contract recognises this file name" in result.out
    assert (tmp_path / "q" / "budget_2026.pdf").exists()
