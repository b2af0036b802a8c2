"""The demo sessions as Matomo's `Live.getLastVisitsDetails` API answers (contract:
contracts/matomo.yml).

Files written to `<out>/inbox/matomo/`: `matomo_visits_YYYYMMDD.json`, one per day of the web
window, each the answer of `?module=API&method=Live.getLastVisitsDetails&idSite=1&period=day
&date=YYYY-MM-DD&format=JSON&filter_limit=-1` saved as is: one compact JSON array of visits,
the most recent first (Live's default order), with Matomo's field names (docs/formats.md §2 and the
real outputs in tests/fixtures/reference/matomo/): idSite, idVisit (a site-wide counter), visitorId,
userId, serverDate (site time zone, Europe/Paris), firstActionTimestamp / lastActionTimestamp
(Unix seconds), lastActionDateTime (UTC), referrerType / referrerName / referrerKeyword /
referrerUrl, the MarketingCampaignsReporting plugin's campaignName / Source / Medium / Keyword /
Content, visitEcommerceStatus, and actionDetails (`action` pages with their URL and title, an
`ecommerceOrder` with orderId = the SecuTix file number, revenue and itemDetails).

Some days (one in `UI_EXPORT_EVERY`) were downloaded from Matomo's user interface instead
("Export this dataset", format TSV): `Export _ Visits Log _ <Weekday, Month D, YYYY>.csv`, the same
visits flattened into columns (`actionDetails_0_type`, `actionDetails_1_itemDetails_0_price`…;
null → empty cell), tab-separated, UTF-16LE with a BOM (docs/formats.md §2): the day's visits go
to `matomo.visits_csv` instead of `matomo.visits`, and every figure is the same.

Matomo's own behaviour is reproduced: campaign values are lower-cased by the plugin
(`Facebook` → `facebook`, while GA4 keeps the case); campaign and click-id parameters are
removed from the page URLs it stores; a logged-in visit's visitorId is derived from its userId
(`matomo_visitor_id`). Every visitor is there except those with an ad-blocker
(`world.visits.ADBLOCK_RATE`, absent from GA4 too). Defect: a few purchase visits lack their
ecommerce order (the tag did not fire), `world.journeys.FLAG_MATOMO_NO_ORDER`.
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import parse_qsl

from publics_demo.defects import BrokenFolder
from publics_demo.files import inbox_files
from publics_demo.world.campaigns import SITE
from publics_demo.world.journeys import FLAG_MATOMO_NO_ORDER
from publics_demo.world.orders import vat_cents
from publics_demo.world.visits import Page, Session, Site, Touch, Visitor
from publics_demo.world.webclock import mix64, utc_offset

FOLDER = "inbox/matomo"
SOURCE = "matomo"
SITE_ID = 1
SITE_NAME = "Opéra Favart"
REFERRER_TYPES = {"paid": ("campaign", "Campaigns"), "email": ("campaign", "Campaigns"),
                  "organic": ("search", "Search Engines"), "social": ("social", "Social Networks"),
                  "referral": ("website", "Websites"), "direct": ("direct", "Direct Entry")}
LANGUAGES = {"fr": "French", "en": "English", "de": "German", "it": "Italian", "es": "Spanish", "nl": "Dutch",
             "ja": "Japanese"}


UI_EXPORT_EVERY = 37
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


def ui_export_name(day: date) -> str | None:
    """The UI download's name of a day exported from the interface (None: an API answer, JSON)."""
    if day.toordinal() % UI_EXPORT_EVERY:
        return None
    return f"Export _ Visits Log _ {WEEKDAYS[day.weekday()]}, {MONTHS[day.month - 1]} {day.day}, {day.year}.csv"


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _hms(t: int) -> str:
    s = t % 86_400
    return f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}"


_DATES: dict[int, str] = {}


