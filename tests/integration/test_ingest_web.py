"""`publics ingest` on GA4 and Matomo deliveries (fixtures described in
tests/unit/test_readers_web.py, and the real public samples of tests/fixtures/reference/): good files
land in raw as delivered (`record` jsonb), bad ones are rejected with file, line and problem and
quarantined, exit code 2, and nothing is loaded twice."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, REFERENCE, decoded_text, run_cli

GA4 = FIXTURES / "ga4"
MATOMO = FIXTURES / "matomo"
text_of = decoded_text


def events_in(path: Path) -> int:
    return sum(1 for line in text_of(path).splitlines() if line.strip())


def visits_in(path: Path) -> int:
    text = text_of(path)
    if path.suffix == ".csv":
        return sum(1 for row in csv.reader(io.StringIO(text, newline="")) if row) - 1
    return len(json.loads(text)) if text.lstrip().startswith("[") else events_in(path)


def deliveries(folder: Path) -> list[Path]:
    return sorted(folder.iterdir())


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    for source in (GA4, MATOMO):
        for kind in ("good", "bad"):
            for path in deliveries(source / kind):
                shutil.copy(path, folder / path.name)
    return folder


def ingest(folder: Path, quarantine: Path, db) -> object:
    return run_cli("ingest", str(folder), "--quarantine", str(quarantine), env={"DATABASE_URL": db.url})


def rejected_line(out: str, name: str) -> str | None:
    return next((line for line in out.splitlines() if "✘" in line and name in line), None)


def test_web_deliveries_good_load_bad_rejected_nothing_twice(inbox, tmp_path, fresh_db, query):
    quarantine = tmp_path / "quarantine"
    result = ingest(inbox, quarantine, fresh_db)

    assert result.code == 2, result  # partial: bad files rejected, the good ones loaded
    assert "Traceback" not in result.out
    expected_messages = {
        "events_20240320_truncated_last_line.ndjson": "line 4: not valid JSON",
        "events_20240321_line_not_json.ndjson": "line 3: not valid JSON",
        "events_20240322_missing_event_name.ndjson": "line 2: required key(s) missing: event_name",
        "events_20240323_empty.ndjson": "empty file",
        "events_20240324_array_not_ndjson.json": "line 1: expected one JSON object per line",
        "matomo_visits_20240320_error_payload.json": "Matomo answered an error: \"You can't access",
        "matomo_visits_20240321_truncated_array.json": "record 2: not valid JSON",
        "matomo_visits_20240322_missing_idvisit.json": "record 3: missing required field(s) idVisit",
        "matomo_visits_20240323_empty.json": "empty file",
        "matomo_visits_20240324_xml_saved_as_json.json": "line 1: XML, not JSON",
    }
    expected_messages["matomo_visits_20240325_missing_idvisit_column.csv"] = "line 1: missing required column"
    for name, fragment in expected_messages.items():
        line = rejected_line(result.out, name)
        assert line is not None, f"{name} not reported as rejected:\n{result}"
        assert fragment in line, line
        assert (quarantine / name).read_bytes() == (inbox / name).read_bytes()
        assert fragment in (quarantine / f"{name}.reason.txt").read_text(encoding="utf-8")

    good_events = sum(events_in(p) for p in (GA4 / "good").iterdir())
    good_visits = sum(visits_in(p) for p in (MATOMO / "good").glob("*json"))
    assert query("select count(*) from raw.ga4_events")[0][0] == good_events == 12
    assert query("select count(*) from raw.matomo_visits")[0][0] == good_visits == 5
    # the CSV export and the same visits as the TSV export under Matomo's download name
    good_csv_visits = sum(visits_in(p) for p in (MATOMO / "good").glob("*.csv"))
    assert query("select count(*) from raw.matomo_visits_csv")[0][0] == good_csv_visits == 4
    assert query("select count(distinct _source_file) from raw.matomo_visits_csv")[0][0] == 2

    # Raw as delivered: record is jsonb, nested arrays intact, INT64 kept as text.
    assert query(
        "select distinct pg_typeof(record)::text, jsonb_typeof(record->'event_params'), "
        "jsonb_typeof(record->'items') from raw.ga4_events"
    ) == [("jsonb", "array", "array")]
    assert query(
        "select event_timestamp, record->>'event_timestamp', user_id, _row_number from raw.ga4_events "
        "where event_name = 'purchase' and _source_file = 'events_20240315.ndjson'"
    ) == [("1710525800400000", "1710525800400000", "C1001", 4)]
    assert query(
        "select _row_number from raw.ga4_events where starts_with(_source_file, 'events_20240318') order by 1"
    ) == [(2,), (4,)]
    assert query(
        "select (_extra->>'consent_state')::jsonb->>'ad_user_data', _extra->>'export_note' from raw.ga4_events "
        "where _extra ? 'consent_state' order by event_timestamp"  # drift lands in _extra, not as columns
    ) == [("denied", "late field"), ("granted", None)]
    assert query(
        "select id_visit, referrer_type, campaign_name, jsonb_typeof(record->'actionDetails'), "
        "record->'actionDetails'->1->>'orderId' from raw.matomo_visits "
        "where _source_file = 'matomo_visits_20240315.json' order by _row_number"
    ) == [
        ("101", "campaign", "carmen_2024", "array", None),
        ("102", "search", None, "array", "O7"),
        ("103", "direct", None, "array", None),
    ]

    ledger = dict(query("select file_name, status from raw.load_ledger"))
    assert {n: ledger[n] for n in expected_messages} == dict.fromkeys(expected_messages, "rejected")
    drift = query("select drift_columns from raw.load_ledger where starts_with(file_name, 'ga4_events_')")
    assert drift == [(["consent_state", "export_note"],)]

    # Re-run: identical files are skipped, the bad ones rejected again, nothing loaded twice.
    again = ingest(inbox, tmp_path / "quarantine2", fresh_db)
    assert again.code == 2, again
    assert query("select count(*) from raw.ga4_events")[0][0] == good_events
    assert query("select count(*) from raw.matomo_visits")[0][0] == good_visits
    loaded = len(deliveries(GA4 / "good")) + len(deliveries(MATOMO / "good"))
    assert query("select count(*) from raw.load_ledger where status = 'skipped'")[0][0] == loaded


def test_real_samples(tmp_path, fresh_db, query):
    reference = REFERENCE
    folder = tmp_path / "inbox"
    folder.mkdir()
    samples = [*(reference / "ga4").glob("*.ndjson"), *(reference / "matomo").glob("*.xml")]
    samples += (reference / "matomo").glob("*.csv")
    for path in samples:
        shutil.copy(path, folder / path.name)

    result = ingest(folder, tmp_path / "quarantine", fresh_db)

    assert result.code == 2, result  # the XML answers are not a delivery format we take
    assert "Traceback" not in result.out
    for xml in (reference / "matomo").glob("*.xml"):
        line = rejected_line(result.out, xml.name)
        assert line is not None and "no source contract recognises this file name" in line, result
    expected = sum(events_in(p) for p in (reference / "ga4").glob("*.ndjson"))
    assert query("select count(*) from raw.ga4_events")[0][0] == expected == 4
    by_name: dict[str, list[int]] = {}
    for path in (reference / "ga4").glob("*.ndjson"):
        for line in text_of(path).splitlines():
            if line.strip():
                event = json.loads(line)
                by_name.setdefault(event["event_name"], []).append(len(event["event_params"]))
    assert query(
        "select event_name, count(*)::int, min(jsonb_array_length(record->'event_params')) "
        "from raw.ga4_events group by 1 order by 1"
    ) == [(name, len(sizes), min(sizes)) for name, sizes in sorted(by_name.items())]
    csv_path = next((reference / "matomo").glob("*.csv"))
    assert query("select count(*) from raw.matomo_visits_csv")[0][0] == visits_in(csv_path) == 2
    assert query(
        "select id_visit, record->>'browserName' from raw.matomo_visits_csv order by id_visit"
    ) == [("1", "Firefox"), ("2", "Firefox")]


def test_matomo_csv_export_loads(tmp_path, fresh_db, query):
    folder = tmp_path / "inbox"
    folder.mkdir()
    shutil.copy(MATOMO / "good" / "matomo_visits_20240318_utf16.csv", folder)
    result = ingest(folder, tmp_path / "quarantine", fresh_db)
    assert result.code == 0, result
    assert query(
        "select id_visit, user_id, record->>'actionDetails_1_orderId', record->>'actionDetails_0_pageTitle' "
        "from raw.matomo_visits_csv order by _row_number"
    ) == [("201", None, None, "Carmen, Opéra"), ("202", "C1001", "O7", "Tosca")]
