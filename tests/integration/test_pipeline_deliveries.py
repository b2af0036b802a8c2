"""Deliveries as they arrive in life, on the hand-made SecuTix fixtures (tests/fixtures/secutix/
README.md), in two batches like a real week:

1. the `_20260101` files and the ticket delta of the 15th — whose order delta is late: tickets
   T10, T11 of order O7 arrive before O7, T3 is cancelled before its order O2;
2. the order delta of the 15th, and two contacts deltas: one without the BIRTHDATE column
   (contact 1001 moved to Lyon), one with the column and an empty birth date (contact 1002).

Each `publics run` ends without a failed step and builds the marts; the gap between sources is a
warning naming the awaited order on the first run (dashboard 18) and gone on the second; a
delta without a column does not erase that field, an empty value in a delivered column does.
"""

from __future__ import annotations

import re
import shutil
from decimal import Decimal

import pytest

from publics import warehouse
from tests.conftest import FIXTURES, querier, run_cli

GOOD = FIXTURES / "secutix" / "good"

CONTACTS_WITHOUT_BIRTHDATE = (
    "CONTACT_NUMBER;CONTACT_TYPE;TOWN;LAST_UPDATE\r\n"
    "1001;INDIVIDUAL;Lyon;16/01/2026 09:00:00\r\n"
)
CONTACTS_WITH_EMPTY_BIRTHDATE = (
    "CONTACT_NUMBER;CONTACT_TYPE;BIRTHDATE;LAST_UPDATE\r\n"
    "1002;INDIVIDUAL;;17/01/2026 09:00:00\r\n"
)

GAPS = "select gap_type, record_id, tickets, ticket_ids from marts.quality_delivery_gaps order by gap_type, record_id"
GAP_CHECK = ("select success, observed_value, severity_label from marts.dash_18_data_quality "
             "where is_latest_run and suite = 'delivery_gaps'")
CONTACTS = "select contact_id, birth_year, town, postcode, has_newsletter_opt_in from staging.stg_secutix__contacts " \
           "where contact_id in ('1001', '1002') order by contact_id"


def run(folder, info: warehouse.ConnInfo, quarantine) -> str:
    result = run_cli("run", str(folder), "--quarantine", str(quarantine), env={"DATABASE_URL": info.url})
    assert result.code == 0, result
    models = re.search(r"\d+ model\(s\) [^,]*", result.out)
    assert models and "skipped" not in models.group(0) and "error" not in models.group(0), result
    return result.out


@pytest.fixture(scope="module")
def week(module_db: warehouse.ConnInfo, tmp_path_factory):
    """The two runs, and what each left in the warehouse."""
    query = querier(module_db)
    monday, tuesday = tmp_path_factory.mktemp("monday"), tmp_path_factory.mktemp("tuesday")
    for path in GOOD.glob("*_20260101.csv"):
        shutil.copy(path, monday)
    shutil.copy(GOOD / "secutix_tickets_20260115.csv", monday)
    shutil.copy(GOOD / "secutix_orders_20260115.csv", tuesday)
    (tuesday / "secutix_contacts_20260116.csv").write_bytes(CONTACTS_WITHOUT_BIRTHDATE.encode("cp1252"))
    (tuesday / "secutix_contacts_20260117.csv").write_bytes(CONTACTS_WITH_EMPTY_BIRTHDATE.encode("cp1252"))

    seen = {}
    quarantine = tmp_path_factory.mktemp("q")
    for day, folder in (("monday", monday), ("tuesday", tuesday)):
        out = run(folder, module_db, quarantine)
        seen[day] = {
            "out": out,
            "gaps": query(GAPS),
            "gap_check": query(GAP_CHECK),
            "revenue": query("select sum(revenue_eur) from marts.fct_tickets")[0][0],
            "contacts": query(CONTACTS),
        }
    return seen


def test_a_ticket_delta_before_its_order_delta_is_a_warning_naming_the_order(week) -> None:
    monday = week["monday"]
    assert monday["gaps"] == [
        ("billets_sans_commande", "O7", 2, "T10, T11"),  # O7 comes with the order delta
        ("commande_et_billets_en_desaccord", "O2", 1, "T3"),  # T3 cancelled, O2 not yet
    ]
    [(success, observed, severity)] = monday["gap_check"]
    assert not success and severity == "Avertissement"
    assert "commande O7 pas encore livrée (2 billet(s) : T10, T11)" in observed, observed
    assert "commande O2" in observed, observed
    assert "delivery_gaps" in monday["out"] and "commande O7" in monday["out"]
    # the marts are built, without the tickets whose order has not arrived: 285 € - O7's 90 €
    assert monday["revenue"] == Decimal("195.00")


def test_the_gap_is_gone_once_the_order_arrives(week) -> None:
    tuesday = week["tuesday"]
    assert tuesday["gaps"] == []
    assert [row[0] for row in tuesday["gap_check"]] == [True]
    assert tuesday["revenue"] == Decimal("285.00")  # the hand-computed answer of the fixtures


def test_a_delta_without_a_column_keeps_that_field_an_empty_value_sets_it_empty(week) -> None:
    assert week["monday"]["contacts"] == [
        ("1001", 1971, "Paris", "75002", True), ("1002", 1999, "Boulogne-Billancourt", "92100", False)]
    # 1001: the delta delivered TOWN only; 1002: the delta delivered BIRTHDATE, empty
    assert week["tuesday"]["contacts"] == [
        ("1001", 1971, "Lyon", "75002", True), ("1002", None, "Boulogne-Billancourt", "92100", False)]
