"""The ticket sales, played order by order as a stream (`simulate_orders`): subscriptions,
then single tickets performance by performance, with cancellations and scanning at the door.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from publics_demo.world.catalogue import (
    SUBSCRIPTION_GENRES,
    VENUES,
    YOUNG_AGE_LIMIT,
    Performance,
    tariff_price_cents,
)
from publics_demo.world.draws import cum, pick, random_datetime, ri
from publics_demo.world.frame import TODAY, season_bounds
from publics_demo.world.model import World
from publics_demo.world.pacing import lead_time, sales_target, show_demand
from publics_demo.world.people import Person

# --------------------------------------------------------------------------- sales channels

# What the order originator means as a point-of-sale channel (SecuTix vocabulary → ours).
SALES_CHANNEL = {
    "TICKETSHOP": "WEB",
    "DESK": "GUICHET",
    "SALE": "TELEPHONE",
    "EXTERNAL_SALE": "REVENDEUR",
    "ST_RENEWAL": "ABONNEMENT",
    "ADMINISTRATION": "ADMINISTRATION",
}
POINTS_OF_SALE = {
    "TICKETSHOP": ("Billetterie en ligne",),
    "DESK": ("Guichet Favart", "Guichet Bizet"),
    "SALE": ("Centre d'appels",),
    "EXTERNAL_SALE": ("FNAC Spectacles", "Ticketmaster", "BilletRéduc", "Kiosque Théâtre"),
    "ST_RENEWAL": ("Campagne d'abonnement",),
    "ADMINISTRATION": ("Relations publiques",),
}

# --------------------------------------------------------------------------- sales simulation

@dataclass
class Ticket:
    ticket_id: int
    performance: Performance
    seat_category: str
    tariff: str
    price_milli: int  # thousandths of a euro, as SecuTix stores PRICE (41667 = 41,667 €)
    holder: str  # contact number, "" when unknown (distributor sales)
    barcode: str
    initial_state: str  # VALID | NOT_PRINTED | PRINTED
    printed_at: datetime | None = None
    controlled_at: datetime | None = None


@dataclass
class Order:
    file_number: int
    season: str
    originator: str
    point_of_sale: str
    buyer: str  # contact number, "" for distributor sales
    order_date: datetime
    tickets: list[Ticket]
    canceled_at: datetime | None = None

    @property
    def sales_channel(self) -> str:
        return SALES_CHANNEL[self.originator]

    @property
    def total_milli(self) -> int:
        return sum(t.price_milli for t in self.tickets)

    @property
    def total_cents(self) -> int:
        """What the buyer paid, in cents: a subscription's price is whole euros (prorate_package),
        so an order's total is whole cents even when its tickets carry fractions of a cent."""
        return (self.total_milli + 5) // 10


class _Pool:
    """Weighted draw among the people active in a season."""

    def __init__(self, people: list[Person]):
        self.people = [p for p in people if p.weight > 0]
        self.cum: list[float] = []
        total = 0.0
        for p in self.people:
            total += p.weight
            self.cum.append(total)

    def __bool__(self) -> bool:
        return bool(self.people)

    def draw(self, rng: random.Random) -> Person:
        x = rng.random() * self.cum[-1]
        return self.people[min(bisect.bisect_right(self.cum, x), len(self.people) - 1)]


# share of the tickets (outside subscriptions) and order size per originator
CHANNEL_MIX = {
    "default": {"TICKETSHOP": 0.72, "DESK": 0.085, "SALE": 0.055, "EXTERNAL_SALE": 0.07,
                "GROUP": 0.045, "ADMINISTRATION": 0.025},
    "jeune public": {"TICKETSHOP": 0.50, "DESK": 0.08, "SALE": 0.04, "EXTERNAL_SALE": 0.03,
                     "GROUP": 0.33, "ADMINISTRATION": 0.02},
}
ORDER_SIZE = {
    "TICKETSHOP": ((1, 2, 3, 4, 5, 6), (0.30, 0.48, 0.08, 0.11, 0.02, 0.01)),
    "DESK": ((1, 2, 3, 4), (0.35, 0.48, 0.08, 0.09)),
    "SALE": ((1, 2, 3, 4), (0.30, 0.55, 0.07, 0.08)),
    "EXTERNAL_SALE": ((1, 2, 3, 4), (0.25, 0.55, 0.08, 0.12)),
    "GROUP": (tuple(range(10, 41, 5)), (0.2, 0.2, 0.2, 0.15, 0.1, 0.1, 0.05)),
    "ADMINISTRATION": ((1, 2), (0.3, 0.7)),
}
CANCEL_RATE = 0.015
REFUND_DAYS_BEFORE = 6  # the mean number of days before the performance a refund comes
ORDER_SIZE_CUM = {k: (sizes, cum(w)) for k, (sizes, w) in ORDER_SIZE.items()}
_SEAT_CUM = {
    (code, favour): ([c for c, _ in v.seat_categories],
                     cum(w * (1.6 if favour and i < 2 else 1.0) for i, (_, w) in enumerate(v.seat_categories)))
    for code, v in VENUES.items() for favour in (False, True)
}
WEB_HOURS_CUM = cum([1, 1, 0, 0, 0, 0, 1, 2, 4, 6, 7, 7, 8, 8, 7, 6, 6, 6, 7, 9, 10, 9, 6, 3])


