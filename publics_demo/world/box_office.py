"""The box-office truth of the demo, for dashboards 13 « Géographie », 14 « Profil » and 16
« Tarifs & recettes »: counted on the world's orders, tickets and people as the last SecuTix
delivery states them, with the marts' definitions written here a second time on purpose (an
oracle, not a copy of the SQL):

- a ticket is sold when neither it nor its order is cancelled; revenue is the price of sold
  tickets, in thousandths of a euro; a free ticket is sold at 0;
- the discount depth compares the paid tickets' prices with the full price (tariff PLEIN) of
  the same seat category at the same performance, where such a full-price ticket was sold;
- a buyer of season S has a sold, paid order of S; an attendee buys or holds a ticket of an
  order of S not cancelled (the loyalty truth's attendees); a new buyer's first paid order (by
  date) is of S, unknown in the data's first season;
- a person lives at the postcode of their contact record (its duplicates copy it), a 4-digit
  French one given back its leading zero; the département is the postcode's first two digits,
  three overseas, 2A / 2B for Corsica (200xx-201xx / 202xx-206xx).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime

from publics_demo.world.model import World
from publics_demo.world.orders import Order

IDF_ZONES = {"75": "paris", "92": "petite_couronne", "93": "petite_couronne", "94": "petite_couronne",
             "77": "grande_couronne", "78": "grande_couronne", "91": "grande_couronne", "95": "grande_couronne"}


def departement(postcode: str) -> str:
    if postcode.startswith(("97", "98")):
        return postcode[:3]
    if postcode.startswith(("200", "201")):
        return "2A"
    if postcode.startswith("20"):
        return "2B"
    return postcode[:2]


def place(record) -> tuple[str, str | None]:
    """(zone, département) of a contact record, as the marts read its address."""
    if record.country_code != "FR":
        return "etranger", None
    postcode = record.zipcode
    if not postcode:
        return "code_postal_inconnu", None
    if len(postcode) == 4 and postcode.isdigit():
        postcode = "0" + postcode
    dep = departement(postcode)
    return IDF_ZONES.get(dep, "reste_france"), dep


class BoxOfficeTruth:
    def __init__(self, world: World):
        self.world = world
        self.seasons = list(world.seasons)
        self.person_of: dict[str, int] = {}
        for p in world.people:
            for r in (p.record, *p.duplicates):
                self.person_of[r.number] = p.index
        self.tariff_tickets: dict[str, Counter] = defaultdict(Counter)
        self.tariff_revenue: dict[str, Counter] = defaultdict(Counter)
        self.free: Counter = Counter()
        self.paid: Counter = Counter()
        self.buyer_revenue: dict[tuple[str, int | None], int] = defaultdict(int)
        self.buyers: dict[str, set[int]] = defaultdict(set)
        self.first_paid: dict[int, tuple[datetime, int, str]] = {}
        self.full_prices: dict[tuple[int, str], int] = {}
        self.paid_tickets: list[tuple[str, int, str, int]] = []  # season, performance, category, price

    def add(self, order: Order, cancelled: bool, tickets_cancelled: list[bool]) -> None:
        """The order as the last delivery states it: cancelled or not, and each ticket."""
        revenue = 0
        for t, ticket_cancelled in zip(order.tickets, tickets_cancelled, strict=True):
            if t.tariff == "PLEIN":  # the price grid, whatever became of the sale
                self.full_prices[(t.performance.performance_id, t.seat_category)] = t.price_milli
            if cancelled or ticket_cancelled:
                continue
            season = order.season
            self.tariff_tickets[season][t.tariff] += 1
            self.tariff_revenue[season][t.tariff] += t.price_milli
            revenue += t.price_milli
            if t.price_milli == 0:
                self.free[season] += 1
            else:
                self.paid[season] += 1
                self.paid_tickets.append((season, t.performance.performance_id, t.seat_category, t.price_milli))
        if cancelled:
            return
        person = self.person_of.get(order.buyer) if order.buyer else None
        self.buyer_revenue[(order.season, person)] += revenue
        if person is not None and revenue > 0:
            self.buyers[order.season].add(person)
            key = (order.order_date, order.file_number, order.season)
            if person not in self.first_paid or key < self.first_paid[person]:
                self.first_paid[person] = key

    def document(self, attendees: dict[str, set[int]]) -> dict:
        """`attendees`: the loyalty truth's attendees by season (LoyaltyTruth.attendees)."""
        people = {p.index: p for p in self.world.people}
        places = {i: place(p.record) for i, p in people.items()}
        seats = Counter()
        for perf in self.world.performances:
            seats[perf.show.season] += perf.capacity
        known, full = Counter(), Counter()
        for season, perf, category, price in self.paid_tickets:
            grid = self.full_prices.get((perf, category))
            if grid is not None:
                known[season] += price
                full[season] += grid
        out: dict = {"tariffs": {}, "geography": {}, "profiles": {}}
        for i, season in enumerate(self.seasons):
            out["tariffs"][season] = {
                "tickets_by_tariff": dict(sorted(self.tariff_tickets[season].items())),
                "revenue_milli_by_tariff": dict(sorted(self.tariff_revenue[season].items())),
                "paid_tickets": self.paid[season], "free_tickets": self.free[season],
                "revenue_at_known_full_price_milli": known[season], "full_price_value_milli": full[season],
                "available_seats": seats[season]}
            zones: dict[str, Counter] = defaultdict(Counter)
            by_dep: Counter = Counter()
            for person in self.buyers[season]:
                zone, dep = places[person]
                zones[zone]["buyers"] += 1
                if dep:
                    by_dep[dep] += 1
                if i > 0:
                    zones[zone]["new_buyers"] += self.first_paid[person][2] == season
            for person in attendees.get(season, ()):
                zones[places[person][0]]["attendees"] += 1
            for (s, person), revenue in self.buyer_revenue.items():
                if s == season:
                    zones["acheteur_inconnu" if person is None else places[person][0]]["revenue_milli"] += revenue
            out["geography"][season] = {"by_zone": {z: dict(c) for z, c in sorted(zones.items())},
                                        "buyers_by_departement": dict(sorted(by_dep.items()))}
            buyers = [people[b] for b in self.buyers[season]]
            out["profiles"][season] = {
                "buyers": len(buyers),
                "structure_buyers": sum(p.kind == "STRUCTURE" for p in buyers),
                "buyers_with_email": sum(any(r.email for r in (p.record, *p.duplicates)) for p in buyers),
                "buyers_with_postcode": sum(places[p.index][0] != "code_postal_inconnu" for p in buyers),
                "buyers_with_birth_year": sum(p.record.birthdate is not None for p in buyers),
                "buyers_with_opt_in": sum(bool(p.record.opt_in) for p in buyers)}
        return out
