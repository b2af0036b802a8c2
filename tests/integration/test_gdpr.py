"""Retention purge and data subjects' rights (issue 15) on hand-made data, read on 2028-10-01
(PUBLICS_TODAY): the SecuTix fixtures (tests/fixtures/secutix/README.md), a Matomo day of March
2024, and the Mailchimp activity of tests/fixtures/gdpr/README.md.

At that date: contacts 1004 (last order 2025-09-20) and 1005 (2025-04-01) are clients 3 years
after their last order, 2001 (a school created in 2020, no order) a prospect without contact
for 3 years; 1001, 1002, 1003 ordered in December 2025 and stay. The address with only opens
for 3 years goes, the one that clicked 2 years 11 months earlier stays. The Matomo file (2024)
is more than 25 months old. The dry run changes nothing, the purge removes exactly that, a
second purge finds nothing. Then 1001 is forgotten: gone from every schema and file, and a new
delivery naming her does not bring her back."""

from __future__ import annotations

import re
import shutil

import pytest

from publics import warehouse
from publics.gdpr import rights
from tests.conftest import FIXTURES, querier, run_cli, tree_digest

TODAY = "2028-10-01"
GDPR = FIXTURES / "gdpr"
GOOD = FIXTURES / "secutix" / "good"
RAW_COUNTS = ("select (select count(*) from raw.secutix_contacts), (select count(*) from raw.mailchimp_email_activity), "
              "(select count(*) from raw.matomo_visits), "
              "(select count(*) from raw.secutix_orders where buying_contact_number is not null), "
              "(select count(*) from raw.secutix_tickets where cultural_contact_number is not null)")
FORGOTTEN = "helene.oeuvray@exemple.fr"  # contact 1001, Hélène Œuvray, 0142000001


def cli(info: warehouse.ConnInfo, *args: str):
    return run_cli(*args, env={"DATABASE_URL": info.url, "PUBLICS_TODAY": TODAY})


@pytest.fixture(scope="module")
def world(module_db: warehouse.ConnInfo, tmp_path_factory):
    inbox, quarantine = tmp_path_factory.mktemp("inbox"), tmp_path_factory.mktemp("quarantine")
    for path in GOOD.glob("*_20260101.csv"):
        shutil.copy(path, inbox)
    shutil.copy(FIXTURES / "matomo" / "good" / "matomo_visits_20240315.json", inbox)
    shutil.copy(FIXTURES / "emailing" / "mailchimp_reports_2026-03.csv", inbox)
    for path in GDPR.glob("*.csv"):
        shutil.copy(path, inbox)
    result = cli(module_db, "ingest", str(inbox), "--quarantine", str(quarantine))
    assert result.code == 2, result  # the file without its `action` column is rejected
    assert (quarantine / "mailchimp_email_activity_rejected.csv").exists()
    return module_db, querier(module_db), inbox, quarantine


def test_dry_run_counts_by_rule_and_changes_nothing(world):
    info, query, _inbox, quarantine = world
    before, files = query(RAW_COUNTS), tree_digest(quarantine)
    result = cli(info, "gdpr", "purge", "--dry-run", "--quarantine", str(quarantine))
    assert result.code == 0, result
    summary = re.search(r"✔ gdpr purge \(dry run\) at 2028-10-01: (.*) \(", result.out)
    assert summary, result
    # client: 2 contacts, 2 orders, 2 tickets; prospect: 2001's contact and the 3 opens
    # (+ the quarantined file); web_analytics: the 3 visits of the Matomo file.
    assert summary.group(1) == "client: 6, prospect: 5, web_analytics: 3", result
    assert query(RAW_COUNTS) == before
    assert tree_digest(quarantine) == files
    assert query("select count(*) from raw.gdpr_purge_ledger") == [(0,)]


