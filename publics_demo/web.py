"""The web journeys of the demo institution: every visit to its website, generated in one place
and rendered by both web analytics tools (GA4: `ga4.py`, Matomo: `matomo.py`), with the e-mails
whose clicks bring some of them (Mailchimp: `emailing.py`).

**Window.** The house installed its GA4 BigQuery export and its Matomo on `WEB_START`
(1 June 2025): web analytics exist from that day to `WEB_END`, the last full day before the
extraction on `world.TODAY` (daily tables only, no intraday one). E-mailing is older: Mailchimp
reports and activity cover every e-mail campaign of the plan (`emailing.py`); clicks before
`WEB_START` lead to visits nobody measured.

**Sessions** (≈ `SESSIONS_IN_WINDOW` × scale over the window, ≈ 1.5 M a season at scale 1):

- *purchase journeys*: every TICKETSHOP order of `world.simulate_orders` placed in the window is
  a purchase session ending on the confirmation page a few seconds after its `order_date`
  (transaction id = `str(order.file_number)`, value = `total_cents / 100`; cancelled orders
  included: they were bought on the web), logged in with the contact number of the order, most
  of them preceded by 1–4 sessions of the same person within `ATTRIBUTION_DAYS` (clicks on paid
  campaigns active then, clicks in e-mails they received, organic visits, direct visits);
- *paid clicks*: for each day of `campaigns.deliveries`, ≈ 85 % of the clicks land (a session),
  journeys included — never more sessions than clicks;
- *e-mail clicks*: every click of the Mailchimp activity inside the window is a session carrying
  the clicked link's UTM (journeys' e-mail touches are such clicks);
- *the rest*: organic search (google, bing, qwant), organic social (facebook, instagram
  referrals), referral (local press, tourism sites) and direct visits, by day with the season's
  rhythm (sales opening, autumn, summer lull).

**Visitors.** Anonymous visitors (most; some come back within weeks) and the world's people:
one cookie per device, a second device for some; they log in sometimes (user id = their SecuTix
contact number). Per device: consent to GA4 (`CONSENT_RATE`; only consenting visitors are in
GA4) and an ad-blocker (`ADBLOCK_RATE`: in neither tool).

**Truth.** The canonical source / medium / campaign key / GA4 channel group of every session
(`truth/web_sessions.csv.gz`), the devices of every person (`truth/web_visitors.csv.gz`) and,
in the truth document, per web order its touchpoints within 30 days and its last non-direct
touch, plus the defects planted: links tagged with `Campaign.tagged` variants (`fb`,
`Facebook`, medium `Social`…), GA4 purchases without transaction id or sent twice, Matomo
visits whose ecommerce order was not tracked.

Deterministic: journeys draw from `world.rng("web/journeys")`, each day from
`world.rng("web/day/<date>")`, visitor ids are hashes of the seed (never Python's `hash()`).
Streamed: a day is generated, rendered and written before the next one; only the journeys and
the e-mail clicks (a few per order) are kept for the whole window. Files are compressed by a
background thread (zlib releases the GIL), so generation and compression share two cores.
"""

from __future__ import annotations

import bisect
import gc
import gzip
import hashlib
from collections import Counter, defaultdict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from publics_demo.ads import truth_header
from publics_demo.campaigns import Campaign, build_campaigns, deliveries, show_slug
from publics_demo.spreadsheets import SITE, landing_url
from publics_demo.truth import FOLDER as TRUTH_FOLDER
from publics_demo.world import (
    _WEB_HOURS_CUM,
    TODAY,
    ZONES,
    Order,
    Show,
    World,
    _cum,
    _pick,
    _ri,
    simulate_orders,
)

if TYPE_CHECKING:  # the renderers and the mailing plan import this module's model
    from publics_demo.emailing import MailingPlan

SOURCE = "web"
WEB_START = date(2025, 6, 1)  # GA4 BigQuery export and Matomo installed
WEB_END = TODAY - timedelta(days=1)  # last full day exported
SESSIONS_IN_WINDOW = 1_900_000  # at scale 1, all origins together
ATTRIBUTION_DAYS = 30
CONSENT_RATE = 0.65  # devices accepting the analytics cookies (GA4)
ADBLOCK_RATE = 0.035  # devices blocking both tools
LANDING_RATE = (0.80, 0.90)  # share of an ad platform's clicks that become a session
SECOND_DEVICE_RATE = 0.30
SESSIONS_FILE = f"{TRUTH_FOLDER}/web_sessions.csv.gz"
VISITORS_FILE = f"{TRUTH_FOLDER}/web_visitors.csv.gz"

DAY = 86_400
EPOCH = datetime(1970, 1, 1)
MASK64 = (1 << 64) - 1

# GA4 default channel group of each kind of organic touch (campaigns: `Campaign.channel`).
CHANNELS = {"organic": "Organic Search", "social": "Organic Social", "referral": "Referral", "direct": "Direct"}
# (canonical source, referrer URL, Matomo's name for it, weight)
SEARCH_ENGINES = (("google", "https://www.google.com/", "Google", 0.86), ("bing", "https://www.bing.com/", "Bing", 0.08),
                  ("qwant", "https://www.qwant.com/", "Qwant", 0.06))
# (canonical source, host GA4 reports, referrer URL, Matomo's name, weight)
SOCIAL_NETWORKS = (("facebook", "l.facebook.com", "https://l.facebook.com/", "Facebook", 0.40),
                   ("facebook", "m.facebook.com", "https://m.facebook.com/", "Facebook", 0.20),
                   ("instagram", "l.instagram.com", "https://l.instagram.com/", "Instagram", 0.40))
