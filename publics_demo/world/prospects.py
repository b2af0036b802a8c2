"""The prospects truth of the demo: who was known to the house before buying, how the house came
to know them, who bought later and how long after — counted on the world's people (their contact
rows merged), so that the pipeline's dashboard 9 can be measured against it.

The world plants every origin: prospects who signed up for the newsletter (the `prospect`
segment, who opt in 80 % of the time), prospects with a web account and no consent (the others),
invitees (press and partners invited before buying: ADMINISTRATION orders of free tickets),
group relays (structures) who never booked, and buyers whose account was created long before
their first purchase (prospects who converted).

Definitions (the same as the marts', `int_persons__prospects` and `dash_09_prospects`):
- known since: the day the person's first contact row was created;
- first purchase: the day of their first paid order (a positive total) not cancelled at the export;
- a prospect was known at least one day (`prospect_conversion_min_days`) before their first
  purchase, or never bought;
- origin, first that applies: group relay (a structure), invitation (free tickets ordered for
  them before their first purchase), newsletter sign-up (a contact row that opts in), web account;
- per season S: prospects (known by the end of S, no purchase before its start), new ones (known
  during S), converted ones (first purchase in S) and the sum of their delays in days — none in
  the first season of the data, where a first purchase cannot be told from an earlier one.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from publics_demo.world.frame import EXPORT_TIME, season_bounds
from publics_demo.world.model import World
from publics_demo.world.orders import Order

CONVERSION_MIN_DAYS = 1  # dbt var prospect_conversion_min_days


class ProspectTruth:
    def __init__(self, world: World):
        self.seasons = list(world.seasons)
        self.people = world.people
        self.person_of: dict[str, int] = {}
        for p in world.people:
            self.person_of[p.record.number] = p.index
            for d in p.duplicates:
                self.person_of[d.number] = p.index
        self.first_purchase: dict[int, date] = {}
        self.invited_on: dict[int, list[date]] = defaultdict(list)

    def add(self, order: Order) -> None:
        if not order.buyer or (order.canceled_at is not None and order.canceled_at <= EXPORT_TIME):
            return
        person, day = self.person_of[order.buyer], order.order_date.date()
        if order.originator == "ADMINISTRATION":
            self.invited_on[person].append(day)
        elif order.total_milli > 0 and (person not in self.first_purchase or day < self.first_purchase[person]):
            self.first_purchase[person] = day

    def prospects(self) -> list[dict]:
        """Every person who was a prospect: origin, known since, first purchase (or None)."""
        out = []
        for p in self.people:
            known = min([p.record.created] + [d.created for d in p.duplicates]).date()
            bought = self.first_purchase.get(p.index)
            if bought is not None and bought < known + timedelta(days=CONVERSION_MIN_DAYS):
                continue
            if p.kind == "STRUCTURE":
                origin = "groupe_relais"
            elif any(bought is None or day < bought for day in self.invited_on.get(p.index, ())):
                origin = "invitation"
            elif p.record.opt_in or any(d.opt_in for d in p.duplicates):
                origin = "inscription_newsletter"
            else:
                origin = "compte_web"
            out.append({"person": p.index, "contact_number": p.record.number, "origin": origin,
                        "known_since": known, "first_purchase": bought})
        return out

    def document(self) -> dict:
        prospects = self.prospects()
        by_season: dict[str, dict] = {}
        for i, season in enumerate(self.seasons):
            start, end = season_bounds(season)
            rows: dict[str, dict] = defaultdict(lambda: {"prospects": 0, "new_prospects": 0,
                                                          "converted_prospects": 0, "conversion_delay_days": 0})
            for pr in prospects:
                known, bought = pr["known_since"], pr["first_purchase"]
                if known > end or (bought is not None and bought < start):
                    continue
                row = rows[pr["origin"]]
                row["prospects"] += 1
                row["new_prospects"] += known >= start
                if bought is not None and bought <= end:
                    row["converted_prospects"] += 1
                    row["conversion_delay_days"] += (bought - known).days
            if i == 0:  # the first season of the data: conversions « non mesuré »
                for row in rows.values():
                    row["converted_prospects"] = row["conversion_delay_days"] = None
            by_season[season] = {origin: dict(row) for origin, row in sorted(rows.items())}
        never = [pr for pr in prospects if pr["first_purchase"] is None]
        return {
            "by_season": by_season,
            "never_bought_by_origin": {o: sum(pr["origin"] == o for pr in never)
                                       for o in sorted({pr["origin"] for pr in prospects})},
            "converted_by_origin": {o: sum(pr["origin"] == o and pr["first_purchase"] is not None for pr in prospects)
                                    for o in sorted({pr["origin"] for pr in prospects})},
        }
