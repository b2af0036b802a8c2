"""The simulated institution every demo source is drawn from.

One `World` holds what the institution *is* (seasons, venues, shows, performances, tariffs,
people and structures); `simulate_orders(world)` then plays the ticket sales, order by order,
as a stream. Source modules (`secutix.py` today; GA4, Matomo, ads, emailing later) only
*render* this world in their native formats, so that the same buyer, the same performance and
the same order can be found in several sources — which is what the planted truth is about.

Everything is deterministic: each part draws from its own `random.Random` seeded from the
world seed and a label (`rng("orders")`), so adding a consumer or a new source never shifts
the numbers of the others. There is no clock: `TODAY` is fixed.
"""

from __future__ import annotations

import bisect
import random
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

# --------------------------------------------------------------------------- fixed frame

TODAY = date(2026, 7, 15)
EXPORT_TIME = datetime(2026, 7, 15, 5, 30, 0)  # when the last extracts are taken

SEASONS = ("2023-24", "2024-25", "2025-26")

# Sizes at scale 1 (one season of a 1,000-seat house; SPEC §9). Scaled linearly.
PERFORMANCES_PER_SEASON = 200
INDIVIDUALS = 150_000  # every individual contact ever created, prospects included
STRUCTURES = 900  # schools, associations, works councils…
MIN_PERFORMANCES_PER_SEASON = 3


def season_bounds(season: str) -> tuple[date, date]:
    """A season runs September → August: `2025-26` is 1 Sept 2025 – 31 Aug 2026."""
    start_year = int(season[:4])
    return date(start_year, 9, 1), date(start_year + 1, 8, 31)


def season_of(day: date) -> str:
    start_year = day.year if day.month >= 9 else day.year - 1
    return f"{start_year}-{str(start_year + 1)[2:]}"


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

# --------------------------------------------------------------------------- people

FIRST_NAMES_F = ["Marie", "Anne", "Françoise", "Isabelle", "Catherine", "Sophie", "Nathalie", "Hélène",
                 "Cécile", "Élodie", "Gaëlle", "Chloé", "Léa", "Manon", "Camille", "Zoé", "Inès", "Noémie",
                 "Joëlle", "Héloïse", "Agnès", "Béatrice", "Geneviève", "Mélanie", "Clémence", "Margaux",
                 "Jeanne", "Louise", "Valérie", "Emma", "Maëlys", "Aurélie", "Danièle", "Brigitte",
                 "Monique", "Sylvie", "Christine", "Laure", "Juliette", "Océane", "Anaïs", "Lucie"]
FIRST_NAMES_M = ["Jean", "Pierre", "Michel", "François", "Philippe", "Jérôme", "Stéphane", "Frédéric",
                 "Thomas", "Nicolas", "Julien", "Hugo", "Lucas", "Noël", "Loïc", "Benoît", "Raphaël",
                 "Gaël", "Étienne", "Hervé", "Cédric", "Jacques", "Gérard", "Bernard", "André", "Louis",
                 "Arthur", "Gabriel", "Léo", "Joël", "Aurélien", "Rémi", "Théo", "Maël", "Olivier",
                 "Alain", "Daniel", "Christophe", "Mathieu", "Antoine", "Yann", "Grégoire"]
LAST_NAMES = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
              "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
              "Vincent", "Fournier", "Morel", "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet",
              "François", "Martinez", "Legrand", "Garnier", "Faure", "Rousseau", "Blanc", "Guérin",
              "Muller", "Henry", "Roussel", "Nicolas", "Perrin", "Morin", "Mathieu", "Clément",
              "Gauthier", "Dumont", "Lopez", "Fontaine", "Chevalier", "Robin", "Masson", "Sanchez",
              "Gérard", "Nguyen", "Boyer", "Denis", "Lemaire", "Duval", "Joly", "Gautier", "Roger",
              "Roche", "Roy", "Noël", "Meyer", "Lucas", "Meunier", "Pérez", "Marchand", "Dufour",
              "Blanchard", "Barbier", "Brun", "Dumas", "Brunet", "Schmitt", "Leroux", "Colin",
              "Fernandez", "Renard", "Arnaud", "Rolland", "Caron", "Aubert", "Giraud", "Leclerc",
              "Vidal", "Bourgeois", "Renaud", "Lemoine", "Picard", "Gaillard", "Lacroix", "Fabre",
              "Dupuis", "Olivier", "Da Silva", "Hubert", "Rivière", "Le Gall", "Guillaume", "Ménard",
              "Fleury", "Deschamps", "Carpentier", "Benoît", "Maillard", "Aubry", "Le Roux", "Prévost",
              "Poirier", "Charpentier", "Huet", "Baron", "Dupuy", "Carré", "Breton", "Rémy", "Perret",
              "Cœurdevey", "Lœuillet", "Françon", "Besançon", "Brûlé", "Hénaff", "Maës", "Staël",
              "Ben Ahmed", "Haddad", "Benali", "Diallo", "Traoré", "Kowalski", "Nowak", "Ferreira",
              "Lebœuf", "Mahé", "Le Bihan", "Kergoat", "Jégou", "Lévêque", "Crépin", "Gaëtan"]
