"""The e-mail campaigns of the demo institution, as Mailchimp exports them (contract:
contracts/emailing.yml), and the clicks that bring visits to the website (`web.py`).

Files written to `<out>/inbox/emailing/` (UTF-8 without BOM, commas, LF, as Airbyte's
`source-mailchimp` streams written to CSV; timestamps in UTC, ISO 8601 with `+00:00`):

- `mailchimp_reports_<YYYY-MM>.csv` — the `/reports` stream, one row per campaign sent that
  month, nested objects flattened with a dot (`bounces.hard_bounces`, `opens.unique_opens`,
  `clicks.click_rate`…);
- `mailchimp_email_activity_<YYYY-MM>.csv` — the `/reports/{campaign_id}/email-activity` stream
  of the campaigns sent that month (activity of the following days included), one row per
  open, click (with the clicked link and its UTM) or bounce; `email_id` is the MD5 of the
  lower-cased address, as Mailchimp computes it.

**Which campaigns.** Every `platform == "mailchimp"` campaign of `campaigns.build_campaigns`,
all seasons: the house used Mailchimp long before it measured its website (`web.WEB_START`), so
e-mailing history is longer than web history. Only clicks inside the web window become sessions.

**Recipients.** The audience of the campaign (`tous`: everyone; `abonnes`: subscribers;
`occasionnels`: occasional and regular buyers) among the individuals whose contact record has
an e-mail and the newsletter opt-in, created before the send. The list is synchronised from
SecuTix, so a duplicate contact is one more subscriber unless its address is the same up to
case (Mailchimp compares addresses case-insensitively): duplicates whose domain was mistyped
(`gmial.com`…) hard-bounce on their first campaign and are cleaned. A few addresses die over
time: one hard bounce, then cleaned. About `OPEN_RATE` of the delivered open, `CLICK_RATE` of
the recipients click, a few soft bounces. The buyers' journeys (`web.Journeys`) add the clicks
they need (a click is a session, a session from an e-mail is a click).

Each campaign's links (`bouton`, `visuel`, `lien-texte`) are tagged once, as typed by the team:
mostly `newsletter / email`, sometimes `Newsletter / Email` or `mailchimp / e-mail`
(`Campaign.tagged`). Deterministic: `world.rng("emailing/…/<campaign key>")` and hashes of the seed.
"""

from __future__ import annotations

import bisect
import csv
import hashlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from publics_demo.ads import BrokenFolder, csv_bytes, inbox_files, month_of, read_csv
from publics_demo.campaigns import MONTHS_FR, Campaign, build_campaigns
from publics_demo.web import (
    ATTRIBUTION_DAYS,
    DAY,
    SITE,
    WEB_END,
    WEB_START,
    Site,
    Touch,
    Touches,
    day_of,
    day_start,
    local_seconds,
    mix64,
    salt_of,
    utc_offset,
    utm_query,
)
from publics_demo.world import EXPORT_TIME, World, _cum, _pick, _ri

FOLDER = "inbox/emailing"
SOURCE = "emailing"
LIST_ID = "5e1a9c03b7"
LIST_NAME = "Opéra Favart — Lettre d'information"
OPEN_RATE = 0.35  # of the delivered
CLICK_RATE = 0.04  # of the recipients (all of them openers)
SECOND_CLICK = 0.20
SOFT_BOUNCE_RATE = 0.008
DEAD_ADDRESS_RATE = 0.012  # addresses that stop working at some point
DEAD_FROM = (datetime(2023, 6, 1), datetime(2026, 7, 1))
SEND_HOUR = {"newsletter": 10, "relance": 11, "abonnement": 9}
AUDIENCES = {"abonnes": {"subscriber"}, "occasionnels": {"occasional", "regular"}}  # others: everyone

REPORT_COLUMNS = ["id", "campaign_title", "type", "list_id", "list_name", "subject_line", "emails_sent",
                  "abuse_reports", "unsubscribed", "send_time", "bounces.hard_bounces", "bounces.soft_bounces",
                  "bounces.syntax_errors", "opens.opens_total", "opens.unique_opens", "opens.open_rate",
                  "opens.last_open", "clicks.clicks_total", "clicks.unique_clicks", "clicks.unique_subscriber_clicks",
                  "clicks.click_rate", "clicks.last_click"]
ACTIVITY_COLUMNS = ["campaign_id", "list_id", "email_id", "email_address", "action", "type", "timestamp", "url", "ip"]


def utc_iso(t: int) -> str:
    """Paris wall-clock seconds → `2026-03-03T09:12:44+00:00` (Mailchimp's UTC timestamps)."""
    return (datetime(1970, 1, 1) + timedelta(seconds=t - utc_offset(t))).isoformat() + "+00:00"


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


