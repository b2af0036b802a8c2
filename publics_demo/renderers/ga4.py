"""The demo sessions as Google Analytics 4's BigQuery export (contract: contracts/ga4.yml).

Files written to `<out>/inbox/ga4/`: `events_YYYYMMDD.ndjson.gz`, one per day of the web window,
as `bq extract --destination_format NEWLINE_DELIMITED_JSON --compression GZIP` writes the daily
table `analytics_<property>.events_YYYYMMDD` (day in the property's time zone, Europe/Paris);
one day in `SHARD_EVERY` as shards `events_YYYYMMDD-000000000000.json.gz`, `…-000000000001…`
(`bq extract` to a wildcard URI: parts of one day, not versions of it); the day `intraday_day()`
twice, its `events_intraday_YYYYMMDD.ndjson.gz` (the first half of its events, exported while the
day was collected) beside its daily table, which supersedes it (tests/fixtures/ga4/deliveries/README.md):
one event per line, the export schema's field names and nesting (docs/formats.md §3 and the samples
in tests/fixtures/reference/ga4/), INT64 values as JSON strings (`"event_timestamp":
"1748779203123456"`, `"int_value":"3"`), timestamps in UTC microseconds, `event_params` as
key/value records (`string_value`, `int_value`, `float_value`, `double_value`).

Only the sessions of devices that consented (`world.visits.CONSENT_RATE`) and block no tracker are
there as sessions; the devices that refused send cookieless pings (Consent Mode): a `page_view`
per page without the `user_pseudo_id` key (NULL fields are left out of the export) nor
`ga_session_id`, `privacy_info.analytics_storage` "No" — no session, no purchase.
Events of a session: `first_visit` (the device's first session), `session_start`, one
`page_view` per page, `view_item` on show pages, `begin_checkout` on the cart (with the order's
value, or the show alone for a cart left on the way) and `purchase` on the confirmation page (ecommerce: `transaction_id` = the SecuTix file number,
`purchase_revenue` in euros, one item per performance × seat category × tariff). The UTM of a
tagged landing page are in `collected_traffic_source.manual_*` (as typed: `fb`, `Facebook`…) and
in `page_location`; organic, social and referral sessions carry `source` / `medium` /
`campaign` event parameters and `page_referrer`; `traffic_source` is the user's first touch.
`user_id` (the SecuTix contact number) is set once the visitor is logged in. Kept lean: fields
the pipeline does not read (app_info, user_ltv, session_traffic_source_last_click…) are null or
left out.

Defects (`world.journeys.FLAG_*`): a few purchases with `transaction_id` "(not set)", a few purchase events
sent twice (the confirmation page reloaded).
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections import Counter
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from urllib.parse import parse_qsl

from publics_demo.defects import BrokenFolder
from publics_demo.files import GzipLines, inbox_files
from publics_demo.world.campaigns import SITE
from publics_demo.world.journeys import FLAG_GA4_NO_ID, FLAG_GA4_TWICE
from publics_demo.world.orders import vat_cents
from publics_demo.world.visits import (
    KIND_CART,
    KIND_CONFIRM,
    KIND_SHOW,
    Device,
    Geo,
    Page,
    Session,
    Site,
    Touch,
    Visitor,
)
from publics_demo.world.webclock import WEB_END, mix64, utc_offset

FOLDER = "inbox/ga4"
SOURCE = "ga4"
STREAM_ID = "5820317746"
HOSTNAME = SITE.removeprefix("https://")
BRAND = "Opéra Favart"
EUR_TO_USD = 1.10  # GA4 converts revenue at the day's rate; a fixed one is enough here
CHUNK_EVENTS = 5_000  # events handed to the writer thread at a time (memory stays bounded)
SHARD_EVERY = 9  # one day in 9 is delivered as two `bq extract` shards (a table above 1 GB in life)


def is_sharded(day: date) -> bool:
    return day.toordinal() % SHARD_EVERY == 0


def shard_name(day: date, number: int) -> str:
    """`bq extract … gs://bucket/events_YYYYMMDD-*.json.gz`: the shard number on 12 digits, from 0."""
    return f"events_{day:%Y%m%d}-{number:012d}.json.gz"


def intraday_day() -> date:
    """The day delivered twice: its intraday table (exported in the afternoon), then its daily table."""
    return WEB_END - timedelta(days=2)


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _param_s(key: str, text_json: str) -> str:
    return ('{"key":"' + key + '","value":{"string_value":' + text_json
            + ',"int_value":null,"float_value":null,"double_value":null}}')


def _param_i(key: str, n: int) -> str:
    return ('{"key":"' + key + '","value":{"string_value":null,"int_value":"' + str(n)
            + '","float_value":null,"double_value":null}}')


def _param_d(key: str, x: float) -> str:
    return ('{"key":"' + key + '","value":{"string_value":null,"int_value":null,"float_value":null,'
            '"double_value":"' + repr(x) + '"}}')


def _quote(text: str) -> str:
    """A JSON string: URLs and ids need no escaping (percent-encoded), anything else is dumped."""
    if '"' in text or "\\" in text or not text.isprintable():
        return _json(text)
    return '"' + text + '"'


def _origin(touch) -> str:
    """Event parameters of a session from a referrer (search engine, social network, website)."""
    name = "(organic)" if touch.kind == "organic" else "(referral)"
    return ("," + _param_s("page_referrer", _json(touch.referrer)) + "," + _param_s("source", _json(touch.seen_source))
            + "," + _param_s("medium", _json(touch.seen_medium)) + "," + _param_s("campaign", _json(name)))


CURRENCY = _param_s("currency", '"EUR"')
ENTRANCES = "," + _param_i("entrances", 1)


def _device(d: Device, language: str) -> str:
    return _json({"category": d.category, "mobile_brand_name": d.brand, "mobile_model_name": d.model,
                  "mobile_marketing_name": None, "mobile_os_hardware_model": None, "operating_system": d.os,
                  "operating_system_version": d.os_version, "vendor_id": None, "advertising_id": None,
                  "language": language, "is_limited_ad_tracking": "No", "time_zone_offset_seconds": None,
                  "browser": None, "browser_version": None,
                  "web_info": {"browser": d.browser, "browser_version": d.browser_version, "hostname": HOSTNAME}})


def _geo(g: Geo) -> str:
    return _json({"city": g.city, "country": g.country, "continent": g.continent, "region": g.region,
                  "sub_continent": g.sub_continent, "metro": "(not set)"})


def _first_touch(t: Touch) -> dict:
    """`traffic_source`: the user's first session's source, as GA4 names it."""
    if t.tagged:
        return {"name": t.campaign.name, "medium": t.seen_medium, "source": t.seen_source}
    if t.kind == "direct":
        return {"name": "(direct)", "medium": "(none)", "source": "(direct)"}
    return {"name": "(organic)" if t.kind == "organic" else "(referral)", "medium": t.seen_medium,
            "source": t.seen_source}


def _collected(query: str) -> str:
    """`collected_traffic_source` of a tagged landing page: the UTM as typed, the click ids."""
    q = dict(parse_qsl(query))
    return _json({"manual_campaign_id": None, "manual_campaign_name": q.get("utm_campaign"),
                  "manual_source": q.get("utm_source"), "manual_medium": q.get("utm_medium"),
                  "manual_term": q.get("utm_term"), "manual_content": q.get("utm_content"),
                  "manual_source_platform": None, "manual_creative_format": None, "manual_marketing_tactic": None,
                  "gclid": q.get("gclid"), "dclid": None, "srsltid": None})


def _show_items(show) -> str:
    return _json([{"item_id": show.code, "item_name": show.title, "item_brand": BRAND, "item_variant": "(not set)",
                   "item_category": show.genre, "item_category2": show.season, "price": None, "quantity": 1,
                   "item_revenue": None, "item_params": []}])


def _order_items(order) -> tuple[str, int, int]:
    """(items JSON, total quantity, unique items) of an order: one item per performance × seat
    category × tariff."""
    lines: Counter = Counter()
    for t in order.tickets:
        lines[(t.performance, t.seat_category, t.tariff, t.price_milli)] += 1
    items = [{"item_id": str(p.performance_id), "item_name": p.show.title, "item_brand": BRAND, "item_variant": cat,
              "item_category": p.show.genre, "item_category2": tariff, "price": (milli + 5) // 10 / 100, "quantity": n,
              "item_revenue": (milli * n + 5) // 10 / 100, "item_params": []}
             for (p, cat, tariff, milli), n in lines.items()]
    return _json(items), sum(lines.values()), len(lines)


class Ga4Files:
    """The daily export files: `add` renders a session's events, `end_day` hands the day's file
    to the background writer. JSON fragments that never change (devices, places, pages, show
    items) are built once."""
    FOLDER = FOLDER

    def __init__(self, out_dir: Path, writers, site: Site):
        self.folder = Path(out_dir) / FOLDER
        self.folder.mkdir(parents=True, exist_ok=True)
        self.writers, self.site = writers, site
        self.lines: list[str] = []
        self.name, self.file, self.count = "", None, 0
        self._cache: dict[object, str] = {}
        self._days: dict[int, str] = {}
        self._pages: dict[str, tuple[str, str, str]] = {}

    def start_day(self, day: date) -> None:
        self.day, self.file, self.count, self.shard = day, None, 0, 0
        self.sharded = is_sharded(day)
        self.name = shard_name(day, 0) if self.sharded else f"events_{day:%Y%m%d}.ndjson.gz"
        self.counts: dict[str, int] = {}
        self.intraday: list[str] | None = [] if day == intraday_day() else None

    def _flush(self) -> None:
        """Hand the events so far to the writer thread (a day is written in chunks)."""
        if self.file is None:
            self.file = GzipLines(self.folder / self.name, "")
        self.writers.submit(self.file.write, "\n".join(self.lines) + "\n")
        if self.intraday is not None:
            self.intraday.extend(self.lines)
        self.count += len(self.lines)
        self.lines = []

    def _split(self, s: Session) -> None:
        """A sharded day: its sessions from noon (Paris) on go to shard 1, as `bq extract` splits a
        table in parts (where it cuts is its own business: here, at noon)."""
        if self.sharded and self.shard == 0 and s.start % 86_400 >= 12 * 3600:
            if self.lines:
                self._flush()
            if self.file is not None:
                self._close()
            self.shard, self.name, self.count = 1, shard_name(self.day, 1), 0

    def _close(self) -> None:
        self.writers.submit(self.file.close)
        self.counts[self.name] = self.count
        self.file = None

    def end_day(self) -> dict[str, int]:
        """Close the day's file(s); a day without events has no table, hence no file. The intraday
        day also has its `events_intraday_` table as exported in the afternoon: the first half of
        its events (GA4 deletes it once the daily table is complete; both are delivered)."""
        if self.lines:
            self._flush()
        if self.file is not None:
            self._close()
        if self.intraday:
            part = self.intraday[: len(self.intraday) // 2]
            name = f"events_intraday_{self.day:%Y%m%d}.ndjson.gz"
            intraday = GzipLines(self.folder / name, "")
            self.writers.submit(intraday.write, "\n".join(part) + "\n")
            self.writers.submit(intraday.close)
            self.counts[name] = len(part)
        return self.counts

    def ping(self, s: Session, pages: list[Page]) -> None:
        """The cookieless pings of a visitor who refused analytics_storage (Consent Mode, advanced
        mode): one `page_view` per page, exported without `user_pseudo_id` (a NULL field, left out
        by `bq extract`), without `ga_session_id`, `privacy_info.analytics_storage` "No"."""
        self._split(s)
        if len(self.lines) >= CHUNK_EVENTS:
            self._flush()
        v = s.visitor
        off = utc_offset(s.start)
        day = self._ymd(s.start)
        place = self._fragment(("place", v.device, v.geo), lambda: f'"device":{_device(v.device, v.geo.language)},'
                               f'"geo":{_geo(v.geo)},"app_info":null,')
        bundle = mix64(v.key ^ s.start) % 8_000_000_000 + 1_000_000_000
        last_second = s.start - s.start % 86_400 + 86_399
        for k, page in enumerate(pages):
            t = min(page.t, last_second)
            location = self._page(page.path)[1]
            self.lines.append(
                f'{{"event_date":"{day}","event_timestamp":"{(t - off) * 1_000_000 + k * 4_999 + bundle % 997}",'
                f'"event_name":"page_view","event_params":[{location}],"event_bundle_sequence_id":"{bundle + k}",'
                f'"privacy_info":{{"analytics_storage":"No","ads_storage":"No","uses_transient_token":"No"}},'
                f'{place}"stream_id":"{STREAM_ID}","platform":"WEB","is_active_user":false}}')

    def _fragment(self, key, build) -> str:
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = build()
        return found

    def _page(self, path: str) -> tuple[str, str, str]:
        """Parameters naming a page: (page_location, page_location + page_title, page_referrer)."""
        found = self._pages.get(path)
        if found is None:
            url = _json(SITE + path)
            location = _param_s("page_location", url)
            found = self._pages[path] = (location, location + "," + _param_s("page_title", self._title(path)),
                                         _param_s("page_referrer", url))
        return found

    def _title(self, path: str) -> str:
        return self._fragment(("title", path), lambda: _json(self.site.titles.get(path, path)))

    def _tail(self, v: Visitor) -> tuple[str, str, str]:
        """The fields of every event of a visitor, from `user_pseudo_id` to `event_dimensions`, in
        three parts: its own ids, its device and place, its first touch (the last two shared)."""
        ads = "Yes" if v.key & 0x30000 else "No"
        own = (f'"user_pseudo_id":"{v.pseudo_id}","privacy_info":{{"analytics_storage":"Yes","ads_storage":"{ads}",'
               f'"uses_transient_token":"No"}},"user_properties":[],'
               f'"user_first_touch_timestamp":"{v.first_utc * 1_000_000 + v.key % 1_000_000}","user_ltv":null,')
        place = self._fragment(("place", v.device, v.geo), lambda: f'"device":{_device(v.device, v.geo.language)},'
                               f'"geo":{_geo(v.geo)},"app_info":null,')
        touch = v.first_touch
        traffic = self._fragment(("traffic", touch), lambda: f'"traffic_source":{_json(_first_touch(touch))},'
                                 f'"stream_id":"{STREAM_ID}","platform":"WEB","event_dimensions":null')
        return own, place, traffic

    def _ymd(self, t: int) -> str:
        day = t // 86_400
        found = self._days.get(day)
        if found is None:
            found = self._days[day] = (date(1970, 1, 1) + timedelta(days=day)).strftime("%Y%m%d")
        return found

    def add(self, s: Session, pages: list[Page]) -> None:
        """The export rows of one session."""
        self._split(s)
        if len(self.lines) >= CHUNK_EVENTS:
            self._flush()
        v, touch, out = s.visitor, s.touch, self.lines
        if not v.ga4_tail:
            v.pseudo_id = f"{v.client}.{v.first_utc}"
            v.ga4_tail = self._tail(v)
        off = utc_offset(s.start)
        head = '{"event_date":"' + self._ymd(s.start) + '","event_timestamp":"'
        session = _param_i("ga_session_id", s.ga_session_id) + "," + _param_i("ga_session_number", v.sessions)
        uid_json = '"' + s.user_id + '"' if s.user_id else "null"
        login_from = len(pages) - 3 if s.order is not None else 0  # buyers log in to choose a performance
        salt = v.key ^ s.ga_session_id
        h = mix64(salt)
        base_micros = h % 900_000  # events of a same second keep their order
        bundle = (h >> 20) % 8_000_000_000 + 1_000_000_000
        own, place, traffic = v.ga4_tail
        last_second = s.start - s.start % 86_400 + 86_399  # the daily table holds that day's events only

        def emit(name: str, t: int, k: int, params: str, uid: str, extra: str = NO_ECOMMERCE,
                 collected: str = "null", value_usd: str = "null") -> None:
            t = min(t, last_second)
            out.append(f'{head}{(t - off) * 1_000_000 + base_micros + k * 4_999}","event_name":"{name}",'
                       f'"event_params":[{params}],"event_previous_timestamp":null,"event_value_in_usd":{value_usd},'
                       f'"event_bundle_sequence_id":"{bundle + k * 7_919}","event_server_timestamp_offset":null,'
                       f'"user_id":{uid},{own}{place}{traffic}{extra},"collected_traffic_source":{collected},'
                       '"is_active_user":true}')

        first = pages[0]
        if first.query:  # a tagged landing page: its URL is the session's own
            url = _quote(SITE + first.path + "?" + first.query)
            location = _param_s("page_location", url)
            located = location + "," + _param_s("page_title", self._title(first.path))
            as_referrer = _param_s("page_referrer", url)
        else:
            location, located, as_referrer = self._page(first.path)
        origin = self._fragment(("origin", touch), partial(_origin, touch)) if touch.referrer else ""
        collected = _collected(first.query) if touch.tagged else "null"
        landing = located + "," + session + origin
        uid0 = uid_json if login_from == 0 else "null"
        if v.sessions == 1:
            emit("first_visit", first.t, 0, landing, uid0, collected=collected)
        emit("session_start", first.t, 1, landing, uid0, collected=collected)
        k = 2
        for i, page in enumerate(pages):
            uid = uid_json if i >= login_from else "null"
            if i == 0:
                emit("page_view", page.t, k, landing + ENTRANCES, uid, collected=collected)
            else:
                location, located, next_referrer = self._page(page.path)
                emit("page_view", page.t, k, f"{located},{as_referrer},{session},"
                     + _param_i("engagement_time_msec", 1000 * (page.t - pages[i - 1].t) + k), uid)
                as_referrer = next_referrer
            k += 1
            base = f"{location},{session},{CURRENCY}"
            if page.kind == KIND_SHOW and page.path in self.site.show_of:
                show = self.site.show_of[page.path]
                emit("view_item", page.t + 1, k, base, uid,
                     extra=',"ecommerce":null,"items":' + self._fragment(("items", show.code), partial(_show_items, show)))
                k += 1
            elif page.kind == KIND_CART and s.order is not None:
                emit("begin_checkout", page.t + 1, k, base + "," + _param_d("value", s.order.total_cents / 100), uid,
                     extra=',"ecommerce":null,"items":' + _order_items(s.order)[0])
                k += 1
            elif page.kind == KIND_CART and s.show is not None:  # a cart left on the way: the show, no value yet
                emit("begin_checkout", page.t + 1, k, base, uid,
                     extra=',"ecommerce":null,"items":' + self._fragment(("items", s.show.code),
                                                                        partial(_show_items, s.show)))
                k += 1
            elif page.kind == KIND_CONFIRM and s.order is not None:
                k = _purchase(s, page, base, uid, emit, k)


NO_ECOMMERCE = ',"ecommerce":null,"items":[]'


def _purchase(s: Session, page: Page, base: str, uid: str, emit, k: int) -> int:
    """The purchase event (twice when the confirmation page was reloaded); returns the next k."""
    order = s.order
    euros = order.total_cents / 100
    usd = f"{euros * EUR_TO_USD:.6f}"
    txn = "(not set)" if s.flags & FLAG_GA4_NO_ID else str(order.file_number)
    items, quantity, unique = _order_items(order)
    tax = vat_cents(order) / 100
    ecommerce = _json({"total_item_quantity": str(quantity), "purchase_revenue_in_usd": usd,
                       "purchase_revenue": repr(euros), "refund_value_in_usd": None, "refund_value": None,
                       "shipping_value_in_usd": "0.0", "shipping_value": "0.0",
                       "tax_value_in_usd": f"{tax * EUR_TO_USD:.6f}", "tax_value": repr(tax),
                       "unique_items": str(unique), "transaction_id": txn})
    params = base + "," + _param_d("value", euros)
    if not s.flags & FLAG_GA4_NO_ID:
        params += "," + _param_s("transaction_id", _json(txn))
    extra = ',"ecommerce":' + ecommerce + ',"items":' + items
    emit("purchase", page.t + 2, k, params, uid, extra=extra, value_usd=_json(usd))
    if s.flags & FLAG_GA4_TWICE:  # the confirmation page reloaded a few minutes later
        emit("purchase", page.t + 60 + s.ga_session_id % 540, k + 1, params, uid, extra=extra, value_usd=_json(usd))
        return k + 2
    return k + 1


# --------------------------------------------------------------------------- broken deliveries

def write_broken(out_dir: Path) -> list[dict]:
    """Damaged GA4 deliveries in `<out>/broken/ga4/` (run `renderers.web.write` first)."""
    broken = BrokenFolder(out_dir, SOURCE)
    day = max(inbox_files(out_dir, FOLDER, "events_*.ndjson.gz"), key=lambda p: p.stat().st_size)
    stem = day.name.removesuffix(".ndjson.gz")
    lines = gzip.decompress(day.read_bytes()).split(b"\n")
    # An export whose last line was cut (the extract job stopped), then compressed as usual.
    keep = min(len(lines) - 2, 40)
    cut = lines[keep][: len(lines[keep]) // 2]
    broken.emit(f"{stem}_derniere_ligne_coupee.ndjson.gz", gzip.compress(b"\n".join(lines[:keep] + [cut]), mtime=0),
                "truncated_line", "not valid JSON", keep + 1)
    # A transfer interrupted in the middle of the gzip stream: the data stops, no end marker.
    data = gzip.compress(b"\n".join(lines[:200]) + b"\n", mtime=0)
    stopped = data[: len(data) // 2]
    readable = zlib.decompressobj(wbits=31).decompress(stopped)
    broken.emit(f"{stem}_transfert_interrompu.ndjson.gz", stopped, "truncated_gzip", "unreadable gzip data",
                readable.count(b"\n") + 1)
    return broken.made
