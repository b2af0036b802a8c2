"""Latent traits behind next-season behaviour (issue 18): who renews a subscription, who becomes
a subscriber. Each individual has an enthusiasm, a price sensitivity and a distance (from the
zone of their address: the only one the data shows as such), and each season may bring a life
event (moving, a birth, a new job…) that nothing in the data announces. Enthusiasm shows only
through what it makes people do (how often they come, how many shows they subscribe to), with
noise, so that no single feature reads the answer: a score can be good, never perfect.

`plant_traits` rewrites, after `build_people`, the seasons a subscriber subscribes (the
arts-sector anchors stay: about half of first-year subscribers renew, most long-time ones do)
and lets occasional and regular attendees become subscribers. It draws from its own random
stream (`world.rng("traits")`): the people's stream is unchanged. `TraitsTruth` writes the
probability behind every outcome, so that a test can compare a model with the best any model
could do (the AUC of the true probabilities).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from publics_demo.world.people import (
    FIRST_YEAR_RENEWAL,
    LONG_TIME_RENEWAL,
    RETURN_AFTER_A_BREAK,
    Person,
)

LIFE_EVENT_RATE = 0.10  # a season that changes someone's plans, invisible in the data
CONVERSION_BASE = -4.6  # logit of becoming a subscriber, for an average occasional attendee
LAPSED_ATTENDANCE = 0.45  # a former subscriber still buys single tickets in a season


@dataclass
class Traits:
    enthusiasm: float
    price_sensitivity: float
    distance: int  # 0 Paris, 1 petite couronne, 2 grande couronne, 3 rest of France, 4 abroad
    life_events: tuple[bool, ...]


def distance_of(person: Person) -> int:
    r = person.record
    if r.country_code != "FR":
        return 4
    prefix = r.zipcode.zfill(5)[:2]
    return {"75": 0, "92": 1, "93": 1, "94": 1, "77": 2, "78": 2, "91": 2, "95": 2}.get(prefix, 3)


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def renewal_probability(t: Traits, streak: int, season: int) -> float:
    """Probability that a subscriber of `season` subscribes again the next one."""
    if t.life_events[season + 1]:
        return 0.08
    # first-year subscribers are often keen converts: without the extra 0.8 their enthusiasm
    # would cancel the sector's gap between first-year and long-time renewal
    base = _logit(FIRST_YEAR_RENEWAL) - 0.8 if streak == 1 else _logit(LONG_TIME_RENEWAL)
    return _sigmoid(base + 1.1 * t.enthusiasm - 0.5 * t.price_sensitivity - 0.35 * (t.distance - 1))


def conversion_probability(t: Traits, person: Person, season: int) -> float:
    """Probability that a non-subscriber attendee of `season` subscribes the next one."""
    if t.life_events[season + 1]:
        return 0.0
    regular = 0.5 if person.segment == "regular" else 0.0
    return _sigmoid(CONVERSION_BASE + 1.5 * t.enthusiasm - 0.6 * t.price_sensitivity
                    - 0.45 * (t.distance - 1) + regular)


@dataclass(frozen=True)
class Outcome:
    """One next-season outcome as the world decided it: the person, the season the features
    describe, the kind of score, the true probability and what happened."""
    person: int
    season: int
    kind: str  # attrition (a subscriber did not renew) | abonnement (an attendee subscribed)
    probability: float
    happened: bool


def plant_traits(rng: random.Random, people: list[Person], seasons: tuple[str, ...]) -> list[Outcome]:
    """Draw every individual's traits and replay their seasons from them (subscriptions,
    attendance weight). Returns every next-season outcome with its true probability."""
    n = len(seasons)
    traits: dict[int, Traits] = {}
    outcomes: list[Outcome] = []
    for p in people:
        if p.kind != "INDIVIDUAL" or p.segment == "prospect":
            continue
        t = Traits(rng.gauss(0, 1), rng.gauss(0, 1), distance_of(p),
                   tuple(rng.random() < LIFE_EVENT_RATE for _ in range(n)))
        traits[p.index] = t
        p.weight *= math.exp(0.8 * t.enthusiasm + 0.25 * rng.gauss(0, 1))  # keen people come more often
        p.subscription_shows = max(3, min(9, round(5 + 1.3 * t.enthusiasm + rng.gauss(0, 0.6))))
        p.reduced_tariff_rate = min(0.6, 0.07 * math.exp(0.9 * t.price_sensitivity))  # who asks for a reduction
        first = p.active.index(True)
        subscribed: list[bool] = []
        active = list(p.active)
        streak = rng.randint(0, 8) if p.segment == "subscriber" and first == 0 else 0
        for s in range(n):
            if p.segment == "subscriber" and s == first:
                on = True
            elif s == 0 or s < first:
                on = False
            elif subscribed[-1]:
                prob = renewal_probability(t, streak, s - 1)
                on = rng.random() < prob
                outcomes.append(Outcome(p.index, s - 1, "attrition", 1 - prob, not on))
            elif p.segment == "subscriber":
                on = rng.random() < RETURN_AFTER_A_BREAK
            elif active[s - 1]:
                prob = conversion_probability(t, p, s - 1)
                on = rng.random() < prob
                outcomes.append(Outcome(p.index, s - 1, "abonnement", prob, on))
            else:
                on = False
            streak = streak + 1 if on else 0
            subscribed.append(on)
            if on:
                active[s] = True
            elif p.segment == "subscriber" and s > first:
                active[s] = rng.random() < LAPSED_ATTENDANCE
        p.subscribed = tuple(subscribed)
        p.active = tuple(active)
    return outcomes


def _auc(pairs: list[tuple[float, bool]]) -> float | None:
    """ROC AUC by ranks (ties count half)."""
    pos = sum(1 for _, y in pairs if y)
    neg = len(pairs) - pos
    if not pos or not neg:
        return None
    ranked = sorted(pairs, key=lambda r: r[0])
    rank_sum, i = 0.0, 0
    while i < len(ranked):
        j = i
        while j < len(ranked) and ranked[j][0] == ranked[i][0]:
            j += 1
        rank_sum += sum(1 for k in range(i, j) if ranked[k][1]) * (i + j + 1) / 2
        i = j
    return (rank_sum - pos * (pos + 1) / 2) / (pos * neg)


def outcomes_truth(outcomes: list[Outcome], seasons: tuple[str, ...], people: list[Person]) -> dict:
    """The truth of every outcome, by kind and season described: how many, how many happened,
    the mean true probability and the AUC of the true probabilities (the best a model could
    reach, were the latent traits and life events visible)."""
    out: dict = {}
    for kind in ("attrition", "abonnement"):
        for s, season in enumerate(seasons):
            rows = [(o.probability, o.happened) for o in outcomes if o.kind == kind and o.season == s]
            if rows:
                auc = _auc(rows)
                out.setdefault(kind, {})[season] = {
                    "persons": len(rows), "happened": sum(1 for _, y in rows if y),
                    "mean_probability": round(sum(p for p, _ in rows) / len(rows), 4),
                    "oracle_auc": round(auc, 4) if auc is not None else None}
    out["outcomes"] = [{"contact": people[o.person].record.number, "season": seasons[o.season], "kind": o.kind,
                        "probability": round(o.probability, 4), "happened": o.happened} for o in outcomes]
    return out