PROFESSIONS = ["Enseignant", "Étudiant", "Cadre", "Retraité", "Médecin", "Artiste", "Journaliste",
               "Profession libérale", "Employé", "Intermittent du spectacle", "Ingénieur", "Avocat",
               "Fonctionnaire", "Architecte", "Chef d'entreprise"]
EMAIL_DOMAINS = ["gmail.com", "orange.fr", "free.fr", "wanadoo.fr", "laposte.net", "hotmail.fr",
                 "yahoo.fr", "sfr.fr", "outlook.fr", "icloud.com", "protonmail.com"]
# How each domain gets mistyped when an address is typed again by hand.
EMAIL_TYPOS = {"gmail.com": "gmial.com", "orange.fr": "orange.fe", "free.fr": "fre.fr", "wanadoo.fr": "wanadoo.com",
               "laposte.net": "laposte.fr", "hotmail.fr": "hotmial.fr", "yahoo.fr": "yaho.fr", "sfr.fr": "sfr.com",
               "outlook.fr": "outlok.fr", "icloud.com": "iclould.com", "protonmail.com": "protonmail.fr"}
STREETS = ["rue Victor-Hugo", "avenue Jean-Jaurès", "boulevard Saint-Michel", "rue de la Gaîté",
           "place de l'Église", "allée des Cèdres", "rue Émile-Zola", "rue du Faubourg-Saint-Honoré",
           "rue de la République", "avenue des Champs-Élysées", "rue Mouffetard", "quai de la Loire",
           "rue des Écoles", "chemin des Vignes", "impasse du Cœur-Volant", "rue Favart",
           "rue de Ménilmontant", "avenue Foch", "rue Lamartine", "rue de la Paix", "cours Mirabeau",
           "rue Pasteur", "boulevard Voltaire", "rue Gambetta", "place Stanislas", "rue du Château"]

# (weight, [(postcode, town, country)]) per geographic zone
ZONES = {
    "paris": (0.40, [(f"750{n:02d}", "Paris", "FR") for n in range(1, 21)] + [("75116", "Paris", "FR")]),
    "petite_couronne": (0.25, [
        ("92100", "Boulogne-Billancourt", "FR"), ("92200", "Neuilly-sur-Seine", "FR"),
        ("92130", "Issy-les-Moulineaux", "FR"), ("92300", "Levallois-Perret", "FR"),
        ("92120", "Montrouge", "FR"), ("92190", "Meudon", "FR"), ("93100", "Montreuil", "FR"),
        ("93200", "Saint-Denis", "FR"), ("93300", "Aubervilliers", "FR"), ("93500", "Pantin", "FR"),
        ("94000", "Créteil", "FR"), ("94300", "Vincennes", "FR"), ("94100", "Saint-Maur-des-Fossés", "FR"),
        ("94200", "Ivry-sur-Seine", "FR"), ("94130", "Nogent-sur-Marne", "FR"), ("93160", "Noisy-le-Grand", "FR"),
    ]),
    "grande_couronne": (0.15, [
        ("78000", "Versailles", "FR"), ("78100", "Saint-Germain-en-Laye", "FR"), ("77300", "Fontainebleau", "FR"),
        ("77000", "Melun", "FR"), ("91000", "Évry-Courcouronnes", "FR"), ("91300", "Massy", "FR"),
        ("95000", "Cergy", "FR"), ("95100", "Argenteuil", "FR"), ("91120", "Palaiseau", "FR"),
        ("78150", "Le Chesnay-Rocquencourt", "FR"), ("77100", "Meaux", "FR"), ("95880", "Enghien-les-Bains", "FR"),
    ]),
    "province": (0.15, [
        ("69001", "Lyon", "FR"), ("13001", "Marseille", "FR"), ("33000", "Bordeaux", "FR"), ("59000", "Lille", "FR"),
        ("67000", "Strasbourg", "FR"), ("44000", "Nantes", "FR"), ("35000", "Rennes", "FR"), ("06000", "Nice", "FR"),
        ("31000", "Toulouse", "FR"), ("34000", "Montpellier", "FR"), ("21000", "Dijon", "FR"),
        ("02600", "Cœuvres-et-Valsery", "FR"), ("02200", "Soissons", "FR"), ("01000", "Bourg-en-Bresse", "FR"),
        ("20000", "Ajaccio", "FR"), ("97400", "Saint-Denis", "FR"), ("37000", "Tours", "FR"),
        ("45000", "Orléans", "FR"), ("51100", "Reims", "FR"), ("76000", "Rouen", "FR"), ("14000", "Caen", "FR"),
        ("80000", "Amiens", "FR"), ("60200", "Compiègne", "FR"), ("08000", "Charleville-Mézières", "FR"),
        ("05000", "Gap", "FR"), ("29200", "Brest", "FR"), ("07000", "Privas", "FR"), ("25000", "Besançon", "FR"),
    ]),
    "abroad": (0.05, [
        ("1000", "Bruxelles", "BE"), ("4000", "Liège", "BE"), ("1201", "Genève", "CH"), ("1003", "Lausanne", "CH"),
        ("10115", "Berlin", "DE"), ("SW1A 1AA", "London", "GB"), ("10001", "New York", "US"),
        ("00184", "Roma", "IT"), ("28001", "Madrid", "ES"), ("1111", "Luxembourg", "LU"),
        ("1012", "Amsterdam", "NL"), ("100-0001", "Tokyo", "JP"),
    ]),
}
LANG_OF_COUNTRY = {"GB": "en", "US": "en", "DE": "de", "IT": "it", "ES": "es", "NL": "en", "JP": "en"}

