"""The web source: the web journeys of `world.journeys` rendered in one pass by both web
analytics tools (GA4: `ga4.py`, Matomo: `matomo.py`), with the e-mails whose clicks bring some of
them (Mailchimp: `emailing.py`), and one truth document for the three.

One pass, because the tools see the same sessions: the e-mail campaigns are sent first (their
clicks are sessions), then each day of the window is generated session by session while GA4 and
Matomo render it. GA4 names the visitor (`user_pseudo_id`) and Matomo numbers the visit
(`idVisit`) as they render, and the truth records both.

**Truth.** The canonical source / medium / campaign key / GA4 channel group of every session
(`truth/web_sessions.csv.gz`), the devices of every person (`truth/web_visitors.csv.gz`) and,
in the truth document, per web order its touchpoints within 30 days and its last non-direct
touch, plus the defects planted: links tagged with `Campaign.tagged` variants (`fb`,
`Facebook`, medium `Social`…), GA4 purchases without transaction id or sent twice, Matomo
visits whose ecommerce order was not tracked.

Files are compressed by a background thread (`files.Writers`: zlib releases the GIL), so
generation and compression share two cores.
"""

from __future__ import annotations

import bisect
import gc
from collections import Counter, defaultdict
from pathlib import Path

from publics_demo.files import GzipLines, Writers
from publics_demo.renderers import emailing, ga4, matomo
from publics_demo.renderers.matomo import matomo_visitor_id
from publics_demo.truth import FOLDER as TRUTH_FOLDER
from publics_demo.truth import truth_header
from publics_demo.world.journeys import (
    CART_ABANDON_RATE,
    FLAG_GA4_NO_ID,
    FLAG_GA4_TWICE,
    FLAG_MATOMO_NO_ORDER,
    Journeys,
    WebWorld,
)
from publics_demo.world.model import World
from publics_demo.world.visits import (
    ADBLOCK_RATE,
    CONSENT_RATE,
    KIND_CART,
    KIND_SHOW,
    Session,
    Touch,
)
from publics_demo.world.webclock import ATTRIBUTION_DAYS, DAY, WEB_END, WEB_START, day_of, iso_local

SOURCE = "web"
SESSIONS_FILE = f"{TRUTH_FOLDER}/web_sessions.csv.gz"
VISITORS_FILE = f"{TRUTH_FOLDER}/web_visitors.csv.gz"

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
        self.pings = 0  # GA4 cookieless pings (visitors who refused consent)
        # the closed funnel as each tool sees it: (tool, device category, step) → sessions, and
        # (tool, channel group) → sessions, purchasing sessions
        self.funnel = Counter()
        self.channel_sessions = Counter()

    def count_funnel(self, s: Session, pages: list, in_ga4: bool, in_matomo: bool) -> None:
        """The steps of the purchase funnel the session reached, as each tool that saw it records
        them: a show page, the cart, the purchase (Matomo: when its order was tracked)."""
        kinds = {page.kind for page in pages}
        show, cart = KIND_SHOW in kinds, KIND_CART in kinds
        device = s.visitor.device.category
        for tool, seen in (("ga4", in_ga4), ("matomo", in_matomo)):
            if not seen:
                continue
            bought = s.order is not None and not (tool == "matomo" and s.flags & FLAG_MATOMO_NO_ORDER)
            steps = ["landing"] + (["show_page"] if show else [])
            steps += ["checkout"] if show and cart else []
            steps += ["purchase"] if show and cart and bought else []
            for step in steps:
                self.funnel[(tool, device, step)] += 1
            self.channel_sessions[(tool, s.touch.channel, "sessions")] += 1
            self.channel_sessions[(tool, s.touch.channel, "purchasing")] += bought

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
            order = self.journeys.orders[times[k][1]]
            order.touches.append((s.start, s.touch))
            if s.visitor.consent and not s.visitor.blocked:  # seen by GA4, the consent-based tool
                order.consented.append((s.start, s.touch))
            k += 1