def _mean_size(kind: str) -> float:
    sizes, weights = ORDER_SIZE[kind]
    return sum(s * w for s, w in zip(sizes, weights)) / sum(weights)


def simulate_orders(world: World) -> Iterator[Order]:
    """Every order of every season, subscriptions first, then performance by performance.

    Sold (non-cancelled) tickets never exceed a performance's capacity: cancelled orders free
    their seats, and each performance is filled up to its own fill rate times its show's demand.
    """
    rng = world.rng("orders")
    counter = {"file": 20_000_000, "ticket": 300_000_000}

    def next_file() -> int:
        counter["file"] += 1
        return counter["file"]

    def next_ticket() -> int:
        counter["ticket"] += 1
        return counter["ticket"]

    def barcode() -> str:
        return f"{10**14 + int(rng.random() * 9 * 10**14)}"

    individuals = [p for p in world.people if p.kind == "INDIVIDUAL"]
    demand = show_demand(world)
    structures = [p for p in world.people if p.kind == "STRUCTURE"]
    for s_index, season in enumerate(world.seasons):
        perfs = world.performances_of(season)
        sold = {p.performance_id: 0 for p in perfs}
        active = [p for p in individuals if p.active[s_index]]
        buyers = _Pool(active)
        subscribers = [p for p in active if p.subscribes(s_index)]
        groups = _Pool([p for p in structures if p.active[s_index]]) or _Pool(structures)
        invitees = [p for p in individuals if p.invitee] or individuals[:1]
        s_start = season_bounds(season)[0]

        # 1. Subscription campaign (May–June before the season): ST_RENEWAL, ABONNE tariff.
        eligible = [p for p in perfs if p.show.genre in SUBSCRIPTION_GENRES]
        for person in subscribers:
            if not eligible:
                break
            when = random_datetime(rng, datetime(s_start.year, 5, 10, 9), datetime(s_start.year, 6, 15, 19))
            if person.record.created > when:
                when = person.record.created + timedelta(hours=1)
            k = min(len(eligible), person.subscription_shows or ri(rng, 4, 6))
            chosen = sorted(rng.sample(eligible, k), key=lambda p: p.start)
            seats = 2 if person.companion is not None and rng.random() < 0.7 else 1
            number = person.number_for(rng, when)
            tickets = []
            for perf in chosen:
                if sold[perf.performance_id] + seats > perf.capacity * 0.45:
                    continue
                cat = _seat_category(rng, perf, favour_good=True)
                price = tariff_price_cents(perf.show.genre, cat, "ABONNE") * 10
                holders = [number] + ([_holder(rng, world, person, when)] if seats == 2 else [])
                for h in holders:
                    tickets.append(Ticket(next_ticket(), perf, cat, "ABONNE", price, h, barcode(), "NOT_PRINTED",
                                          printed_at=when + timedelta(days=ri(rng, 20, 60), hours=ri(rng, 0, 8))))
                sold[perf.performance_id] += seats
            if tickets:
                prorate_package(tickets)
                order = Order(next_file(), season, "ST_RENEWAL", POINTS_OF_SALE["ST_RENEWAL"][0], number, when, tickets)
                _finish(rng, order)
                yield order

        # 2. Single tickets, performance by performance.
        for perf in perfs:
            mix = CHANNEL_MIX["jeune public" if perf.show.genre == "jeune public" else "default"]
            kinds = list(mix)
            order_cum = cum(mix[k] / _mean_size(k) for k in kinds)
            target = sales_target(perf, demand)  # the fill rate times the show's demand (pacing.py)
            while sold[perf.performance_id] < target:
                kind = pick(rng, kinds, order_cum)
                sizes, size_cum = ORDER_SIZE_CUM[kind]
                size = min(pick(rng, sizes, size_cum), target - sold[perf.performance_id])
                order = _single_order(rng, world, perf, kind, size, season, buyers, groups, invitees,
                                      next_file, next_ticket, barcode)
                if order is None:
                    break
                _finish(rng, order)
                if order.canceled_at is None:
                    sold[perf.performance_id] += len(order.tickets)
                yield order