STRUCTURE_KINDS = [
    # (prefix, weight, email pattern)
    ("Collège", 0.25, "school"), ("Lycée", 0.15, "school"), ("École élémentaire", 0.15, "school"),
    ("Association", 0.20, "org"), ("CSE", 0.15, "org"), ("Conservatoire", 0.05, "org"),
    ("Résidence seniors", 0.05, "org"),
]
STRUCTURE_NAMES = ["Jean-Moulin", "Victor-Hugo", "Françoise-Dolto", "Jules-Ferry", "Émile-Zola", "Colette",
                   "Marie-Curie", "Paul-Éluard", "Gérard-Philipe", "Germaine-Tillion", "Simone-Veil",
                   "Lamartine", "Condorcet", "Fénelon", "Molière", "Racine", "George-Sand", "Berthe-Morisot",
                   "Louise-Michel", "Jacques-Prévert", "Les Amis de la musique", "Lyrique en herbe",
                   "Arts et Loisirs", "Groupe Hélios", "Société Mécanique Bréguet", "Banque du Levant",
                   "Les Glycines", "Musique à l'école", "Chœur de l'Yvette", "Les Mélomanes du Marais"]

SENSITIVE_COMMENTS = [
    "fauteuil roulant, place PMR",
    "Malentendant : boucle magnétique SVP",
    "Ne pas appeler le soir ; épouse hospitalisée",
    "Client difficile, s'est plaint 3 fois (voir M. Perrin)",
    "Courrier retourné, décédé ?",
    "Allergie aux acariens, éviter le rang A",
    "Ami du directeur - \"toujours placer au parterre\"",
    "Chômage : justificatif vu le 12/09",
]

# --------------------------------------------------------------------------- the model


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


@dataclass
class ContactRecord:
    """One contact row as the box office knows it (a person may have several: duplicates)."""
    number: str = ""
    contact_type: str = "INDIVIDUAL"
    title: str = ""
    firstname: str = ""
    lastname: str = ""
    official_name: str = ""
    birthdate: date | None = None
    email: str = ""
    phone: str = ""
    mobile_phone: str = ""
    line1: str = ""
    zipcode: str = ""
    town: str = ""
    country_code: str = "FR"
    pref_lang: str = "fr"
    profession: str = ""
    opt_in: bool = False
    created: datetime = EXPORT_TIME
    comment: str = ""
    last_update: datetime = EXPORT_TIME
    defects: tuple[str, ...] = ()


@dataclass
class Person:
    """Someone (or some structure) who exists in the world, behind one or more contact rows."""
    index: int
    kind: str  # INDIVIDUAL | STRUCTURE
    segment: str  # prospect | occasional | regular | subscriber | group
    true_birthdate: date | None
    weight: float
    active: tuple[bool, ...]  # per season index
    record: ContactRecord
    duplicates: list[ContactRecord] = field(default_factory=list)
    companion: int | None = None  # index of a person they often come with
    invitee: bool = False  # press, partners: receives invitations

    def age_on(self, day: date) -> int | None:
        b = self.true_birthdate
        if b is None:
            return None
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))

    def number_for(self, rng: random.Random, when: datetime) -> str:
        """The contact number the box office uses for this person at `when` (a duplicate
        account, once it exists, is used about half of the time)."""
        usable = [d for d in self.duplicates if d.created <= when]
        if usable and rng.random() < 0.5:
            return rng.choice(usable).number
        return self.record.number