def _date(t: int) -> str:
    """Seconds since 1970 → `YYYY-MM-DD` (dates repeat: cached)."""
    day = t // 86_400
    found = _DATES.get(day)
    if found is None:
        found = _DATES[day] = (date(1970, 1, 1) + timedelta(days=day)).isoformat()
    return found


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def matomo_visitor_id(s: Session) -> str:
    """Matomo's visitorId: with a user id, the first 16 hex digits of its SHA-1 (Matomo's
    default `enable_userid_overwrites_visitorid`), else the cookie's id."""
    if s.user_id:
        return hashlib.sha1(s.user_id.encode()).hexdigest()[:16]
    return s.visitor.matomo_id


class MatomoFiles:
    """The daily API answers: `add` renders a visit (numbering it), `end_day` hands the day's
    file, most recent visit first, to the background writer."""
    FOLDER = FOLDER

    def __init__(self, out_dir: Path, writers, site: Site):
        self.folder = Path(out_dir) / FOLDER
        self.folder.mkdir(parents=True, exist_ok=True)
        self.writers, self.site = writers, site
        self.next_id = 1  # Matomo was installed on the first day of the window
        self.visits: list[tuple[int, int, str]] = []
        self._cache: dict[object, str] = {}
        self._page_ids: dict[str, int] = {}

    def end_day(self, day: date) -> dict[str, int]:
        ui_name = ui_export_name(day)
        name = ui_name or f"matomo_visits_{day:%Y%m%d}.json"
        visits, self.visits = self.visits, []
        visits.sort(reverse=True)
        self.writers.submit(_write_tsv if ui_name else _write_json, self.folder / name, [v for _, _, v in visits])
        return {name: len(visits)}

    def _fragment(self, key, build) -> str:
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = build()
        return found

    def _visitor_fields(self, v: Visitor) -> str:
        """Device and location fields of a visitor (`"languageCode"` … `"plugins"`)."""
        d, g = v.device, v.geo
        language = LANGUAGES.get(g.language[:2], "French")
        browser = ("Mobile Safari" if d.browser == "Safari" and d.category != "desktop" else d.browser)
        return _json({"languageCode": g.language, "language": f"{language} - {g.country}", "deviceType": d.matomo_type,
                      "deviceBrand": d.brand if d.brand not in ("Google", "Mozilla") else "Unknown",
                      "deviceModel": d.model if d.category != "desktop" else "Generic Desktop",
                      "operatingSystem": d.os_version, "browser": f"{browser} {d.browser_version.split('.')[0]}",
                      "continent": g.continent, "country": g.country, "countryCode": g.country_code,
                      "region": g.region if g.region != "(not set)" else None,
                      "city": g.city if g.city != "(not set)" else None,
                      "resolution": d.resolution, "plugins": "cookie"})[1:-1]

    def _referrer_fields(self, touch: Touch, query: str) -> str:
        """Referrer and campaign fields of a visit (campaign values lower-cased, as Matomo does)."""
        kind, label = REFERRER_TYPES[touch.kind]
        fields = {"referrerType": kind, "referrerTypeName": label, "referrerName": None, "referrerKeyword": None,
                  "referrerUrl": None}
        campaign = dict.fromkeys(("campaignId", "campaignName", "campaignSource", "campaignMedium", "campaignKeyword",
                                  "campaignContent", "campaignGroup", "campaignPlacement"))
        if touch.tagged:
            q = {k: v.strip().lower() for k, v in parse_qsl(query)}
            fields["referrerName"], fields["referrerKeyword"] = q.get("utm_campaign"), q.get("utm_term")
            campaign.update(campaignName=q.get("utm_campaign"), campaignSource=q.get("utm_source"),
                            campaignMedium=q.get("utm_medium"), campaignKeyword=q.get("utm_term"),
                            campaignContent=q.get("utm_content"))
        elif touch.kind != "direct":
            fields["referrerName"], fields["referrerUrl"] = touch.referrer_name, touch.referrer
            if touch.kind == "organic":
                fields["referrerKeyword"] = "Keyword not defined"
        return _json({**fields, **campaign})[1:-1]

    def _action(self, page: Page, position: int, spent: int, off: int) -> str:
        head = self._cache.get(("action", page.path))
        if head is None:
            page_id = len(self._page_ids) + 1
            self._page_ids[page.path] = page_id
            head = self._cache[("action", page.path)] = (
                f'{{"type":"action","url":{_json(SITE + page.path)},'
                f'"pageTitle":{_json(self.site.titles.get(page.path, page.path))},"pageIdAction":"{page_id}"')
        return (f'{head},"idpageview":"{(page.t * 2654435761 + position * 40503) & 0xFFFFFF:06x}",'
                f'"pageviewPosition":"{position}","timeSpent":"{spent}","timestamp":{page.t - off}}}')

    def add(self, s: Session, pages: list[Page]) -> None:
        """One visit of the Live API, numbered `idVisit`."""
        v, touch = s.visitor, s.touch
        s.id_visit = self.next_id
        self.next_id += 1
        off = utc_offset(s.start)
        first, last = pages[0].t, pages[-1].t
        actions = [self._action(page, i + 1, pages[i + 1].t - page.t if i + 1 < len(pages) else 0, off)
                   for i, page in enumerate(pages)]
        ordered = s.order is not None and not s.flags & FLAG_MATOMO_NO_ORDER
        if ordered:
            actions.append(_order(s, last - off))  # tracked as the confirmation page (the last) loads
        converted = "1" if ordered else "0"
        utc_last = last - off
        query = pages[0].query.split("&gclid=")[0].split("&fbclid=")[0]  # click ids: one per session
        referrer = self._fragment((touch, query), lambda: self._referrer_fields(touch, query))
        device = self._fragment(("visitor", v.device, v.geo), lambda: self._visitor_fields(v))
        user = f'"{s.user_id}"' if s.user_id else "null"  # contact numbers: digits
        visit = (f'{{"idSite":{SITE_ID},"idVisit":{s.id_visit},"visitIp":"{_ip(v)}",'
                 f'"visitorId":"{matomo_visitor_id(s)}","fingerprint":"{(v.key >> 8) & 0xFFFFFFFFFFFFFF:014x}",'
                 f'"actionDetails":[{",".join(actions)}],"goalConversions":{converted},"siteCurrency":"EUR",'
                 f'"serverDate":"{_date(last)}","lastActionTimestamp":{utc_last},'
                 f'"lastActionDateTime":"{_date(utc_last)} {_hms(utc_last)}","siteName":"{SITE_NAME}",'
                 f'"serverTimestamp":{utc_last},"firstActionTimestamp":{first - off},"userId":{user},'
                 f'"visitorType":"{"new" if v.sessions == 1 else "returning"}","visitConverted":{converted},'
                 f'"visitCount":{v.sessions},"visitEcommerceStatus":"{"ordered" if ordered else "none"}",'
                 f'"daysSinceFirstVisit":{(first - off - v.first_utc) // 86_400},"visitDuration":{last - first},'
                 f'"actions":{len(pages)},{referrer},{device},"visitLocalTime":"{_hms(first)}",'
                 f'"totalEcommerceRevenue":"{_money(s.order.total_cents) if ordered else "0.00"}"}}')
        self.visits.append((utc_last, s.id_visit, visit))


