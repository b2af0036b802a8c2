"""The new-audiences truth of the demo (dashboards 7 « Conquête jeune public » and 8 « Nouveaux
publics »), counted on the world's people (not on contact numbers, which duplicates split), with
the marts' definitions (int_persons__purchases):

- a purchase is a paid order (a positive total) not cancelled at the export, by a known buyer;
  its season is the order's; purchases are ranked by order time then file number;
- a new buyer of season S made their first purchase in S; the first season of the data has
  none (its buyers may have bought before the history);
- young = under 28 on the day of the purchase (the birth date the contacts give: every record
  of a person that has one carries the same);
- returned = another purchase after the day of the first and at most 12 months after it,
  judged only for first purchases at least 12 months before `as_of` (the day of the latest
  order delivered, the marts' as-of date), « trop récent » otherwise.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from publics_demo.world.frame import EXPORT_TIME
from publics_demo.world.model import World
from publics_demo.world.orders import simulate_orders

YOUNG_AGE_LIMIT = 28
RETURN_WINDOW_MONTHS = 12


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def add_months(day: date, months: int) -> date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)


def new_audience_truth(world: World, as_of: date) -> dict:
    """Per season and age group (jeune, autre, inconnu): new buyers, those whose 12 months are
    over, those who came back within them."""
    owner, birth = {}, {}
    for p in world.people:
        records = [p.record, *p.duplicates]
        for r in records:
            owner[r.number] = p.index
        birth[p.index] = next((r.birthdate for r in records if r.birthdate is not None), None)
    purchases: dict[int, list] = defaultdict(list)
    for order in simulate_orders(world):
        if not order.buyer or order.total_milli <= 0:
            continue
        if order.canceled_at is not None and order.canceled_at <= EXPORT_TIME:
            continue
        purchases[owner[order.buyer]].append((order.order_date, order.file_number, order.season))
    first_season = min(s for ps in purchases.values() for _, _, s in ps)
    out: dict[str, dict[str, dict[str, int]]] = {}
    for person, ps in purchases.items():
        ps.sort()
        first_at, _, season = ps[0]
        if season == first_season:
            continue
        first_day = first_at.date()
        b = birth[person]
        group = "inconnu" if b is None else ("jeune" if age_on(b, first_day) < YOUNG_AGE_LIMIT else "autre")
        row = out.setdefault(season, {}).setdefault(group, {"new_buyers": 0, "judgeable": 0, "returned": 0})
        row["new_buyers"] += 1
        judgeable_on = add_months(first_day, RETURN_WINDOW_MONTHS)
        if judgeable_on <= as_of:
            row["judgeable"] += 1
            row["returned"] += any(first_day < at.date() <= judgeable_on for at, _, _ in ps[1:])
    return out