@dataclass
class World:
    seed: int
    scale: float
    seasons: tuple[str, ...]
    shows: list[Show]
    performances: list[Performance]
    people: list[Person]

    def rng(self, label: str) -> random.Random:
        return random.Random(f"publics-demo/{self.seed}/{label}")

    @property
    def contacts(self) -> list[ContactRecord]:
        """Every contact row, by contact number."""
        rows = [p.record for p in self.people] + [d for p in self.people for d in p.duplicates]
        return sorted(rows, key=lambda r: int(r.number))

    def performances_of(self, season: str) -> list[Performance]:
        return [p for p in self.performances if p.show.season == season]


# --------------------------------------------------------------------------- helpers

def ascii_fold(text: str) -> str:
    text = text.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def slug(text: str, sep: str = "") -> str:
    out = []
    for ch in ascii_fold(text).upper():
        out.append(ch if ch.isalnum() else " ")
    return sep.join("".join(out).split())


def _ri(rng: random.Random, a: int, b: int) -> int:
    """Uniform integer in [a, b] (one C-level draw: much faster than randint)."""
    return a + int(rng.random() * (b - a + 1))


def _cum(weights) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


def _pick(rng: random.Random, items, cum: list[float]):
    """Weighted draw with precomputed cumulative weights."""
    return items[min(bisect.bisect_right(cum, rng.random() * cum[-1]), len(items) - 1)]


def scaled(n: float, scale: float, minimum: int = 1) -> int:
    return max(minimum, round(n * scale))


SEGMENTS = ["prospect", "occasional", "regular", "subscriber"]
SEGMENTS_CUM = _cum([0.10, 0.66, 0.20, 0.04])
AGE_BANDS = [(18, 27), (28, 44), (45, 64), (65, 90)]
AGE_BANDS_CUM = _cum([0.18, 0.20, 0.32, 0.30])

# --------------------------------------------------------------------------- building

def build_world(seed: int = 42, scale: float = 0.05) -> World:
    if scale <= 0:
        raise ValueError("scale must be positive")
    world = World(seed=seed, scale=scale, seasons=SEASONS, shows=[], performances=[], people=[])
    _build_catalogue(world)
    _build_people(world)
    return world


def _split_counts(total: int, shares: dict[str, float]) -> dict[str, int]:
    """Largest-remainder split of `total` performances among the genres."""
    raw = {g: total * s for g, s in shares.items()}
    counts = {g: int(v) for g, v in raw.items()}
    left = total - sum(counts.values())
    for g in sorted(raw, key=lambda g: (raw[g] - counts[g], shares[g]), reverse=True)[:left]:
        counts[g] += 1
    return counts


def _build_catalogue(world: World) -> None:
    rng = world.rng("catalogue")
    n_perf = scaled(PERFORMANCES_PER_SEASON, world.scale, MIN_PERFORMANCES_PER_SEASON)
    product_id = 10_200_000
    performance_id = 10_400_000
    used_titles: dict[str, list[str]] = {g: list(t) for g, t in TITLES.items()}
    for season in world.seasons:
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
                run = min(left, _ri(rng, lo, hi))
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
            world.shows.append(show)
            gap = 2 if genre in ("opéra", "opéra-comique") else 1
            idx = rng.randrange(len(days))
            for k in range(run):
                day, idx = _free_day(days, idx, taken[venue])
                taken[venue].add(day)
                start = datetime.combine(day, _start_time(rng, genre, day))
                lo, hi = DURATION_MIN[genre]
                f_lo, f_hi = FILL_RATE[genre]
                performance_id += _ri(rng, 1, 9)
                on_sale = datetime(s_start.year, 6, 20, 10, 0, 0)  # season opening of single sales
                world.performances.append(Performance(
                    performance_id=performance_id, show=show, start=start,
                    duration_min=_ri(rng, lo, hi) // 5 * 5, capacity=VENUES[venue].capacity,
                    fill_rate=rng.uniform(f_lo, f_hi), on_sale=on_sale,
                ))
                idx += gap
    world.performances.sort(key=lambda p: (p.start, p.performance_id))


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


def _random_datetime(rng: random.Random, lo: datetime, hi: datetime) -> datetime:
    span = int((hi - lo).total_seconds())
    return lo + timedelta(seconds=_ri(rng, 0, max(0, span)))