def _ip(v: Visitor) -> str:
    """The visitor's IP as Matomo stores it, anonymised (last byte zeroed)."""
    h = mix64(v.key ^ 0x1F)
    return f"{(82, 86, 90, 92, 176, 78, 37, 2)[h % 8]}.{(h >> 8) & 0xFF}.{(h >> 16) & 0xFF}.0"


def _order(s: Session, timestamp: int) -> str:
    """The ecommerceOrder action: the SecuTix file number, revenue (taxes included), items."""
    order = s.order
    lines: Counter = Counter()
    for t in order.tickets:
        lines[(t.performance.performance_id, t.performance.show.title, t.performance.show.genre, t.price_milli)] += 1
    tax_cents = vat_cents(order)
    # an item's price as the shop's tracker sends it, to the cent (a pro-rata subscription share
    # of 41,667 € is tracked 41.67: the tracker takes a displayed price)
    items = [{"itemSKU": str(pid), "itemName": title, "itemCategory": genre, "price": _money((milli + 5) // 10),
              "quantity": str(n), "categories": [genre]} for (pid, title, genre, milli), n in lines.items()]
    return ('{"type":"ecommerceOrder","orderId":"' + str(order.file_number) + '","revenue":' + _money(order.total_cents)
            + ',"revenueSubTotal":' + _money(order.total_cents - tax_cents) + ',"revenueTax":' + _money(tax_cents)
            + ',"revenueShipping":0,"revenueDiscount":0,"items":' + str(len(order.tickets))
            + ',"itemDetails":' + _json(items) + ',"icon":"plugins/Morpheus/images/ecommerceOrder.png"'
            + ',"iconSVG":"plugins/Morpheus/images/ecommerceOrder.svg","title":"Ordered",'
            + '"subtitle":"' + _money(order.total_cents) + ' € revenue - ' + str(len(order.tickets)) + ' items",'
            + '"timestamp":' + str(timestamp) + "}")


def _write_json(path: Path, visits: list[str]) -> None:
    """The day's answer, one line, written in pieces (no copy of the whole day)."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write("[")
        fh.writelines(("," if k else "") + ",".join(visits[k:k + 1000]) for k in range(0, len(visits), 1000))
        fh.write("]")


def flatten(value, prefix: str = "", out: dict[str, str] | None = None) -> dict[str, str]:
    """A visit as Matomo's CSV/TSV renderer writes it: nested keys joined by `_`, list items by
    their index (`actionDetails_1_itemDetails_0_price`), null as an empty cell."""
    out = {} if out is None else out
    if isinstance(value, dict):
        for key, item in value.items():
            flatten(item, f"{prefix}_{key}" if prefix else key, out)
    elif isinstance(value, list):
        for k, item in enumerate(value):
            flatten(item, f"{prefix}_{k}", out)
    else:
        out[prefix] = "" if value is None else str(value)
    return out


def _write_tsv(path: Path, visits: list[str]) -> None:
    """The day as the UI's TSV download: UTF-16LE with a BOM, tabs, the columns of every visit."""
    rows = [flatten(json.loads(v, parse_float=str)) for v in visits]  # decimals kept as written
    header = list(dict.fromkeys(key for row in rows for key in row))
    with open(path, "w", encoding="utf-16-le", newline="") as fh:
        fh.write("\ufeff")
        writer = csv.writer(fh, delimiter="\t", lineterminator="\n")
        writer.writerow(header)
        writer.writerows([row.get(key, "") for key in header] for row in rows)


# --------------------------------------------------------------------------- broken deliveries

def write_broken(out_dir: Path) -> list[dict]:
    """Damaged Matomo deliveries in `<out>/broken/matomo/` (run `renderers.web.write` first)."""
    broken = BrokenFolder(out_dir, SOURCE)
    day = max(inbox_files(out_dir, FOLDER, "matomo_visits_*.json"), key=lambda p: p.stat().st_size)
    visits = json.loads(day.read_text(encoding="utf-8"))
    # The download stopped in the middle of a visit (the API answer is one line).
    keep = min(len(visits) - 1, 12)
    text = "[" + ",".join(_json(v) for v in visits[: keep + 1])
    broken.emit(f"{day.stem}_telechargement_interrompu.json", text[: len(text) - len(_json(visits[keep])) // 2]
                .encode(), "truncated", f"record {keep + 1}: not valid JSON", 1)
    # Binary garbage under a Matomo name: a proxy's compressed error page saved as the answer.
    rng = random.Random(f"matomo-garbage/{day.name}")
    garbage = b"\x00\x9c\xd3\x1b" + bytes(rng.randrange(256) for _ in range(4096))
    broken.emit(f"{day.stem}_corrompu.json", garbage, "binary_garbage", "invalid UTF-8 bytes", 1)
    return broken.made
