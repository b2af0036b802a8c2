"""The e-mail campaigns of the demo institution as they are sent: who receives them, who opens
and clicks, which links they carry; the clicks bring visits to the website (`journeys.py`). The
Mailchimp exports are rendered from it (`publics_demo.renderers.emailing`).

**Which campaigns.** Every `platform == "mailchimp"` campaign of `campaigns.build_campaigns`,
all seasons: the house used Mailchimp long before it measured its website (`webclock.WEB_START`),
so e-mailing history is longer than web history. Only clicks inside the web window become sessions.

**Recipients.** The audience of the campaign (`tous`: everyone; `abonnes`: subscribers;
`occasionnels`: occasional and regular buyers) among the individuals whose contact record has
an e-mail and the newsletter opt-in, created before the send. The list is synchronised from
SecuTix, so a duplicate contact is one more subscriber unless its address is the same up to
case (Mailchimp compares addresses case-insensitively): duplicates whose domain was mistyped
(`gmial.com`…) hard-bounce on their first campaign and are cleaned. A few addresses die over
time: one hard bounce, then cleaned. About `OPEN_RATE` of the delivered open, `CLICK_RATE` of
the recipients click, a few soft bounces. The buyers' journeys (`journeys.Journeys`) add the
clicks they need (a click is a session, a session from an e-mail is a click).

**Machine opens.** About `MPP_RATE` of the addresses are read in Apple Mail with Mail Privacy
Protection (drawn from the address's hash, no random draw): every message delivered to them is
« opened » by Apple's proxy a few minutes after the send, read or not. Mailchimp counts these
opens and, apart, its opens without them (`proxy_excluded_…`: every open of such an address
goes through the proxy, so only the other addresses' opens are left).

Each campaign's links (`bouton`, `visuel`, `lien-texte`) are tagged once, as typed by the team:
mostly `newsletter / email`, sometimes `Newsletter / Email` or `mailchimp / e-mail`
(`Campaign.tagged`). Deterministic: `world.rng("emailing/…/<campaign key>")` and hashes of the seed.
"""

from __future__ import annotations

import bisect
import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from publics_demo.world.campaigns import MONTHS_FR, SITE, Campaign, build_campaigns, utm_query
from publics_demo.world.draws import cum, pick, ri
from publics_demo.world.frame import EXPORT_TIME
from publics_demo.world.model import World
from publics_demo.world.traffic import Touches
from publics_demo.world.visits import Site, Touch
from publics_demo.world.webclock import (
    ATTRIBUTION_DAYS,
    DAY,
    WEB_END,
    WEB_START,
    day_start,
    local_seconds,
    mix64,
    salt_of,
)

OPEN_RATE = 0.35  # of the delivered
CLICK_RATE = 0.04  # of the recipients (all of them openers)
SECOND_CLICK = 0.20
SOFT_BOUNCE_RATE = 0.008
# Apple Mail Privacy Protection: the share of addresses read in Apple Mail with the protection on;
# Apple's servers fetch every message they receive (its tracking pixel: an « open ») within
# minutes, whether anyone reads it or not (`MPP_DELAY` seconds at most after the send)
MPP_RATE = 0.25
MPP_DELAY = 900
DEAD_ADDRESS_RATE = 0.012  # addresses that stop working at some point
DEAD_FROM = (datetime(2023, 6, 1), datetime(2026, 7, 1))
SEND_HOUR = {"newsletter": 10, "relance": 11, "abonnement": 9}
AUDIENCES = {"abonnes": {"subscriber"}, "occasionnels": {"occasional", "regular"}}  # others: everyone


def email_id(address: str) -> str:
    return hashlib.md5(address.strip().lower().encode()).hexdigest()



@dataclass(frozen=True)
class Address:
    """One subscriber of the list: a contact record's address."""
    person: int
    email: str  # as typed in SecuTix
    lower: str
    created: int  # Paris wall-clock seconds
    dead_from: int | None  # from then on the address hard-bounces
    segment: str
    typo: bool  # a duplicate's mistyped domain: dead from the start
    main: bool  # the person's own record's address (not a duplicate's)
    email_id: str  # MD5 of the lower-cased address, as Mailchimp computes it
    ip: str  # where they open their e-mails from
    apple_mpp: bool = False  # read in Apple Mail with Mail Privacy Protection: machine opens


