"""Incremental and full builds give the same tables after a sequence of deliveries, revisions
included (issue 16; macros/incremental.sql).

Three deliveries land in one database, each followed by `publics build` of the web models
(`+int_web__sessions`: the incremental stg_ga4__events and stg_matomo__visits, their parents,
the sessions built from them; the incremental stg_secutix__orders and stg_secutix__tickets; the
files' dates, int_quality__file_data_dates, incremental by file load):
1. GA4: the 12th, the 13th in two shards, the intraday table of the 14th; Matomo: the visits of
   the 15th (JSON) and of the 16th (NDJSON);
2. GA4: the 13th exported again (replacing both shards), the daily table of the 14th (replacing
   the intraday one), the 15th with one shard cut (rejected); Matomo: the CSV export of the 18th;
3. GA4: the cut shard sent again, a late copy of the 14th's intraday table (not kept); Matomo: the
   visits of the 16th delivered again, as a UTF-16 CSV (a revision in another format).
Mailchimp: the activity of March first; a second export revising one of its rows and bringing a
row without an address, whose subscriber hash is that of an address no contact has yet; third, a
SecuTix contacts delta bringing a contact with that address (the row's `email_key` becomes the
contact's: its campaign is recomputed although no activity was delivered).
SecuTix: the full exports of 1 January first, the ticket delta of the 15th second (tickets of an
order not delivered yet, a ticket cancelled), the order delta of the 15th third (orders revised;
tests/fixtures/secutix/README.md).
Web sessions (incremental int_web__sessions), in GA4 day files written here: first, the 16th, a
session opened at 23:50 (Paris) and a purchase; second, the 17th, where that session goes on
after midnight with a campaign link (the session, recomputed from both days, takes its source),
and the 11th delivered late, holding an earlier event of the same purchase (sent twice: the
purchase moves to that earlier session, and the session that loses it, which no new event
touches, is recomputed too); third, the UTM plan, whose planned medium for that campaign link
classifies the session again (every session recomputed).
(tests/fixtures/ga4/deliveries/README.md tells where each GA4 detail comes from.) The tables the
incremental builds left are copied aside, then the same selection is rebuilt with
`--full-refresh`: every model of the selection is the same, row for row (EXCEPT ALL both ways),
the technical watermark column aside. The marts are tables built from these models whole at
every build: identical inputs, identical marts."""

from __future__ import annotations

import copy
import hashlib
import json
import shutil
from datetime import UTC, datetime

import pytest

from ingestion.loader import prepare
from publics import warehouse
from publics.dbt_runner import dbt_build
from tests.conftest import FIXTURES, querier, run_cli

GA4 = FIXTURES / "ga4" / "deliveries"
MATOMO = FIXTURES / "matomo" / "good"
EMAILING = FIXTURES / "emailing"
NEW_ADDRESS = "nouvelle.abonnee@exemple.fr"
# (file name, text, encoding) written into a delivery beside the fixtures
MAILCHIMP_REVISION = ("mailchimp_email_activity_2026-04.csv", (
    "campaign_id,list_id,email_id,email_address,action,type,timestamp,url,ip\n"
    "a1b2c3d4e5,f00d9999,5d41402abc4b2a76b9719d911017c592,claire.martin@example.fr,open,,2026-03-03T09:12:44+00:00,,\n"
    f"b7c8d9e0f1,f00d1234,{hashlib.md5(NEW_ADDRESS.encode()).hexdigest()},,open,,2026-04-02T10:00:00+00:00,,\n"), "utf-8")
CONTACTS_DELTA = ("secutix_contacts_20260120.csv", (
    "CONTACT_NUMBER;CONTACT_TYPE;TITLE;FIRSTNAME;LASTNAME;OFFICIAL_NAME;BIRTHDATE;EMAIL;PHONE;MOBILE_PHONE;LINE1;"
    "ZIPCODE;TOWN;COUNTRY_CODE;PREF_LANG;PROFESSION;OPT_IN_NEWSLETTER;CREATION_DATE;COMMENT;LAST_UPDATE\n"
    f"1999;INDIVIDUAL;MRS;Zoé;Nouvel;;01/02/1990;{NEW_ADDRESS};;;1 place de l'Opéra;75009;Paris;FR;fr;;O;"
    "20/01/2026 10:00:00;;20/01/2026 10:00:00\n"), "cp1252")
SECUTIX = FIXTURES / "secutix" / "good"
# a purchase event of the team's export of the 12th, the template of the events written below
GA4_TEMPLATE = json.loads((GA4 / "1_first_delivery" / "ga4_events_20260312.ndjson").read_text().splitlines()[1])
SITE = "https://billetterie.opera-exemple.fr/"
NIGHT, BUYER, FIRST_BUYER = ("555000111.1773700000", 1773700000), ("555000222.1773660000", 1773660000), \
    ("555000333.1773223200", 1773223200)
RESENT = "O-RENVOI-0001"