def _seat_category(rng: random.Random, perf: Performance, favour_good: bool = False) -> str:
    codes, cum = _SEAT_CUM[(perf.show.venue, favour_good)]
    return pick(rng, codes, cum)


def _companion(world: World, buyer: Person, when: datetime) -> Person | None:
    """The person the buyer comes with, if they already are a contact at `when`."""
    if buyer.companion is None:
        return None
    other = world.people[buyer.companion]
    return other if other.record.created <= when else None


def _holder(rng: random.Random, world: World, buyer: Person, when: datetime) -> str:
    other = _companion(world, buyer, when)
    if other is not None and rng.random() < 0.6:
        return other.number_for(rng, when)
    return buyer.number_for(rng, when)


def _single_order(rng, world, perf, kind, size, season, buyers, groups, invitees,
                  next_file, next_ticket, barcode) -> Order | None:
    start = perf.start
    if kind == "ADMINISTRATION":
        when = random_datetime(rng, start - timedelta(days=30), start - timedelta(hours=6))
    elif kind == "GROUP":
        when = random_datetime(rng, perf.on_sale, perf.on_sale + (start - perf.on_sale) * 0.6)
    else:
        lead = lead_time(rng, perf)  # pacing by genre, hall and weekday (pacing.py)
        when = start - lead - timedelta(minutes=ri(rng, 30, 180))
        if when < perf.on_sale:
            when = perf.on_sale + timedelta(minutes=ri(rng, 0, 600))
    when = _business_hours(rng, when, kind)
    if when >= start:
        when = start - timedelta(minutes=45)

    tickets: list[Ticket] = []
    genre = perf.show.genre
    if kind == "EXTERNAL_SALE":
        originator, buyer_no = "EXTERNAL_SALE", ""
        for _ in range(size):
            cat = _seat_category(rng, perf)
            tariff = "PLEIN" if rng.random() < 0.85 else "REDUIT"
            tickets.append(Ticket(next_ticket(), perf, cat, tariff, tariff_price_cents(genre, cat, tariff) * 10, "",
                                  barcode(), "VALID"))
    elif kind == "GROUP":
        originator = "DESK" if rng.random() < 0.6 else "SALE"
        structure = groups.draw(rng)
        if structure.record.created > when:
            return _fallback(rng, world, perf, season, buyers, next_file, next_ticket, barcode, when, size)
        buyer_no = structure.number_for(rng, when)
        cat = _seat_category(rng, perf)
        for _ in range(size):
            tickets.append(Ticket(next_ticket(), perf, cat, "GROUPE", tariff_price_cents(genre, cat, "GROUPE") * 10,
                                  buyer_no, barcode(), "NOT_PRINTED",
                                  printed_at=start - timedelta(minutes=ri(rng, 40, 90))))
    elif kind == "ADMINISTRATION":
        originator = "ADMINISTRATION"
        guest = rng.choice(invitees)
        if guest.record.created > when:  # not yet known to the house: someone else is invited
            return _fallback(rng, world, perf, season, buyers, next_file, next_ticket, barcode, when, size)
        buyer_no = guest.number_for(rng, when)
        cat = VENUES[perf.show.venue].seat_categories[0][0]
        for _ in range(size):
            tickets.append(Ticket(next_ticket(), perf, cat, "EXONERE", 0, buyer_no, barcode(), "NOT_PRINTED",
                                  printed_at=start - timedelta(minutes=ri(rng, 30, 80))))
    else:
        originator = kind
        return _individual_order(rng, world, perf, originator, size, season, buyers, next_file, next_ticket,
                                 barcode, when)
    pos = rng.choice(POINTS_OF_SALE[originator])
    if originator == "DESK":
        pos = "Guichet Bizet" if perf.show.venue == "BIZET" else "Guichet Favart"
    return Order(next_file(), season, originator, pos, buyer_no, when, tickets)


def _fallback(rng, world, perf, season, buyers, next_file, next_ticket, barcode, when, size):
    return _individual_order(rng, world, perf, "TICKETSHOP", min(size, 4), season, buyers, next_file,
                             next_ticket, barcode, when)


