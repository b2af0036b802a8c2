"""The demo institution rendered as SecuTix flat-file exports (contract: contracts/secutix.yml).

Files written to `<out>/secutix/`:

- `secutix_contacts_<today>.csv`, `secutix_performances_<today>.csv`: full exports (the contacts'
  taken two hours before the last extracts);
- `secutix_contacts_delta_<today>.csv`: the contacts edited since the full export (a new mobile
  number), from a saved extraction *without* the BIRTHDATE and PROFESSION columns: a column a
  delta does not deliver is "not delivered", so staging keeps those fields from the full export;
- `secutix_orders_<d>.csv` + `secutix_tickets_<d>.csv` for two *overlapping* delta deliveries:
  the first covers everything up to 01/03/2026, the second everything updated from 01/02/2026
  to the export day. An order in both appears in the second with a later LAST_UPDATE (and a
  handful go SOLDED → CANCELED in between). Staging keeps the latest version per key.

Shape: `;` separator, Windows-1252, CRLF, one header row, QUOTE_MINIMAL, decimal commas,
dd/mm/yyyy dates and dd/mm/yyyy HH:MM:SS timestamps (local wall-clock time), ticket PRICE in
thousandths (45000 = 45,00 €), order TOTAL_AMOUNT_ITX in euros with a decimal comma.
"""

from __future__ import annotations

import codecs
import csv
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from publics_demo.defects import BrokenFolder
from publics_demo.world.box_office import BoxOfficeTruth
from publics_demo.world.catalogue import VENUES
from publics_demo.world.frame import EXPORT_TIME
from publics_demo.world.loyalty import LoyaltyTruth
from publics_demo.world.model import World
from publics_demo.world.orders import Order, Ticket, simulate_orders
from publics_demo.world.pacing import PacingTruth
from publics_demo.world.prospects import ProspectTruth
from publics_demo.world.traits import outcomes_truth

SOURCE = "secutix"
FOLDER = "inbox/secutix"  # out_dir/inbox/<source>/: every source delivers into the inbox
ENCODING = "cp1252"

CONTACT_COLUMNS = ["CONTACT_NUMBER", "TITLE", "FIRSTNAME", "LASTNAME", "CONTACT_TYPE", "OFFICIAL_NAME",
                   "BIRTHDATE", "EMAIL", "PHONE", "MOBILE_PHONE", "LINE1", "ZIPCODE", "TOWN", "COUNTRY_CODE",
                   "PREF_LANG", "PROFESSION", "OPT_IN_NEWSLETTER", "CREATION_DATE", "COMMENT", "LAST_UPDATE"]
PERFORMANCE_COLUMNS = ["PERFORMANCE_ID", "PRODUCT_ID", "PRODUCT_CODE", "PRODUCT_NAME", "PRODUCT_FAMILY_TYPE",
                       "GENRE", "SEASON_CODE", "VENUE_CODE", "VENUE_NAME", "PERFORMANCE_START", "DURATION_MIN",
                       "CAPACITY", "PERFORMANCE_STATE", "LAST_UPDATE"]
ORDER_COLUMNS = ["FILE_NUMBER", "ORDER_DATE", "FILE_STATE", "ORDER_ORIGINATOR", "SALES_CHANNEL", "POINT_OF_SALE",
                 "BUYING_CONTACT_NUMBER", "TOTAL_AMOUNT_ITX", "PAYMENT_STATE", "CURRENCY_CODE", "LAST_UPDATE"]
TICKET_COLUMNS = ["TICKET_ID", "FILE_NUMBER", "PERFORMANCE_ID", "SEAT_CATEGORY_CODE", "AUDIENCE_SUB_CATEGORY",
                  "PRICE_LEVEL", "PRICE", "VAT_RATE", "TICKET_STATE", "CULTURAL_CONTACT_NUMBER", "BARCODE",
                  "LAST_UPDATE"]


@dataclass(frozen=True)
class Delivery:
    stamp: str  # yyyymmdd in the file names
    covers_from: datetime | None  # records updated from… (None: since the beginning)
    as_of: datetime  # state of the records at extraction


