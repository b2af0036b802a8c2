"""The loyalty truth of the demo: who came in each season, who came for the first time, which
subscribers renewed — counted on the world's people (not on contact numbers, which duplicates
split), so that the pipeline's dashboard 3 can be measured against it.

Definitions (the same as the marts', glossary `kpi_*`):
- an attendee of season S buys or holds a ticket of S in an order not cancelled at the export
  (invitations included);
- a first-time attendee of S attended no earlier season of the data (the first season of the
  data has no first-time share: everyone would be new);
- a subscriber of S bought a subscription (ST_RENEWAL order) for S;
- renewal in S, among the subscribers of S-1 — first-year ones (not subscribers in S-2) and
  long-time ones (subscribers in S-2) — only where S-2 is in the data.
"""

from __future__ import annotations

from collections import defaultdict

from publics_demo.world.frame import EXPORT_TIME
from publics_demo.world.model import World
from publics_demo.world.orders import Order


class LoyaltyTruth:
    def __init__(self, world: World):
        self.seasons = list(world.seasons)
        self.person_of = {}
        for p in world.people:
            self.person_of[p.record.number] = p.index
            for d in p.duplicates:
                self.person_of[d.number] = p.index
        self.attendees: dict[str, set[int]] = defaultdict(set)
        self.subscribers: dict[str, set[int]] = defaultdict(set)

    def add(self, order: Order) -> None:
        if order.canceled_at is not None and order.canceled_at <= EXPORT_TIME:
            return
        people = {self.person_of[n] for n in [order.buyer, *(t.holder for t in order.tickets)] if n}
        self.attendees[order.season] |= people
        if order.originator == "ST_RENEWAL":
            self.subscribers[order.season].add(self.person_of[order.buyer])

    def document(self) -> dict:
        out, seen = {}, set()
        for i, season in enumerate(self.seasons):
            came = self.attendees[season]
            row = {"attendees": len(came), "subscribers": len(self.subscribers[season])}
            if i > 0:
                row["first_time_attendees"] = len(came - seen)
                row["first_time_share"] = round(len(came - seen) / len(came), 4) if came else None
            if i > 1:
                before, earlier = self.subscribers[self.seasons[i - 1]], self.subscribers[self.seasons[i - 2]]
                first_year, long_time = before - earlier, before & earlier
                now = self.subscribers[season]
                row["first_year_subscribers_previous_season"] = len(first_year)
                row["first_year_subscribers_renewed"] = len(first_year & now)
                row["long_time_subscribers_previous_season"] = len(long_time)
                row["long_time_subscribers_renewed"] = len(long_time & now)
            out[season] = row
            seen |= came
        return out
