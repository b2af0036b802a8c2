"""`publics ingest` on the demo's web and e-mailing deliveries (renderers/web.py: GA4, Matomo,
Mailchimp) against the throwaway Postgres: every good file lands whole (row counts = what the
generator says it wrote), the web purchases land with their transaction ids, every planted broken
file is rejected with its expected problem."""

from __future__ import annotations

import pytest

from publics_demo.renderers import web
from publics_demo.world.model import build_world
from tests.conftest import assert_broken_files_reported, assert_inbox_loaded_whole, run_cli

SCALE, SEED = 0.01, 5
TABLE_OF = {"events_": "ga4_events", "matomo_visits_": "matomo_visits", "Export _ ": "matomo_visits_csv",
            "mailchimp_email_activity_": "mailchimp_email_activity", "mailchimp_reports_": "mailchimp_reports",
            "members_export_": "mailchimp_members", "brevo_export_": "brevo_contacts"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo_web")
    world = build_world(seed=SEED, scale=SCALE)
    counts, truth = web.write(world, out)
    return out, world, counts, truth, web.write_broken(out)


def ingest(folder, quarantine, db):
    return run_cli("ingest", str(folder), "--quarantine", str(quarantine), env={"DATABASE_URL": db.url})


def test_generated_web_inbox_loads_whole(demo, tmp_path, fresh_db, query):
    out, world, counts, truth, _ = demo
    result = ingest(out / "inbox", tmp_path / "quarantine", fresh_db)
    assert result.code == 0, result
    assert "REJECTED" not in result.out and "drift" not in result.out.lower(), result

    assert_inbox_loaded_whole(query, counts, TABLE_OF)

    # The web orders land with their transaction ids: GA4 purchases (minus "(not set)") and Matomo orders.
    orders = truth["orders"]
    ga4_ids = {r[0] for r in query("select record->'ecommerce'->>'transaction_id' from raw.ga4_events "
                                   "where event_name = 'purchase'")}
    matomo_ids = {r[0] for r in query("select a->>'orderId' from raw.matomo_visits, "
                                      "jsonb_array_elements(record->'actionDetails') a "
                                      "where a->>'type' = 'ecommerceOrder'")}
    # the days downloaded from Matomo's interface (TSV): the order is a flattened action
    tsv_ids = {r[0] for r in query("select f.value #>> '{}' from raw.matomo_visits_csv, jsonb_each(record) f "
                                   "where f.key ~ '^actionDetails_[0-9]+_orderId$'")}
    assert tsv_ids and tsv_ids.isdisjoint(matomo_ids)
    matomo_ids |= tsv_ids
    assert ga4_ids - {"(not set)"} == {t for t, o in orders.items() if o["ga4"] and o["ga4"][2]}
    assert matomo_ids == {t for t, o in orders.items() if o["matomo"] and o["matomo"][2]}
    # Logged-in visitors carry a SecuTix contact number; every web buyer logged in, in a tool at least.
    users = {r[0] for r in query("select user_id from raw.matomo_visits where user_id is not null "
                                 "union select user_id from raw.matomo_visits_csv where user_id is not null "
                                 "union select user_id from raw.ga4_events where user_id is not null")}
    numbers = {r.number for p in world.people for r in [p.record, *p.duplicates]}
    buyers = {o["buyer"] for o in orders.values() if o["ga4"] or o["matomo"]}
    assert users <= numbers and buyers <= users
    # Mailchimp's audience export: its members by status, as the truth says
    members = dict(query("select status, count(*) from raw.mailchimp_members group by status"))
    assert members == {k: n for k, n in truth["emailing"]["audience_export"]["members"].items() if n}
    # Brevo's contacts export, routed by its header (named like the campaign statistics)
    assert query("select entity from raw.load_ledger where file_name like 'brevo_export_%%'") == [("brevo_contacts",)]


def test_every_planted_broken_web_file_is_rejected_with_its_problem(demo, tmp_path, fresh_db, query):
    out, _, _, _, planted = demo
    assert {item["file"].split("/")[1] for item in planted} == {"ga4", "matomo", "emailing"}
    quarantine = tmp_path / "quarantine"
    result = ingest(out / "broken", quarantine, fresh_db)
    assert_broken_files_reported(result, planted, quarantine)
    assert query("select count(*) from raw.load_ledger where status = 'rejected'") == [(len(planted),)]
    assert query("select count(*) from raw.ga4_events") == [(0,)]