def test_purge_removes_what_is_past_retention_and_only_that(world):
    info, query, _inbox, quarantine = world
    result = cli(info, "gdpr", "purge", "--quarantine", str(quarantine))
    assert result.code == 0, result
    assert query("select trim(contact_number) from raw.secutix_contacts order by 1") == [("1001",), ("1002",), ("1003",)]
    assert query("select distinct email_address from raw.mailchimp_email_activity") == [("curieuse@example.fr",)]
    assert query("select count(*) from raw.matomo_visits") == [(0,)]
    # the incremental models of the tables the purge changed were rebuilt whole (an incremental
    # run sees new loads only, not rows removed or rewritten in place): the staging, the sessions
    # built from the web staging, and the files' dates
    assert ("rebuilt whole: int_quality__file_data_dates, int_web__sessions, stg_emailing__mailchimp_email_activity, "
            "stg_matomo__visits, stg_secutix__orders, stg_secutix__tickets") in result.out, result
    assert query("select count(*) from staging.stg_matomo__visits") == [(0,)]
    assert query("select count(*) from intermediate.int_web__sessions where tool = 'matomo'") == [(0,)]
    # O5 and O6 lose their buyer to the marker staging reads (O3, a reseller's sale, never had one)
    assert query("select file_number, buying_contact_number from raw.secutix_orders "
                 "where buying_contact_number is null or buying_contact_number = '[effacé RGPD]' order by 1") == \
        [("O3", None), ("O5", "[effacé RGPD]"), ("O6", "[effacé RGPD]")]
    assert query("select order_id, buyer_contact_id from staging.stg_secutix__orders where is_buyer_erased "
                 "order by 1") == [("O5", None), ("O6", None)]
    # an erased buyer is not an order « without a known buyer »: the critical check's base leaves them out
    assert query("select orders_with_buyer_share from marts.quality_metrics") == query(
        "select avg(case when buyer_person_key is not null then 1.0 else 0.0 end) from marts.fct_orders o "
        "where is_paid_order and not is_cancelled and sales_channel not in ('reseller', 'resale') "
        "and order_id not in ('O5', 'O6')")
    # amounts kept: 2 × 45000 + 12500 + 3 × 30000 + 45000 + 0 + 15000 (the tickets file)
    assert query("select sum(price::int) from raw.secutix_tickets") == [(252500,)]
    kept = (quarantine / "mailchimp_email_activity_rejected.csv").read_text(encoding="utf-8")
    assert "lecteur.fidele@example.fr" not in kept and "curieuse@example.fr" in kept
    assert query("select rule_id, target, action, rows from raw.gdpr_purge_ledger order by 1, 2, 3") == [
        ("client", "raw.secutix_contacts", "delete", 2),
        ("client", "raw.secutix_orders", "anonymise", 2),
        ("client", "raw.secutix_tickets", "anonymise", 2),
        ("prospect", "quarantine files", "rewritten", 1),
        ("prospect", "raw.mailchimp_email_activity", "delete", 3),
        ("prospect", "raw.secutix_contacts", "delete", 1),
        ("web_analytics", "raw.matomo_visits", "delete", 3),
    ]
    # the rebuilt warehouse has nobody past retention, and the dependants followed raw
    assert query("select count(*) from intermediate.int_gdpr__retention_status where is_past_retention") == [(0,)]
    assert query("select contact_id from restricted.restricted_contact_identities order by 1") == \
        [("1001",), ("1002",), ("1003",)]


def test_purge_again_finds_nothing(world):
    info, query, _inbox, quarantine = world
    ledger, files = query("select count(*) from raw.gdpr_purge_ledger"), tree_digest(quarantine)
    result = cli(info, "gdpr", "purge", "--quarantine", str(quarantine))
    assert result.code == 0, result
    assert "nothing past retention" in result.out, result
    assert query("select count(*) from raw.gdpr_purge_ledger") == ledger
    assert tree_digest(quarantine) == files


def test_export_bundles_every_layer(world, tmp_path):
    info, _query, _inbox, _quarantine = world
    result = cli(info, "gdpr", "export", "--email", FORGOTTEN, "--out", str(tmp_path))
    assert result.code == 0, result
    import json

    (bundle,) = tmp_path.glob("*.json")
    assert FORGOTTEN not in bundle.name
    tables = {(t["schema"], t["table"]) for t in json.loads(bundle.read_text(encoding="utf-8"))["tables"]}
    for expected in [("raw", "secutix_contacts"), ("raw", "secutix_orders"), ("restricted", "restricted_contact_identities"),
                     ("staging", "stg_secutix__contacts"), ("intermediate", "int_identity__contacts"),
                     ("marts", "fct_orders"), ("marts", "dim_persons")]:
        assert expected in tables, (expected, sorted(tables))
    assert (tmp_path / bundle.name.replace(".json", ".csv")).exists()


