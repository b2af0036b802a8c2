"""The GA4 reader on the export as it really arrives (tests/fixtures/ga4/deliveries/README.md says
where each detail of the files comes from): NULL fields left out by `bq extract` (a cookieless
ping has no `user_pseudo_id` key), explicit nulls elsewhere, INT64 as strings and as numbers,
FLOAT as numbers and strings, sharded and intraday names; and the one message a truly missing
required key gets (file, line, key)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from ingestion import contracts
from ingestion.readers import RejectedFile
from ingestion.readers.ndjson import read_ga4_ndjson
from tests.conftest import FIXTURES

DELIVERIES = FIXTURES / "ga4" / "deliveries"
EVENTS = next(e for e in contracts.all_entities() if e.label == "ga4/events")
CUT_SHARD = DELIVERIES / "2_second_delivery" / "events_20260315-000000000001.json.gz"  # cut in transfer
GOOD = sorted(p for p in DELIVERIES.rglob("*") if p.is_file() and p.suffix != ".md" and p != CUT_SHARD)


def lines_of(path: Path) -> list[str]:
    data = path.read_bytes()
    return (gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data).decode("utf-8").splitlines()


def rows_of(path: Path) -> list[dict]:
    parsed = read_ga4_ndjson(path, EVENTS)
    return [dict(zip(parsed.columns, values, strict=True)) | {"_line": line} for line, values in parsed.rows]


@pytest.mark.parametrize("path", GOOD, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_delivered_file_is_ga4_events_and_lands_line_by_line_untouched(path: Path) -> None:
    assert contracts.entity_for(path) == EVENTS  # sharded, intraday and renamed names alike
    rows, lines = rows_of(path), lines_of(path)
    assert [r["_line"] for r in rows] == list(range(1, len(lines) + 1))
    for row, text in zip(rows, lines, strict=True):
        assert json.loads(row["record"]) == json.loads(text)  # the event as delivered, nulls or not


def test_a_cookieless_ping_without_the_user_pseudo_id_key_is_a_null_not_a_rejection() -> None:
    path = DELIVERIES / "1_first_delivery" / "events_20260313-000000000000.json.gz"
    rows = rows_of(path)
    ping = rows[2]
    assert "user_pseudo_id" not in json.loads(ping["record"])  # bq extract left the NULL out
    assert ping["user_pseudo_id"] is None and ping["user_id"] is None
    assert json.loads(ping["record"])["privacy_info"]["analytics_storage"] == "No"
    assert [r["user_pseudo_id"] for r in rows[:2]] == ["1843375021.1773421200"] * 2  # the others load too


def test_explicit_nulls_top_level_and_nested_are_kept_as_delivered() -> None:
    rows = rows_of(DELIVERIES / "1_first_delivery" / "events_intraday_20260314.json")
    record = json.loads(rows[0]["record"])
    assert rows[0]["user_id"] is None and record["user_id"] is None and "user_id" in record
    assert record["ecommerce"] is None and record["items"] == [] and record["app_info"] is None
    # a parameter whose value has only null members
    value = next(p["value"] for p in json.loads(rows[2]["record"])["event_params"] if p["key"] == "value")
    assert value == {"string_value": None, "int_value": None, "float_value": None, "double_value": 120.0}


def test_int64_as_strings_and_as_numbers_land_as_the_same_text() -> None:
    shard = rows_of(DELIVERIES / "1_first_delivery" / "events_20260313-000000000001.json.gz")
    team = rows_of(DELIVERIES / "1_first_delivery" / "ga4_events_20260312.ndjson")
    assert json.loads(shard[1]["record"])["event_timestamp"] == "1773441910000001"  # a JSON string
    assert shard[1]["event_timestamp"] == "1773441910000001"
    purchase = json.loads(team[1]["record"])
    assert purchase["event_timestamp"] == 1773310800000001  # a JSON number
    assert team[1]["event_timestamp"] == "1773310800000001"  # the same text in the raw column
    assert team[1]["user_first_touch_timestamp"] == "1773309600000001"
    assert team[1]["event_bundle_sequence_id"] == "3002"
    assert purchase["ecommerce"]["transaction_id"] == 98765
    assert next(p for p in purchase["event_params"] if p["key"] == "ga_session_id")["value"]["int_value"] == 1773309600


def test_float_as_a_number_or_a_string_is_kept_as_delivered() -> None:
    shard = rows_of(DELIVERIES / "1_first_delivery" / "events_20260313-000000000001.json.gz")
    team = rows_of(DELIVERIES / "1_first_delivery" / "ga4_events_20260312.ndjson")
    assert json.loads(shard[1]["record"])["ecommerce"]["purchase_revenue"] == 85.5
    assert json.loads(team[1]["record"])["ecommerce"]["purchase_revenue"] == "42.3"


def test_a_cookieless_purchase_with_an_explicit_null_pseudo_id_loads() -> None:
    rows = rows_of(DELIVERIES / "1_first_delivery" / "ga4_events_20260312.ndjson")
    assert rows[2]["event_name"] == "purchase" and rows[2]["user_pseudo_id"] is None
    assert "user_pseudo_id" in json.loads(rows[2]["record"])


def test_a_shard_cut_in_transfer_is_rejected_with_its_line() -> None:
    with pytest.raises(RejectedFile) as err:
        rows_of(CUT_SHARD)
    assert "unreadable gzip data" in err.value.reason and err.value.line == 1


@pytest.mark.parametrize(
    ("drop", "null", "fragment"),
    [
        ("event_name", None, "required key(s) missing: event_name"),
        ("event_timestamp", None, "required key(s) missing: event_timestamp"),
        (None, "event_date", 'required key(s) without a value (null or ""): event_date'),
    ],
)
def test_a_truly_required_key_missing_names_the_file_the_line_and_the_key(tmp_path, drop, null, fragment) -> None:
    good = lines_of(DELIVERIES / "1_first_delivery" / "events_20260313-000000000000.json.gz")
    bad = json.loads(good[1])
    if drop:
        del bad[drop]
    if null:
        bad[null] = None
    path = tmp_path / "events_20260313-000000000000.json"
    path.write_text("\n".join([good[0], json.dumps(bad), good[2]]) + "\n", encoding="utf-8")
    with pytest.raises(RejectedFile) as err:
        rows_of(path)
    assert err.value.line == 2
    assert str(err.value) == f"events_20260313-000000000000.json, line 2: {fragment}"