class MailingPlan:
    """The Mailchimp campaigns, their subscribers and links; the clicks journeys need."""

    def __init__(self, world: World):
        self.world = world
        salt = salt_of(world, "emailing/addresses")
        ip_salt = salt_of(world, "emailing/ip")
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
                            rec is p.record, email_id(lower), _ip(ip_salt, p.index))
                self.addresses.append(a)
                if a.main:
                    self.main[p.index] = a
        self.mailings: list[Mailing] = []
        titles = {s.code: s.title for s in world.shows}
        for c in build_campaigns(world):
            if c.platform != "mailchimp":
                continue
            hour = SEND_HOUR.get(c.objective, 10)
            sent = day_start(c.start) + hour * 3600 + _ri(world.rng(f"emailing/send/{c.key}"), 0, 1800)
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
            cum = _cum(w for _, _, w in variants)
            links = []
            for content, path in zip(("bouton", "visuel", "lien-texte"), pages):
                source, medium, _ = _pick(rng, variants, cum)
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

    def write(self, out_dir: Path, on_click: Callable) -> tuple[dict[str, int], dict]:
        """Write the monthly reports and activity files; call `on_click(person, t, touch, (path,
        query), rng)` for every click in the web window that no journey made."""
        folder = Path(out_dir) / FOLDER
        folder.mkdir(parents=True, exist_ok=True)
        reports: dict[str, list[list[str]]] = defaultdict(list)
        stats: list[Stats] = []
        cleaned: set[str] = set()  # addresses removed from the list after a hard bounce
        files: dict[str, _CsvOut] = {}
        try:
            for m in self.mailings:
                month = month_of(day_of(m.sent))
                name = f"mailchimp_email_activity_{month}.csv"
                if name not in files:
                    files[name] = _CsvOut(folder / name, ACTIVITY_COLUMNS)
                rng = self.world.rng(f"emailing/activity/{m.campaign.key}")
                st = self._send(m, files[name], cleaned, on_click, rng)
                reports[month].append(_report_row(m, st, rng))
                stats.append(st)
        finally:
            for out in files.values():
                out.close()
        counts = {name: out.count for name, out in files.items()}
        for month, rows in sorted(reports.items()):
            name = f"mailchimp_reports_{month}.csv"
            out = _CsvOut(folder / name, REPORT_COLUMNS)
            for row in rows:
                out.row(row)
            out.close()
            counts[name] = out.count
        return dict(sorted(counts.items())), self._truth(stats)

    def _send(self, m: Mailing, out: _CsvOut, cleaned: set[str], on_click: Callable, rng) -> Stats:
        """One campaign: its activity rows (bounces, opens, clicks), its figures."""
        st = Stats()
        lo_web, hi_web = day_start(WEB_START), day_start(WEB_END) + DAY
        cid = m.campaign.platform_id
        forced_here = {p: clicks for (k, p), clicks in self.forced.items() if k == m.index}
        for a in self._audience(m.campaign.audience):
            if a.created > m.sent or a.lower in cleaned:
                continue
            st.sent += 1
            row = [cid, LIST_ID, a.email_id, a.email]
            if a.dead_from is not None and m.sent >= a.dead_from:
                st.hard += 1
                cleaned.add(a.lower)
                out.row(row + ["bounce", "hard", utc_iso(m.sent + _ri(rng, 5, 900)), "", ""])
                continue
            u = rng.random()
            forced = forced_here.get(a.person) if a.main else None
            if forced is None and u >= 1 - SOFT_BOUNCE_RATE:
                st.soft += 1
                out.row(row + ["bounce", "soft", utc_iso(m.sent + _ri(rng, 5, 900)), "", ""])
                continue
            if forced is None and u >= OPEN_RATE:
                continue
            actions = self._actions(m, u, forced, rng)
            for t, link, _ in actions:
                out.row(row + ["click" if link else "open", "", utc_iso(t), link.url if link else "", a.ip])
            opens = [t for t, link, _ in actions if link is None]
            clicks = [action for action in actions if action[1] is not None]
            st.opens += len(opens)
            st.openers += 1
            st.last_open = max(st.last_open, opens[-1])
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
        return st

    def _actions(self, m: Mailing, u: float, forced, rng) -> list[tuple[int, Link | None, bool]]:
        """The opens (link None) and clicks of one recipient, in time order, each with whether it
        is a journey's click."""
        first = m.sent + min(int(rng.expovariate(1 / 28_800)), 6 * DAY) + 30
        clicks: list[tuple[int, Link | None, bool]] = []
        if u < CLICK_RATE:
            t = first + _ri(rng, 4, 300)
            clicks.append((t, m.links[int(rng.random() * len(m.links))], False))
            if rng.random() < SECOND_CLICK:
                clicks.append((t + _ri(rng, 20, 900), m.links[int(rng.random() * len(m.links))], False))
        for t, link in forced or ():
            clicks.append((t, link, True))
            first = max(m.sent + 1, min(first, t - _ri(rng, 3, 120)))
        opens: list[tuple[int, Link | None, bool]] = [(first, None, False)]
        if rng.random() < 0.4:
            opens.append((first + _ri(rng, 600, 3 * DAY), None, False))
            if rng.random() < 0.3:
                opens.append((opens[-1][0] + _ri(rng, 600, 2 * DAY), None, False))
        limit = local_seconds(EXPORT_TIME)  # nothing happens after the extraction
        return sorted((x for x in opens + clicks if x[0] < limit or x[2]), key=lambda x: (x[0], x[1] is not None))

    def _truth(self, stats: list[Stats]) -> dict:
        campaigns = []
        for m, st in zip(self.mailings, stats):
            campaigns.append({"key": m.campaign.key, "id": m.campaign.platform_id, "name": m.campaign.name,
                              "sent_at": utc_iso(m.sent), "audience": m.campaign.audience, "emails_sent": st.sent,
                              "hard_bounces": st.hard, "soft_bounces": st.soft, "unique_opens": st.openers,
                              "opens": st.opens, "unique_clicks": st.clickers, "clicks": st.clicks,
                              "clicks_in_web_window": st.clicks_in_window, "journey_clicks": st.journey_clicks,
                              "links": {link.content: [link.touch.seen_source, link.touch.seen_medium, link.path]
                                        for link in m.links}})
        variants = [c["key"] for c, m in zip(campaigns, self.mailings) if any(link.touch.variant for link in m.links)]
        typos = [a for a in self.addresses if a.typo]
        return {
            "platform": "mailchimp", "list_id": LIST_ID,
            "rule": ("recipients = opted-in individuals of the campaign's audience created before the send, one per "
                     "address (case-insensitive); every click inside the web window is one web session"),
            "campaigns": campaigns,
            "totals": {k: sum(getattr(s, k) for s in stats) for k in
                       ("sent", "hard", "soft", "openers", "opens", "clickers", "clicks", "clicks_in_window",
                        "journey_clicks")},
            "defects": [
                {"file": f"{FOLDER}/mailchimp_email_activity_*.csv", "defect": "mistyped_duplicate_addresses",
                 "what": "duplicate contacts whose e-mail domain was mistyped (gmial.com…) are subscribers too: "
                         "they hard-bounce on their first campaign", "count": len(typos)},
                {"file": f"{FOLDER}/mailchimp_email_activity_*.csv", "defect": "utm_variants_in_links",
                 "what": "campaigns with links tagged otherwise than newsletter / email (Newsletter / Email, "
                         "mailchimp / e-mail)", "count": len(variants), "campaign_keys": variants},
            ],
        }



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


