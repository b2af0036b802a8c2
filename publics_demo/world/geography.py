"""Where the demo's audiences outside Île-de-France live: a French town drawn with a weight that
falls with its distance from Paris (1 / (1 + d/100 km)², an overseas town at least 0.003), so that
dashboard 13 finds most of the « reste de la France » in the Paris basin, fewer in the south,
a few in Corsica (2A and 2B) and overseas.

The draw uses a generator of its own, seeded from the people's generator's state without
consuming it: the rest of the world (everyone's other attributes, orders, web traffic) is
drawn exactly as before this module existed.
"""

from __future__ import annotations

import random

# (postcode, town, great-circle distance from Paris in km)
TOWNS = (
    ("60000", "Beauvais", 66), ("60200", "Compiègne", 72), ("28000", "Chartres", 80),
    ("02600", "Cœuvres-et-Valsery", 85), ("27000", "Évreux", 90), ("02200", "Soissons", 90),
    ("45000", "Orléans", 111), ("76000", "Rouen", 112), ("80000", "Amiens", 115), ("51100", "Reims", 130),
    ("10000", "Troyes", 150), ("89000", "Auxerre", 150), ("72000", "Le Mans", 185),
    ("14000", "Caen", 200), ("08000", "Charleville-Mézières", 200), ("59000", "Lille", 204),
    ("37000", "Tours", 205), ("21000", "Dijon", 263), ("54000", "Nancy", 281), ("57000", "Metz", 281),
    ("86000", "Poitiers", 300), ("35000", "Rennes", 308), ("25000", "Besançon", 327),
    ("44000", "Nantes", 343), ("87000", "Limoges", 346), ("63000", "Clermont-Ferrand", 347),
    ("01000", "Bourg-en-Bresse", 360), ("69001", "Lyon", 392), ("67000", "Strasbourg", 397),
    ("07000", "Privas", 470), ("38000", "Grenoble", 480), ("33000", "Bordeaux", 500),
    ("29200", "Brest", 505), ("05000", "Gap", 540), ("31000", "Toulouse", 588),
    ("34000", "Montpellier", 595), ("13001", "Marseille", 661), ("06000", "Nice", 686),
    ("20200", "Bastia", 850), ("20250", "Corte", 900), ("20000", "Ajaccio", 920),
    ("20137", "Porto-Vecchio", 1000), ("97110", "Pointe-à-Pitre", 6750), ("97400", "Saint-Denis", 9350),
)
OVERSEAS_MIN_WEIGHT = 0.003


def weight(distance_km: float) -> float:
    return max(1 / (1 + distance_km / 100) ** 2, OVERSEAS_MIN_WEIGHT if distance_km > 5000 else 0.0)


WEIGHTS = tuple(weight(d) for _, _, d in TOWNS)


def province_rng(people_rng: random.Random) -> random.Random:
    """A generator for the towns, seeded from `people_rng`'s state (which it does not advance)."""
    return random.Random(repr(people_rng.getstate()[1][:8]))


def province_address(rng: random.Random) -> tuple[str, str, str]:
    """A French town outside Île-de-France, nearer ones more often: (postcode, town, country)."""
    postcode, town, _ = rng.choices(TOWNS, weights=WEIGHTS, k=1)[0]
    return postcode, town, "FR"