REFERRAL_SITES = (("leparisien.fr", "https://www.leparisien.fr/culture-loisirs/sorties/", 0.22),
                  ("telerama.fr", "https://www.telerama.fr/sortir/", 0.18),
                  ("sortiraparis.com", "https://www.sortiraparis.com/scenes/opera/", 0.22),
                  ("parisinfo.com", "https://www.parisinfo.com/que-faire-a-paris/", 0.18),
                  ("offi.fr", "https://www.offi.fr/theatre/", 0.10),
                  ("timeout.fr", "https://www.timeout.fr/paris/theatre/", 0.10))

# Origin of the sessions that are neither journeys, paid clicks nor e-mail clicks.
BACKGROUND_KINDS = ("organic", "direct", "social", "referral")
BACKGROUND_CUM = _cum((0.42, 0.33, 0.13, 0.12))
# Touches of a buyer's earlier sessions, and of the purchase session itself.
JOURNEY_KINDS = ("paid", "email", "organic", "social", "referral", "direct")
EARLIER_CUM = _cum((0.30, 0.15, 0.25, 0.07, 0.05, 0.18))
PURCHASE_CUM = _cum((0.12, 0.08, 0.20, 0.04, 0.04, 0.52))
EARLIER_COUNT_CUM = _cum((0.20, 0.30, 0.24, 0.15, 0.11))  # 0–4 earlier sessions
# Who makes a session: a known person, an anonymous visitor coming back, a new one.
BACKGROUND_WHO_CUM = _cum((0.28, 0.27, 0.45))
PAID_WHO_CUM = _cum((0.12, 0.18, 0.70))
PERSON_WEIGHT = {"prospect": 0.6, "occasional": 1.0, "regular": 2.5, "subscriber": 3.0}
LOGIN_RATE = 0.12  # a known person's ordinary session is logged in
EXTRA_PAGES_CUM = _cum((0.38, 0.30, 0.19, 0.13))  # pages after the landing page: 0–3
RETURNING_DAYS = 60  # anonymous visitors come back within about two months
MONTH_FACTOR = {1: 1.0, 2: 0.95, 3: 0.95, 4: 0.85, 5: 1.0, 6: 1.15, 7: 0.85, 8: 0.65, 9: 1.35, 10: 1.2,
                11: 1.1, 12: 1.05}
WEEKDAY_FACTOR = (1.08, 1.10, 1.06, 1.06, 0.96, 0.84, 0.90)
ON_SALE_BOOST = (2.6, 1.7, 1.3)  # the opening day of single sales and the two days after

# Defects of the tags on purchase sessions (shares of the purchase sessions each tool sees).
GA4_NO_TRANSACTION_ID = 0.015  # purchase event sent with transaction_id "(not set)"
GA4_PURCHASE_TWICE = 0.01  # confirmation page reloaded: the purchase event sent again
MATOMO_ORDER_LOST = 0.015  # ecommerce order not tracked (the visit is there, not the order)
FLAG_GA4_NO_ID, FLAG_GA4_TWICE, FLAG_MATOMO_NO_ORDER = 1, 2, 4

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


# --------------------------------------------------------------------------- time and hashes

def local_seconds(when: datetime) -> int:
    """Wall-clock time in Paris as seconds since 1970-01-01 00:00 (no time zone applied)."""
    return (when - EPOCH).days * DAY + (when - EPOCH).seconds


def day_start(day: date) -> int:
    return (day - EPOCH.date()).days * DAY


def day_of(t: int) -> date:
    return EPOCH.date() + timedelta(days=t // DAY)


def _last_sunday(year: int, month: int) -> date:
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() + 1) % 7)


# Europe/Paris summer time, as local-second bounds: [last Sunday of March 02:00, last Sunday of
# October 03:00). Computed from the EU rule so that no time-zone database is needed.
_DST_BOUNDS = [b for y in range(2015, 2031)
               for b in (day_start(_last_sunday(y, 3)) + 2 * 3600, day_start(_last_sunday(y, 10)) + 3 * 3600)]


def utc_offset(t: int) -> int:
    """Seconds to subtract from Paris wall-clock time `t` to get UTC."""
    return 7200 if bisect.bisect_right(_DST_BOUNDS, t) % 2 else 3600


def mix64(x: int) -> int:
    """SplitMix64's finaliser: a fast, well-spread 64-bit hash of an integer."""
    x = (x + 0x9E3779B97F4A7C15) & MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK64
    return x ^ (x >> 31)


