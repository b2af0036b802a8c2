"""GA4 deliveries as they really arrive, file → raw → dbt → staging (tests/fixtures/ga4/deliveries/
README.md: the three deliveries and where each detail comes from).

1. the 13th as two shards of one export, the intraday table of the 14th, a team's file of the 12th
   (INT64 as numbers, a cookieless purchase): staging counts both shards and the intraday table;
2. the 13th exported again (one shard, one event more), the daily table of the 14th, the 15th in
   two shards of which one is cut in transfer (rejected, quarantined; the others load);
3. the cut shard sent again whole, and a late copy of the 14th's intraday table.

Staging then holds each day once: the latest export of the 13th whole (not added to the first),
the daily table of the 14th (not its intraday table, whatever the order of arrival), both shards
of the 15th (the one sent again completes its export); the late intraday copy is named on
dashboard 18 (marts.quality_stale_deliveries)."""

from __future__ import annotations

from datetime import UTC
from decimal import Decimal

import pytest

from publics import warehouse
from publics.dbt_runner import dbt_build
from tests.conftest import FIXTURES, querier, run_cli

DELIVERIES = FIXTURES / "ga4" / "deliveries"
FOLDERS = ("1_first_delivery", "2_second_delivery", "3_third_delivery")
BUILD = ["utm_source_aliases", "utm_medium_aliases", "base_ga4__deliveries", "stg_ga4__deliveries", "stg_ga4__events",
         "quality_stale_deliveries", "--indirect-selection", "cautious"]
PER_DAY = "select event_date::text, count(*) from staging.stg_ga4__events group by 1 order by 1"


@pytest.fixture(scope="module")
def deliveries(module_db: warehouse.ConnInfo, tmp_path_factory):
    """The three ingestions (a build after the first and after the last), and what each left."""
    query = querier(module_db)
    quarantine = tmp_path_factory.mktemp("quarantine")
    seen = {}
    for n, name in enumerate(FOLDERS, 1):
        result = run_cli("ingest", str(DELIVERIES / name), "--quarantine", str(quarantine),
                         env={"DATABASE_URL": module_db.url})
        seen[f"ingest_{n}"] = result
        if n in (1, 3):
            dbt_build(module_db, BUILD)
            seen[f"per_day_{n}"] = query(PER_DAY)
    return seen | {"query": query, "quarantine": quarantine}


def test_every_delivery_loads_and_the_cut_shard_alone_is_rejected_with_file_and_line(deliveries) -> None:
    first, second, third = (deliveries[f"ingest_{n}"] for n in (1, 2, 3))
    assert first.code == 0 and third.code == 0, (first, third)
    assert second.code == 2, second  # partial: one file rejected, the others loaded
    rejected = [line for line in second.out.splitlines() if "REJECTED" in line]
    assert len(rejected) == 1, second
    assert "events_20260315-000000000001.json.gz, line 1: unreadable gzip data" in rejected[0]
    assert (deliveries["quarantine"] / "events_20260315-000000000001.json.gz").exists()
    assert "Traceback" not in first.out + second.out + third.out
    raw = deliveries["query"]("select _source_file, count(*) from raw.ga4_events group by 1 order by 1")
    assert dict(raw) == {  # every delivered event is in raw, whichever staging keeps
        "events_20260313-000000000000.json.gz": 3 + 6, "events_20260313-000000000001.json.gz": 2,
        "events_20260314.json.gz": 4, "events_20260315-000000000000.json.gz": 2,
        "events_20260315-000000000001.json.gz": 1, "events_intraday_20260314.json": 3 + 5,
        "ga4_events_20260312.ndjson": 3,
    }


def test_before_the_daily_table_the_intraday_one_counts_and_shards_add_up(deliveries) -> None:
    assert deliveries["per_day_1"] == [("2026-03-12", 3), ("2026-03-13", 3 + 2), ("2026-03-14", 3)]


def test_each_day_once_from_its_kept_delivery(deliveries) -> None:
    assert deliveries["per_day_3"] == [("2026-03-12", 3), ("2026-03-13", 6), ("2026-03-14", 4), ("2026-03-15", 3)]
    kept = deliveries["query"](
        "select event_date, export_table, source_file, export_number, events from staging.base_ga4__deliveries "
        "where is_kept order by 1, 3")
    assert kept == [
        ("20260312", "events", "ga4_events_20260312.ndjson", 1, 3),
        ("20260313", "events", "events_20260313-000000000000.json.gz", 2, 6),  # the second export, whole
        ("20260314", "events", "events_20260314.json.gz", 1, 4),
        ("20260315", "events", "events_20260315-000000000000.json.gz", 1, 2),
        ("20260315", "events", "events_20260315-000000000001.json.gz", 1, 1),  # sent again: same export
    ]
    late = deliveries["query"]("select page_location from staging.stg_ga4__events where event_date = '2026-03-13' "
                               "and page_location like '%%distribution'")
    assert late == [("https://billetterie.opera-exemple.fr/carmen/distribution",)]  # arrived late, re-exported


def test_purchases_to_the_cent_with_the_logged_in_user_id(deliveries) -> None:
    purchases = deliveries["query"](
        "select event_date::text, transaction_id, purchase_revenue, user_id, user_pseudo_id is null "
        "from staging.stg_ga4__events where event_name = 'purchase' order by event_at")
    assert purchases == [
        ("2026-03-12", "98765", Decimal("42.30"), None, False),  # transaction id and INT64 as JSON numbers
        ("2026-03-12", "O-20260312-0003", Decimal("10.00"), None, True),  # cookieless
        ("2026-03-13", "O-20260313-0042", Decimal("85.50"), "C1001", False),  # FLOAT as a number
        ("2026-03-14", "O-20260314-0007", Decimal("120.00"), "C1002", False),
    ]
    total = deliveries["query"]("select sum(purchase_revenue) from staging.stg_ga4__events")
    assert total == [(Decimal("257.80"),)]


def test_cookieless_pings_are_there_with_a_null_pseudo_id_and_counted(deliveries) -> None:
    pings = deliveries["query"](
        "select event_date::text, event_name, user_pseudo_id, ga_session_id from staging.stg_ga4__events "
        "where is_cookieless_ping order by event_at")
    assert pings == [("2026-03-12", "purchase", None, None), ("2026-03-13", "page_view", None, None)]


def test_dates_are_the_property_days_in_europe_paris(deliveries) -> None:
    rows = deliveries["query"](
        "select event_at, event_date, (event_at at time zone 'Europe/Paris')::date = event_date "
        "from staging.stg_ga4__events order by event_at")
    assert all(same for _at, _date, same in rows)
    first_of_14th = next((at, day) for at, day, _ in rows if str(day) == "2026-03-14")
    assert str(first_of_14th[0].astimezone(UTC)) == "2026-03-13 23:20:00.000003+00:00"  # 00:20 in Paris
    timestamps = deliveries["query"]("select min(event_at)::text from staging.stg_ga4__events "
                                     "where event_date = '2026-03-12'")
    assert timestamps == [("2026-03-12 10:00:00.000001+00",)]  # INT64 microseconds given as a JSON number


def test_the_late_intraday_copy_is_named_on_dashboard_18(deliveries) -> None:
    stale = deliveries["query"](
        "select entity, late_file, late_file_date, kept_file, kept_file_date, records "
        "from marts.quality_stale_deliveries order by late_file")
    assert stale == [("ga4/events", "events_intraday_20260314.json", "events_intraday du 20260314",
                      "events_20260314.json.gz", "events du 20260314", 5)]
