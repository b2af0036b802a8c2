"""What a web session is made of: where it comes from (`Touch`), the browser that makes it
(`Visitor`: a cookie, its device and place, consent to GA4 and ad-blocker), the session and its
pages, and the institution's website (`Site`: page titles, show pages, shows on sale).

**Visitors.** One cookie per device, a second device for some people. Per device: consent to
GA4 (`CONSENT_RATE`; only consenting visitors are in GA4) and an ad-blocker (`ADBLOCK_RATE`: in
neither tool), drawn from the device's hash.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from publics_demo.world.campaigns import Campaign, show_slug
from publics_demo.world.catalogue import Show
from publics_demo.world.draws import cum
from publics_demo.world.frame import season_of
from publics_demo.world.model import World
from publics_demo.world.orders import Order
from publics_demo.world.webclock import mix64

CONSENT_RATE = 0.65  # devices accepting the analytics cookies (GA4)
ADBLOCK_RATE = 0.035  # devices blocking both tools

# Pages: (path, title). Show pages: /spectacles/<season>/<slug> (as in the UTM plan).
HOME = "/"
STATIC_PAGES = {
    "/": "Opéra Favart — Accueil",
    "/abonnements": "Abonnements — Opéra Favart",
    "/moins-de-28-ans": "Moins de 28 ans — Opéra Favart",
    "/infos-pratiques": "Infos pratiques — venir à l'Opéra Favart",
    "/la-maison/histoire": "L'histoire de la salle Favart",
    "/actualites": "Actualités — Opéra Favart",
    "/jeune-public": "Jeune public et familles — Opéra Favart",
    "/visites-guidees": "Visites guidées — Opéra Favart",
    "/billetterie/panier": "Votre panier — Billetterie",
    "/billetterie/confirmation": "Confirmation de commande — Billetterie",
}
BROWSE_PAGES = ("/", "/infos-pratiques", "/la-maison/histoire", "/actualites", "/jeune-public", "/visites-guidees",
                "/abonnements")
CART, CONFIRMATION = "/billetterie/panier", "/billetterie/confirmation"
KIND_PAGE, KIND_SHOW, KIND_CART, KIND_CONFIRM = 0, 1, 2, 3



@dataclass(frozen=True, eq=False)
class Touch:
    """Where a session comes from: the truth (canonical source, medium, campaign, GA4 channel
    group) and what the tools see (`seen_*`: the UTM as typed in the link, or the referrer)."""
    kind: str  # paid | email | organic | social | referral | direct
    source: str
    medium: str
    channel: str
    campaign: Campaign | None = None
    seen_source: str = ""
    seen_medium: str = ""
    referrer: str = ""  # URL of the referring page (search engine, social network, website)
    referrer_name: str = ""  # Matomo's name for it (Google, Facebook, leparisien.fr)

    @property
    def tagged(self) -> bool:
        return self.campaign is not None

    @property
    def variant(self) -> bool:
        """A link tagged otherwise than the canonical spelling (`fb`, `Facebook`, `Social`…)."""
        return self.tagged and (self.seen_source, self.seen_medium) != (self.source, self.medium)


@dataclass(frozen=True)
class Device:
    category: str  # GA4 device.category
    brand: str
    model: str
    os: str
    os_version: str
    browser: str
    browser_version: str
    matomo_type: str  # Matomo deviceType
    resolution: str


DEVICES = (
    (0.30, Device("mobile", "Apple", "iPhone", "iOS", "iOS 18.5", "Safari", "18.5", "Smartphone", "390x844")),
    (0.17, Device("mobile", "Samsung", "SM-S921B", "Android", "Android 14", "Chrome", "137.0.7151.89", "Smartphone",
                  "412x915")),
    (0.28, Device("desktop", "Google", "Chrome", "Windows", "Windows 10", "Chrome", "137.0.7151.69", "Desktop",
                  "1920x1080")),
    (0.14, Device("desktop", "Apple", "Safari", "Macintosh", "Macintosh Intel 10.15", "Safari", "18.4", "Desktop",
                  "1440x900")),
    (0.07, Device("tablet", "Apple", "iPad", "iOS", "iOS 18.5", "Safari", "18.5", "Tablet", "820x1180")),
    (0.04, Device("desktop", "Mozilla", "Firefox", "Windows", "Windows 11", "Firefox", "139.0", "Desktop",
                  "1536x864")),
)
DEVICE_CUM = cum(w for w, _ in DEVICES)


@dataclass(frozen=True)
class Geo:
    city: str
    region: str
    country: str
    country_code: str
    continent: str
    sub_continent: str
    language: str  # browser language, e.g. fr-fr


REGIONS = {"75": "Île-de-France", "77": "Île-de-France", "78": "Île-de-France", "91": "Île-de-France",
           "92": "Île-de-France", "93": "Île-de-France", "94": "Île-de-France", "95": "Île-de-France",
           "69": "Auvergne-Rhône-Alpes", "01": "Auvergne-Rhône-Alpes", "07": "Auvergne-Rhône-Alpes",
           "13": "Provence-Alpes-Côte d'Azur", "06": "Provence-Alpes-Côte d'Azur", "05": "Provence-Alpes-Côte d'Azur",
           "33": "Nouvelle-Aquitaine", "59": "Hauts-de-France", "02": "Hauts-de-France", "80": "Hauts-de-France",
           "60": "Hauts-de-France", "67": "Grand Est", "51": "Grand Est", "08": "Grand Est", "44": "Pays de la Loire",
           "35": "Bretagne", "29": "Bretagne", "31": "Occitanie", "34": "Occitanie", "21": "Bourgogne-Franche-Comté",
           "25": "Bourgogne-Franche-Comté", "20": "Corse", "97": "La Réunion", "37": "Centre-Val de Loire",
           "45": "Centre-Val de Loire", "76": "Normandie", "14": "Normandie"}
COUNTRIES = {"FR": ("France", "Europe", "Western Europe", "fr-fr"), "BE": ("Belgium", "Europe", "Western Europe", "fr-be"),
             "CH": ("Switzerland", "Europe", "Western Europe", "fr-ch"), "DE": ("Germany", "Europe", "Western Europe", "de-de"),
             "GB": ("United Kingdom", "Europe", "Northern Europe", "en-gb"),
             "US": ("United States", "Americas", "Northern America", "en-us"),
             "IT": ("Italy", "Europe", "Southern Europe", "it-it"), "ES": ("Spain", "Europe", "Southern Europe", "es-es"),
             "LU": ("Luxembourg", "Europe", "Western Europe", "fr-lu"),
             "NL": ("Netherlands", "Europe", "Western Europe", "nl-nl"), "JP": ("Japan", "Asia", "Eastern Asia", "ja-jp")}


class Visitor:
    """One browser of one visitor (a cookie): ids, consent, ad-blocker, and the counters the
    tools keep (sessions so far, first visit)."""
    __slots__ = (
        "blocked",
        "client",
        "consent",
        "device",
        "device_no",
        "first_touch",
        "first_utc",
        "ga4_tail",
        "geo",
        "key",
        "last_session_id",
        "matomo_id",
        "person",
        "pseudo_id",
        "sessions",
    )

    def __init__(self, key: int, person: int, device_no: int, geo: Geo):
        h = mix64(key)
        self.key, self.person, self.device_no, self.geo = key, person, device_no, geo
        self.consent = (h & 0xFFFF) < CONSENT_RATE * 0x10000
        self.blocked = ((h >> 16) & 0xFFFF) < ADBLOCK_RATE * 0x10000
        self.device = DEVICES[bisect.bisect_right(DEVICE_CUM, ((h >> 32) & 0xFFFF) / 0x10000 * DEVICE_CUM[-1])][1]
        self.client = (h >> 33) % 2_000_000_000 + 100_000_000  # GA4 client id, random part
        self.matomo_id = f"{mix64(h):016x}"
        self.sessions = 0
        self.first_utc = 0
        self.last_session_id = 0
        self.pseudo_id = ""
        self.first_touch: Touch | None = None
        self.ga4_tail: tuple[str, ...] = ()  # cached by renderers/ga4.py: the event fields that never change

    def begin(self, utc: int, touch: Touch) -> int:
        """Count a new session starting at `utc` (Unix seconds); return its GA4 ga_session_id."""
        self.sessions += 1
        if self.sessions == 1:
            self.first_utc, self.first_touch = utc, touch
        self.last_session_id = max(utc, self.last_session_id + 1)  # one session per second at most
        return self.last_session_id


class Session:
    """One visit, before the tools render it. `start` and `until` are Paris wall-clock seconds;
    a purchase session ends on the confirmation page at `until`."""
    __slots__ = (
        "flags",
        "ga_session_id",
        "id_visit",
        "landing",
        "order",
        "person",
        "show",
        "start",
        "touch",
        "until",
        "user_id",
        "visitor",
    )

    def __init__(self, start: int, visitor: Visitor, touch: Touch, person: int = -1, user_id: str = "",
                 show: Show | None = None, order: Order | None = None, landing: tuple[str, str] | None = None,
                 until: int = 0):
        self.start, self.until, self.visitor, self.touch = start, until, visitor, touch
        self.person, self.user_id, self.show, self.order, self.landing = person, user_id, show, order, landing
        self.flags = 0
        self.ga_session_id = 0
        self.id_visit = 0


@dataclass
class Page:
    """One page of a rendered session (Paris wall-clock second, path, query string, kind)."""
    t: int
    path: str
    query: str = ""
    kind: int = KIND_PAGE


# --------------------------------------------------------------------------- the site

class Site:
    """The institution's website: page titles, show pages, the shows on sale on a given day."""

    def __init__(self, world: World):
        self.titles = dict(STATIC_PAGES)
        self.show_of: dict[str, Show] = {}
        self.shows = {s.code: s for s in world.shows}
        self._paths: dict[str, tuple[str, str]] = {}
        for show in world.shows:
            page = f"/spectacles/{show.season}/{show_slug(show.title)}"
            seats = f"/billetterie/{show_slug(show.title)}-{show.season}/seances"
            self._paths[show.code] = (page, seats)
            self.titles[page] = f"{show.title} — Opéra Favart"
            self.titles[seats] = f"Choisir une séance — {show.title}"
            self.show_of[page] = show
        for season in world.seasons + (_next_season(world.seasons[-1]),):
            self.titles[f"/saison-{season}"] = f"La saison {season} — Opéra Favart"
        runs: dict[str, list] = defaultdict(list)
        for p in world.performances:
            runs[p.show.code].append(p)
        self._runs = {code: (min(p.on_sale for p in ps).date(), min(p.start for p in ps).date(),
                             max(p.start for p in ps).date()) for code, ps in runs.items()}
        self._on_sale: dict[date, list[Show]] = {}

    def show_page(self, show: Show) -> str:
        return self._paths[show.code][0]

    def seats_page(self, show: Show) -> str:
        return self._paths[show.code][1]

    def season_page(self, day: date) -> str:
        season = season_of(day)
        return f"/saison-{_next_season(season) if day.month in (5, 6, 7, 8) else season}"

    def on_sale(self, day: date) -> list[Show]:
        """Shows on sale that day, their first night within five months (nearest first)."""
        if day not in self._on_sale:
            shows = [(first, code) for code, (opens, first, last) in self._runs.items()
                     if opens <= day <= last and (first - day).days <= 150]
            self._on_sale[day] = [self.shows[code] for _, code in sorted(shows)]
        return self._on_sale[day]


def _next_season(season: str) -> str:
    start = int(season[:4]) + 1
    return f"{start}-{str(start + 1)[2:]}"
