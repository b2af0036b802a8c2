"""Web analytics files of one raw table load on both connections at once (the table's lane is
shared), each file's transaction started in discovery order: the rows' `_loaded_at`, which
staging's version rules order deliveries by, follows the files' order as on one connection."""

from __future__ import annotations

import gzip
import json

from ingestion import loader

EVENT = {"event_date": "20240315", "event_timestamp": "1710525600123456", "event_name": "page_view",
         "user_pseudo_id": "u1", "stream_id": "5820317746", "platform": "WEB"}


def test_files_of_a_shared_lane_load_in_order_on_two_connections(tmp_path, fresh_db, query):
    folder = tmp_path / "inbox" / "ga4"
    folder.mkdir(parents=True)
    names = []
    for day in range(1, 9):
        lines = [json.dumps({**EVENT, "event_date": f"202403{day:02d}", "event_timestamp": str(n)})
                 for n in range(200 * day)]
        name = f"events_202403{day:02d}.ndjson.gz"
        (folder / name).write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
        names.append(name)
    (folder / "events_20240309.ndjson").write_text("not json\n")  # rejected, in its place

    report = loader.ingest(tmp_path / "inbox", fresh_db, tmp_path / "q", progress=lambda _: None, workers=2)

    assert [r.status for r in report.results] == ["loaded"] * 8 + ["rejected"]
    assert [r.rows for r in report.results[:8]] == [200 * day for day in range(1, 9)]
    order = query("select _source_file, min(_loaded_at), max(_loaded_at) from raw.ga4_events "
                  "group by _source_file order by min(_loaded_at), _source_file")
    assert [name for name, _first, _last in order] == names
    assert all(first == last for _name, first, last in order)  # one transaction a file
    assert query("select count(*) from raw.ga4_events")[0][0] == 200 * 36
    lines = query("select _source_file, min(_row_number), max(_row_number) from raw.ga4_events "
                  "group by _source_file order by 1")
    assert lines == [(name, 1, 200 * day) for day, name in enumerate(names, start=1)]


def test_shared_lane_is_used_for_web_tables_only():
    assert "ga4_ndjson" in loader.SHARED_READERS and "matomo_json" in loader.SHARED_READERS
    assert not loader.SHARED_READERS & {"secutix_csv", "delimited"}  # their fast path alters the table