def write(world: World, out_dir: Path) -> tuple[dict[str, int], dict]:
    """Write GA4, Matomo and Mailchimp deliveries of `world` in one pass over the sessions, and
    the per-session truth; return ({file name: data rows}, truth document)."""
    out_dir = Path(out_dir)
    web = WebWorld(world)
    counts: dict[str, int] = {}
    writers = Writers()
    email_counts, email_truth = emailing.write(out_dir, web.mailing, web.send_mailings())
    counts.update(email_counts)

    truth = WebTruth(web.journeys)
    sessions_file = GzipLines(out_dir / SESSIONS_FILE, SESSION_COLUMNS)
    ga4_out = ga4.Ga4Files(out_dir, writers, web.site)
    matomo_out = matomo.MatomoFiles(out_dir, writers, web.site)
    collecting = gc.isenabled()
    gc.disable()  # millions of long-lived objects and no cycles: the collector would only slow the loop
    try:
        for day, sessions in web.days():
            iso_day = day.isoformat()
            ga4_out.start_day(day)
            lines = []
            for s, pages in sessions:
                in_ga4 = s.visitor.consent and not s.visitor.blocked
                if in_ga4:
                    ga4_out.add(s, pages)
                elif not s.visitor.blocked:  # refused consent: GA4's cookieless pings
                    ga4_out.ping(s, pages)
                    truth.pings += len(pages)
                if not s.visitor.blocked:
                    matomo_out.add(s, pages)
                lines.append(truth.count(s, in_ga4, not s.visitor.blocked, iso_day))
                truth.count_funnel(s, pages, in_ga4, not s.visitor.blocked)
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
    return counts, _truth_document(world, web, truth, counts, email_truth)


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