@dataclass(frozen=True)
class Link:
    content: str  # utm_content
    path: str
    query: str
    touch: Touch

    @property
    def url(self) -> str:
        return f"{SITE}{self.path}?{self.query}"


@dataclass
class Mailing:
    """One campaign as sent: when, what its links are."""
    index: int
    campaign: Campaign
    sent: int  # Paris wall-clock seconds
    subject: str
    links: tuple[Link, ...] = ()

    def reaches(self, a: Address) -> bool:
        wanted = AUDIENCES.get(self.campaign.audience)
        return a.created <= self.sent and (wanted is None or a.segment in wanted)


@dataclass
class Stats:
    sent: int = 0
    hard: int = 0
    soft: int = 0
    opens: int = 0
    openers: int = 0
    clicks: int = 0
    clickers: int = 0
    last_open: int = 0
    last_click: int = 0
    clicks_in_window: int = 0
    journey_clicks: int = 0
    unsubscribed: int = 0
    abuse: int = 0
    proxy_openers: int = 0  # delivered to an Apple MPP address: every open of theirs is the proxy's
    proxy_opens: int = 0
    machine_only: int = 0  # Apple MPP addresses that did not really open (the proxy's open alone)


# One row of a campaign's activity: (address, action: bounce | open | click, bounce type, Paris
# wall-clock second, clicked link).
Activity = tuple[Address, str, str, int, Link | None]