def _build_people(world: World) -> None:
    rng = world.rng("people")
    n_ind = scaled(INDIVIDUALS, world.scale, 60)
    n_struct = scaled(STRUCTURES, world.scale, 6)
    n_seasons = len(world.seasons)
    season_starts = [season_bounds(s)[0] for s in world.seasons]
    zone_names = list(ZONES)
    zone_cum = _cum(ZONES[z][0] for z in zone_names)
    emails: set[str] = set()

    def unique_email(local: str, domain: str) -> str:
        local = "".join(c for c in ascii_fold(local).lower() if c.isalnum() or c in ".-_") or "contact"
        candidate = f"{local}@{domain}"
        n = 2
        while candidate in emails:
            candidate = f"{local}{n}@{domain}"
            n += 1
        emails.add(candidate)
        return candidate

    def address(rec: ContactRecord) -> None:
        zone = _pick(rng, zone_names, zone_cum)
        postcode, town, country = rng.choice(ZONES[zone][1])
        rec.zipcode, rec.town, rec.country_code = postcode, town, country
        rec.pref_lang = LANG_OF_COUNTRY.get(country, "fr")
        rec.line1 = f"{_ri(rng, 1, 180)} {rng.choice(STREETS)}"

    def phone(prefix: str) -> str:
        digits = f"{prefix}{_ri(rng, 0, 99_999_999):08d}"
        style = rng.random()
        if style < 0.6:
            return " ".join(digits[i:i + 2] for i in range(0, 10, 2))
        if style < 0.9:
            return digits
        return "+33 " + digits[1] + " " + " ".join(digits[i:i + 2] for i in range(2, 10, 2))

    def creation_before(first_season: int | None) -> datetime:
        if first_season is None:  # prospect: newsletter sign-up at any time
            return _random_datetime(rng, datetime(2016, 1, 1), datetime(2026, 6, 30, 23, 0))
        limit_year = season_starts[first_season].year
        lo = datetime(2012, 1, 1) if first_season == 0 else datetime(limit_year - 1, 5, 1)
        return _random_datetime(rng, lo, datetime(limit_year, 4, 30, 20, 0))

    people = world.people
    first_cum = _cum([0.55, 0.22, 0.23, 0.2, 0.2, 0.2][:n_seasons])
    # Individuals ----------------------------------------------------------
    for i in range(n_ind):
        segment = _pick(rng, SEGMENTS, SEGMENTS_CUM)
        woman = rng.random() < 0.58
        first = rng.choice(FIRST_NAMES_F if woman else FIRST_NAMES_M)
        last = rng.choice(LAST_NAMES)
        age_band = _pick(rng, AGE_BANDS, AGE_BANDS_CUM)
        age = _ri(rng, *age_band)
        birth = date(2025 - age, _ri(rng, 1, 12), _ri(rng, 1, 28))
        if segment == "prospect":
            first_season, active = None, (False,) * n_seasons
        else:
            first_season = _pick(rng, range(n_seasons), first_cum)
            if segment == "subscriber":
                active = _subscription_seasons(rng, first_season, n_seasons)
            else:
                keep = {"occasional": 0.35, "regular": 0.75}[segment]
                active = tuple(s == first_season or (s > first_season and rng.random() < keep)
                               for s in range(n_seasons))
        rec = ContactRecord(contact_type="INDIVIDUAL", title="MRS" if woman else "MR",
                            firstname=first, lastname=last, birthdate=birth)
        address(rec)
        style = rng.random()
        local = f"{first}.{last}" if style < 0.6 else (f"{first[0]}{last}" if style < 0.8 else f"{last}.{first}{_ri(rng, 1, 99)}")
        rec.email = unique_email(local.replace(" ", ""), rng.choice(EMAIL_DOMAINS))
        if rng.random() < 0.55:
            rec.mobile_phone = phone(rng.choice(("06", "07")))
        if rng.random() < 0.30:
            rec.phone = phone(rng.choice(("01", "01", "01", "02", "03", "04", "05", "09")))
        if rng.random() < 0.30:
            rec.profession = "Étudiant" if age < 25 and rng.random() < 0.7 else rng.choice(PROFESSIONS)
        rec.opt_in = rng.random() < (0.8 if segment == "prospect" else 0.45)
        rec.created = creation_before(first_season)
        weight = {"prospect": 0.0, "occasional": 1.0, "regular": 3.5, "subscriber": 2.0}[segment]
        people.append(Person(index=i, kind="INDIVIDUAL", segment=segment, true_birthdate=birth,
                             weight=weight, active=active, record=rec))

    # Structures -------------------------------------------------------------
    kinds = [k[0] for k in STRUCTURE_KINDS]
    kind_weights = [k[1] for k in STRUCTURE_KINDS]
    for j in range(n_struct):
        kind = rng.choices(kinds, weights=kind_weights, k=1)[0]
        name = f"{kind} {rng.choice(STRUCTURE_NAMES)}"
        rec = ContactRecord(contact_type="STRUCTURE", title="", official_name=name)
        address(rec)
        if rec.country_code != "FR":  # groups come from France
            rec.zipcode, rec.town, rec.country_code, rec.pref_lang = "75011", "Paris", "FR", "fr"
        if kind in ("Collège", "Lycée", "École élémentaire"):
            rec.email = unique_email(f"ce.0{_ri(rng, 100000, 999999)}{rng.choice('abcdefgh')}", "ac-paris.fr")
            rec.firstname = rng.choice(FIRST_NAMES_F + FIRST_NAMES_M)  # the referent teacher
            rec.lastname = rng.choice(LAST_NAMES)
        else:
            rec.email = unique_email(f"contact.{slug(name, '-').lower()}", "asso.example.fr")
        rec.phone = phone("01")
        first_season = rng.randrange(n_seasons)
        rec.created = creation_before(first_season)
        active = tuple(s >= first_season and rng.random() < 0.8 or s == first_season for s in range(n_seasons))
        people.append(Person(index=n_ind + j, kind="STRUCTURE", segment="group", true_birthdate=None,
                             weight=1.0 + rng.random() * 2, active=active, record=rec))

    # Companions and invitees ---------------------------------------------
    individuals = people[:n_ind]
    for p in individuals:
        if p.segment != "prospect" and rng.random() < 0.35:
            p.companion = rng.randrange(n_ind)
        if rng.random() < 0.015 or p.record.profession == "Journaliste":
            p.invitee = True
    if not any(p.invitee for p in individuals):
        individuals[0].invitee = True

    _plant_contact_defects(world, rng, individuals)
    _number_contacts(world)