FULL_EXPORT_STAMP = EXPORT_TIME.strftime("%Y%m%d")
FULL_CONTACTS_TIME = EXPORT_TIME - timedelta(hours=2)  # the contacts' full export, then a delta
CONTACT_DELTA_SHARE = 0.04
CONTACT_DELTA_LEAVES_OUT = ("BIRTHDATE", "PROFESSION")
DELIVERIES = (
    Delivery("20260301", None, datetime(2026, 3, 1, 23, 59, 59)),
    Delivery(FULL_EXPORT_STAMP, datetime(2026, 2, 1, 0, 0, 0), EXPORT_TIME),
)
CANCELED_STATES = ("CANCELED",)
CANCELLED_TICKET_STATES = ("CANCELLED", "INVALIDATED")

TICKET_PRICE_LEVEL = {"PLEIN": "OCCASIONAL", "REDUIT": "OCCASIONAL", "JEUNE": "OCCASIONAL",
                      "GROUPE": "OCCASIONAL", "ABONNE": "SUBSCRIBER", "EXONERE": "INVITED"}


# --------------------------------------------------------------------------- formats

def fmt_date(d: date | None) -> str:
    return "" if d is None else f"{d.day:02d}/{d.month:02d}/{d.year:04d}"


def fmt_ts(t: datetime | None) -> str:
    if t is None:
        return ""
    return f"{t.day:02d}/{t.month:02d}/{t.year:04d} {t.hour:02d}:{t.minute:02d}:{t.second:02d}"


def fmt_euros(cents: int) -> str:
    """1234550 cents → "12345,50" (no thousands separator, as SecuTix writes it)."""
    return f"{cents // 100},{cents % 100:02d}"


def fmt_milli(milli: int) -> str:
    """41667 thousandths → "41667": SecuTix's PRICE, an integer ×1000 (docs/formats.md §1)."""
    return str(milli)


def fmt_euros_milli(milli: int) -> str:
    """12345667 thousandths → "12345.667": the truth's amounts, exact to the thousandth."""
    return f"{milli // 1000}.{milli % 1000:03d}"