class MailingPlan:
    """The Mailchimp campaigns, their subscribers and links; the clicks journeys need."""

    def __init__(self, world: World):
        self.world = world
        salt = salt_of(world, "emailing/addresses")
        ip_salt = salt_of(world, "emailing/ip")
        self._mpp_salt = salt_of(world, "emailing/apple_mpp")
        self.addresses: list[Address] = []
        self.main: dict[int, Address] = {}  # person -> their own (working at first) address
        lo, hi = local_seconds(DEAD_FROM[0]), local_seconds(DEAD_FROM[1])
        for p in world.people:
            if p.kind != "INDIVIDUAL":
                continue
            seen: set[str] = set()
            h = mix64(salt ^ p.index)
            dies = lo + (h >> 20) % (hi - lo) if (h & 0xFFFF) < DEAD_ADDRESS_RATE * 0x10000 else None
            for rec in [p.record, *p.duplicates]:
                lower = rec.email.strip().lower()
                if not lower or not rec.opt_in or lower in seen:
                    continue
                seen.add(lower)
                typo = "duplicate_email_typo" in rec.defects
                created = local_seconds(rec.created)
                a = Address(p.index, rec.email, lower, created, created if typo else dies, p.segment, typo,
                            rec is p.record, email_id(lower), _ip(ip_salt, p.index),
                            (mix64(self._mpp_salt ^ int(email_id(lower)[:15], 16)) & 0xFFFF) < MPP_RATE * 0x10000)
                self.addresses.append(a)
                if a.main:
                    self.main[p.index] = a
        self.mailings: list[Mailing] = []
        titles = {s.code: s.title for s in world.shows}
        for c in build_campaigns(world):
            if c.platform != "mailchimp":
                continue
            hour = SEND_HOUR.get(c.objective, 10)
            sent = day_start(c.start) + hour * 3600 + ri(world.rng(f"emailing/send/{c.key}"), 0, 1800)
            self.mailings.append(Mailing(0, c, sent, _subject(c, titles)))
        self.mailings.sort(key=lambda m: (m.sent, m.campaign.key))
        for k, m in enumerate(self.mailings):
            m.index = k
        self._sent = [m.sent for m in self.mailings]
        self.forced: dict[tuple[int, int], list[tuple[int, Link]]] = defaultdict(list)
        self._audiences: dict[str | None, list[Address]] = {}

    def attach(self, site: Site, touches: Touches) -> None:
        """Each campaign's three links, tagged as the team typed them."""
        for m in self.mailings:
            c = m.campaign
            rng = self.world.rng(f"emailing/links/{c.key}")
            day = c.start
            season = site.season_page(day)
            if c.show_code and c.show_code in site.shows:
                show = site.shows[c.show_code]
                pages = (site.seats_page(show), site.show_page(show), site.show_page(show))
            elif c.objective == "abonnement":
                pages = ("/abonnements", "/abonnements", season)
            else:
                on_sale = site.on_sale(day)
                first = site.show_page(on_sale[0]) if on_sale else season
                second = site.show_page(on_sale[1]) if len(on_sale) > 1 else first
                pages = (first, second, season)
            variants = c.tagged
            variants_cum = cum(w for _, _, w in variants)
            links = []
            for content, path in zip(("bouton", "visuel", "lien-texte"), pages):
                source, medium, _ = pick(rng, variants, variants_cum)
                links.append(Link(content, path, utm_query(source, medium, c.name, content),
                                  touches.campaign(c, source, medium)))
            m.links = tuple(links)

    def _audience(self, audience: str) -> list[Address]:
        """The subscribers a campaign for this audience is sent to (by creation, not yet by date)."""
        wanted = AUDIENCES.get(audience)
        key = audience if wanted is not None else None
        if key not in self._audiences:
            self._audiences[key] = [a for a in self.addresses if wanted is None or a.segment in wanted]
        return self._audiences[key]

    def received(self, person: int, m: Mailing) -> bool:
        """Did the campaign reach this person's own address (delivered, so clickable)?"""
        a = self.main.get(person)
        return a is not None and m.reaches(a) and (a.dead_from is None or m.sent < a.dead_from)

    def journey_click(self, person: int, t: int, rng) -> tuple[Touch, tuple[str, str]] | None:
        """A click at `t` in a campaign the person received in the 30 days before, if any; it
        becomes part of the activity export."""
        lo = bisect.bisect_left(self._sent, t - ATTRIBUTION_DAYS * DAY)
        hi = bisect.bisect_left(self._sent, t - 60)
        found = [m for m in self.mailings[lo:hi] if self.received(person, m)]
        if not found:
            return None
        m = found[int(rng.random() * len(found))]
        link = m.links[int(rng.random() * len(m.links))]
        self.forced[(m.index, person)].append((t, link))
        return link.touch, (link.path, link.query)

    def send_all(self, on_click: Callable) -> Iterator[tuple[Mailing, list[Activity], Stats]]:
        """Every campaign in send order: its activity (bounces, opens, clicks) and its figures;
        `on_click(person, t, touch, (path, query), rng)` is called for every click inside the web
        window that no journey made (run the journeys first: they add the clicks they need)."""
        cleaned: set[str] = set()  # addresses removed from the list after a hard bounce
        for m in self.mailings:
            rng = self.world.rng(f"emailing/activity/{m.campaign.key}")
            activity, st = self._send(m, cleaned, on_click, rng)
            delivered = st.sent - st.hard - st.soft
            st.unsubscribed = round(delivered * rng.uniform(0.001, 0.003))
            st.abuse = 1 if rng.random() < 0.15 else 0
            yield m, activity, st

    def _send(self, m: Mailing, cleaned: set[str], on_click: Callable, rng) -> tuple[list[Activity], Stats]:
        """One campaign: its activity, in the order of the export, and its figures."""
        st = Stats()
        lo_web, hi_web = day_start(WEB_START), day_start(WEB_END) + DAY
        activity: list[Activity] = []
        forced_here = {p: clicks for (k, p), clicks in self.forced.items() if k == m.index}
        for a in self._audience(m.campaign.audience):
            if a.created > m.sent or a.lower in cleaned:
                continue
            st.sent += 1
            if a.dead_from is not None and m.sent >= a.dead_from:
                st.hard += 1
                cleaned.add(a.lower)
                activity.append((a, "bounce", "hard", m.sent + ri(rng, 5, 900), None))
                continue
            u = rng.random()
            forced = forced_here.get(a.person) if a.main else None
            if forced is None and u >= 1 - SOFT_BOUNCE_RATE:
                st.soft += 1
                activity.append((a, "bounce", "soft", m.sent + ri(rng, 5, 900), None))
                continue
            machine = self._machine_open(a, m)
            if forced is None and u >= OPEN_RATE:
                if machine is not None:  # nobody read it: Apple's proxy opened it
                    activity.append((a, "open", "", machine, None))
                    st.opens += 1
                    st.openers += 1
                    st.proxy_openers += 1
                    st.proxy_opens += 1
                    st.machine_only += 1
                    st.last_open = max(st.last_open, machine)
                continue
            actions = self._actions(m, u, forced, rng)
            if machine is not None:
                actions = sorted([(machine, None, False), *actions], key=lambda x: (x[0], x[1] is not None))
            activity += [(a, "click" if link else "open", "", t, link) for t, link, _ in actions]
            opens = [t for t, link, _ in actions if link is None]
            clicks = [action for action in actions if action[1] is not None]
            st.opens += len(opens)
            st.openers += 1
            if machine is not None:
                st.proxy_openers += 1
                st.proxy_opens += len(opens)
            st.last_open = max(st.last_open, max(opens))
            if clicks:
                st.clicks += len(clicks)
                st.clickers += 1
                st.last_click = max(st.last_click, clicks[-1][0])
            for t, link, journey in clicks:
                if lo_web <= t < hi_web:
                    st.clicks_in_window += 1
                    st.journey_clicks += journey
                    if not journey:  # a journey's click already is one of its sessions
                        on_click(a.person, t, link.touch, (link.path, link.query), rng)
        return activity, st

    def _machine_open(self, a: Address, m: Mailing) -> int | None:
        """When Apple's proxy opens the campaign for an Apple MPP address (None: not such an
        address, or after the extraction); a hash of the address and the campaign, no draw."""
        if not a.apple_mpp:
            return None
        t = m.sent + 30 + mix64(self._mpp_salt ^ int(a.email_id[:15], 16) ^ (m.index << 40)) % MPP_DELAY
        return t if t < local_seconds(EXPORT_TIME) else None

    def _actions(self, m: Mailing, u: float, forced, rng) -> list[tuple[int, Link | None, bool]]:
        """The opens (link None) and clicks of one recipient, in time order, each with whether it
        is a journey's click."""
        first = m.sent + min(int(rng.expovariate(1 / 28_800)), 6 * DAY) + 30
        clicks: list[tuple[int, Link | None, bool]] = []
        if u < CLICK_RATE:
            t = first + ri(rng, 4, 300)
            clicks.append((t, m.links[int(rng.random() * len(m.links))], False))
            if rng.random() < SECOND_CLICK:
                clicks.append((t + ri(rng, 20, 900), m.links[int(rng.random() * len(m.links))], False))
        for t, link in forced or ():
            clicks.append((t, link, True))
            first = max(m.sent + 1, min(first, t - ri(rng, 3, 120)))
        opens: list[tuple[int, Link | None, bool]] = [(first, None, False)]
        if rng.random() < 0.4:
            opens.append((first + ri(rng, 600, 3 * DAY), None, False))
            if rng.random() < 0.3:
                opens.append((opens[-1][0] + ri(rng, 600, 2 * DAY), None, False))
        limit = local_seconds(EXPORT_TIME)  # nothing happens after the extraction
        return sorted((x for x in opens + clicks if x[0] < limit or x[2]), key=lambda x: (x[0], x[1] is not None))


def _ip(salt: int, person: int) -> str:
    h = mix64(salt ^ person)
    return f"{(82, 86, 90, 92, 176, 78)[h % 6]}.{(h >> 8) & 0xFF}.{(h >> 16) & 0xFF}.{(h >> 24) % 254 + 1}"


def _subject(c: Campaign, titles: dict[str, str]) -> str:
    if c.objective == "relance" and c.show_code:
        return f"{titles.get(c.show_code, c.show_slug)} : les dernières places"
    if c.objective == "abonnement":
        return f"Abonnements {c.season} : composez votre saison"
    if c.objective == "newsletter":
        month = MONTHS_FR.index(c.show_slug) + 1 if c.show_slug in MONTHS_FR else c.start.month
        label = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
                 "novembre", "décembre")[month - 1]
        return f"La lettre de l'Opéra Favart — {label} {c.start.year}"
    return c.name

