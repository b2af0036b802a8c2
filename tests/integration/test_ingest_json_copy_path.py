"""The JSON fast path: GA4 NDJSON parsed and checked by PostgreSQL itself lands exactly as the
Python row path lands it (same columns, record, line numbers);
files with anything the row path would treat otherwise (drift, a missing key, a number Python
would rewrite, invalid JSON…) fall back to the row path, whose messages stay the same."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest

from ingestion import landing, loader
from tests.conftest import FIXTURES, REFERENCE

GA4 = FIXTURES / "ga4"
MATOMO = FIXTURES / "matomo"
# every column of a raw row but its batch id and load time
ROWS = ("select to_jsonb(t) - '_batch_id' - '_loaded_at' from raw.{} t "
        "order by _source_file, _row_number")
TABLES = ("ga4_events", "matomo_visits")


def quiet(_: str) -> None:
    pass


def methods(query) -> dict[str, str]:
    return dict(query("select file_name, load_method from raw.load_ledger where status = 'loaded'"))


def outcomes(report) -> dict[str, tuple]:
    return {r.path.name: (r.status, r.rows, r.line, r.error and r.error.replace(str(r.path.parent), ""))
            for r in report.results}


def without_fast_path(monkeypatch) -> None:
    monkeypatch.setattr(landing, "copy_plan_for", lambda _name: None)


def load_both_ways(folder: Path, db, query, monkeypatch, tmp_path: Path):
    """(report, rows per table, load methods) with the fast path, then without it."""
    runs = []
    for fast in (True, False):
        if not fast:
            without_fast_path(monkeypatch)
        report = loader.ingest(folder, db, tmp_path / f"q{fast}", progress=quiet)
        runs.append((outcomes(report), {t: query(ROWS.format(t)) for t in TABLES}, methods(query)))
        for table in TABLES:
            query(f"truncate raw.{table}")
        query("delete from raw.load_ledger")
    return runs


def copy_of(tmp_path: Path, *sources: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir(exist_ok=True)
    for source in sources:
        shutil.copy(source, folder / source.name)
    return folder


def test_good_fixtures_land_identically_through_either_path(tmp_path, fresh_db, query, monkeypatch):
    sources = [*(GA4 / "good").iterdir(), *(p for p in (MATOMO / "good").iterdir() if p.suffix != ".csv")]
    sources += (REFERENCE / "ga4").glob("*.ndjson")
    folder = copy_of(tmp_path, *sources)
    (fast, fast_rows, fast_methods), (slow, slow_rows, slow_methods) = load_both_ways(
        folder, fresh_db, query, monkeypatch, tmp_path)

    assert fast == slow
    assert all(status == "loaded" for status, *_ in fast.values()), fast
    assert fast_rows == slow_rows
    assert all(fast_rows[t] for t in TABLES)
    assert set(slow_methods.values()) == {"rows"}
    # What takes the fast path: plain, gzip (by its bytes), BOM + CRLF + blank lines; drift takes
    # the row path, and Matomo has none (the reader is faster there).
    assert fast_methods["events_20240315.ndjson"] == "copy"
    assert fast_methods["events_20240316.ndjson.gz"] == "copy"
    assert fast_methods["events_20240317-000000000000_gzip_without_gz_suffix.json"] == "copy"
    assert fast_methods["events_20240318_bom_crlf_blank_lines.ndjson"] == "copy"
    assert fast_methods["matomo_visits_20240315.json"] == "rows"
    assert fast_methods["ga4_events_20240319_new_top_level_keys.ndjson"] == "rows"
    assert fast_methods["matomo_visits_20240316_one_visit_per_line.ndjson"] == "rows"
    assert fast_methods["matomo_visits_20240317_no_visit_that_day.json"] == "rows"


def test_bad_fixtures_rejected_with_the_same_messages_and_nothing_left(tmp_path, fresh_db, query, monkeypatch):
    sources = [*(GA4 / "bad").iterdir(), *(p for p in (MATOMO / "bad").iterdir() if p.suffix != ".csv")]
    folder = copy_of(tmp_path, *sources)
    (fast, fast_rows, _), (slow, slow_rows, _) = load_both_ways(folder, fresh_db, query, monkeypatch, tmp_path)
    assert fast == slow
    assert all(status == "rejected" for status, *_ in fast.values()), fast
    assert fast_rows == slow_rows == {t: [] for t in TABLES}


EVENT = {"event_date": "20240315", "event_timestamp": "1710525600123456", "event_name": "page_view",
         "user_pseudo_id": "u1", "user_id": None, "stream_id": "5820317746", "platform": "WEB",
         "event_bundle_sequence_id": "562052", "user_first_touch_timestamp": "1710525600000000",
         "event_params": [{"key": "page_title", "value": {"string_value": "Opéra \"Favart\" — Accueil"}}],
         "device": {"category": "mobile"}, "is_active_user": True}


def event(**changes) -> str:
    return json.dumps({**EVENT, **changes}, ensure_ascii=False)


CASES = {
    # name: (lines, method expected with the fast path on)
    "plain_values": ([event(), event(event_name="scroll", user_pseudo_id=None), "", event(stream_id=42)], "copy"),
    "escapes_kept": ([event(platform="W\\E\"B\u00e9\U0001f600"), ('{"event_date":"20240315","event_timestamp":"1",'
                      '"event_name":"a\\u00e9\\n","user_pseudo_id":"x","stream_id":"1"}')], "copy"),
    "number_python_rewrites": ([event(), event(stream_id=1.5).replace("1.5", "1.50")], "rows"),
    "exponent": ([event().replace('"stream_id": "5820317746"', '"stream_id": 1E2')], "rows"),
    "nested_in_a_column": ([event(platform={"name": "WEB", "n": [1, 2]})], "rows"),
    "boolean_in_a_column": ([event(platform=True)], "copy"),
    "duplicate_key_last_wins": ([event()[:-1] + ', "event_name": "again"}'], "copy"),
    "drift": ([event(new_field={"a": 1})], "rows"),
    "required_empty": ([event(), event(event_name="")], "rows"),
    "required_absent": ([json.dumps({k: v for k, v in EVENT.items() if k != "event_timestamp"})], "rows"),
    # exporters leave NULL fields out: an absent nullable key is a null, on the fast path too
    "nullable_absent": ([json.dumps({k: v for k, v in EVENT.items() if k != "user_pseudo_id"})], "copy"),
    "nul_escape": ([event(), event(platform="a\\u0000b").replace("\\\\u0000", "\\u0000")], "rows"),
    "not_an_object": ([event(), "[1, 2]"], "rows"),
    "whitespace_line": ([event(), "   ", event()], "rows"),
    "lone_carriage_return": ([event() + "\r" + event()], "rows"),
    "control_byte": ([event(), event()[:-1] + '\x01"x": 1}'], "rows"),
    "end_of_copy_marker": ([event(), "\\.", event()], "rows"),
    "invalid_utf8": (["\udcff" + event()], "rows"),
    # more brackets than a record may nest: the nesting is checked (and passes when shallow)
    "many_brackets_shallow": ([event(), event(event_params=[{"key": str(n)} for n in range(120)])], "copy"),
    "nested_too_deep": ([event(), event(device=json.loads("[" * 101 + "]" * 101))], "rows"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_hand_made_cases_same_outcome_either_way(case, tmp_path, fresh_db, query, monkeypatch):
    lines, method = CASES[case]
    folder = tmp_path / "inbox"
    folder.mkdir()
    data = ("\n".join(lines) + "\n").encode("utf-8", "surrogateescape")
    (folder / f"events_{case}.ndjson").write_bytes(data)
    (folder / f"events_{case}_gz.ndjson.gz").write_bytes(gzip.compress(b"\xef\xbb\xbf" + data))
    (fast, fast_rows, fast_methods), (slow, slow_rows, _) = load_both_ways(
        folder, fresh_db, query, monkeypatch, tmp_path)
    assert fast == slow
    assert fast_rows == slow_rows
    statuses = {status for status, *_ in fast.values()}
    if method == "copy":
        assert statuses == {"loaded"} and set(fast_methods.values()) == {"copy"}
    else:
        assert "copy" not in fast_methods.values()
