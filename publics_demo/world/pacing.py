"""Sales pacing: how long before a performance its single tickets are bought (`lead_time`).

Operas sell early, concerts and recitals late; the small hall (Bizet) sells later than Favart;
Friday and Saturday evenings sell earlier than mid-week. The lead is a gamma draw around the
mean of its genre, hall and weekday (`mean_lead_days`), capped at the opening of single sales:
what would have been bought before is bought on the opening days (the rush of the first day).
The means are the truth of dashboard 4's curves (`pacing_truth`).

Demand differs by show too (`show_demand`): a hit fills its hall, a harder sell stops well short,
whatever its genre; every performance of a show shares its show's demand. It moves how many
tickets a performance sells, not when: the shape of a curve is its genre's, hall's and weekday's,
which is what lets a forecast read the final figure from the early sales of comparable shows.
"""

from __future__ import annotations

import random
from datetime import timedelta

from publics_demo.world.catalogue import Performance
from publics_demo.world.model import World

# mean lead time of a single ticket, in days before the performance
MEAN_LEAD_DAYS = {"opéra": 75.0, "opéra-comique": 55.0, "danse": 45.0, "jeune public": 30.0,
                  "récital": 22.0, "concert": 18.0}
HALL_FACTOR = {"FAVART": 1.0, "BIZET": 0.8}
WEEKDAY_FACTOR = {0: 0.9, 1: 0.9, 2: 0.9, 3: 0.95, 4: 1.15, 5: 1.2, 6: 1.05}  # Monday = 0
LEAD_SHAPE = 2.0  # gamma shape: a hump, most sales some weeks ahead, a long early tail


DEMAND_RANGE = (0.55, 1.05)  # a show's demand, times its performances' fill rate (capped at the capacity)


def show_demand(world: World) -> dict[str, float]:
    """Each show's demand factor, drawn from its own random stream (the order stream untouched)."""
    rng = world.rng("demand")
    return {show.code: rng.uniform(*DEMAND_RANGE) for show in world.shows}


def sales_target(perf: Performance, demand: dict[str, float]) -> int:
    """How many seats a performance sells in all (subscriptions, single tickets, invitations)."""
    return min(perf.capacity, int(perf.capacity * perf.fill_rate * demand[perf.show.code]))


def mean_lead_days(perf: Performance) -> float:
    return (MEAN_LEAD_DAYS[perf.show.genre] * HALL_FACTOR[perf.show.venue]
            * WEEKDAY_FACTOR[perf.start.weekday()])


def lead_time(rng: random.Random, perf: Performance) -> timedelta:
    """How long before the performance an individual single ticket is bought (one draw)."""
    days = rng.gammavariate(LEAD_SHAPE, mean_lead_days(perf) / LEAD_SHAPE)
    return min(timedelta(days=days), perf.start - perf.on_sale)


def pacing_truth() -> dict:
    """The planted pacing, for the truth document."""
    return {"mean_lead_days_by_genre": MEAN_LEAD_DAYS, "hall_factor": HALL_FACTOR,
            "weekday_factor": {str(k): v for k, v in WEEKDAY_FACTOR.items()},
            "gamma_shape": LEAD_SHAPE, "show_demand_range": list(DEMAND_RANGE),
            "rule": "single tickets (web, box office, phone, resellers) bought a gamma-distributed lead "
                    "before the performance, mean = genre × hall × weekday, capped at the opening of sales"}


# --------------------------------------------------------------------------- the truth of dashboard 4

TRUTH_DAYS_BEFORE = (60, 30, 7, 0)  # the days of the curves the truth gives (0 = the performance's day)


class PacingTruth:
    """Each performance's paid tickets and invitations as they stood at the end of the days
    `TRUTH_DAYS_BEFORE` (local dates: SecuTix timestamps are wall-clock), counted on the orders
    with their real cancellation times, and its capacity. A ticket counts from its order's day
    until the day its order was cancelled (refunded); invitations are the EXONERE tariff."""

    def __init__(self, world: World):
        self.world = world
        self.demand = show_demand(world)
        self.counts: dict[int, dict[str, list[int]]] = {
            p.performance_id: {"paid": [0] * len(TRUTH_DAYS_BEFORE), "invitations": [0] * len(TRUTH_DAYS_BEFORE)}
            for p in world.performances}

    def add(self, order) -> None:
        for t in order.tickets:
            perf = t.performance
            kind = "invitations" if t.tariff == "EXONERE" else "paid"
            for i, days in enumerate(TRUTH_DAYS_BEFORE):
                day = perf.start.date() - timedelta(days=days)
                sold = order.order_date.date() <= day
                cancelled = order.canceled_at is not None and order.canceled_at.date() <= day
                if sold and not cancelled:
                    self.counts[perf.performance_id][kind][i] += 1

    def document(self) -> dict:
        performances = {}
        for p in self.world.performances:
            c = self.counts[p.performance_id]
            performances[str(p.performance_id)] = {
                "show_code": p.show.code, "genre": p.show.genre, "venue": p.show.venue,
                "season": p.show.season, "date": p.start.date().isoformat(), "weekday": p.start.weekday(),
                "capacity": p.capacity, "show_demand": round(self.demand[p.show.code], 4),
                "paid_tickets": dict(zip(map(str, TRUTH_DAYS_BEFORE), c["paid"])),
                "invitation_tickets": dict(zip(map(str, TRUTH_DAYS_BEFORE), c["invitations"])),
            }
        return {"pacing": pacing_truth(), "days_before": list(TRUTH_DAYS_BEFORE), "performances": performances}
