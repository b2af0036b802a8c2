"""Incremental and full builds give the same tables after a sequence of deliveries, revisions
included (issue 16; macros/incremental.sql).

Three deliveries land in one database, each followed by `publics build` of the web models
(`+int_web__sessions`: the incremental stg_ga4__events and stg_matomo__visits, their parents,
the sessions built from them):
1. GA4: the 12th, the 13th in two shards, the intraday table of the 14th; Matomo: the visits of
   the 15th (JSON) and of the 16th (NDJSON);
2. GA4: the 13th exported again (replacing both shards), the daily table of the 14th (replacing
   the intraday one), the 15th with one shard cut (rejected); Matomo: the CSV export of the 18th;
3. GA4: the cut shard sent again, a late copy of the 14th's intraday table (not kept); Matomo: the
   visits of the 16th delivered again, as a UTF-16 CSV (a revision in another format).
(tests/fixtures/ga4/deliveries/README.md tells where each GA4 detail comes from.) The tables the
incremental builds left are copied aside, then the same selection is rebuilt with
`--full-refresh`: every model of the selection is the same, row for row (EXCEPT ALL both ways),
the technical watermark column aside. The marts are tables built from these models whole at
every build: identical inputs, identical marts."""

from __future__ import annotations

import shutil

import pytest

from publics import warehouse
from tests.conftest import FIXTURES, querier, run_cli

GA4 = FIXTURES / "ga4" / "deliveries"
MATOMO = FIXTURES / "matomo" / "good"
DELIVERIES = [
    (GA4 / "1_first_delivery", ["matomo_visits_20240315.json", "matomo_visits_20240316_one_visit_per_line.ndjson"]),
    (GA4 / "2_second_delivery", ["Export _ Visits Log _ Monday, March 18, 2024.csv"]),
    (GA4 / "3_third_delivery", ["matomo_visits_20240318_utf16.csv"]),
]
SELECT = ["+int_web__sessions"]
WATERMARK = "raw_loaded_through"


def models(query) -> list[tuple[str, str]]:
    """Every table the selection built (schema, name): staging and intermediate."""
    return query("select table_schema, table_name from information_schema.tables "
                 "where table_schema in ('staging', 'intermediate') and table_type = 'BASE TABLE' order by 1, 2")


def columns(query, schema: str, table: str) -> list[str]:
    return [c for (c,) in query(
        "select column_name from information_schema.columns where table_schema = %s and table_name = %s "
        "order by ordinal_position", (schema, table)) if c != WATERMARK]


@pytest.fixture(scope="module")
def built(module_db: warehouse.ConnInfo, tmp_path_factory):
    query = querier(module_db)
    env = {"DATABASE_URL": module_db.url}
    quarantine = tmp_path_factory.mktemp("quarantine")
    builds, watermarks = [], []
    for n, (ga4, matomo) in enumerate(DELIVERIES, 1):
        inbox = tmp_path_factory.mktemp(f"delivery_{n}")
        for f in ga4.iterdir():
            shutil.copy(f, inbox / f.name)
        for name in matomo:
            shutil.copy(MATOMO / name, inbox / name)
        ingest = run_cli("ingest", str(inbox), "--quarantine", str(quarantine), env=env)
        assert ingest.code in (0, 2) and "Traceback" not in ingest.out, ingest  # 2: the cut shard
        build = run_cli("build", "--select", *SELECT, env=env)
        assert build.code == 0, build
        builds.append(build)
        watermarks.append(query(
            f"select event_date::text, max({WATERMARK}) from staging.stg_ga4__events group by 1 order by 1"))
    incremental = {}
    for schema, table in models(query):
        cols = ", ".join(f'"{c}"' for c in columns(query, schema, table))
        incremental[(schema, table)] = cols
        query(f'create schema if not exists incremental_{schema}; '
              f'create table incremental_{schema}."{table}" as select {cols} from {schema}."{table}"')
    full = run_cli("build", "--select", *SELECT, "--full-refresh", env=env)
    return {"query": query, "builds": builds, "full": full, "incremental": incremental, "watermarks": watermarks}


def test_every_build_passes(built) -> None:
    for result in [*built["builds"], built["full"]]:
        assert result.code == 0, result
    assert "--full-refresh" in built["full"].out


def test_the_later_builds_were_incremental_and_left_the_days_no_batch_touched(built) -> None:
    first, second, third = (dict(w) for w in built["watermarks"])
    # the 12th is delivered once (first delivery): the later builds did not rewrite it
    assert first["2026-03-12"] == second["2026-03-12"] == third["2026-03-12"]
    # the 13th, exported again in the second delivery, was recomputed by the second build
    assert second["2026-03-13"] > first["2026-03-13"]
    # the 15th, completed by the third delivery, was recomputed by the third build
    assert third["2026-03-15"] > second["2026-03-15"]


def test_incremental_and_full_builds_give_identical_tables(built) -> None:
    query, incremental = built["query"], built["incremental"]
    assert ("staging", "stg_ga4__events") in incremental and ("staging", "stg_matomo__visits") in incremental
    assert ("intermediate", "int_web__sessions") in incremental
    assert set(models(query)) == set(incremental)
    differ = {}
    for (schema, table), cols in incremental.items():
        for a, b in ((f'{schema}."{table}"', f'incremental_{schema}."{table}"'),
                     (f'incremental_{schema}."{table}"', f'{schema}."{table}"')):
            (n,) = query(f"select count(*) from (select {cols} from {a} except all select {cols} from {b}) as d")[0]
            if n:
                differ[f"{a} − {b}"] = n
    assert differ == {}
    counts = dict(query("select 'ga4', count(*) from staging.stg_ga4__events "
                        "union all select 'matomo', count(*) from staging.stg_matomo__visits"))
    assert counts["ga4"] > 0 and counts["matomo"] > 0
