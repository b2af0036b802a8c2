"""The web journeys of the demo institution: every visit to its website in the web window,
generated in one place (`WebWorld`) for both web analytics tools and the e-mails whose clicks
bring some of them; the renderers (`publics_demo.renderers.web`) only write them.

**Sessions** (≈ `SESSIONS_IN_WINDOW` × scale over the window, ≈ 1.5 M a season at scale 1):

- *purchase journeys*: every TICKETSHOP order of `orders.simulate_orders` placed in the window is
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
contact number); consent and ad-blockers per device (`visits.py`).

**Funnel.** A purchase session goes landing → show page → seats → cart (GA4 `begin_checkout`) →
confirmation (`purchase`); some sessions about a show leave a cart (`CART_ABANDON_RATE`, by
device): the funnel's drop-offs are the sessions that see no show page, those that see one and
stop, and these carts.

**Defects planted in the tags**: GA4 purchases without transaction id or sent twice, Matomo
visits whose ecommerce order was not tracked (`FLAG_*` on the session).

Deterministic: journeys draw from `world.rng("web/journeys")`, each day from
`world.rng("web/day/<date>")`, visitor ids are hashes of the seed (never Python's `hash()`).
Streamed: `WebWorld.days()` generates a day, session by session, while the renderers write it;
only the journeys and the e-mail clicks (a few per order) are kept for the whole window.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from publics_demo.world.campaigns import build_campaigns
from publics_demo.world.catalogue import Show
from publics_demo.world.draws import cum, pick, ri
from publics_demo.world.mailing import Mailing, MailingPlan, Stats
from publics_demo.world.model import World
from publics_demo.world.orders import WEB_HOURS_CUM, Order, simulate_orders
from publics_demo.world.traffic import LOGIN_RATE, PaidClicks, Population, Touches, campaign_landing
from publics_demo.world.visits import (
    BROWSE_PAGES,
    CART,
    CONFIRMATION,
    HOME,
    KIND_CART,
    KIND_CONFIRM,
    KIND_PAGE,
    KIND_SHOW,
    Page,
    Session,
    Site,
    Touch,
)
from publics_demo.world.webclock import (
    ATTRIBUTION_DAYS,
    DAY,
    SESSIONS_IN_WINDOW,
    WEB_END,
    WEB_START,
    day_of,
    day_start,
    local_seconds,
    mix64,
    utc_offset,
)

# Origin of the sessions that are neither journeys, paid clicks nor e-mail clicks.
BACKGROUND_KINDS = ("organic", "direct", "social", "referral")
BACKGROUND_CUM = cum((0.42, 0.33, 0.13, 0.12))
# Touches of a buyer's earlier sessions, and of the purchase session itself.
JOURNEY_KINDS = ("paid", "email", "organic", "social", "referral", "direct")
EARLIER_CUM = cum((0.30, 0.15, 0.25, 0.07, 0.05, 0.18))
PURCHASE_CUM = cum((0.12, 0.08, 0.20, 0.04, 0.04, 0.52))
EARLIER_COUNT_CUM = cum((0.20, 0.30, 0.24, 0.15, 0.11))  # 0–4 earlier sessions
# Who makes a session: a known person, an anonymous visitor coming back, a new one.
BACKGROUND_WHO_CUM = cum((0.28, 0.27, 0.45))
PAID_WHO_CUM = cum((0.12, 0.18, 0.70))
EXTRA_PAGES_CUM = cum((0.38, 0.30, 0.19, 0.13))  # pages after the landing page: 0–3
MONTH_FACTOR = {1: 1.0, 2: 0.95, 3: 0.95, 4: 0.85, 5: 1.0, 6: 1.15, 7: 0.85, 8: 0.65, 9: 1.35, 10: 1.2,
                11: 1.1, 12: 1.05}
WEEKDAY_FACTOR = (1.08, 1.10, 1.06, 1.06, 0.96, 0.84, 0.90)
ON_SALE_BOOST = (2.6, 1.7, 1.3)  # the opening day of single sales and the two days after

# Defects of the tags on purchase sessions (shares of the purchase sessions each tool sees).
GA4_NO_TRANSACTION_ID = 0.015  # purchase event sent with transaction_id "(not set)"
GA4_PURCHASE_TWICE = 0.01  # confirmation page reloaded: the purchase event sent again
MATOMO_ORDER_LOST = 0.015  # ecommerce order not tracked (the visit is there, not the order)
FLAG_GA4_NO_ID, FLAG_GA4_TWICE, FLAG_MATOMO_NO_ORDER = 1, 2, 4
# Carts left on the way (the checkout step, `begin_checkout`, without a purchase): the share of
# the sessions about a show (not a purchase) that put seats in the cart and leave, by device —
# more on a phone. Drawn from a hash of the session, not from the day's draws, so that adding
# them changes no other session.
CART_ABANDON_RATE = {"mobile": 0.07, "tablet": 0.05, "desktop": 0.035}


# --------------------------------------------------------------------------- journeys

@dataclass
class WebOrder:
    """A TICKETSHOP order of the window and what the truth says about it."""
    order: Order
    person: int
    at: int  # the confirmation page (Paris wall-clock seconds)
    touches: list[tuple[int, Touch]] = field(default_factory=list)
    # the touches GA4 saw (consenting device, no ad-blocker): what consent-based attribution can credit
    consented: list[tuple[int, Touch]] = field(default_factory=list)
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
        at = local_seconds(order.order_date) + ri(rng, 2, 25)
        at = min(at, day_start(day_of(local_seconds(order.order_date))) + DAY - 1)
        txn = str(order.file_number)
        self.orders[txn] = WebOrder(order, person, at)
        self.order_times[person].append((at, txn))
        earlier = sorted(at - ri(rng, 3600, ATTRIBUTION_DAYS * DAY - 3600)
                         for _ in range(pick(rng, range(5), EARLIER_COUNT_CUM)))
        for t in earlier:
            if t >= lo:
                logged = order.buyer if rng.random() < 0.25 else ""
                self._add(t, person, show, logged, EARLIER_CUM, rng)
        start = max(at - ri(rng, 150, 1500), day_start(day_of(at)))
        self._add(start, person, show, order.buyer, PURCHASE_CUM, rng, order=order, until=at)

    def _add(self, t: int, person: int, show: Show, user_id: str, kinds_cum, rng, order: Order | None = None,
             until: int = 0) -> None:
        kind = pick(rng, JOURNEY_KINDS, kinds_cum)
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
            kind = pick(rng, BACKGROUND_KINDS, BACKGROUND_CUM)
            visitor, person, user_id = web.population.visitor(rng, BACKGROUND_WHO_CUM, t)
            show = on_sale[int(rng.random() ** 1.6 * len(on_sale))] if on_sale and rng.random() < 0.7 else None
            sessions.append(Session(t, visitor, web.touches.organic(kind, rng), person, user_id, show))
        sessions.sort(key=_start_of)
        return sessions

    def _hour(self) -> int:
        return self.start + pick(self.rng, range(24), WEB_HOURS_CUM) * 3600 + int(self.rng.random() * 3600)

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
        for _ in range(pick(rng, range(4), EXTRA_PAGES_CUM)):
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
        if show is not None and _abandons_cart(s):
            h = mix64(s.visitor.key ^ (s.start << 8))
            left = [] if any(page.path == site.show_page(show) for page in pages) else [(site.show_page(show), KIND_SHOW)]
            if pages[-1].path != site.seats_page(show):
                left.append((site.seats_page(show), KIND_PAGE))
            for k, (path, kind) in enumerate([*left, (CART, KIND_CART)]):
                pages.append(Page(t, path, "", kind))
                t += 15 + (h >> (8 * k)) % 180
        overflow = pages[-1].t - (self.start + DAY - 1)
        if overflow > 0:  # a late visit: it happened a little earlier, inside the day
            for page in pages:
                page.t -= overflow
            s.start = pages[0].t
        return pages


def _start_of(s: Session) -> int:
    return s.start


def _abandons_cart(s: Session) -> bool:
    """Does this session (not a purchase) leave a cart? From a hash of the session."""
    rate = CART_ABANDON_RATE.get(s.visitor.device.category, 0.0)
    return s.order is None and (mix64(s.visitor.key ^ s.start) & 0xFFFF) < rate * 0x10000


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

    def __init__(self, world: World):
        self.world = world
        self.mailing = MailingPlan(world)
        self.site = Site(world)
        self.population = Population(world)
        self.touches = Touches()
        plan = build_campaigns(world)
        self.paid = PaidClicks(world, plan)
        self.mailing.attach(self.site, self.touches)
        self.journeys = Journeys(world, self.site, self.population, self.touches, self.paid, self.mailing)
        self.email_clicks: dict[date, list[Session]] = defaultdict(list)

    def add_email_click(self, person: int, t: int, touch: Touch, landing: tuple[str, str], rng) -> None:
        """A click of the Mailchimp activity inside the window: a session of that person."""
        rec = self.world.people[person].record
        user_id = rec.number if rng.random() < LOGIN_RATE else ""
        show = self.site.show_of.get(landing[0]) or (self.site.shows.get(touch.campaign.show_code)
                                                      if touch.campaign.show_code else None)
        self.email_clicks[day_of(t)].append(Session(t, self.population.device_of(person, rng), touch, person,
                                                    user_id, show, None, landing))

    def send_mailings(self) -> Iterator[tuple[Mailing, list, Stats]]:
        """Every e-mail campaign as sent (`MailingPlan.send_all`), its clicks inside the window
        becoming sessions. Run it to the end before `days()`: the days need those clicks."""
        return self.mailing.send_all(self.add_email_click)

    def days(self) -> Iterator[tuple[date, Iterator[tuple[Session, list[Page]]]]]:
        """Every day of the window with its sessions and their pages, one session at a time:
        consume a day's sessions before asking for the next day (a session's visitor counts it,
        `Visitor.begin`, when it is yielded; the renderers read those counters)."""
        for day, target in daily_targets(self.world).items():
            yield day, self._sessions(day, target)

    def _sessions(self, day: date, target: int) -> Iterator[tuple[Session, list[Page]]]:
        the_day = Day(self, day, self.world.rng(f"web/day/{day.isoformat()}"))
        for s in the_day.sessions(target):
            pages = the_day.pages(s)
            _purchase_flags(s, the_day.rng)
            s.ga_session_id = s.visitor.begin(s.start - utc_offset(s.start), s.touch)
            yield s, pages


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