def writer(path: Path):
    fh = open(path, "w", encoding=ENCODING, newline="")  # noqa: SIM115 - closed by the caller
    return fh, csv.writer(fh, delimiter=";", quotechar='"', quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")


# --------------------------------------------------------------------------- versions

def ticket_version(t: Ticket, order: Order, as_of: datetime) -> tuple[str, datetime]:
    """(TICKET_STATE, LAST_UPDATE) of a ticket as the system shows it at `as_of`."""
    if order.canceled_at is not None and order.canceled_at <= as_of:
        return "CANCELLED", order.canceled_at
    if t.controlled_at is not None and t.controlled_at <= as_of:
        return "CONTROLLED", t.controlled_at
    if t.printed_at is not None and t.printed_at <= as_of:
        return "PRINTED", t.printed_at
    return t.initial_state, order.order_date


def order_version(order: Order, as_of: datetime) -> tuple[str, datetime, list[tuple[str, datetime]]]:
    tickets = [ticket_version(t, order, as_of) for t in order.tickets]
    state = "CANCELED" if order.canceled_at is not None and order.canceled_at <= as_of else "SOLDED"
    last = max([order.order_date] + [lu for _, lu in tickets])
    return state, last, tickets


# --------------------------------------------------------------------------- the truth collector

@dataclass
class SecutixTruth:
    revenue_milli: int = 0
    tickets: int = 0
    tickets_cancelled: int = 0
    unknown_holder: int = 0
    by_channel: Counter = field(default_factory=Counter)
    revenue_by_channel: Counter = field(default_factory=Counter)
    by_season: Counter = field(default_factory=Counter)
    revenue_by_season: Counter = field(default_factory=Counter)
    orders: int = 0
    orders_canceled: int = 0
    orders_in_both: int = 0
    orders_touched_only: int = 0
    canceled_between: list[str] = field(default_factory=list)
    sold_per_performance: Counter = field(default_factory=Counter)
    last_seen: dict[str, datetime] = field(default_factory=dict)

    def seen(self, number: str, when: datetime) -> None:
        if number and (number not in self.last_seen or self.last_seen[number] < when):
            self.last_seen[number] = when


# --------------------------------------------------------------------------- writing

def write(world: World, out_dir: Path) -> tuple[dict[str, int], dict]:
    """Write the SecuTix exports of `world`; return ({file name: rows}, truth)."""
    folder = Path(out_dir) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    truth = SecutixTruth()
    touch_rng = world.rng("secutix-deliveries")

    names = {}
    handles = {}
    for d in DELIVERIES:
        for entity, header in (("orders", ORDER_COLUMNS), ("tickets", TICKET_COLUMNS)):
            name = f"secutix_{entity}_{d.stamp}.csv"
            fh, w = writer(folder / name)
            w.writerow(header)
            names[(entity, d.stamp)] = name
            handles[(entity, d.stamp)] = (fh, w)
            counts[name] = 0
    first, second = DELIVERIES
    loyalty = LoyaltyTruth(world)
    box_office = BoxOfficeTruth(world)
    prospects = ProspectTruth(world)
    pacing = PacingTruth(world)
    try:
        for order in simulate_orders(world):
            _deliver(order, first, second, handles, names, counts, truth, touch_rng)
            loyalty.add(order)
            state, _, ticket_states = order_version(order, second.as_of)
            box_office.add(order, state == "CANCELED", [s in CANCELLED_TICKET_STATES for s, _ in ticket_states])
            prospects.add(order)
            pacing.add(order)
    finally:
        for fh, _ in handles.values():
            fh.close()

    n_contacts, contact_defects = _write_contacts(world, folder, truth)
    counts[f"secutix_contacts_{FULL_EXPORT_STAMP}.csv"] = n_contacts
    delta_name, delta_defect = _write_contacts_delta(world, folder)
    counts[delta_name] = delta_defect["count"]
    contact_defects.append(delta_defect)
    n_perf, perf_defects = _write_performances(world, folder)
    counts[f"secutix_performances_{FULL_EXPORT_STAMP}.csv"] = n_perf
    ordered = {}
    for entity in ("contacts", "performances", "orders", "tickets"):
        for name in sorted(n for n in counts if n.startswith(f"secutix_{entity}_")):
            ordered[name] = counts[name]
    document = _truth_document(world, truth, contact_defects + perf_defects, names)
    document["loyalty"] = loyalty.document()
    document["box_office"] = box_office.document(loyalty.attendees)
    document["prospects"] = prospects.document()
    document["sales_pacing"] = pacing.document()  # dashboard 4
    document["outcomes"] = outcomes_truth(world.outcomes, world.seasons, world.people)  # scores (issue 18)
    return ordered, document


def _order_row(order: Order, state: str, last: datetime) -> list[str]:
    return [str(order.file_number), fmt_ts(order.order_date), state, order.originator, order.sales_channel,
            order.point_of_sale, order.buyer, fmt_euros(order.total_cents), "PAID", "EUR", fmt_ts(last)]


def _ticket_row(order: Order, t: Ticket, state: str, last: datetime) -> list[str]:
    vat = "2,1" if t.performance.show.creation else "5,5"
    return [str(t.ticket_id), str(order.file_number), str(t.performance.performance_id), t.seat_category,
            t.tariff, TICKET_PRICE_LEVEL[t.tariff], fmt_milli(t.price_milli), vat, state, t.holder, t.barcode,
            fmt_ts(last)]


def _deliver(order: Order, first: Delivery, second: Delivery, handles, names, counts, truth: SecutixTruth,
             rng: random.Random) -> None:
    in_first = order.order_date <= first.as_of
    v1 = order_version(order, first.as_of) if in_first else None
    final = order_version(order, second.as_of)
    in_second = final[1] >= second.covers_from
    if not (in_first or in_second):  # pragma: no cover - every order is in one delivery at least
        raise AssertionError(order.file_number)

    if in_first:
        state, last, tickets = v1
        _, w = handles[("orders", first.stamp)]
        w.writerow(_order_row(order, state, last))
        counts[names[("orders", first.stamp)]] += 1
        _, tw = handles[("tickets", first.stamp)]
        for t, (t_state, t_last) in zip(order.tickets, tickets):
            tw.writerow(_ticket_row(order, t, t_state, t_last))
        counts[names[("tickets", first.stamp)]] += len(order.tickets)

    if in_second:
        state, last, tickets = final
        if in_first:
            truth.orders_in_both += 1
            if v1[0] != state and state == "CANCELED":
                truth.canceled_between.append(str(order.file_number))
            if last <= v1[1]:
                # Nothing changed since the first delivery, yet the record is exported again:
                # the system stamps it anew (re-extraction), later than in the first file.
                last = first.as_of + timedelta(seconds=rng.randint(3600, 15 * 86400))
                truth.orders_touched_only += 1
            tickets = [(s, lu if lu > v1_lu else last) for (s, lu), (_, v1_lu) in zip(tickets, v1[2])]
        _, w = handles[("orders", second.stamp)]
        w.writerow(_order_row(order, state, last))
        counts[names[("orders", second.stamp)]] += 1
        _, tw = handles[("tickets", second.stamp)]
        for t, (t_state, t_last) in zip(order.tickets, tickets):
            tw.writerow(_ticket_row(order, t, t_state, t_last))
        counts[names[("tickets", second.stamp)]] += len(order.tickets)

    # The truth: the latest version of everything (which is the final state).
    state, last, tickets = final
    truth.orders += 1
    truth.seen(order.buyer, order.order_date)
    if state == "CANCELED":
        truth.orders_canceled += 1
    for t, (t_state, _) in zip(order.tickets, tickets):
        truth.seen(t.holder, order.order_date)
        if t_state in CANCELLED_TICKET_STATES:
            truth.tickets_cancelled += 1
            continue
        truth.tickets += 1
        truth.revenue_milli += t.price_milli
        truth.by_channel[order.sales_channel] += 1
        truth.revenue_by_channel[order.sales_channel] += t.price_milli
        truth.by_season[order.season] += 1
        truth.revenue_by_season[order.season] += t.price_milli
        truth.sold_per_performance[t.performance.performance_id] += 1
        if not t.holder:
            truth.unknown_holder += 1


def _write_contacts(world: World, folder: Path, truth: SecutixTruth) -> tuple[int, list[dict]]:
    rng = world.rng("secutix-contacts")
    name = f"secutix_contacts_{FULL_EXPORT_STAMP}.csv"
    defects: dict[str, list[str]] = {}
    n = 0
    fh, w = writer(folder / name)
    with fh:
        w.writerow(CONTACT_COLUMNS)
        for r in world.contacts:
            last = max(r.created, truth.last_seen.get(r.number, r.created))
            if rng.random() < 0.2:  # a profile edit (address, opt-in…) since
                last = last + (EXPORT_TIME - last) * rng.random()
            last = min(last.replace(microsecond=0), FULL_CONTACTS_TIME)
            w.writerow([r.number, r.title, r.firstname, r.lastname, r.contact_type, r.official_name,
                        fmt_date(r.birthdate), r.email, r.phone, r.mobile_phone, r.line1, r.zipcode, r.town,
                        r.country_code, r.pref_lang, r.profession, "O" if r.opt_in else "N",
                        fmt_ts(r.created), r.comment, fmt_ts(last)])
            n += 1
            for d in r.defects:
                defects.setdefault(d, []).append(r.number)
    what = {
        "missing_email": "EMAIL empty",
        "missing_zipcode": "ZIPCODE empty",
        "missing_birthdate": "BIRTHDATE empty",
        "zipcode_lost_leading_zero": "French ZIPCODE with 4 digits (leading 0 lost in a spreadsheet)",
        "sensitive_comment": "COMMENT holds sensitive free text (health, family…): must never leave raw",
        "duplicate": "second CONTACT_NUMBER for a person already known (e-mail in another case, "
                     "sometimes name without accents or in capitals); see duplicate_contact_groups",
        "duplicate_email_typo": "a duplicate whose e-mail domain was mistyped (gmial.com, orange.fe…): "
                                "same name, not the same e-mail",
    }
    listed = ("zipcode_lost_leading_zero", "sensitive_comment", "duplicate", "duplicate_email_typo")
    out = []
    for key in ("duplicate", "duplicate_email_typo", "missing_email", "missing_zipcode", "zipcode_lost_leading_zero",
                "missing_birthdate", "sensitive_comment"):
        numbers = defects.get(key, [])
        item = {"file": f"{FOLDER}/{name}", "defect": key, "what": what[key], "count": len(numbers)}
        if key in listed:
            item["contact_numbers"] = numbers
        out.append(item)
    accented = sum(1 for r in world.contacts if any(c in (r.firstname + r.lastname + r.town + r.official_name)
                                                   for c in "éèêëçœïîôâûüÉÈŒ"))
    out.append({"file": f"{FOLDER}/{name}", "defect": "accented_text",
                "what": "accents and ligatures in names and towns (é, è, ç, ë, œ…) in Windows-1252",
                "count": accented})
    return n, out


def _write_contacts_delta(world: World, folder: Path) -> tuple[str, dict]:
    """The contacts whose mobile number changed after the full export, in a delta that leaves
    out two columns (CONTACT_DELTA_LEAVES_OUT): their birth date and profession stay as the full
    export gave them. The new number replaces the old one in the world (the truth)."""
    rng = world.rng("secutix-contacts-delta")
    name = f"secutix_contacts_delta_{FULL_EXPORT_STAMP}.csv"
    columns = [c for c in CONTACT_COLUMNS if c not in CONTACT_DELTA_LEAVES_OUT]
    edited = [r for r in world.contacts if r.mobile_phone and r.created <= FULL_CONTACTS_TIME
              and rng.random() < CONTACT_DELTA_SHARE]
    fh, w = writer(folder / name)
    with fh:
        w.writerow(columns)
        for r in edited:
            r.mobile_phone = rng.choice(("06", "07")) + "".join(str(rng.randrange(10)) for _ in range(8))
            last = FULL_CONTACTS_TIME + timedelta(seconds=rng.randint(60, 7000))
            values = {"CONTACT_NUMBER": r.number, "TITLE": r.title, "FIRSTNAME": r.firstname,
                      "LASTNAME": r.lastname, "CONTACT_TYPE": r.contact_type, "OFFICIAL_NAME": r.official_name,
                      "EMAIL": r.email, "PHONE": r.phone, "MOBILE_PHONE": r.mobile_phone, "LINE1": r.line1,
                      "ZIPCODE": r.zipcode, "TOWN": r.town, "COUNTRY_CODE": r.country_code,
                      "PREF_LANG": r.pref_lang, "OPT_IN_NEWSLETTER": "O" if r.opt_in else "N",
                      "CREATION_DATE": fmt_ts(r.created), "COMMENT": r.comment, "LAST_UPDATE": fmt_ts(last)}
            w.writerow([values[c] for c in columns])
    return name, {"file": f"{FOLDER}/{name}", "defect": "delta_without_columns",
                  "what": f"a contacts delta without the columns {', '.join(CONTACT_DELTA_LEAVES_OUT)}: "
                          "the fields it does not deliver keep their value (not erased)",
                  "count": len(edited), "contact_numbers": [r.number for r in edited]}


def _write_performances(world: World, folder: Path) -> tuple[int, list[dict]]:
    rng = world.rng("secutix-performances")
    name = f"secutix_performances_{FULL_EXPORT_STAMP}.csv"
    oldest = [p.performance_id for p in world.performances_of(world.seasons[0])]
    no_season = set(rng.sample(oldest, min(2, len(oldest))))
    n = 0
    fh, w = writer(folder / name)
    with fh:
        w.writerow(PERFORMANCE_COLUMNS)
        for p in sorted(world.performances, key=lambda p: p.performance_id):
            if p.start + timedelta(hours=6) <= EXPORT_TIME:
                state, last = "CLOSED", (p.start + timedelta(days=1)).replace(hour=3, minute=12, second=0)
            else:
                state, last = "RUNNING", p.on_sale - timedelta(days=12)
            w.writerow([str(p.performance_id), str(p.show.product_id), p.show.code, p.show.title, "SINGLE_ENTRY",
                        p.show.genre, "" if p.performance_id in no_season else p.show.season, p.show.venue,
                        VENUES[p.show.venue].name, fmt_ts(p.start), str(p.duration_min), str(p.capacity),
                        state, fmt_ts(last)])
            n += 1
    return n, [{"file": f"{FOLDER}/{name}", "defect": "missing_season_code",
                "what": "SEASON_CODE empty: derive the season from PERFORMANCE_START (September → August)",
                "count": len(no_season), "performance_ids": sorted(str(i) for i in no_season)}]


def _truth_document(world: World, truth: SecutixTruth, defects: list[dict], names: dict) -> dict:
    first, second = DELIVERIES
    groups = [sorted([p.record.number] + [d.number for d in p.duplicates], key=int)
              for p in world.people if p.duplicates]
    capacity = {p.performance_id: p.capacity for p in world.performances}
    overlap = {
        "file": [f"{FOLDER}/{names[('orders', first.stamp)]}", f"{FOLDER}/{names[('orders', second.stamp)]}",
                 f"{FOLDER}/{names[('tickets', first.stamp)]}", f"{FOLDER}/{names[('tickets', second.stamp)]}"],
        "defect": "overlapping_deliveries",
        "what": (f"two delta deliveries: {names[('orders', first.stamp)]} covers up to {fmt_ts(first.as_of)}, "
                 f"{names[('orders', second.stamp)]} covers from {fmt_ts(second.covers_from)}; orders in both "
                 "carry a later LAST_UPDATE in the second (keep the latest version per key)"),
        "count": truth.orders_in_both,
        "unchanged_but_restamped": truth.orders_touched_only,
    }
    between = {
        "file": overlap["file"],
        "defect": "canceled_between_deliveries",
        "what": "orders SOLDED in the first delivery, CANCELED (tickets CANCELLED) in the second",
        "count": len(truth.canceled_between),
        "file_numbers": truth.canceled_between,
    }
    unknown = {
        "file": [f"{FOLDER}/{names[('tickets', d.stamp)]}" for d in DELIVERIES],
        "defect": "unknown_ticket_holder",
        "what": "distributor sales (EXTERNAL_SALE): CULTURAL_CONTACT_NUMBER and BUYING_CONTACT_NUMBER empty "
                "by design — count them, never invent them",
        "count": truth.unknown_holder,
    }
    return {
        "source": "secutix",
        "seed": world.seed,
        "scale": world.scale,
        "today": EXPORT_TIME.date().isoformat(),
        "seasons": list(world.seasons),
        "rule": "latest LAST_UPDATE per key wins; tickets CANCELLED (or of a CANCELED order) excluded",
        "duplicate_contact_groups": groups,
        "expected_revenue_eur": fmt_euros_milli(truth.revenue_milli),
        "expected_tickets": truth.tickets,
        "tickets_cancelled": truth.tickets_cancelled,
        "tickets_unknown_holder": truth.unknown_holder,
        "tickets_by_sales_channel": dict(sorted(truth.by_channel.items())),
        "revenue_by_sales_channel_eur": {k: fmt_euros_milli(v)
                                         for k, v in sorted(truth.revenue_by_channel.items())},
        "by_season": {s: {"tickets": truth.by_season[s],
                          "revenue_eur": fmt_euros_milli(truth.revenue_by_season[s])}
                      for s in world.seasons},
        "orders": truth.orders,
        "orders_canceled": truth.orders_canceled,
        "contacts": len(world.contacts),
        "performances": len(world.performances),
        "max_occupancy": max((truth.sold_per_performance[k] / capacity[k] for k in capacity), default=0),
        "defects": defects + [overlap, between, unknown],
    }


# --------------------------------------------------------------------------- broken deliveries

def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\r\n")


def write_broken(out_dir: Path) -> list[dict]:
    """Damaged copies of the SecuTix files in `<out>/broken/secutix/` (run `write` first)."""
    broken = BrokenFolder(out_dir, SOURCE)
    files = {p.name: p.read_bytes() for p in sorted((Path(out_dir) / FOLDER).glob("*.csv"))}
    contacts = next(n for n in files if n.startswith("secutix_contacts_2"))
    orders = next(n for n in files if "orders" in n)
    tickets = next(n for n in files if "tickets" in n)
    performances = next(n for n in files if "performances" in n)
    # An interrupted transfer: the file stops in the middle of a line.
    lines = _lines(files[tickets])
    keep = min(len(lines) - 2, 40)
    cut = lines[keep][: len(lines[keep]) // 2]
    broken.emit(tickets.replace(".csv", "_truncated.csv"), b"\r\n".join(lines[:keep] + [cut]),
                "truncated", "truncated line", keep + 1)
    # Opened and saved again by a spreadsheet set to commas.
    text = files[orders].decode("cp1252")
    broken.emit(orders.replace(".csv", "_resaved_with_commas.csv"),
                text.replace(",", ".").replace(";", ",").encode("cp1252"), "wrong_delimiter", "wrong delimiter", 1)
    # Re-exported in UTF-16 ("Unicode text" in a spreadsheet's save dialog).
    broken.emit(contacts.replace(".csv", "_utf16.csv"),
                codecs.BOM_UTF16_LE + files[contacts].decode("cp1252").encode("utf-16-le"),
                "wrong_encoding", "UTF-16", 1)
    # A required column removed by hand.
    rows = [line.split(b";") for line in _lines(files[performances]) if line]
    broken.emit(performances.replace(".csv", "_without_capacity.csv"),
                b"\r\n".join(b";".join(r[:11] + r[12:]) for r in rows) + b"\r\n",
                "missing_column", "missing required column(s): capacity", 1)
    # An export that produced nothing.
    broken.emit(orders.replace(".csv", "_empty.csv"), b"", "empty", "empty file", None)
    return broken.made
