"""The catalogue: venues and their seat categories, the price grid, genres and titles; the shows
and performances of each season (`build_catalogue`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from publics_demo.world.draws import ri, scaled
from publics_demo.world.frame import (
    MIN_PERFORMANCES_PER_SEASON,
    PERFORMANCES_PER_SEASON,
    season_bounds,
)
from publics_demo.world.names import FIRST_NAMES_F, FIRST_NAMES_M, LAST_NAMES
from publics_demo.world.text import slug

# --------------------------------------------------------------------------- venues, tariffs

@dataclass(frozen=True)
class Venue:
    code: str
    name: str
    capacity: int
    seat_categories: tuple[tuple[str, float], ...]  # (code, share of the seats)


VENUES = {
    "FAVART": Venue("FAVART", "Salle Favart", 1000,
                    (("CAT1", 0.30), ("CAT2", 0.30), ("CAT3", 0.25), ("CAT4", 0.15))),
    "BIZET": Venue("BIZET", "Salle Bizet", 250, (("CAT1", 0.60), ("CAT2", 0.40))),
}

# tariff code -> (label, SecuTix price level)
TARIFFS = {
    "PLEIN": ("Plein tarif", "OCCASIONAL"),
    "REDUIT": ("Tarif réduit", "OCCASIONAL"),
    "JEUNE": ("Moins de 28 ans", "OCCASIONAL"),
    "ABONNE": ("Abonné", "SUBSCRIBER"),
    "GROUPE": ("Groupe", "OCCASIONAL"),
    "EXONERE": ("Invitation (exonéré)", "INVITED"),
}
YOUNG_AGE_LIMIT = 28  # "jeune" = under 28

# Full price (PLEIN) in euro cents per genre and seat category.
FULL_PRICES_CENTS = {
    "opéra": {"CAT1": 14500, "CAT2": 11500, "CAT3": 7500, "CAT4": 3500},
    "opéra-comique": {"CAT1": 12000, "CAT2": 9500, "CAT3": 6000, "CAT4": 3000},
    "danse": {"CAT1": 8500, "CAT2": 6500, "CAT3": 4500, "CAT4": 2500},
    "concert": {"CAT1": 6000, "CAT2": 4500, "CAT3": 3000, "CAT4": 1500},
    "récital": {"CAT1": 4500, "CAT2": 3500, "CAT3": 2500, "CAT4": 1200},
    "jeune public": {"CAT1": 2500, "CAT2": 2000, "CAT3": 1500, "CAT4": 1000},
}


def _round_to(cents: int, step: int) -> int:
    return int((cents + step // 2) // step * step)


def tariff_price_cents(genre: str, category: str, tariff: str) -> int:
    """The price grid: every tariff derives from the full price of the seat category."""
    full = FULL_PRICES_CENTS[genre][category]
    if tariff == "PLEIN":
        return full
    if tariff == "REDUIT":
        return _round_to(full * 80 // 100, 50)
    if tariff == "JEUNE":
        return min(4000, max(1000, _round_to(full * 30 // 100, 100)))
    if tariff == "ABONNE":
        return full * 85 // 100  # keeps its cents: 123,25 €
    if tariff == "GROUPE":
        return 800 if genre == "jeune public" else _round_to(full * 70 // 100, 50)
    if tariff == "EXONERE":
        return 0
    raise KeyError(tariff)


# --------------------------------------------------------------------------- catalogue

GENRES = ("opéra", "opéra-comique", "concert", "récital", "jeune public", "danse")
GENRE_SHARE = {"opéra": 0.35, "opéra-comique": 0.20, "concert": 0.15, "récital": 0.08,
               "jeune public": 0.14, "danse": 0.08}
RUN_LENGTH = {"opéra": (7, 10), "opéra-comique": (5, 8), "concert": (1, 2), "récital": (1, 1),
              "jeune public": (4, 8), "danse": (4, 6)}
DURATION_MIN = {"opéra": (150, 200), "opéra-comique": (120, 165), "concert": (90, 120),
                "récital": (75, 90), "jeune public": (50, 60), "danse": (80, 110)}
FILL_RATE = {"opéra": (0.90, 1.0), "opéra-comique": (0.88, 1.0), "concert": (0.80, 1.0),
             "récital": (0.70, 0.95), "jeune public": (0.90, 1.0), "danse": (0.88, 1.0)}
SUBSCRIPTION_GENRES = ("opéra", "opéra-comique", "danse", "concert")

TITLES = {
    "opéra": ["Carmen", "Les Contes d'Hoffmann", "Pelléas et Mélisande", "Manon", "Werther",
              "Les Pêcheurs de perles", "Orphée et Eurydice", "Don Giovanni", "Ariane et Barbe-Bleue",
              "Le Roi d'Ys", "Louise", "Hamlet", "Faust", "Roméo et Juliette", "Didon et Énée",
              "Béatrice et Bénédict", "Cendrillon", "La Bohème", "Les Noces de Figaro",
              "L'Enfant et les Sortilèges", "Iphigénie en Tauride", "Médée", "Thaïs"],
    "opéra-comique": ["La Dame blanche", "Le Domino noir", "Fra Diavolo", "Le Pré aux clercs",
                      "Zémire et Azor", "Fortunio", "Mignon", "Lakmé", "Les Mamelles de Tirésias",
                      "L'Heure espagnole", "Ciboulette", "Le Comte Ory", "Le Cœur et la Main",
                      "Véronique", "Les Mousquetaires au couvent", "La Fille du régiment"],
    "concert": ["Requiem de Fauré", "Rameau, les Indes galantes en concert", "Concert du Nouvel An",
                "Debussy et Ravel", "Berlioz, Les Nuits d'été", "Musiques de films", "Gounod, Messe solennelle",
                "Chausson, Poème de l'amour et de la mer", "Saint-Saëns, Symphonie avec orgue",
                "Concert baroque : Lully et Charpentier", "Offenbach, airs et duos", "Mozart, Requiem",
                "Bizet, L'Arlésienne", "Poulenc, Gloria", "Chabrier et ses amis", "Messiaen, Quatuor pour la fin du Temps",
                "Duparc, mélodies orchestrées", "Dukas, L'Apprenti sorcier", "Franck, Symphonie en ré",
                "Boulanger, Psaumes", "Massenet inédit", "Concert des lauréats de l'Académie"],
    "récital": [],  # built from names below
    "jeune public": ["Le Petit Prince", "Pierre et le Loup", "Le Carnaval des animaux", "Hansel et Gretel",
                     "Peau d'Âne", "Alice au pays des merveilles", "Barbe-Bleue en famille",
                     "La Belle au bois dormant", "Le Petit Chaperon rouge", "Les Fables de La Fontaine",
                     "Ma mère l'Oye", "L'Enfant et la Forêt"],
    "danse": ["Boléro", "Le Sacre du printemps", "Giselle", "L'Après-midi d'un faune", "Daphnis et Chloé",
              "Les Noces", "Coppélia", "Roméo et Juliette (ballet)", "Le Lac des cygnes, variations",
              "Cœur de pierre"],
}
RECITAL_VOICES = ("soprano", "mezzo-soprano", "ténor", "baryton", "piano", "violoncelle")


@dataclass(frozen=True)
class Show:
    product_id: int
    code: str  # SecuTix product code
    title: str
    genre: str
    season: str
    venue: str
    creation: bool  # a new production: reduced VAT 2,1 %


@dataclass(frozen=True)
class Performance:
    performance_id: int
    show: Show
    start: datetime
    duration_min: int
    capacity: int
    fill_rate: float
    on_sale: datetime  # single tickets on sale from



def _split_counts(total: int, shares: dict[str, float]) -> dict[str, int]:
    """Largest-remainder split of `total` performances among the genres."""
    raw = {g: total * s for g, s in shares.items()}
    counts = {g: int(v) for g, v in raw.items()}
    left = total - sum(counts.values())
    for g in sorted(raw, key=lambda g: (raw[g] - counts[g], shares[g]), reverse=True)[:left]:
        counts[g] += 1
    return counts


def build_catalogue(rng: random.Random, scale: float, seasons: tuple[str, ...]) -> tuple[list[Show], list[Performance]]:
    """The shows and performances of every season (performances by start)."""
    shows: list[Show] = []
    performances: list[Performance] = []
    n_perf = scaled(PERFORMANCES_PER_SEASON, scale, MIN_PERFORMANCES_PER_SEASON)
    product_id = 10_200_000
    performance_id = 10_400_000
    used_titles: dict[str, list[str]] = {g: list(t) for g, t in TITLES.items()}
    for season in seasons:
        s_start, _ = season_bounds(season)
        first_day = date(s_start.year, 9, 20)
        last_day = date(s_start.year + 1, 6, 30)
        days = [first_day + timedelta(d) for d in range((last_day - first_day).days + 1)]
        days = [d for d in days if d.weekday() != 0]  # relâche on Mondays
        taken: dict[str, set[date]] = {v: set() for v in VENUES}
        counts = _split_counts(n_perf, GENRE_SHARE)
        productions: list[tuple[str, int]] = []
        for genre in GENRES:
            left = counts[genre]
            while left > 0:
                lo, hi = RUN_LENGTH[genre]
                run = min(left, ri(rng, lo, hi))
                productions.append((genre, run))
                left -= run
        rng.shuffle(productions)
        codes: set[str] = set()
        for genre, run in productions:
            title = _next_title(rng, genre, used_titles)
            venue = "BIZET" if genre == "jeune public" else "FAVART"
            base = slug(title)[:10] or "SHOW"
            code = f"{base}{season[2:4]}{season[5:7]}"
            n = 2
            while code in codes:
                code = f"{base}{n}{season[2:4]}{season[5:7]}"
                n += 1
            codes.add(code)
            product_id += 1
            show = Show(product_id, code, title, genre, season, venue, creation=rng.random() < 0.2)
            shows.append(show)
            gap = 2 if genre in ("opéra", "opéra-comique") else 1
            idx = rng.randrange(len(days))
            for k in range(run):
                day, idx = _free_day(days, idx, taken[venue])
                taken[venue].add(day)
                start = datetime.combine(day, _start_time(rng, genre, day))
                lo, hi = DURATION_MIN[genre]
                f_lo, f_hi = FILL_RATE[genre]
                performance_id += ri(rng, 1, 9)
                on_sale = datetime(s_start.year, 6, 20, 10, 0, 0)  # season opening of single sales
                performances.append(Performance(
                    performance_id=performance_id, show=show, start=start,
                    duration_min=ri(rng, lo, hi) // 5 * 5, capacity=VENUES[venue].capacity,
                    fill_rate=rng.uniform(f_lo, f_hi), on_sale=on_sale,
                ))
                idx += gap
    performances.sort(key=lambda p: (p.start, p.performance_id))
    return shows, performances


def _next_title(rng: random.Random, genre: str, pool: dict[str, list[str]]) -> str:
    if genre == "récital":
        gender = rng.random() < 0.5
        first = rng.choice(FIRST_NAMES_F if gender else FIRST_NAMES_M)
        return f"Récital {first} {rng.choice(LAST_NAMES)}, {rng.choice(RECITAL_VOICES)}"
    titles = pool[genre]
    if not titles:  # every title played: bring them back (revivals)
        titles.extend(TITLES[genre])
    return titles.pop(rng.randrange(len(titles)))


def _free_day(days: list[date], idx: int, taken: set[date]) -> tuple[date, int]:
    n = len(days)
    for step in range(n):
        j = (idx + step) % n
        if days[j] not in taken:
            return days[j], j
    raise RuntimeError("season calendar full")  # cannot happen at the sizes we generate


def _start_time(rng: random.Random, genre: str, day: date) -> time:
    if genre == "jeune public":
        if day.weekday() in (5, 6):
            return time(rng.choice((11, 15)), 0)
        if day.weekday() == 2:
            return time(14, 30)
        return time(rng.choice((10, 14)), 0)  # school shows
    if day.weekday() == 6:
        return time(15, 0)
    if genre == "récital" and rng.random() < 0.3:
        return time(12, 30)
    return time(20, 0)