def ga4_event(day: str, at: str, name: str, visitor: tuple[str, int], sequence: int, page: str = SITE,
              transaction: str | None = None) -> dict:
    """One GA4 event of the team's exports (`at`: UTC, ISO), `day` its date in Paris."""
    event = copy.deepcopy(GA4_TEMPLATE)
    params = [{"key": "page_location", "value": {"string_value": page}},
              {"key": "ga_session_id", "value": {"int_value": visitor[1]}}]
    event.update(event_date=day, event_name=name, user_pseudo_id=visitor[0], user_id=None,
                 event_bundle_sequence_id=sequence, event_params=params,
                 event_timestamp=int(datetime.fromisoformat(at).replace(tzinfo=UTC).timestamp() * 1_000_000),
                 ecommerce={"purchase_revenue": "30.0", "transaction_id": transaction} if transaction else None)
    return event


def ga4_file(day: str, *events: dict) -> tuple[str, str, str]:
    return (f"ga4_events_{day}.ndjson", "".join(json.dumps(e) + "\n" for e in events), "utf-8")


CAMPAIGN_LINK = SITE + "carmen?utm_source=facebook&utm_medium=social&utm_campaign=carmen-2026"
GA4_16TH = ga4_file("20260316",  # 23:50 in Paris, the session goes on after midnight (next file)
                    ga4_event("20260316", "2026-03-16T22:50:00", "page_view", NIGHT, 7001),
                    ga4_event("20260316", "2026-03-16T10:00:00", "page_view", BUYER, 7002),
                    ga4_event("20260316", "2026-03-16T10:05:00", "purchase", BUYER, 7003, transaction=RESENT))
GA4_17TH = ga4_file("20260317",  # 00:10 in Paris: the 17th's file
                    ga4_event("20260317", "2026-03-16T23:10:00", "page_view", NIGHT, 7101, page=CAMPAIGN_LINK))
GA4_11TH = ga4_file("20260311",  # a day delivered late: the purchase's first event, five days earlier
                    ga4_event("20260311", "2026-03-11T09:00:00", "purchase", FIRST_BUYER, 7201, transaction=RESENT))
DELIVERIES = [  # (the GA4 delivery, the Matomo files, the SecuTix files, the e-mailing fixtures, files written, others)
    (GA4 / "1_first_delivery", ["matomo_visits_20240315.json", "matomo_visits_20240316_one_visit_per_line.ndjson"],
     ["secutix_contacts_20260101.csv", "secutix_performances_20260101.csv", "secutix_orders_20260101.csv",
      "secutix_tickets_20260101.csv"], ["mailchimp_email_activity_2026-03.csv"], [GA4_16TH], []),
    (GA4 / "2_second_delivery", ["Export _ Visits Log _ Monday, March 18, 2024.csv"], ["secutix_tickets_20260115.csv"],
     [], [MAILCHIMP_REVISION, GA4_17TH, GA4_11TH], []),
    (GA4 / "3_third_delivery", ["matomo_visits_20240318_utf16.csv"], ["secutix_orders_20260115.csv"], [], [CONTACTS_DELTA],
     [FIXTURES / "spreadsheets" / "plan_utm_2025-26.xlsx"]),
]
# the tests of these models only (not those reading models outside the selection); the marts of
# the sessions are tables, built here to show that they are unchanged too
SELECT = ["+int_web__sessions", "+stg_secutix__orders", "+stg_secutix__tickets", "+stg_emailing__mailchimp_email_activity",
          "+fct_web_sessions", "+fct_touchpoints", "+fct_attribution_credits", "int_quality__file_data_dates",
          "--indirect-selection", "cautious"]
WATERMARK = "raw_loaded_through"


def models(query) -> list[tuple[str, str]]:
    """Every table the selection built (schema, name): staging, intermediate and marts."""
    return query("select table_schema, table_name from information_schema.tables "
                 "where table_schema in ('staging', 'intermediate', 'marts') and table_type = 'BASE TABLE' order by 1, 2")


def columns(query, schema: str, table: str) -> list[str]:
    return [c for (c,) in query(
        "select column_name from information_schema.columns where table_schema = %s and table_name = %s "
        "order by ordinal_position", (schema, table)) if c != WATERMARK]