def _individual_order(rng, world, perf, originator, size, season, buyers, next_file, next_ticket,
                      barcode, when) -> Order | None:
    if not buyers:
        return None
    person = buyers.draw(rng)
    for _ in range(20):  # someone who already is a contact at that date
        if person.record.created <= when:
            break
        person = buyers.draw(rng)
    else:
        return None
    number = person.number_for(rng, when)
    day = perf.start.date()
    genre = perf.show.genre
    cat = _seat_category(rng, perf)
    state = {"TICKETSHOP": "VALID", "DESK": "PRINTED", "SALE": "NOT_PRINTED"}[originator]
    tickets = []
    for k in range(size):
        if k == 0:
            holder_no, holder = number, person
        elif k == 1 and _companion(world, person, when) is not None and rng.random() < 0.6:
            holder = world.people[person.companion]
            holder_no = holder.number_for(rng, when)
        else:
            holder_no, holder = number, None
        age = holder.age_on(day) if holder is not None else None
        if age is not None and age < YOUNG_AGE_LIMIT and rng.random() < 0.85:
            tariff = "JEUNE"
        elif (age is not None and age >= 65 and rng.random() < 0.4) or rng.random() < (
                holder.reduced_tariff_rate if holder is not None else 0.07):
            tariff = "REDUIT"  # seniors, job seekers…
        else:
            tariff = "PLEIN"
        printed = None
        if state == "NOT_PRINTED":
            printed = perf.start - timedelta(minutes=ri(rng, 30, 90))
        tickets.append(Ticket(next_ticket(), perf, cat, tariff, tariff_price_cents(genre, cat, tariff) * 10,
                              holder_no, barcode(), state, printed_at=printed))
    pos = POINTS_OF_SALE[originator][0]
    if originator == "DESK":
        pos = "Guichet Bizet" if perf.show.venue == "BIZET" else "Guichet Favart"
    return Order(next_file(), season, originator, pos, number, when, tickets)


def _business_hours(rng: random.Random, when: datetime, kind: str) -> datetime:
    if kind in ("DESK", "GROUP", "SALE", "ADMINISTRATION"):
        hour = ri(rng, 10, 18)
    else:
        hour = pick(rng, range(24), WEB_HOURS_CUM)
    return when.replace(hour=hour, minute=ri(rng, 0, 59), second=ri(rng, 0, 59))


def _finish(rng: random.Random, order: Order) -> None:
    """What happens after the sale: a few cancellations, then scanning at the door."""
    perf_start = min(t.performance.start for t in order.tickets)
    if order.originator not in ("ST_RENEWAL", "ADMINISTRATION") and rng.random() < CANCEL_RATE:
        span = perf_start - order.order_date
        if span > timedelta(hours=2):
            # Refunds come mostly in the last days before the performance (an illness, a change
            # of plans): days before it drawn from an exponential, never in the first 5 % of the span.
            before = timedelta(days=rng.expovariate(1 / REFUND_DAYS_BEFORE))
            order.canceled_at = perf_start - min(before, span * 0.95)
            order.canceled_at = order.canceled_at.replace(microsecond=0)
            for t in order.tickets:
                if t.printed_at and t.printed_at >= order.canceled_at:
                    t.printed_at = None
            return
    for t in order.tickets:
        start = t.performance.start
        if t.printed_at is not None and t.printed_at <= order.order_date:
            t.printed_at = order.order_date + timedelta(minutes=1)
        if start.date() <= TODAY and rng.random() < 0.9:
            t.controlled_at = start - timedelta(minutes=ri(rng, 2, 50), seconds=ri(rng, 0, 59))
            if t.printed_at is not None and t.printed_at >= t.controlled_at:
                t.printed_at = t.controlled_at - timedelta(minutes=3)


def vat_cents(order: Order) -> int:
    """The VAT included in an order's prices: 5,5 % on performances, 2,1 % on creations (as in
    the SecuTix tickets' VAT_RATE)."""
    return round(sum(t.price_milli / 10 * (1 - 1 / (1.021 if t.performance.show.creation else 1.055))
                     for t in order.tickets))


def prorate_package(tickets: list[Ticket]) -> None:
    """A subscription is sold as a package at a whole-euro price (its shows' subscriber prices
    summed, the cents given away), and SecuTix books each show's ticket at its pro-rata share
    of the package, in thousandths: three shows at 41,75 € sold 125 € are 41,667 + 41,667 + 41,666 €.
    (SecuTix stores prices ×1000 — docs/formats.md §1 a; its season tickets are « calculated
    price » (the sum of the shows' subscriber prices) or « predefined/fixed price » (one overall
    price), SecuTix's Confluence, « Organisation | Catalogue | Season Tickets », §1 e. No public
    document shows how a fixed price is shared over the shows' tickets nor how a share is
    rounded: the demo shares it pro rata, largest remainder, which keeps the package exact.)
    The shares are set in place; the tickets' sum is the package price exactly."""
    listed = [t.price_milli for t in tickets]
    total = sum(listed)
    if total == 0:
        return
    package = total // 1000 * 1000
    shares = [package * p // total for p in listed]
    by_remainder = sorted(range(len(tickets)), key=lambda i: (-(package * listed[i] % total), i))
    for i in by_remainder[:package - sum(shares)]:
        shares[i] += 1
    for t, share in zip(tickets, shares):
        t.price_milli = share
