"""Dashboards 13 « Géographie », 14 « Profil » and 16 « Tarifs & recettes » against the demo's
planted box-office truth (publics_demo/world/box_office.py, written beside the files as
`truth/secutix_truth.json` › `box_office`): every headline figure of each season exactly, money
to the thousandth. Read from the shared demo warehouse (tests/conftest.py, `demo_warehouse`)."""

from __future__ import annotations

import csv
from decimal import Decimal

import pytest

from publics.project import project_root
from publics_demo import truth as demo_truth

pytestmark = pytest.mark.integration


def milli(value) -> int:
    return int(Decimal(value or 0) * 1000)


@pytest.fixture(scope="module")
def box_office(demo_warehouse) -> dict:
    return demo_truth.read_truth(demo_warehouse.out, "secutix")["box_office"]


def test_tariffs_and_revenue_equal_the_truth(demo_warehouse, box_office) -> None:
    """Dashboard 16: tickets and revenue by tariff category, paid and free tickets, the discount
    depth's two sums (full price of the same seat category and performance) and the seats."""
    query = demo_warehouse.query
    with (project_root() / "seeds" / "tariff_categories.csv").open(encoding="utf-8") as fh:
        category_of = {r["tariff_code"]: r["tariff_category"] for r in csv.DictReader(fh)}
    for season, truth in box_office["tariffs"].items():
        tickets, revenue = {}, {}
        for code, n in truth["tickets_by_tariff"].items():
            tickets[category_of[code]] = tickets.get(category_of[code], 0) + n
            revenue[category_of[code]] = revenue.get(category_of[code], 0) + truth["revenue_milli_by_tariff"][code]
        rows = query("select tariff_category, sum(tickets_sold), sum(revenue_eur) from marts.dash_16_tariffs_revenue "
                     "where season = %s and tariff_category <> 'aucune_vente' group by 1", (season,))
        assert {c: int(n) for c, n, _ in rows if n} == tickets, season
        assert {c: milli(r) for c, n, r in rows if n} == revenue, season
        paid, free, known, full, seats, total = query(
            "select sum(paid_tickets), sum(free_tickets), sum(revenue_at_known_full_price_eur), "
            "sum(full_price_value_eur), sum(available_seats), sum(revenue_eur) "
            "from marts.dash_16_tariffs_revenue where season = %s", (season,))[0]
        assert (int(paid), int(free), milli(known), milli(full), int(seats)) == (
            truth["paid_tickets"], truth["free_tickets"], truth["revenue_at_known_full_price_milli"],
            truth["full_price_value_milli"], truth["available_seats"]), season
        depth = 1 - truth["revenue_at_known_full_price_milli"] / truth["full_price_value_milli"]
        print(f"\ntariffs {season}: yield {float(total) / int(paid):.2f} € per paid ticket, discount depth "
              f"{depth:.1%}, free {int(free) / (int(paid) + int(free)):.1%}, {float(total) / int(seats):.2f} € "
              f"per available seat", end="")


def test_geography_equals_the_truth(demo_warehouse, box_office) -> None:
    """Dashboard 13: buyers, attendees, new buyers and revenue by zone — foreign addresses,
    addresses without a postcode and sales without a known buyer apart — and buyers by
    département, Corsica as 2A and 2B."""
    query = demo_warehouse.query
    seasons = sorted(box_office["geography"])
    for season in seasons:
        truth = box_office["geography"][season]
        rows = query("select geo_zone, sum(buyers), sum(attendees), sum(new_buyers), sum(revenue_eur) "
                     "from marts.dash_13_geography where season = %s group by 1", (season,))
        got = {z: {"buyers": int(b), "attendees": int(a), "new_buyers": None if n is None else int(n),
                   "revenue_milli": milli(r)} for z, b, a, n, r in rows}
        expected = {z: {"buyers": v.get("buyers", 0), "attendees": v.get("attendees", 0),
                        # the data's first season has no new buyers (« non mesuré »), never 0,
                        # nor have sales without a known buyer (no person to be new)
                        "new_buyers": v.get("new_buyers", 0) if season != seasons[0] and z != "acheteur_inconnu"
                        else None,
                        "revenue_milli": v.get("revenue_milli", 0)} for z, v in truth["by_zone"].items()}
        assert got == expected, season
        by_dep = {d: int(b) for d, b in query(
            "select departement, sum(buyers) from marts.dash_13_geography where season = %s "
            "and departement is not null group by 1 having sum(buyers) > 0", (season,))}
        assert by_dep == truth["buyers_by_departement"], season
    last = seasons[-1]
    paris = query("select round(10000.0 * sum(buyers_in_known_population) / sum(population), 2) "
                  "from marts.dash_13_geography where season = %s and departement = '75'", (last,))[0][0]
    corsica = {d: n for d, n in box_office["geography"][last]["buyers_by_departement"].items() if d in ("2A", "2B")}
    print(f"\ngeography {last}: {box_office['geography'][last]['by_zone']}, Paris {paris} buyers per "
          f"10,000 inhabitants, Corsica {corsica}")


def test_profiles_equal_the_truth(demo_warehouse, box_office) -> None:
    """Dashboard 14: buyers, groups and relays among them, and what their profiles hold."""
    query = demo_warehouse.query
    for season, truth in box_office["profiles"].items():
        row = query("select sum(buyers), sum(case when buyer_type = 'groupe_relais' then buyers else 0 end), "
                    "sum(buyers_with_email), sum(buyers_with_postcode), sum(buyers_with_birth_year), "
                    "sum(buyers_with_opt_in) from marts.dash_14_profiles where season = %s", (season,))[0]
        assert dict(zip(truth, map(int, row), strict=True)) == truth, season
        print(f"\nprofiles {season}: {truth}", end="")
    # no individual row: the smallest cell is a count, and no column holds a person key
    columns = {c for (c,) in query("select column_name from information_schema.columns "
                                    "where table_schema = 'marts' and table_name = 'dash_14_profiles'")}
    assert not any("key" in c for c in columns)