@pytest.fixture(scope="module")
def built(module_db: warehouse.ConnInfo, tmp_path_factory):
    query = querier(module_db)
    env = {"DATABASE_URL": module_db.url}
    quarantine = tmp_path_factory.mktemp("quarantine")
    builds, watermarks, keys, sessions, loads = [], [], [], [], []
    for n, (ga4, matomo, secutix, emailing, written, others) in enumerate(DELIVERIES, 1):
        inbox = tmp_path_factory.mktemp(f"delivery_{n}")
        for f in ga4.iterdir():
            shutil.copy(f, inbox / f.name)
        for name in matomo:
            shutil.copy(MATOMO / name, inbox / name)
        for name in secutix:
            shutil.copy(SECUTIX / name, inbox / name)
        for name in emailing:
            shutil.copy(EMAILING / name, inbox / name)
        for name, text, encoding in written:
            (inbox / name).write_bytes(text.encode(encoding))
        for path in others:
            shutil.copy(path, inbox / path.name)
        ingest = run_cli("ingest", str(inbox), "--quarantine", str(quarantine), env=env)
        assert ingest.code in (0, 2) and "Traceback" not in ingest.out, ingest  # 2: the cut shard
        if n == 1:
            prepare(module_db)  # every raw table exists (the spreadsheets are not delivered), as `publics build` does
        builds.append(dbt_build(module_db, SELECT))
        watermarks.append(query(
            f"select event_date::text, max({WATERMARK}) from staging.stg_ga4__events group by 1 order by 1"))
        keys.append(dict(query("select campaign_id, string_agg(email_key, ',' order by email_key) "
                               "from staging.stg_emailing__mailchimp_email_activity group by 1")))
        sessions.append({row[0]: row[1:] for row in query(
            f"select visitor_id, pageviews, source, medium, channel_group, transactions, {WATERMARK} "
            "from intermediate.int_web__sessions where tool = 'ga4'")})
        loads.append(dict(query(f"select file_hash || ' ' || loaded_at, {WATERMARK} "
                                "from intermediate.int_quality__file_data_dates")))
    incremental = {}
    for schema, table in models(query):
        cols = ", ".join(f'"{c}"' for c in columns(query, schema, table))
        incremental[(schema, table)] = cols
        query(f'create schema if not exists incremental_{schema}; '
              f'create table incremental_{schema}."{table}" as select {cols} from {schema}."{table}"')
    full = dbt_build(module_db, SELECT, full_refresh=True)
    return {"query": query, "builds": builds, "full": full, "incremental": incremental, "watermarks": watermarks,
            "mailchimp_keys": keys, "sessions": sessions, "loads": loads}


def test_every_build_passes(built) -> None:
    for summary in [*built["builds"], built["full"]]:  # dbt_build raises on a failure
        assert "error" not in summary and "model(s)" in summary, summary


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
    assert ("intermediate", "int_web__sessions") in incremental and ("marts", "fct_web_sessions") in incremental
    assert ("marts", "fct_touchpoints") in incremental and ("marts", "fct_attribution_credits") in incremental
    assert ("staging", "stg_secutix__orders") in incremental and ("staging", "stg_secutix__tickets") in incremental
    assert ("staging", "stg_emailing__mailchimp_email_activity") in incremental
    assert ("intermediate", "int_quality__file_data_dates") in incremental
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
                        "union all select 'matomo', count(*) from staging.stg_matomo__visits "
                        "union all select 'orders', count(*) from staging.stg_secutix__orders "
                        "union all select 'tickets', count(*) from staging.stg_secutix__tickets"))
    assert all(n > 0 for n in counts.values()), counts


def test_a_new_contact_gives_its_key_to_the_activity_of_its_address_delivered_before(built) -> None:
    """The third delivery brings no activity, only the contact whose subscriber hash the second
    delivery's row without an address carries: the incremental build gave that row the contact's
    key (the equality above then says it is the key a full build gives)."""
    second, third = built["mailchimp_keys"][1], built["mailchimp_keys"][2]
    assert second["b7c8d9e0f1"] != third["b7c8d9e0f1"]
    assert second["a1b2c3d4e5"] == third["a1b2c3d4e5"]
    first = built["mailchimp_keys"][0]
    assert "b7c8d9e0f1" not in first and set(first["a1b2c3d4e5"].split(",")) == set(third["a1b2c3d4e5"].split(","))


def test_the_sessions_were_recomputed_where_a_delivery_touched_them(built) -> None:
    """The incremental int_web__sessions: what each build changed, and what it left alone (the
    equality above then says each change is the one a full build makes)."""
    first, second, third = built["sessions"]
    # a session of the 12th, which no later delivery touches, kept by the second build
    untouched = "990011223.1773309600"
    assert first[untouched][-1] == second[untouched][-1]
    # the session across midnight: one page, direct, on the 16th; the 17th's file adds its campaign link
    assert first[NIGHT[0]][:4] == (1, "(direct)", "(none)", "Direct")
    assert second[NIGHT[0]][:4] == (2, "facebook", "social", "Organic Social")
    # the purchase sent twice moved to its first event's session, delivered late; the session that
    # lost it had no new event and was recomputed all the same
    assert (first[BUYER[0]][4], second[BUYER[0]][4], second[FIRST_BUYER[0]][4]) == (1, 0, 1)
    assert FIRST_BUYER[0] not in first and second[BUYER[0]][-1] > first[BUYER[0]][-1]
    # the UTM plan, delivered third, plans the medium of that link: the session is classified again,
    # as is every session (the third delivery holds no event of it)
    assert third[NIGHT[0]][2:4] == ("paid_social", "Paid Social")
    assert all(third[v][-1] > second[v][-1] for v in second)


def test_the_files_dates_group_the_files_loaded_since_only(built) -> None:
    """int_quality__file_data_dates (one row per file load) kept the rows of the files loaded
    before, with their watermark, and added those of each delivery (the equality above says
    they are what a full build groups)."""
    first, second, third = built["loads"]
    assert first and set(first) < set(second) < set(third)
    assert all(second[load] == watermark for load, watermark in first.items())
    assert all(third[load] == watermark for load, watermark in second.items())
    assert min(third[load] for load in set(third) - set(second)) > max(second.values())