def salt_of(world: World, label: str) -> int:
    """A 64-bit constant for the seed and a label (blake2b: stable across runs, unlike hash())."""
    digest = hashlib.blake2b(f"publics-demo/{world.seed}/{label}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def iso_local(t: int) -> str:
    return (EPOCH + timedelta(seconds=t)).isoformat()


def vat_cents(order: Order) -> int:
    """The VAT included in an order's prices: 5,5 % on performances, 2,1 % on creations (as in
    the SecuTix tickets' VAT_RATE)."""
    return round(sum(t.price_cents * (1 - 1 / (1.021 if t.performance.show.creation else 1.055))
                     for t in order.tickets))


def utm_query(source: str, medium: str, name: str, content: str = "", term: str = "") -> str:
    """The query string of a tagged link, values percent-encoded as a link builder does."""
    parts = [f"utm_source={quote(source, safe='')}", f"utm_medium={quote(medium, safe='')}",
             f"utm_campaign={quote(name, safe='')}"]
    if content:
        parts.append(f"utm_content={quote(content, safe='')}")
    if term:
        parts.append(f"utm_term={quote(term, safe='')}")
    return "&".join(parts)


# --------------------------------------------------------------------------- the model

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
DEVICE_CUM = _cum(w for w, _ in DEVICES)


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
        self.ga4_tail: tuple[str, ...] = ()  # cached by ga4.py: the event fields that never change

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
        season = _season_of(day)
        return f"/saison-{_next_season(season) if day.month in (5, 6, 7, 8) else season}"

    def on_sale(self, day: date) -> list[Show]:
        """Shows on sale that day, their first night within five months (nearest first)."""
        if day not in self._on_sale:
            shows = [(first, code) for code, (opens, first, last) in self._runs.items()
                     if opens <= day <= last and (first - day).days <= 150]
            self._on_sale[day] = [self.shows[code] for _, code in sorted(shows)]
        return self._on_sale[day]


def _season_of(day: date) -> str:
    start = day.year if day.month >= 9 else day.year - 1
    return f"{start}-{str(start + 1)[2:]}"


def _next_season(season: str) -> str:
    start = int(season[:4]) + 1
    return f"{start}-{str(start + 1)[2:]}"


# --------------------------------------------------------------------------- who visits

class Population:
    """The visitors: the world's people (a cookie per device, ids hashed from the seed) and the
    anonymous visitors, created as they come; recent anonymous visitors may come back."""

    def __init__(self, world: World):
        self.world = world
        self.salt = salt_of(world, "web/visitors")
        self.person_of_number = {}
        for p in world.people:
            for rec in [p.record, *p.duplicates]:
                self.person_of_number[rec.number] = p.index
        self.devices: dict[int, list[Visitor]] = {}
        people = [p for p in world.people if p.kind == "INDIVIDUAL"]
        self._people = [p.index for p in people]
        self._people_cum = _cum(PERSON_WEIGHT[p.segment] for p in people)
        zones = list(ZONES)
        self._zone_cum = _cum(ZONES[z][0] for z in zones)
        self._zones = zones
        self._geos: dict[tuple[str, str, str], Geo] = {}
        self.anonymous = 0
        self._recent: list[Visitor] = []
        self._recent_at = 0
        self._recent_size = max(200, round(SESSIONS_IN_WINDOW * world.scale * 0.45 * RETURNING_DAYS / 410))

    def geo(self, town: str, zipcode: str, country: str) -> Geo:
        key = (town, zipcode[:2], country)
        if key not in self._geos:
            name, continent, sub, language = COUNTRIES.get(country, COUNTRIES["FR"])
            region = REGIONS.get(zipcode[:2], "(not set)") if country == "FR" else "(not set)"
            self._geos[key] = Geo(town or "(not set)", region, name, country.lower(), continent, sub, language)
        return self._geos[key]

    def of_person(self, index: int) -> list[Visitor]:
        """The devices of a person (created on first use; the same for a seed whatever the order)."""
        found = self.devices.get(index)
        if found is None:
            rec = self.world.people[index].record
            geo = self.geo(rec.town, rec.zipcode, rec.country_code)
            key = mix64(self.salt ^ (index * 2 + 1))
            found = [Visitor(key, index, 1, geo)]
            if (key & 0xFFFF) < SECOND_DEVICE_RATE * 0x10000:
                found.append(Visitor(mix64(key), index, 2, geo))
            self.devices[index] = found
        return found

    def device_of(self, index: int, rng) -> Visitor:
        devices = self.of_person(index)
        return devices[1] if len(devices) > 1 and rng.random() < 0.3 else devices[0]

    def draw_person(self, rng) -> int:
        return _pick(rng, self._people, self._people_cum)

    def new_anonymous(self) -> Visitor:
        self.anonymous += 1
        key = mix64(self.salt ^ (self.anonymous << 1))
        h = mix64(key ^ 0x5A5A)
        zone = self._zones[bisect.bisect_right(self._zone_cum, (h & 0xFFFF) / 0x10000 * self._zone_cum[-1])]
        entries = ZONES[zone][1]
        postcode, town, country = entries[(h >> 16) % len(entries)]
        visitor = Visitor(key, -1, 1, self.geo(town, postcode, country))
        if len(self._recent) < self._recent_size:
            self._recent.append(visitor)
        else:  # a ring: the oldest anonymous visitors stop coming back (and are forgotten)
            self._recent[self._recent_at] = visitor
            self._recent_at = (self._recent_at + 1) % self._recent_size
        return visitor

    def returning_anonymous(self, rng) -> Visitor:
        if not self._recent:
            return self.new_anonymous()
        return self._recent[int(rng.random() * len(self._recent))]

    def visitor(self, rng, who_cum: list[float], when: int) -> tuple[Visitor, int, str]:
        """(device, person index or -1, user id) of an ordinary session."""
        who = _pick(rng, (0, 1, 2), who_cum)
        if who == 0:
            index = self.draw_person(rng)
            rec = self.world.people[index].record
            logged = rng.random() < LOGIN_RATE and local_seconds(rec.created) <= when
            return self.device_of(index, rng), index, rec.number if logged else ""
        visitor = self.returning_anonymous(rng) if who == 1 else self.new_anonymous()
        return visitor, -1, ""


# --------------------------------------------------------------------------- touches

class Touches:
    """Every touch, built once and shared by the sessions (and the truth's counters)."""

    def __init__(self):
        self._made: dict[tuple, Touch] = {}
        self.search = [(Touch("organic", s, "organic", CHANNELS["organic"], None, s, "organic", url, name), w)
                       for s, url, name, w in SEARCH_ENGINES]
        self.social = [(Touch("social", s, "social", CHANNELS["social"], None, host, "referral", url, name), w)
                       for s, host, url, name, w in SOCIAL_NETWORKS]
        self.referral = [(Touch("referral", s, "referral", CHANNELS["referral"], None, s, "referral", url, s), w)
                         for s, url, w in REFERRAL_SITES]
        self.direct = Touch("direct", "(direct)", "(none)", CHANNELS["direct"])
        self._cums = {k: _cum(w for _, w in getattr(self, k)) for k in ("search", "social", "referral")}

    def organic(self, kind: str, rng) -> Touch:
        if kind == "direct":
            return self.direct
        group = {"organic": "search", "social": "social", "referral": "referral"}[kind]
        items = getattr(self, group)
        return _pick(rng, items, self._cums[group])[0]

    def campaign(self, campaign: Campaign, seen_source: str, seen_medium: str) -> Touch:
        key = (campaign.key, seen_source, seen_medium)
        if key not in self._made:
            kind = "email" if campaign.platform == "mailchimp" else "paid"
            self._made[key] = Touch(kind, campaign.utm_source, campaign.utm_medium, campaign.channel, campaign,
                                    seen_source, seen_medium)
        return self._made[key]

    def tagged(self, campaign: Campaign, rng) -> Touch:
        """A click on a paid campaign, tagged as its links really were (`Campaign.tagged`)."""
        variants = campaign.tagged
        source, medium, _ = _pick(rng, variants, _cum(w for _, _, w in variants))
        return self.campaign(campaign, source, medium)


# --------------------------------------------------------------------------- paid clicks

class PaidClicks:
    """The sessions each paid campaign-day brings: ≈ 85 % of its clicks (`LANDING_RATE`).
    Journeys take their paid touches from this capacity first; the day fills the rest."""

    def __init__(self, world: World, plan: list[Campaign]):
        self.clicks: dict[tuple[str, date], int] = {}
        self.left: dict[tuple[str, date], int] = {}
        self.by_day: dict[date, list[Campaign]] = defaultdict(list)
        for c in plan:
            if not c.paid:
                continue
            rng = world.rng(f"web/paid/{c.key}")
            for d in deliveries(world, c):
                landed = round(d.clicks * rng.uniform(*LANDING_RATE))
                if WEB_START <= d.day <= WEB_END and landed:
                    self.clicks[(c.key, d.day)] = d.clicks
                    self.left[(c.key, d.day)] = landed
                    self.by_day[d.day].append(c)

    def take(self, day: date, show: Show | None, rng) -> Campaign | None:
        """A campaign of that day still bringing sessions, about `show` or institutional."""
        found = [c for c in self.by_day.get(day, ()) if self.left[(c.key, day)] > 0
                 and (c.show_code is None or show is None or c.show_code == show.code)]
        if not found:
            return None
        chosen = found[int(rng.random() * len(found))]
        self.left[(chosen.key, day)] -= 1
        return chosen


def campaign_landing(campaign: Campaign, touch: Touch, rng) -> tuple[str, str]:
    """(path, query) of a paid click: the campaign's landing page (the UTM plan's) and its UTM,
    plus the click id the platform appends (gclid, fbclid)."""
    path = landing_url(campaign).removeprefix(SITE)
    term = ""
    if campaign.platform == "google_ads":
        term = f"{campaign.show_slug.replace('-', ' ')} billets"
    query = utm_query(touch.seen_source, touch.seen_medium, campaign.name, term=term)
    click = f"{mix64(int(rng.random() * 2**53)):016x}{int(rng.random() * 2**32):08x}"
    return path, f"{query}&{'gclid' if campaign.platform == 'google_ads' else 'fbclid'}=Cj0K{click}"


# --------------------------------------------------------------------------- journeys

@dataclass
class WebOrder:
    """A TICKETSHOP order of the window and what the truth says about it."""
    order: Order
    person: int
    at: int  # the confirmation page (Paris wall-clock seconds)
    touches: list[tuple[int, Touch]] = field(default_factory=list)
    ga4: list | None = None  # [user_pseudo_id, ga_session_id, transaction id sent?]
    matomo: list | None = None  # [idVisit, visitorId, order tracked?]


class Journeys:
    """Every web order's purchase session and the sessions that led to it, by day."""

    def __init__(self, world: World, site: Site, population: Population, touches: Touches, paid: PaidClicks,
                 mailing: MailingPlan):
        self.by_day: dict[date, list[Session]] = defaultdict(list)
        self.orders: dict[str, WebOrder] = {}
        self.order_times: dict[int, list[tuple[int, str]]] = defaultdict(list)  # person -> [(at, txn)]
        self.site, self.population, self.touches, self.paid, self.mailing = site, population, touches, paid, mailing
        rng = world.rng("web/journeys")
        lo, hi = day_start(WEB_START), day_start(WEB_END) + DAY
        for order in simulate_orders(world):
            if order.originator != "TICKETSHOP" or not lo <= local_seconds(order.order_date) < hi:
                continue
            self._journey(order, rng, lo)
        for times in self.order_times.values():
            times.sort()

    def _journey(self, order: Order, rng, lo: int) -> None:
        person = self.population.person_of_number[order.buyer]
        show = order.tickets[0].performance.show
        at = local_seconds(order.order_date) + _ri(rng, 2, 25)
        at = min(at, day_start(day_of(local_seconds(order.order_date))) + DAY - 1)
        txn = str(order.file_number)
        self.orders[txn] = WebOrder(order, person, at)
        self.order_times[person].append((at, txn))
        earlier = sorted(at - _ri(rng, 3600, ATTRIBUTION_DAYS * DAY - 3600)
                         for _ in range(_pick(rng, range(5), EARLIER_COUNT_CUM)))
        for t in earlier:
            if t >= lo:
                logged = order.buyer if rng.random() < 0.25 else ""
                self._add(t, person, show, logged, EARLIER_CUM, rng)
        start = max(at - _ri(rng, 150, 1500), day_start(day_of(at)))
        self._add(start, person, show, order.buyer, PURCHASE_CUM, rng, order=order, until=at)

    def _add(self, t: int, person: int, show: Show, user_id: str, kinds_cum, rng, order: Order | None = None,
             until: int = 0) -> None:
        kind = _pick(rng, JOURNEY_KINDS, kinds_cum)
        landing = None
        touch = None
        if kind == "paid":
            campaign = self.paid.take(day_of(t), show, rng)
            if campaign is not None:
                touch = self.touches.tagged(campaign, rng)
                landing = campaign_landing(campaign, touch, rng)
            else:
                kind = "organic"
        elif kind == "email":
            clicked = self.mailing.journey_click(person, t, rng)
            if clicked is not None:
                touch, landing = clicked
            else:
                kind = "direct"
        if touch is None:
            touch = self.touches.organic(kind, rng)
        visitor = self.population.device_of(person, rng)
        self.by_day[day_of(t)].append(Session(t, visitor, touch, person, user_id, show, order, landing, until))


# --------------------------------------------------------------------------- one day

class Day:
    """The sessions of one day: journeys, e-mail clicks, paid clicks left, then the rest, up to
    the day's volume; rendered into pages."""

    def __init__(self, web: WebWorld, day: date, rng):
        self.web, self.day, self.rng = web, day, rng
        self.start = day_start(day)

    def sessions(self, target: int) -> list[Session]:
        web, rng = self.web, self.rng
        sessions = list(web.journeys.by_day.pop(self.day, ()))
        sessions += web.email_clicks.pop(self.day, ())
        for c in web.paid.by_day.get(self.day, ()):
            for _ in range(web.paid.left[(c.key, self.day)]):
                t = self._hour()
                visitor, person, user_id = web.population.visitor(rng, PAID_WHO_CUM, t)
                touch = web.touches.tagged(c, rng)
                show = web.site.shows.get(c.show_code) if c.show_code else None
                sessions.append(Session(t, visitor, touch, person, user_id, show, None,
                                        campaign_landing(c, touch, rng)))
            web.paid.left[(c.key, self.day)] = 0
        on_sale = web.site.on_sale(self.day)
        for _ in range(max(0, target - len(sessions))):
            t = self._hour()
            kind = _pick(rng, BACKGROUND_KINDS, BACKGROUND_CUM)
            visitor, person, user_id = web.population.visitor(rng, BACKGROUND_WHO_CUM, t)
            show = on_sale[int(rng.random() ** 1.6 * len(on_sale))] if on_sale and rng.random() < 0.7 else None
            sessions.append(Session(t, visitor, web.touches.organic(kind, rng), person, user_id, show))
        sessions.sort(key=_start_of)
        return sessions

    def _hour(self) -> int:
        return self.start + _pick(self.rng, range(24), _WEB_HOURS_CUM) * 3600 + int(self.rng.random() * 3600)

    def pages(self, s: Session) -> list[Page]:
        """The pages of a session, inside the day; a purchase session ends at its order."""
        rng, site = self.rng, self.web.site
        show = s.show
        if s.landing is not None:
            path, query = s.landing
        elif show is not None and rng.random() < 0.6:
            path, query = site.show_page(show), ""
        else:
            path, query = (HOME if rng.random() < 0.6 else BROWSE_PAGES[int(rng.random() * len(BROWSE_PAGES))]), ""
        paths = [(path, query, KIND_SHOW if path in site.show_of else KIND_PAGE)]
        if s.order is not None:
            page = site.show_page(show)
            if path != page:
                paths.append((page, "", KIND_SHOW))
            paths += [(site.seats_page(show), "", KIND_PAGE), (CART, "", KIND_CART), (CONFIRMATION, "", KIND_CONFIRM)]
            span = max(len(paths) - 1, s.until - s.start)
            return [Page(s.start + span * k // (len(paths) - 1), p, q, kind) for k, (p, q, kind) in enumerate(paths)]
        for _ in range(_pick(rng, range(4), EXTRA_PAGES_CUM)):
            if show is not None and rng.random() < 0.45:
                nxt = site.seats_page(show) if paths[-1][0] == site.show_page(show) else site.show_page(show)
            else:
                on_sale = site.on_sale(self.day)
                if on_sale and rng.random() < 0.6:
                    nxt = site.show_page(on_sale[int(rng.random() * len(on_sale))])
                else:
                    nxt = BROWSE_PAGES[int(rng.random() * len(BROWSE_PAGES))]
            paths.append((nxt, "", KIND_SHOW if nxt in site.show_of else KIND_PAGE))
        t, pages = s.start, []
        for p, q, kind in paths:
            pages.append(Page(t, p, q, kind))
            t += 12 + int(rng.random() ** 2 * 240)
        overflow = pages[-1].t - (self.start + DAY - 1)
        if overflow > 0:  # a late visit: it happened a little earlier, inside the day
            for page in pages:
                page.t -= overflow
            s.start = pages[0].t
        return pages


def _start_of(s: Session) -> int:
    return s.start


# --------------------------------------------------------------------------- volumes

def daily_targets(world: World) -> dict[date, int]:
    """Sessions per day (all origins): `SESSIONS_IN_WINDOW` × scale shared by the season's rhythm."""
    rng = world.rng("web/volume")
    openings = {p.on_sale.date() for p in world.performances}
    days = [WEB_START + timedelta(d) for d in range((WEB_END - WEB_START).days + 1)]
    factors = []
    for d in days:
        f = MONTH_FACTOR[d.month] * WEEKDAY_FACTOR[d.weekday()]
        for k, boost in enumerate(ON_SALE_BOOST):
            if d - timedelta(days=k) in openings:
                f *= boost
        factors.append(f * rng.uniform(0.93, 1.07))
    base = SESSIONS_IN_WINDOW * world.scale / sum(factors)
    return {d: round(base * f) for d, f in zip(days, factors)}


# --------------------------------------------------------------------------- the whole window

class WebWorld:
    """Everything the day loop needs: site, visitors, touches, paid clicks, journeys, e-mails."""

    def __init__(self, world: World, mailing: MailingPlan):
        self.world = world
        self.site = Site(world)
        self.population = Population(world)
        self.touches = Touches()
        plan = build_campaigns(world)
        self.paid = PaidClicks(world, plan)
        self.mailing = mailing
        mailing.attach(self.site, self.touches)
        self.journeys = Journeys(world, self.site, self.population, self.touches, self.paid, mailing)
        self.email_clicks: dict[date, list[Session]] = defaultdict(list)

    def add_email_click(self, person: int, t: int, touch: Touch, landing: tuple[str, str], rng) -> None:
        """A click of the Mailchimp activity inside the window: a session of that person."""
        rec = self.world.people[person].record
        user_id = rec.number if rng.random() < LOGIN_RATE else ""
        show = self.site.show_of.get(landing[0]) or (self.site.shows.get(touch.campaign.show_code)
                                                      if touch.campaign.show_code else None)
        self.email_clicks[day_of(t)].append(Session(t, self.population.device_of(person, rng), touch, person,
                                                    user_id, show, None, landing))


class Writers:
    """Files written by a background thread, in submission order (at most `depth` pending)."""

    def __init__(self, depth: int = 8):
        self._pool = ThreadPoolExecutor(max_workers=1)
        self._pending: list[Future] = []
        self._depth = depth

    def submit(self, fn, *args) -> None:
        self._pending.append(self._pool.submit(fn, *args))
        while len(self._pending) > self._depth:
            self._pending.pop(0).result()

    def close(self) -> None:
        for f in self._pending:
            f.result()
        self._pool.shutdown()


class GzipLines:
    """A gzip text file written by `Writers` (header without time: deterministic bytes)."""

    def __init__(self, path: Path, header: str):
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = gzip.GzipFile(path, "wb", compresslevel=6, mtime=0)
        self._file.write(header.encode())

    def write(self, text: str) -> None:
        self._file.write(text.encode())

    def close(self) -> None:
        self._file.close()


SESSION_COLUMNS = ("day,ga_session_id,user_pseudo_id,matomo_id_visit,started_at,channel_group,source,medium,"
                   "campaign_key,utm_source,utm_medium,person,user_id,transaction_id,ga4_consent,ad_blocked\n")
VISITOR_COLUMNS = ("person,device,user_pseudo_id,matomo_visitor_id,ga4_consent,ad_blocked,sessions,"
                   "contact_numbers\n")


def _csv_cell(value: str) -> str:
    return f'"{value}"' if "," in value or '"' in value else value


class WebTruth:
    """What the day loop counts for the truth, session by session."""

    def __init__(self, journeys: Journeys):
        self.sessions = Counter()
        self.channels = Counter()
        self.variants = Counter()  # (utm_source, utm_medium) of links tagged otherwise than the plan
        self.paid_sessions = Counter()  # (campaign key, day)
        self.flags = defaultdict(list)
        self.journeys = journeys
        self.persons: set[int] = set()

    def count(self, s: Session, in_ga4: bool, in_matomo: bool, day: str) -> str:
        """Count a session; return its line of the sessions file (`day`: its date, ISO)."""
        touch = s.touch
        self.sessions["all"] += 1
        self.sessions["ga4"] += in_ga4
        self.sessions["matomo"] += in_matomo
        self.channels[touch.channel] += 1
        if touch.variant:
            self.variants[(touch.seen_source, touch.seen_medium)] += 1
        if touch.kind == "paid":
            self.paid_sessions[(touch.campaign.key, day_of(s.start))] += 1
        if s.person >= 0:
            self.persons.add(s.person)
            self._touchpoint(s)
        txn = str(s.order.file_number) if s.order is not None else ""
        if txn:
            web_order = self.journeys.orders[txn]
            v = s.visitor
            web_order.ga4 = [v.pseudo_id, s.ga_session_id, not s.flags & FLAG_GA4_NO_ID] if in_ga4 else None
            web_order.matomo = ([s.id_visit, matomo_visitor_id(s), not s.flags & FLAG_MATOMO_NO_ORDER]
                                if in_matomo else None)
            for flag, name in ((FLAG_GA4_NO_ID, "ga4_no_transaction_id"), (FLAG_GA4_TWICE, "ga4_purchase_twice"),
                               (FLAG_MATOMO_NO_ORDER, "matomo_order_not_tracked")):
                if s.flags & flag and (in_ga4 if flag != FLAG_MATOMO_NO_ORDER else in_matomo):
                    self.flags[name].append(txn)
        campaign = touch.campaign
        clock = s.start % DAY
        return ",".join((
            day, str(s.ga_session_id), s.visitor.pseudo_id if in_ga4 else "", str(s.id_visit) if in_matomo else "",
            f"{day}T{clock // 3600:02d}:{clock // 60 % 60:02d}:{clock % 60:02d}", touch.channel, _csv_cell(touch.source),
            touch.medium, campaign.key if campaign else "", _csv_cell(touch.seen_source), touch.seen_medium,
            str(s.person) if s.person >= 0 else "", s.user_id, txn, "1" if s.visitor.consent else "0",
            "1" if s.visitor.blocked else "0")) + "\n"

    def _touchpoint(self, s: Session) -> None:
        """The session is a touchpoint of every order of its person in the next 30 days."""
        times = self.journeys.order_times.get(s.person)
        if not times:
            return
        k = bisect.bisect_left(times, (s.start, ""))
        while k < len(times) and times[k][0] <= s.start + ATTRIBUTION_DAYS * DAY:
            self.journeys.orders[times[k][1]].touches.append((s.start, s.touch))
            k += 1


def matomo_visitor_id(s: Session) -> str:
    """Matomo's visitorId: with a user id, the first 16 hex digits of its SHA-1 (Matomo's
    default `enable_userid_overwrites_visitorid`), else the cookie's id."""
    if s.user_id:
        return hashlib.sha1(s.user_id.encode()).hexdigest()[:16]
    return s.visitor.matomo_id


def write(world: World, out_dir: Path) -> tuple[dict[str, int], dict]:
    """Write GA4, Matomo and Mailchimp deliveries of `world` in one pass over the sessions, and
    the per-session truth; return ({file name: data rows}, truth document)."""
    from publics_demo import emailing, ga4, matomo  # they import this module's model

    out_dir = Path(out_dir)
    mailing = emailing.MailingPlan(world)
    web = WebWorld(world, mailing)
    counts: dict[str, int] = {}
    writers = Writers()
    email_counts, email_truth = mailing.write(out_dir, web.add_email_click)
    counts.update(email_counts)

    truth = WebTruth(web.journeys)
    sessions_file = GzipLines(out_dir / SESSIONS_FILE, SESSION_COLUMNS)
    ga4_out = ga4.Ga4Files(out_dir, writers, web.site)
    matomo_out = matomo.MatomoFiles(out_dir, writers, web.site)
    targets = daily_targets(world)
    collecting = gc.isenabled()
    gc.disable()  # millions of long-lived objects and no cycles: the collector would only slow the loop
    try:
        for day, target in targets.items():
            iso_day = day.isoformat()
            the_day = Day(web, day, world.rng(f"web/day/{iso_day}"))
            ga4_out.start_day(day)
            lines = []
            for s in the_day.sessions(target):
                pages = the_day.pages(s)
                _purchase_flags(s, the_day.rng)
                s.ga_session_id = s.visitor.begin(s.start - utc_offset(s.start), s.touch)
                in_ga4 = s.visitor.consent and not s.visitor.blocked
                if in_ga4:
                    ga4_out.add(s, pages)
                if not s.visitor.blocked:
                    matomo_out.add(s, pages)
                lines.append(truth.count(s, in_ga4, not s.visitor.blocked, iso_day))
            counts.update(ga4_out.end_day())
            counts.update(matomo_out.end_day(day))
            writers.submit(sessions_file.write, "".join(lines))
        writers.submit(_write_visitors, out_dir / VISITORS_FILE, web)
    finally:
        writers.submit(sessions_file.close)
        writers.close()
        if collecting:
            gc.enable()
    counts = dict(sorted(counts.items()))
    return counts, _truth_document(world, web, truth, counts, email_truth, ga4_out, matomo_out)


def _purchase_flags(s: Session, rng) -> None:
    if s.order is None:
        return
    u = rng.random()
    if u < GA4_NO_TRANSACTION_ID:
        s.flags |= FLAG_GA4_NO_ID
    elif u < GA4_NO_TRANSACTION_ID + GA4_PURCHASE_TWICE:
        s.flags |= FLAG_GA4_TWICE
    if rng.random() < MATOMO_ORDER_LOST:
        s.flags |= FLAG_MATOMO_NO_ORDER


def _write_visitors(path: Path, web: WebWorld) -> None:
    out = GzipLines(path, VISITOR_COLUMNS)
    people = web.world.people
    rows = []
    for index in sorted(web.population.devices):
        numbers = " ".join(r.number for r in [people[index].record, *people[index].duplicates])
        for v in web.population.devices[index]:
            if v.sessions:
                rows.append(f"{index},{v.device_no},{v.pseudo_id if v.consent and not v.blocked else ''},"
                            f"{v.matomo_id},{int(v.consent)},{int(v.blocked)},{v.sessions},{numbers}\n")
    out.write("".join(rows))
    out.close()


# --------------------------------------------------------------------------- truth

def _touch_row(t: int, touch: Touch) -> list:
    """[started at, channel group, source, medium, campaign key]: canonical values."""
    return [iso_local(t), touch.channel, touch.source, touch.medium, touch.campaign.key if touch.campaign else None]


def _truth_document(world: World, web: WebWorld, truth: WebTruth, counts: dict[str, int], email_truth: dict,
                    ga4_out, matomo_out) -> dict:
    orders = {}
    last_campaigns = Counter()
    for txn, o in sorted(web.journeys.orders.items(), key=lambda kv: (kv[1].at, kv[0])):
        touches = sorted(o.touches, key=lambda tt: tt[0])
        last = next((tt for tt in reversed(touches) if tt[1].kind != "direct"), None)
        last_campaign = next((tt[1].campaign.key for tt in reversed(touches) if tt[1].campaign), None)
        last_campaigns[last[1].channel if last else "Direct"] += 1
        orders[txn] = {
            "ordered_at": iso_local(o.at), "revenue_eur": f"{o.order.total_cents / 100:.2f}",
            "canceled": o.order.canceled_at is not None, "buyer": o.order.buyer, "person": o.person,
            "touchpoints": [_touch_row(t, touch) for t, touch in touches],
            "last_non_direct": _touch_row(*last) if last else None,
            "last_campaign": last_campaign,
            "ga4": o.ga4, "matomo": o.matomo,
        }
    paid = defaultdict(lambda: {"clicks": 0, "sessions": 0})
    for (key, day), clicks in web.paid.clicks.items():
        paid[key]["clicks"] += clicks
        paid[key]["sessions"] += truth.paid_sessions[(key, day)]
    ga4_files = {n: c for n, c in counts.items() if n.startswith("events_")}
    matomo_files = {n: c for n, c in counts.items() if n.startswith("matomo_")}
    defects = [
        {"file": f"{ga4_out.FOLDER}/*", "defect": "ga4_no_transaction_id",
         "what": "purchase event with ecommerce.transaction_id '(not set)' (match by time, amount and user)",
         "count": len(truth.flags["ga4_no_transaction_id"]), "transaction_ids": truth.flags["ga4_no_transaction_id"]},
        {"file": f"{ga4_out.FOLDER}/*", "defect": "ga4_purchase_twice",
         "what": "confirmation page reloaded: the same purchase event sent again minutes later (count it once)",
         "count": len(truth.flags["ga4_purchase_twice"]), "transaction_ids": truth.flags["ga4_purchase_twice"]},
        {"file": f"{matomo_out.FOLDER}/*", "defect": "matomo_order_not_tracked",
         "what": "purchase visit without its ecommerceOrder action (the confirmation page is there)",
         "count": len(truth.flags["matomo_order_not_tracked"]),
         "transaction_ids": truth.flags["matomo_order_not_tracked"]},
        {"file": [f"{ga4_out.FOLDER}/*", f"{matomo_out.FOLDER}/*"], "defect": "utm_variants",
         "what": "sessions whose link was tagged otherwise than the plan (Campaign.tagged: fb, Facebook, "
                 "m.facebook.com, medium Social…); Matomo lower-cases campaign values, GA4 keeps them as typed",
         "count": sum(truth.variants.values()),
         "by_variant": {f"{s} / {m}": n for (s, m), n in sorted(truth.variants.items())}},
    ]
    return {
        **truth_header(world, SOURCE),
        "window": {"start": WEB_START.isoformat(), "end": WEB_END.isoformat()},
        "rule": ("sessions: GA4 (user_pseudo_id, ga_session_id) and Matomo idVisit; a person's touchpoints of an "
                 f"order are their sessions in the {ATTRIBUTION_DAYS} days up to the purchase (purchase session "
                 "included); last_non_direct = the latest touchpoint that is not Direct; channel = GA4 default "
                 "channel group of what really happened (a paid click tagged with medium 'Social' is Paid Social)"),
        "timestamps": "touchpoints and ordered_at in Paris wall-clock time; GA4 and Matomo timestamps are UTC",
        "files": {"ga4": len(ga4_files), "matomo": len(matomo_files),
                  "emailing": len(counts) - len(ga4_files) - len(matomo_files)},
        "sessions": {"all": truth.sessions["all"], "ga4": truth.sessions["ga4"], "matomo": truth.sessions["matomo"],
                     "by_channel": dict(sorted(truth.channels.items())),
                     "ga4_events": sum(ga4_files.values()), "matomo_visits": sum(matomo_files.values())},
        "visitors": {"persons": len(truth.persons), "person_devices": sum(len(v) for v in web.population.devices.values()),
                     "anonymous": web.population.anonymous, "consent_rate": CONSENT_RATE,
                     "adblock_rate": ADBLOCK_RATE,
                     "matomo_visitor_id": "sha1(userId)[:16] when logged in (enable_userid_overwrites_visitorid), "
                                          "else the device's"},
        "truth_files": {"sessions": SESSIONS_FILE, "visitors": VISITORS_FILE},
        "paid_campaigns": dict(sorted(paid.items())),
        "emailing": email_truth,
        "web_orders": {"count": len(orders),
                       "in_ga4": sum(1 for o in orders.values() if o["ga4"]),
                       "in_matomo": sum(1 for o in orders.values() if o["matomo"]),
                       "revenue_eur": f"{sum(o.order.total_cents for o in web.journeys.orders.values()) / 100:.2f}",
                       "by_last_non_direct_channel": dict(sorted(last_campaigns.items()))},
        "orders": orders,
        "defects": defects,
    }


# --------------------------------------------------------------------------- broken deliveries

def write_broken(out_dir: Path) -> list[dict]:
    """Damaged copies of the GA4, Matomo and Mailchimp deliveries (run `write` first)."""
    from publics_demo import emailing, ga4, matomo  # they import this module's model

    return ga4.write_broken(out_dir) + matomo.write_broken(out_dir) + emailing.write_broken(out_dir)
