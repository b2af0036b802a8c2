"""Seeded random helpers shared by everything the world draws (and by the renderers that draw
their own figures): fast weighted picks on precomputed cumulative weights, uniform integers and
moments. Every caller brings its own `random.Random` (`World.rng(label)`): adding a consumer
never shifts the numbers of the others.
"""

from __future__ import annotations

import bisect
import random
from datetime import datetime, timedelta


def ri(rng: random.Random, a: int, b: int) -> int:
    """Uniform integer in [a, b] (one C-level draw: much faster than randint)."""
    return a + int(rng.random() * (b - a + 1))


def cum(weights) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


def pick(rng: random.Random, items, cum: list[float]):
    """Weighted draw with precomputed cumulative weights."""
    return items[min(bisect.bisect_right(cum, rng.random() * cum[-1]), len(items) - 1)]


def scaled(n: float, scale: float, minimum: int = 1) -> int:
    return max(minimum, round(n * scale))



def random_datetime(rng: random.Random, lo: datetime, hi: datetime) -> datetime:
    span = int((hi - lo).total_seconds())
    return lo + timedelta(seconds=ri(rng, 0, max(0, span)))