def _truth_document(world: World, web: WebWorld, truth: WebTruth, counts: dict[str, int], email_truth: dict
                    ) -> dict:
    orders = {}
    last_campaigns = Counter()
    for txn, o in sorted(web.journeys.orders.items(), key=lambda kv: (kv[1].at, kv[0])):
        touches = sorted(o.touches, key=lambda tt: tt[0])
        last = next((tt for tt in reversed(touches) if tt[1].kind != "direct"), None)
        consented = next((tt for tt in sorted(o.consented, key=lambda tt: tt[0], reverse=True)
                          if tt[1].kind != "direct"), None)
        last_campaign = next((tt[1].campaign.key for tt in reversed(touches) if tt[1].campaign), None)
        last_campaigns[last[1].channel if last else "Direct"] += 1
        orders[txn] = {
            "ordered_at": iso_local(o.at), "revenue_eur": f"{o.order.total_cents / 100:.2f}",
            "canceled": o.order.canceled_at is not None, "buyer": o.order.buyer, "person": o.person,
            "touchpoints": [_touch_row(t, touch) for t, touch in touches],
            "last_non_direct": _touch_row(*last) if last else None,
            "last_non_direct_consented": _touch_row(*consented) if consented else None,
            "last_campaign": last_campaign,
            "ga4": o.ga4, "matomo": o.matomo,
        }
    paid = defaultdict(lambda: {"clicks": 0, "sessions": 0})
    for (key, day), clicks in web.paid.clicks.items():
        paid[key]["clicks"] += clicks
        paid[key]["sessions"] += truth.paid_sessions[(key, day)]
    ga4_files = {n: c for n, c in counts.items() if n.startswith("events_")}
    # what staging counts: the daily tables (the intraday table of a day is superseded by its daily one)
    ga4_daily = {n: c for n, c in ga4_files.items() if not n.startswith("events_intraday_")}
    matomo_files = {n: c for n, c in counts.items() if n.startswith(("matomo_", "Export _ "))}
    defects = [
        {"file": f"{ga4.FOLDER}/*", "defect": "ga4_no_transaction_id",
         "what": "purchase event with ecommerce.transaction_id '(not set)' (match by time, amount and user)",
         "count": len(truth.flags["ga4_no_transaction_id"]), "transaction_ids": truth.flags["ga4_no_transaction_id"]},
        {"file": f"{ga4.FOLDER}/*", "defect": "ga4_purchase_twice",
         "what": "confirmation page reloaded: the same purchase event sent again minutes later (count it once)",
         "count": len(truth.flags["ga4_purchase_twice"]), "transaction_ids": truth.flags["ga4_purchase_twice"]},
        {"file": f"{matomo.FOLDER}/*", "defect": "matomo_order_not_tracked",
         "what": "purchase visit without its ecommerceOrder action (the confirmation page is there)",
         "count": len(truth.flags["matomo_order_not_tracked"]),
         "transaction_ids": truth.flags["matomo_order_not_tracked"]},
        {"file": f"{ga4.FOLDER}/events_*-*.json.gz", "defect": "ga4_sharded_days",
         "what": "days delivered as bq extract shards (…-000000000000, …-000000000001): parts of one day, added up",
         "count": sum(1 for n in ga4_daily if n.endswith(".json.gz"))},
        {"file": f"{ga4.FOLDER}/events_intraday_*", "defect": "ga4_intraday_then_daily",
         "what": "a day's intraday table delivered beside its daily table, which supersedes it (count the day once)",
         "count": sum(c for n, c in ga4_files.items() if n.startswith("events_intraday_"))},
        {"file": f"{ga4.FOLDER}/*", "defect": "ga4_cookieless_pings",
         "what": "Consent Mode cookieless pings: page_view without the user_pseudo_id key nor ga_session_id "
                 "(counted as events, no session)",
         "count": truth.pings},
        {"file": [f"{ga4.FOLDER}/*", f"{matomo.FOLDER}/*"], "defect": "utm_variants",
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
                 "included); last_non_direct = the latest touchpoint that is not Direct; "
                 "last_non_direct_consented = the same among the touchpoints GA4 saw (consenting device without "
                 "an ad-blocker): what consent-based attribution can credit (Matomo is consent-exempt); channel = "
                 "GA4 default channel group of what really happened (a paid click tagged with medium 'Social' is "
                 "Paid Social)"),
        "timestamps": "touchpoints and ordered_at in Paris wall-clock time; GA4 and Matomo timestamps are UTC",
        "files": {"ga4": len(ga4_files), "matomo": len(matomo_files),
                  "emailing": len(counts) - len(ga4_files) - len(matomo_files)},
        "sessions": {"all": truth.sessions["all"], "ga4": truth.sessions["ga4"], "matomo": truth.sessions["matomo"],
                     "by_channel": dict(sorted(truth.channels.items())),
                     "ga4_events": sum(ga4_daily.values()), "ga4_cookieless_pings": truth.pings,
                     "ga4_intraday_events": sum(ga4_files.values()) - sum(ga4_daily.values()),
                     "ga4_sharded_days": len({n[7:15] for n in ga4_daily if n.endswith(".json.gz")}),
                     "matomo_visits": sum(matomo_files.values()),
                     "matomo_ui_export_days": sorted(n for n in matomo_files if n.startswith("Export _ "))},
        "visitors": {"persons": len(truth.persons), "person_devices": sum(len(v) for v in web.population.devices.values()),
                     "anonymous": web.population.anonymous, "consent_rate": CONSENT_RATE,
                     "adblock_rate": ADBLOCK_RATE,
                     "matomo_visitor_id": "sha1(userId)[:16] when logged in (enable_userid_overwrites_visitorid), "
                                          "else the device's"},
        "truth_files": {"sessions": SESSIONS_FILE, "visitors": VISITORS_FILE},
        "funnel": _funnel_truth(truth),
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


def _funnel_truth(truth: WebTruth) -> dict:
    """The closed funnel each tool records (landing → show page → checkout → purchase), in all
    and by device, and the sessions and purchasing sessions by channel group."""
    steps = ("landing", "show_page", "checkout", "purchase")
    out: dict = {"rule": ("closed funnel: a session is at a step when it reached every step before; show_page = a "
                          "show page seen (GA4 view_item), checkout = the cart (GA4 begin_checkout), purchase = the "
                          "order (Matomo: when its ecommerceOrder was tracked); GA4 sees consenting visitors without "
                          "an ad-blocker, Matomo every visitor without an ad-blocker"),
                 "cart_abandon_rate": CART_ABANDON_RATE}
    for tool in ("ga4", "matomo"):
        devices = sorted({d for t, d, _ in truth.funnel if t == tool})
        out[tool] = {
            "all": {step: sum(n for (t, _, st), n in truth.funnel.items() if t == tool and st == step)
                    for step in steps},
            "by_device": {d: {step: truth.funnel[(tool, d, step)] for step in steps} for d in devices},
            "by_channel": {c: {"sessions": n, "purchasing": truth.channel_sessions[(tool, c, "purchasing")]}
                           for (t, c, kind), n in sorted(truth.channel_sessions.items())
                           if t == tool and kind == "sessions"},
        }
    return out


# --------------------------------------------------------------------------- broken deliveries

def write_broken(out_dir: Path) -> list[dict]:
    """Damaged copies of the GA4, Matomo and Mailchimp deliveries (run `write` first)."""
    return ga4.write_broken(out_dir) + matomo.write_broken(out_dir) + emailing.write_broken(out_dir)