# Subscribers renew less in their first year than once the habit is taken (arts-sector
# figures: about half of first-year subscribers renew, 80–90 % of long-time ones).
FIRST_YEAR_RENEWAL = 0.55
LONG_TIME_RENEWAL = 0.86
RETURN_AFTER_A_BREAK = 0.12


def _subscription_seasons(rng: random.Random, first_season: int, n_seasons: int) -> tuple[bool, ...]:
    """Seasons a subscriber subscribes. Someone already subscribing in the first season of the
    data may have done so for years before it (a prior streak of 0–8 seasons)."""
    streak = _ri(rng, 0, 8) if first_season == 0 else 0
    flags: list[bool] = []
    for s in range(n_seasons):
        if s < first_season:
            on = False
        elif s == first_season:
            on = True
        elif flags[-1]:
            on = rng.random() < (FIRST_YEAR_RENEWAL if streak == 1 else LONG_TIME_RENEWAL)
        else:
            on = rng.random() < RETURN_AFTER_A_BREAK
        streak = streak + 1 if on else 0
        flags.append(on)
    return tuple(flags)


def _plant_contact_defects(world: World, rng: random.Random, individuals: list[Person]) -> None:
    n = len(individuals)
    for p in individuals:
        r = p.record
        if rng.random() < 0.25:
            r.birthdate = None
            r.defects += ("missing_birthdate",)
        if rng.random() < 0.08:
            r.email = ""
            r.defects += ("missing_email",)
        if rng.random() < 0.03:
            r.zipcode = ""
            r.defects += ("missing_zipcode",)
        elif r.country_code == "FR" and r.zipcode.startswith("0") and rng.random() < 0.15:
            r.zipcode = r.zipcode[1:]  # went through a spreadsheet
            r.defects += ("zipcode_lost_leading_zero",)
    # Sensitive free text typed at the box office.
    for k, idx in enumerate(rng.sample(range(n), min(n, max(3, n // 1000)))):
        individuals[idx].record.comment = SENSITIVE_COMMENTS[k % len(SENSITIVE_COMMENTS)]
        individuals[idx].record.defects += ("sensitive_comment",)
    # Duplicates: the same person created again (web account, box office…), e-mail in another case.
    buyers = [p for p in individuals if p.segment != "prospect" and p.record.email]
    n_dup = min(len(buyers), max(3, n // 250))
    for k, p in enumerate(rng.sample(buyers, n_dup)):
        copies = 2 if k == 0 else 1  # one person even has three accounts
        for _ in range(copies):
            src = p.record
            dup = ContactRecord(**{f: getattr(src, f) for f in src.__dataclass_fields__})
            dup.defects = tuple(d for d in src.defects if d != "sensitive_comment") + ("duplicate",)
            dup.comment = ""
            local, _, domain = src.email.partition("@")
            taken = {src.email} | {d.email for d in p.duplicates}
            variants = [f"{local.title()}@{domain}", src.email.upper(), f"{local.capitalize()}@{domain.upper()}",
                        f"{local}@{domain.upper()}", f"{local.upper()}@{domain}"]
            start = _ri(rng, 0, len(variants) - 1)
            dup.email = next(v for v in variants[start:] + variants[:start] if v not in taken)
            typo = f"{local}@{EMAIL_TYPOS.get(domain, 'x' + domain)}"
            if rng.random() < 0.2 and typo not in taken:
                dup.email = typo  # the domain mistyped at the box office
                dup.defects += ("duplicate_email_typo",)
            if rng.random() < 0.5:
                dup.firstname = ascii_fold(dup.firstname)  # typed without accents
                dup.lastname = dup.lastname.upper()
            if rng.random() < 0.5:
                dup.mobile_phone = dup.phone = ""
            if rng.random() < 0.3 and dup.birthdate is not None:
                dup.birthdate = None
                dup.defects += ("missing_birthdate",)
            first_active = p.active.index(True)
            s_start = season_bounds(world.seasons[first_active])[0]
            lo = max(src.created, datetime(s_start.year, 5, 2))
            dup.created = _random_datetime(rng, lo, datetime(2026, 5, 31, 20, 0))
            p.duplicates.append(dup)


def _number_contacts(world: World) -> None:
    """Contact numbers are given in creation order, as the ticketing system does."""
    rows = [(p.record.created, p.index, 0, p.record) for p in world.people]
    rows += [(d.created, p.index, k + 1, d) for p in world.people for k, d in enumerate(p.duplicates)]
    rows.sort(key=lambda r: (r[0], r[1], r[2]))
    for n, (_, _, _, rec) in enumerate(rows):
        rec.number = str(1_000_001 + n)


# --------------------------------------------------------------------------- sales simulation

@dataclass
class Ticket:
    ticket_id: int
    performance: Performance
    seat_category: str
    tariff: str
    price_cents: int
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
    def total_cents(self) -> int:
        return sum(t.price_cents for t in self.tickets)


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
ORDER_SIZE_CUM = {k: (sizes, _cum(w)) for k, (sizes, w) in ORDER_SIZE.items()}
_SEAT_CUM = {
    (code, favour): ([c for c, _ in v.seat_categories],
                     _cum(w * (1.6 if favour and i < 2 else 1.0) for i, (_, w) in enumerate(v.seat_categories)))
    for code, v in VENUES.items() for favour in (False, True)
}
_WEB_HOURS_CUM = _cum([1, 1, 0, 0, 0, 0, 1, 2, 4, 6, 7, 7, 8, 8, 7, 6, 6, 6, 7, 9, 10, 9, 6, 3])


def _mean_size(kind: str) -> float:
    sizes, weights = ORDER_SIZE[kind]
    return sum(s * w for s, w in zip(sizes, weights)) / sum(weights)


def simulate_orders(world: World) -> Iterator[Order]:
    """Every order of every season, subscriptions first, then performance by performance.

    Sold (non-cancelled) tickets never exceed a performance's capacity: cancelled orders free
    their seats, and each performance is filled up to its own fill rate.
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
    structures = [p for p in world.people if p.kind == "STRUCTURE"]
    for s_index, season in enumerate(world.seasons):
        perfs = world.performances_of(season)
        sold = {p.performance_id: 0 for p in perfs}
        active = [p for p in individuals if p.active[s_index]]
        buyers = _Pool(active)
        subscribers = [p for p in active if p.segment == "subscriber"]
        groups = _Pool([p for p in structures if p.active[s_index]]) or _Pool(structures)
        invitees = [p for p in individuals if p.invitee] or individuals[:1]
        s_start = season_bounds(season)[0]

        # 1. Subscription campaign (May–June before the season): ST_RENEWAL, ABONNE tariff.
        eligible = [p for p in perfs if p.show.genre in SUBSCRIPTION_GENRES]
        for person in subscribers:
            if not eligible:
                break
            when = _random_datetime(rng, datetime(s_start.year, 5, 10, 9), datetime(s_start.year, 6, 15, 19))
            if person.record.created > when:
                when = person.record.created + timedelta(hours=1)
            k = min(len(eligible), _ri(rng, 4, 6))
            chosen = sorted(rng.sample(eligible, k), key=lambda p: p.start)
            seats = 2 if person.companion is not None and rng.random() < 0.7 else 1
            number = person.number_for(rng, when)
            tickets = []
            for perf in chosen:
                if sold[perf.performance_id] + seats > perf.capacity * 0.45:
                    continue
                cat = _seat_category(rng, perf, favour_good=True)
                price = tariff_price_cents(perf.show.genre, cat, "ABONNE")
                holders = [number] + ([_holder(rng, world, person, when)] if seats == 2 else [])
                for h in holders:
                    tickets.append(Ticket(next_ticket(), perf, cat, "ABONNE", price, h, barcode(), "NOT_PRINTED",
                                          printed_at=when + timedelta(days=_ri(rng, 20, 60), hours=_ri(rng, 0, 8))))
                sold[perf.performance_id] += seats
            if tickets:
                order = Order(next_file(), season, "ST_RENEWAL", POINTS_OF_SALE["ST_RENEWAL"][0], number, when, tickets)
                _finish(rng, order)
                yield order

        # 2. Single tickets, performance by performance.
        for perf in perfs:
            mix = CHANNEL_MIX["jeune public" if perf.show.genre == "jeune public" else "default"]
            kinds = list(mix)
            order_cum = _cum(mix[k] / _mean_size(k) for k in kinds)
            target = min(perf.capacity, int(perf.capacity * perf.fill_rate))
            while sold[perf.performance_id] < target:
                kind = _pick(rng, kinds, order_cum)
                sizes, size_cum = ORDER_SIZE_CUM[kind]
                size = min(_pick(rng, sizes, size_cum), target - sold[perf.performance_id])
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
    return _pick(rng, codes, cum)


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
        when = _random_datetime(rng, start - timedelta(days=30), start - timedelta(hours=6))
    elif kind == "GROUP":
        when = _random_datetime(rng, perf.on_sale, perf.on_sale + (start - perf.on_sale) * 0.6)
    else:
        lead = (start - perf.on_sale) * (1 - rng.betavariate(2.2, 1.3))
        when = start - lead - timedelta(minutes=_ri(rng, 30, 180))
        if when < perf.on_sale:
            when = perf.on_sale + timedelta(minutes=_ri(rng, 0, 600))
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
            tickets.append(Ticket(next_ticket(), perf, cat, tariff, tariff_price_cents(genre, cat, tariff), "",
                                  barcode(), "VALID"))
    elif kind == "GROUP":
        originator = "DESK" if rng.random() < 0.6 else "SALE"
        structure = groups.draw(rng)
        if structure.record.created > when:
            return _fallback(rng, world, perf, season, buyers, next_file, next_ticket, barcode, when, size)
        buyer_no = structure.number_for(rng, when)
        cat = _seat_category(rng, perf)
        for _ in range(size):
            tickets.append(Ticket(next_ticket(), perf, cat, "GROUPE", tariff_price_cents(genre, cat, "GROUPE"),
                                  buyer_no, barcode(), "NOT_PRINTED",
                                  printed_at=start - timedelta(minutes=_ri(rng, 40, 90))))
    elif kind == "ADMINISTRATION":
        originator = "ADMINISTRATION"
        guest = rng.choice(invitees)
        if guest.record.created > when:  # not yet known to the house: someone else is invited
            return _fallback(rng, world, perf, season, buyers, next_file, next_ticket, barcode, when, size)
        buyer_no = guest.number_for(rng, when)
        cat = VENUES[perf.show.venue].seat_categories[0][0]
        for _ in range(size):
            tickets.append(Ticket(next_ticket(), perf, cat, "EXONERE", 0, buyer_no, barcode(), "NOT_PRINTED",
                                  printed_at=start - timedelta(minutes=_ri(rng, 30, 80))))
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
        elif (age is not None and age >= 65 and rng.random() < 0.4) or rng.random() < 0.07:
            tariff = "REDUIT"  # seniors, job seekers…
        else:
            tariff = "PLEIN"
        printed = None
        if state == "NOT_PRINTED":
            printed = perf.start - timedelta(minutes=_ri(rng, 30, 90))
        tickets.append(Ticket(next_ticket(), perf, cat, tariff, tariff_price_cents(genre, cat, tariff),
                              holder_no, barcode(), state, printed_at=printed))
    pos = POINTS_OF_SALE[originator][0]
    if originator == "DESK":
        pos = "Guichet Bizet" if perf.show.venue == "BIZET" else "Guichet Favart"
    return Order(next_file(), season, originator, pos, number, when, tickets)


def _business_hours(rng: random.Random, when: datetime, kind: str) -> datetime:
    if kind in ("DESK", "GROUP", "SALE", "ADMINISTRATION"):
        hour = _ri(rng, 10, 18)
    else:
        hour = _pick(rng, range(24), _WEB_HOURS_CUM)
    return when.replace(hour=hour, minute=_ri(rng, 0, 59), second=_ri(rng, 0, 59))


def _finish(rng: random.Random, order: Order) -> None:
    """What happens after the sale: a few cancellations, then scanning at the door."""
    perf_start = min(t.performance.start for t in order.tickets)
    if order.originator not in ("ST_RENEWAL", "ADMINISTRATION") and rng.random() < CANCEL_RATE:
        span = perf_start - order.order_date
        if span > timedelta(hours=2):
            order.canceled_at = order.order_date + span * rng.uniform(0.05, 0.9)
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
            t.controlled_at = start - timedelta(minutes=_ri(rng, 2, 50), seconds=_ri(rng, 0, 59))
            if t.printed_at is not None and t.printed_at >= t.controlled_at:
                t.printed_at = t.controlled_at - timedelta(minutes=3)