def test_forget_then_redeliver(world, tmp_path):
    info, query, _inbox, quarantine = world
    with warehouse.connect(info, autocommit=True) as conn:
        person = rights.find_person(conn, FORGOTTEN)
    assert person.contact_numbers == {"1001"} and person.phones == {"0142000001"}
    revenue = ("select count(*), sum(revenue_eur), sum(tickets_sold) from marts.fct_orders "
               "where is_paid_order and not is_cancelled")
    before = query(revenue)
    assert query("select count(*) from marts.fct_orders where order_id = 'O1' and buyer_person_key is not null") == [(1,)]
    result = cli(info, "gdpr", "forget", "--email", FORGOTTEN, "--quarantine", str(quarantine))
    assert result.code == 0, result
    assert "✔ gdpr forget: nothing remains" in result.out, result
    # her order O1 (2 × 45 €) stays in the revenue, anonymised as the purge does, not deleted
    assert query(revenue) == before
    assert query("select buying_contact_number from raw.secutix_orders where file_number = 'O1'") == [("[effacé RGPD]",)]
    assert query("select is_buyer_erased, buyer_person_key from marts.fct_orders o "
                 "join staging.stg_secutix__orders s using (order_id) where order_id = 'O1'") == [(True, None)]
    # the e-mail activity follows its contacts (a row without an address takes its contact's key)
    assert ("rebuilt whole: int_quality__file_data_dates, stg_emailing__mailchimp_email_activity, stg_secutix__orders, "
            "stg_secutix__tickets") in result.out, result
    assert query("select count(*) from staging.stg_secutix__orders where buyer_contact_id = '1001'") == [(0,)]
    tombstones = query("select key_kind, key from raw.gdpr_tombstones order by 1")
    assert [k for k, _ in tombstones] == ["contact", "email", "mailchimp_hash"]
    assert all(FORGOTTEN not in key and key != "1001" for _, key in tombstones)
    # the next delivery names her again: a contacts delta and a click of hers
    delta = tmp_path / "delta"
    delta.mkdir()
    (delta / "secutix_contacts_20260201.csv").write_bytes(
        ("CONTACT_NUMBER;CONTACT_TYPE;FIRSTNAME;LASTNAME;EMAIL;PHONE;LAST_UPDATE\r\n"
         "1001;INDIVIDUAL;Hélène;Œuvray;Helene.Oeuvray@exemple.fr;0142000001;01/02/2026 10:00:00\r\n"
         "1002;INDIVIDUAL;François;Lefèvre;;;01/02/2026 10:00:00\r\n").encode("cp1252"))
    (delta / "mailchimp_email_activity_2026-02.csv").write_text(
        "campaign_id,list_id,email_id,email_address,action,type,timestamp,url,ip\n"
        "a1b2c3d4e5,f00d1234,2c0c5e6e2a0a6a3f2f0d9a2a77f3d003,helene.oeuvray@exemple.fr,click,,"
        "2026-02-02T08:00:00+00:00,https://www.opera.example.fr/carmen,\n", encoding="utf-8")
    # ingest and build, not `run`: its check step would stop on orders_with_buyer_share, which
    # the anonymised orders of this tiny fixture bring under its threshold (known, docs/gdpr.md)
    result = cli(info, "ingest", str(delta), "--quarantine", str(quarantine))
    assert result.code == 0, result.out[-2500:]
    assert "erased persons delivered again, dropped from raw: 2 row(s)" in result.out, result
    result = cli(info, "build")
    assert result.code == 0, result.out[-2500:]
    assert query("select count(*) from raw.secutix_contacts where trim(contact_number) = '1002'") == [(2,)]
    assert rights.remains(info, person, quarantine) == []
    assert query("select count(*) from staging.stg_secutix__contacts where contact_id = '1001'") == [(0,)]
