"""Where the web sessions come from and who makes them: the visitors (`Population`: the world's
people and anonymous visitors), the touches shared by the sessions (`Touches`: search engines,
social networks, referral sites, direct, tagged campaign links) and the sessions each paid
campaign-day brings (`PaidClicks`).
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from datetime import date

from publics_demo.world.campaigns import SITE, Campaign, deliveries, landing_url, utm_query
from publics_demo.world.catalogue import Show
from publics_demo.world.draws import cum, pick
from publics_demo.world.model import World
from publics_demo.world.names import ZONES
from publics_demo.world.visits import COUNTRIES, REGIONS, Geo, Touch, Visitor
from publics_demo.world.webclock import (
    SESSIONS_IN_WINDOW,
    WEB_END,
    WEB_START,
    local_seconds,
    mix64,
    salt_of,
)

LANDING_RATE = (0.80, 0.90)  # share of an ad platform's clicks that become a session
SECOND_DEVICE_RATE = 0.30
PERSON_WEIGHT = {"prospect": 0.6, "occasional": 1.0, "regular": 2.5, "subscriber": 3.0}
LOGIN_RATE = 0.12  # a known person's ordinary session is logged in
RETURNING_DAYS = 60  # anonymous visitors come back within about two months

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
        self._people_cum = cum(PERSON_WEIGHT[p.segment] for p in people)
        zones = list(ZONES)
        self._zone_cum = cum(ZONES[z][0] for z in zones)
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
        return pick(rng, self._people, self._people_cum)

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
        who = pick(rng, (0, 1, 2), who_cum)
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
        self._cums = {k: cum(w for _, w in getattr(self, k)) for k in ("search", "social", "referral")}

    def organic(self, kind: str, rng) -> Touch:
        if kind == "direct":
            return self.direct
        group = {"organic": "search", "social": "social", "referral": "referral"}[kind]
        items = getattr(self, group)
        return pick(rng, items, self._cums[group])[0]

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
        source, medium, _ = pick(rng, variants, cum(w for _, _, w in variants))
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