def _rate(num: int, den: int) -> str:
    return f"{num / den:.6f}".rstrip("0").rstrip(".") if den else "0"


def _report_row(m: Mailing, st: Stats, rng) -> list[str]:
    delivered = st.sent - st.hard - st.soft
    unsubscribed = round(delivered * rng.uniform(0.001, 0.003))
    abuse = 1 if rng.random() < 0.15 else 0
    return [m.campaign.platform_id, m.campaign.name, "regular", LIST_ID, LIST_NAME, m.subject, str(st.sent),
            str(abuse), str(unsubscribed), utc_iso(m.sent), str(st.hard), str(st.soft), "0", str(st.opens),
            str(st.openers), _rate(st.openers, delivered), utc_iso(st.last_open) if st.last_open else "",
            str(st.clicks), str(st.clickers), str(st.clickers), _rate(st.clickers, delivered),
            utc_iso(st.last_click) if st.last_click else ""]


class _CsvOut:
    """A Mailchimp CSV (UTF-8, commas, LF) written row by row; `count` = data rows."""

    def __init__(self, path: Path, header: list[str]):
        self._fh = open(path, "w", encoding="utf-8", newline="")  # noqa: SIM115 - closed by close()
        self._w = csv.writer(self._fh, lineterminator="\n")
        self._w.writerow(header)
        self.count = 0

    def row(self, values: list[str]) -> None:
        self._w.writerow(values)
        self.count += 1

    def close(self) -> None:
        self._fh.close()


# --------------------------------------------------------------------------- broken deliveries

def write_broken(out_dir: Path) -> list[dict]:
    """Damaged Mailchimp exports in `<out>/broken/emailing/` (run `web.write` first)."""
    broken = BrokenFolder(out_dir, SOURCE)
    activity = inbox_files(out_dir, FOLDER, "mailchimp_email_activity_*.csv")[0]
    records = read_csv(activity.read_bytes(), "utf-8")[:500]
    # The export re-saved without the column that identifies the subscriber.
    drop = records[0].index("email_id")
    broken.emit(f"{activity.stem}_sans_email_id.csv", csv_bytes([r[:drop] + r[drop + 1:] for r in records], "utf-8"),
                "missing_column", "missing required column(s): email_id", 1)
    # A download interrupted in the middle of a row (after its timestamp).
    keep = min(len(records) - 1, 30)
    cut = records[keep][: ACTIVITY_COLUMNS.index("timestamp") + 1]
    broken.emit(f"{activity.stem}_tronque.csv", csv_bytes(records[:keep] + [cut], "utf-8")[:-1], "truncated",
                f"{len(cut)} fields where the header has {len(records[0])} (truncated line?)", keep + 1)
    return broken.made

