"""The demo generator, web slice (renderers/web.py, ga4.py, matomo.py, emailing.py;
world/journeys.py, mailing.py): deterministic to the byte, read by the project's own readers,
consistent with the world it renders (every web order has its purchase, paid sessions never exceed
the clicks, GA4 only has consenting visitors) and with its planted truth (sessions file,
touchpoints, defects). No database."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import itertools
import json
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

import pytest

from ingestion import contracts
from ingestion.readers import RejectedFile, reader_for
from ingestion.readers import matomo as matomo_reader
from ingestion.routing import route
from publics_demo.renderers import emailing, ga4, matomo, web
from publics_demo.world import webclock
from publics_demo.world.campaigns import build_campaigns, deliveries
from publics_demo.world.model import build_world
from publics_demo.world.orders import simulate_orders
from tests.conftest import tree_digest

SCALE, SEED = 0.01, 42
PARIS = ZoneInfo("Europe/Paris")
ENTITY_OF = {"events_": "ga4/events", "matomo_visits_": "matomo/visits", "Export _ ": "matomo/visits_csv",
             "mailchimp_email_activity_": "emailing/mailchimp_email_activity",
             "mailchimp_reports_": "emailing/mailchimp_reports", "members_export_": "emailing/mailchimp_members",
             "brevo_export_": "emailing/brevo_contacts"}
EMAILING_FILES = ("mailchimp_", "members_export_", "brevo_export_")


def generate(out: Path, scale: float = SCALE, seed: int = SEED) -> dict:
    world = build_world(seed=seed, scale=scale)
    counts, truth = web.write(world, out)
    broken = web.write_broken(out)
    return {"world": world, "counts": counts, "truth": truth, "broken": broken}


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("web")
    return out, generate(out)


@pytest.fixture(scope="module")
def out(generated) -> Path:
    return generated[0]


@pytest.fixture(scope="module")
def result(generated) -> dict:
    return generated[1]


@pytest.fixture(scope="module")
def sessions(out) -> list[dict[str, str]]:
    with gzip.open(out / web.SESSIONS_FILE, "rt", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def ga4_daily_files(out: Path) -> list[Path]:
    """The daily tables: one file a day, or its shards (`events_YYYYMMDD-NNNNNNNNNNNN.json.gz`)."""
    return sorted(p for p in (out / ga4.FOLDER).glob("events_*.gz") if not p.name.startswith("events_intraday_"))


def lines_of(path: Path) -> list[dict]:
    return [json.loads(line) for line in gzip.decompress(path.read_bytes()).splitlines()]


@pytest.fixture(scope="module")
def all_events(out) -> list[dict]:
    return [e for path in ga4_daily_files(out) for e in lines_of(path)]


@pytest.fixture(scope="module")
def events(all_events) -> list[dict]:
    """The events of consenting visitors (the cookieless pings have no user_pseudo_id key)."""
    return [e for e in all_events if "user_pseudo_id" in e]


@pytest.fixture(scope="module")
def pings(all_events) -> list[dict]:
    return [e for e in all_events if "user_pseudo_id" not in e]


def unflatten(flat: dict[str, str], types: dict[str, type]) -> dict:
    """A visit of the UI's TSV download, as read by the project's reader (`record`: header →
    cell, empty cells left out), nested again (`actionDetails_1_itemDetails_0_price` → the second
    action's first item's price); a cell whose field is a number in the API's JSON answers becomes
    that number again."""
    root: dict = {}
    for key, value in flat.items():
        parts = key.split("_")
        node = root
        for part, after in itertools.pairwise(parts):
            empty = [] if after.isdigit() else {}
            if isinstance(node, list):
                node += [None] * (int(part) + 1 - len(node))
                node[int(part)] = node[int(part)] if node[int(part)] is not None else empty
                node = node[int(part)]
            else:
                node = node.setdefault(part, empty)
        typed = _typed(value, types.get(parts[-1]))
        if isinstance(node, list):
            node += [None] * (int(parts[-1]) + 1 - len(node))
            node[int(parts[-1])] = typed
        else:
            node[parts[-1]] = typed
    return root


def _typed(value: str, kind: type | None):
    return kind(value) if kind in (int, float) else value


def _field_types(value, into: dict[str, set]) -> dict[str, set]:
    """Field name → the JSON types its values have, anywhere in the visits."""
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(item, dict | list) and item is not None:
                into.setdefault(key, set()).add(type(item))
            _field_types(item, into)
    elif isinstance(value, list):
        for item in value:
            _field_types(item, into)
    return into


@pytest.fixture(scope="module")
def visits(out) -> list[dict]:
    """Every visit: the API's JSON days, and the days downloaded from the UI as TSV."""
    rows = []
    for path in sorted((out / matomo.FOLDER).glob("matomo_visits_*.json")):
        rows += json.loads(path.read_text(encoding="utf-8"))
    types = {k: next(iter(t)) for k, t in _field_types(rows, {}).items() if len(t) == 1}
    tsv_days = sorted((out / matomo.FOLDER).glob("Export _ *.csv"))
    assert tsv_days, "no day downloaded from the UI"
    for path in tsv_days:
        entity = contracts.entity_for(path)
        parsed = reader_for(entity.reader)(path, entity)
        record = parsed.columns.index("record")
        rows += [unflatten(json.loads(values[record]), types) for _, values in parsed.rows]
    return rows


@pytest.fixture(scope="module")
def web_orders(result) -> dict[str, object]:
    """The TICKETSHOP orders of the web window, by transaction id."""
    lo = datetime.combine(webclock.WEB_START, datetime.min.time())
    hi = datetime.combine(webclock.WEB_END + timedelta(days=1), datetime.min.time())
    return {str(o.file_number): o for o in simulate_orders(result["world"])
            if o.originator == "TICKETSHOP" and lo <= o.order_date < hi}


def params(event: dict) -> dict[str, str | None]:
    out = {}
    for p in event["event_params"]:
        v = p["value"]
        out[p["key"]] = next((v[k] for k in ("string_value", "int_value", "double_value", "float_value")
                              if v[k] is not None), None)
    return out


def records(path: Path) -> list[list[str | None]]:
    entity = route(path, path.parents[2]).entity
    parsed = reader_for(entity.reader)(path, entity)
    assert parsed.drift == [], (path.name, parsed.drift)
    return [values for _, values in parsed.rows]


# --------------------------------------------------------------------------- determinism, volume


def test_same_seed_and_scale_give_byte_identical_files(out, result, tmp_path):
    again = generate(tmp_path)
    ours, theirs = tree_digest(out), tree_digest(tmp_path)
    assert ours == theirs
    assert again["counts"] == result["counts"] and again["truth"] == result["truth"]
    days = {name.split("events_")[1][:8] for name in ours if "/events_" in name and "intraday" not in name}
    assert len(days) == (webclock.WEB_END - webclock.WEB_START).days + 1  # every day, whole or in shards
    assert sum("events_intraday_" in name for name in ours) == 1
    assert gzip.decompress((out / web.SESSIONS_FILE).read_bytes())  # the truth file is gzip too


def test_another_seed_gives_other_sessions(out, tmp_path):
    web.write(build_world(seed=SEED + 1, scale=SCALE), tmp_path)
    ours, theirs = tree_digest(out / "inbox"), tree_digest(tmp_path / "inbox")
    same = [name for name in theirs if name.startswith("ga4") and ours.get(name) == theirs[name]]
    assert len(theirs) == len(ours) and same == []


def test_volume_follows_the_scale_and_the_sources(result, sessions):
    truth = result["truth"]
    assert truth["sessions"]["all"] == len(sessions)
    assert abs(len(sessions) - webclock.SESSIONS_IN_WINDOW * SCALE) < 0.1 * webclock.SESSIONS_IN_WINDOW * SCALE
    channels = Counter(s["channel_group"] for s in sessions)
    assert set(channels) == {"Direct", "Organic Search", "Organic Social", "Referral", "Paid Social", "Paid Search",
                             "Email"}
    assert channels["Organic Search"] > channels["Paid Social"] > channels["Email"] > 0
    assert 0.55 < truth["sessions"]["ga4"] / len(sessions) < 0.70  # consent × no ad-blocker
    assert 0.93 < truth["sessions"]["matomo"] / len(sessions) < 0.99
    print(f"\nsessions {len(sessions)}, by channel {dict(channels)}, files {len(result['counts'])}")


# --------------------------------------------------------------------------- the project reads them


def test_every_file_is_taken_by_its_contract_and_reads_whole(out, result):
    written = sorted(p.name for folder in ("ga4", "matomo", "emailing") for p in (out / "inbox" / folder).iterdir())
    assert written == sorted(result["counts"])
    folder_of = {p.name: p for f in ("ga4", "matomo", "emailing") for p in (out / "inbox" / f).iterdir()}
    labels = {n: route(folder_of[n], out / "inbox").entity for n in written}  # Brevo's exports: by header
    assert all(e is not None and e.label == next(v for p, v in ENTITY_OF.items() if n.startswith(p))
               for n, e in labels.items())
    # The daily files all have the same shape: read a sample whole (first, last, largest, one in 20).
    daily = [n for n in written if not n.startswith(EMAILING_FILES)]
    largest = max(daily, key=lambda n: result["counts"][n])
    ui_days = {n for n in written if n.startswith("Export _ ")}
    sample = (set(daily[::20]) | {daily[0], daily[-1], largest} | ui_days
              | {n for n in written if n.startswith(EMAILING_FILES)})
    assert ui_days and {n.split(" _ ")[1] for n in ui_days} == {"Visits Log"}
    for name, n in result["counts"].items():
        if name not in sample:
            continue
        folder = next(f for p, f in (("events_", ga4.FOLDER), ("matomo_", matomo.FOLDER), ("Export _ ", matomo.FOLDER),
                                     ("mailchimp_", emailing.FOLDER), ("members_export_", emailing.FOLDER),
                                     ("brevo_export_", emailing.FOLDER))
                      if name.startswith(p))
        path = out / folder / name
        assert len(records(path)) == n, name


def test_every_broken_file_is_rejected_with_its_expected_problem(out, result):
    planted = result["broken"]
    assert {item["file"].split("/")[1] for item in planted} == {"ga4", "matomo", "emailing"}
    assert len(planted) == len(list((out / "broken").rglob("*.*"))) == 6
    for item in planted:
        path = out / item["file"]
        entity = contracts.entity_for(path)
        assert entity is not None and entity.source == item["file"].split("/")[1], item
        with pytest.raises(RejectedFile) as err:
            list(reader_for(entity.reader)(path, entity).rows)
        assert item["expected_problem"] in err.value.reason, (item, err.value.reason)
        assert err.value.line == item["line"], (item, err.value.line)


def test_matomo_reader_keeps_memory_bounded_on_a_big_day(out, tmp_path, monkeypatch):
    """A day's API answer is one long line: the reader parses it visit by visit, its buffer never
    holds more than a few chunks. Two months of visits in one file to make the day big."""
    parts = [p.read_text(encoding="utf-8")[1:-1] for p in sorted((out / matomo.FOLDER).glob("*.json"))[100:160]]
    big = tmp_path / "matomo_visits_20260101.json"
    big.write_text("[" + ",".join(p for p in parts if p) + "]", encoding="utf-8")
    largest = []
    fill = matomo_reader._JsonStream.fill

    def watched_fill(stream, size=None):
        largest.append(len(stream.buf))
        return fill(stream, size)

    monkeypatch.setattr(matomo_reader._JsonStream, "fill", watched_fill)
    entity = contracts.entity_for(big)
    n = sum(1 for _ in reader_for(entity.reader)(big, entity).rows)
    assert n == sum(p.count('{"idSite":') for p in parts) > 1000
    assert max(largest) < 4 * matomo_reader.CHUNK < big.stat().st_size / 10, (max(largest), big.stat().st_size)


# --------------------------------------------------------------------------- the world: orders, clicks


def test_every_web_purchase_is_a_ticketshop_order_of_the_window(events, visits, web_orders):
    purchases = [e for e in events if e["event_name"] == "purchase"]
    assert purchases
    for e in purchases:
        txn = e["ecommerce"]["transaction_id"]
        if txn == "(not set)":
            continue
        order = web_orders[txn]
        assert e["ecommerce"]["purchase_revenue"] == repr(order.total_cents / 100)
        assert params(e)["transaction_id"] == txn
        when = datetime.fromtimestamp(int(e["event_timestamp"]) / 1e6, PARIS).replace(tzinfo=None)
        assert timedelta(0) < when - order.order_date < timedelta(minutes=15)
    orders = [a for v in visits for a in v["actionDetails"] if a["type"] == "ecommerceOrder"]
    assert orders
    for a in orders:
        order = web_orders[a["orderId"]]
        assert a["revenue"] == order.total_cents / 100
        assert sum(int(i["quantity"]) for i in a["itemDetails"]) == len(order.tickets)
    seen = {e["ecommerce"]["transaction_id"] for e in purchases} | {a["orderId"] for a in orders}
    # Every web order reached at least one tool, unless its device blocked both.
    missing = set(web_orders) - seen
    assert len(missing) < 0.08 * len(web_orders)


def test_every_ticketshop_order_of_the_window_has_its_purchase_session(result, web_orders, sessions):
    truth = result["truth"]["orders"]
    assert set(truth) == set(web_orders)
    bought = Counter(s["transaction_id"] for s in sessions if s["transaction_id"])
    assert bought == Counter(set(web_orders))
    canceled = [t for t, o in web_orders.items() if o.canceled_at is not None]
    assert all(truth[t]["canceled"] for t in canceled) and canceled  # cancelled orders were bought on the web too
    for txn, o in truth.items():
        order = web_orders[txn]
        assert o["buyer"] == order.buyer and o["revenue_eur"] == f"{order.total_cents / 100:.2f}"


def test_paid_sessions_never_exceed_the_clicks_of_their_campaign_day(result, sessions, visits):
    world = result["world"]
    clicks = {(c.key, d.day.isoformat()): d.clicks for c in build_campaigns(world) if c.paid
              for d in deliveries(world, c)}
    paid = Counter((s["campaign_key"], s["day"]) for s in sessions if s["channel_group"].startswith("Paid"))
    assert paid and all(n <= clicks[key] for key, n in paid.items())
    in_window = {k: v for k, v in clicks.items() if webclock.WEB_START.isoformat() <= k[1] <= webclock.WEB_END.isoformat()}
    assert 0.75 < sum(paid.values()) / sum(in_window.values()) < 0.92
    # …and in what Matomo recorded: campaign visits per name and day
    by_name = Counter()  # a show's Meta and Google campaigns share their name
    for c in build_campaigns(world):
        if c.paid:
            for d in deliveries(world, c):
                by_name[(c.name.lower(), d.day.isoformat())] += d.clicks
    seen = Counter((v["campaignName"], v["serverDate"]) for v in visits  # .get: a null has no cell in a TSV day
                   if v["referrerType"] == "campaign" and v.get("campaignMedium") != "email"
                   and v.get("campaignSource") not in ("newsletter", "mailchimp"))
    assert seen and all(n <= by_name[key] for key, n in seen.items())


def test_ga4_has_the_consenting_visitors_only_and_matomo_all_but_the_blocked(sessions, events, visits):
    in_ga4 = {(e["user_pseudo_id"], params(e)["ga_session_id"]) for e in events}
    consenting = {(s["user_pseudo_id"], s["ga_session_id"]) for s in sessions
                  if s["ga4_consent"] == "1" and s["ad_blocked"] == "0"}
    assert in_ga4 == consenting
    assert all(s["user_pseudo_id"] == "" for s in sessions if s["ga4_consent"] == "0" or s["ad_blocked"] == "1")
    assert {str(v["idVisit"]) for v in visits} == {s["matomo_id_visit"] for s in sessions if s["ad_blocked"] == "0"}
    assert all(e["privacy_info"]["analytics_storage"] == "Yes" for e in events)


def test_email_clicks_in_the_window_are_the_email_sessions(out, result, sessions):
    clicks = Counter()
    for path in (out / emailing.FOLDER).glob("mailchimp_email_activity_*.csv"):
        for row in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))):
            assert row["email_id"] == hashlib.md5(row["email_address"].lower().encode()).hexdigest()
            when = datetime.fromisoformat(row["timestamp"]).astimezone(PARIS).date()
            if row["action"] == "click" and webclock.WEB_START <= when <= webclock.WEB_END:
                query = dict(parse_qsl(urlsplit(row["url"]).query))
                clicks[(when.isoformat(), query["utm_campaign"], query["utm_source"])] += 1
    email = Counter()
    names = {c.key: c.name for c in build_campaigns(result["world"])}
    for s in sessions:
        if s["channel_group"] == "Email":
            email[(s["day"], names[s["campaign_key"]], s["utm_source"])] += 1
    assert email == clicks and sum(email.values()) == result["truth"]["emailing"]["totals"]["clicks_in_window"]


def test_mailchimp_reports_add_up_to_the_activity(out):
    activity = defaultdict(Counter)
    for path in (out / emailing.FOLDER).glob("mailchimp_email_activity_*.csv"):
        for row in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))):
            activity[row["campaign_id"]][row["action"] + row["type"]] += 1
    reports = [r for p in (out / emailing.FOLDER).glob("mailchimp_reports_*.csv")
               for r in csv.DictReader(io.StringIO(p.read_text(encoding="utf-8")))]
    assert reports and {r["id"] for r in reports} == set(activity)
    for r in reports:
        got = activity[r["id"]]
        assert int(r["opens.opens_total"]) == got["open"] and int(r["clicks.clicks_total"]) == got["click"]
        assert int(r["bounces.hard_bounces"]) == got["bouncehard"] and int(r["bounces.soft_bounces"]) == got["bouncesoft"]
        assert int(r["opens.unique_opens"]) <= got["open"] and int(r["clicks.unique_clicks"]) <= got["click"]
    delivered = sum(int(r["emails_sent"]) - int(r["bounces.hard_bounces"]) - int(r["bounces.soft_bounces"])
                    for r in reports)
    # Human opens (Apple Mail Privacy Protection's automatic opens excluded, as Mailchimp reports
    # them) near the arts sector's 26 %; the opens as reported are inflated by those machine opens.
    human = sum(int(r["opens.proxy_excluded_unique_opens"]) for r in reports) / delivered
    reported = sum(int(r["opens.unique_opens"]) for r in reports) / delivered
    assert 0.20 < human < 0.35 and reported > human + 0.10, (human, reported)
    assert 0.03 < sum(int(r["clicks.unique_clicks"]) for r in reports) / delivered < 0.06


def test_the_audience_export_is_the_list_minus_the_hard_bounced(out, result):
    """Mailchimp's audience export (a zip, read by the project's reader): one member per address;
    the cleaned are exactly the addresses that hard-bounced, with that bounce's time and campaign."""
    path = out / emailing.FOLDER / emailing.AUDIENCE_FILE
    entity = contracts.entity_for(path)
    parsed = reader_for(entity.reader)(path, entity)
    members = [dict(zip(parsed.columns, values, strict=True)) for _, values in parsed.rows]
    hard = {}
    for p in sorted((out / emailing.FOLDER).glob("mailchimp_email_activity_*.csv")):
        for row in csv.DictReader(io.StringIO(p.read_text(encoding="utf-8"))):
            if row["action"] == "bounce" and row["type"] == "hard":
                when = datetime.fromisoformat(row["timestamp"]).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
                hard.setdefault(row["email_address"].lower(), (when, row["campaign_id"]))
    addresses = [m["email_address"].lower() for m in members]
    assert len(addresses) == len(set(addresses))
    cleaned = {m["email_address"].lower(): (m["clean_time"], m["clean_campaign_id"]) for m in members
               if m["status"] == "cleaned"}
    assert cleaned == hard and len(hard) == result["truth"]["emailing"]["totals"]["hard"]
    by_status = Counter(m["status"] for m in members)
    assert by_status == {k: n for k, n in result["truth"]["emailing"]["audience_export"]["members"].items() if n}
    recipients = {a.lower() for p in sorted((out / emailing.FOLDER).glob("mailchimp_email_activity_*.csv"))
                  for a in (r["email_address"] for r in csv.DictReader(io.StringIO(p.read_text(encoding="utf-8"))))}
    assert recipients <= set(addresses)  # everyone with activity is a member


def test_the_brevo_contacts_export_is_the_opted_in_mobiles_of_the_box_office(out, result):
    """Brevo's contacts export, read by the project's reader after routing by its header: one
    contact per address, each a SecuTix contact's own address with the opt-in and a mobile."""
    path = out / emailing.FOLDER / emailing.BREVO_FILE
    entity = route(path, out / "inbox").entity
    assert entity.label == "emailing/brevo_contacts"
    parsed = reader_for(entity.reader)(path, entity)
    contacts = [dict(zip(parsed.columns, values, strict=True)) for _, values in parsed.rows]
    truth = result["truth"]["emailing"]["brevo_contacts_export"]
    assert len(contacts) == truth["contacts"] > 0
    own = {p.record.email.strip().lower(): p.record for p in result["world"].people if p.record.opt_in}
    for c in contacts:
        rec = own[c["email"].lower()]
        assert (c["lastname"], c["firstname"]) == (rec.lastname, rec.firstname)
        assert c["sms"].startswith("+33") and len(c["sms"]) == 12
        assert datetime.fromisoformat(c["added_time"]).replace(tzinfo=None) == rec.created
    assert len({c["email"].lower() for c in contacts}) == len(contacts)


def test_time_zones_are_the_exports(events, visits):
    """GA4 event_date and Matomo serverDate are Paris dates; timestamps are UTC."""
    for e in events[:: max(1, len(events) // 3000)]:
        when = datetime.fromtimestamp(int(e["event_timestamp"]) / 1e6, UTC).astimezone(PARIS)
        assert when.strftime("%Y%m%d") == e["event_date"]
    for v in visits[:: max(1, len(visits) // 3000)]:
        when = datetime.fromtimestamp(v["lastActionTimestamp"], UTC)
        assert when.strftime("%Y-%m-%d %H:%M:%S") == v["lastActionDateTime"]
        assert when.astimezone(PARIS).date().isoformat() == v["serverDate"]


# --------------------------------------------------------------------------- the planted truth


def test_touchpoints_are_the_buyers_sessions_of_the_30_days_before(result, sessions):
    orders = result["truth"]["orders"]
    by_person = defaultdict(list)
    for s in sessions:
        if s["person"]:
            by_person[int(s["person"])].append(s)
    with_earlier = 0
    for txn, o in orders.items():
        at = datetime.fromisoformat(o["ordered_at"])
        expected = sorted((s["started_at"], s["channel_group"], s["campaign_key"] or None)
                          for s in by_person[o["person"]]
                          if timedelta(0) <= at - datetime.fromisoformat(s["started_at"]) <= timedelta(days=30))
        got = [(t[0], t[1], t[4]) for t in o["touchpoints"]]
        assert got == expected, txn
        assert any(s["transaction_id"] == txn for s in by_person[o["person"]])
        non_direct = [t for t in o["touchpoints"] if t[1] != "Direct"]
        assert o["last_non_direct"] == (non_direct[-1] if non_direct else None)
        # the same among the sessions GA4 saw (consenting device, no ad-blocker)
        seen = sorted((s["started_at"], s["channel_group"], s["campaign_key"] or None)
                      for s in by_person[o["person"]]
                      if timedelta(0) <= at - datetime.fromisoformat(s["started_at"]) <= timedelta(days=30)
                      and s["ga4_consent"] == "1" and s["ad_blocked"] == "0" and s["channel_group"] != "Direct")
        consented = o["last_non_direct_consented"]
        assert (consented and (consented[0], consented[1], consented[4])) == (seen[-1] if seen else None), txn
        with_earlier += len(o["touchpoints"]) > 1
    assert with_earlier > 0.6 * len(orders)
    last = Counter(o["last_non_direct"][1] if o["last_non_direct"] else "Direct" for o in orders.values())
    assert last["Paid Social"] > 0 and last["Email"] > 0 and last["Organic Search"] > 0
    print("\nlast non-direct channel of the web orders:", dict(last))


def test_sessions_belong_to_their_persons_devices(out, result, sessions, events):
    with gzip.open(out / web.VISITORS_FILE, "rt", encoding="utf-8", newline="") as fh:
        devices = list(csv.DictReader(fh))
    pseudo_of = defaultdict(set)
    for d in devices:
        if d["user_pseudo_id"]:
            pseudo_of[int(d["person"])].add(d["user_pseudo_id"])
    people = result["world"].people
    for s in sessions:
        if s["person"] and s["user_pseudo_id"]:
            assert s["user_pseudo_id"] in pseudo_of[int(s["person"])]
        if s["user_id"]:
            person = people[int(s["person"])]
            assert s["user_id"] in {r.number for r in [person.record, *person.duplicates]}
    logged = {e["user_id"] for e in events if e["user_id"]}
    assert logged and logged <= {s["user_id"] for s in sessions if s["user_id"]}
    for o in result["truth"]["orders"].values():
        if o["ga4"]:
            assert o["ga4"][0] in pseudo_of[o["person"]]


def test_planted_defects_are_where_the_truth_says(result, events, visits, sessions):
    defects = {d["defect"]: d for d in result["truth"]["defects"]}
    no_id = set(defects["ga4_no_transaction_id"]["transaction_ids"])
    twice = defects["ga4_purchase_twice"]["transaction_ids"]
    lost = set(defects["matomo_order_not_tracked"]["transaction_ids"])
    purchases = Counter(e["ecommerce"]["transaction_id"] for e in events if e["event_name"] == "purchase")
    assert purchases["(not set)"] == len(no_id) and no_id.isdisjoint(purchases)
    assert all(purchases[t] == 2 for t in twice) and sum(n == 2 for n in purchases.values()) == len(twice)
    assert lost and lost.isdisjoint(a["orderId"] for v in visits for a in v["actionDetails"]
                                    if a["type"] == "ecommerceOrder")
    variants = sum(1 for s in sessions if s["campaign_key"] and (s["utm_source"], s["utm_medium"]) != (s["source"],
                                                                                                     s["medium"]))
    assert variants == defects["utm_variants"]["count"] > 0
    typed = {params(e)["page_location"].split("utm_source=")[1].split("&")[0] for e in events
             if e["event_name"] == "session_start" and "utm_source=" in (params(e)["page_location"] or "")}
    assert {"fb", "facebook"} <= typed  # GA4 keeps the links as typed…
    lowered = {v.get("campaignSource") for v in visits if v.get("campaignSource")}  # null: no cell in a TSV day
    assert "fb" in lowered and lowered == {s.lower() for s in lowered}  # …Matomo lower-cases them


def test_truth_summary_matches_the_files(result, events, pings, visits):
    truth = result["truth"]
    assert truth["sessions"]["ga4_events"] == len(events) + len(pings)  # the daily tables, not the intraday one
    assert truth["sessions"]["ga4_cookieless_pings"] == len(pings) > 0
    assert truth["sessions"]["matomo_visits"] == len(visits)
    assert truth["web_orders"]["count"] == len(truth["orders"])
    assert truth["web_orders"]["in_ga4"] == sum(1 for o in truth["orders"].values() if o["ga4"])
    assert json.loads(json.dumps(truth)) == truth  # JSON-ready for truth.write_truth
    assert truth["window"] == {"start": "2025-06-01", "end": (date(2026, 7, 15) - timedelta(days=1)).isoformat()}


# --------------------------------------------------------------------------- GA4 deliveries as they arrive


def test_sharded_days_are_parts_of_one_day_numbered_from_zero(out, result):
    shards = [p for p in ga4_daily_files(out) if p.name.endswith(".json.gz")]
    by_day: dict[str, list[str]] = {}
    for path in shards:
        by_day.setdefault(path.name[7:15], []).append(path.name)
        assert contracts.entity_for(path).label == "ga4/events"
        assert {e["event_date"] for e in lines_of(path)} == {path.name[7:15]}
    assert len(by_day) == result["truth"]["sessions"]["ga4_sharded_days"] > 0
    assert any(len(names) > 1 for names in by_day.values())
    for day, names in by_day.items():
        assert names == [ga4.shard_name(date(int(day[:4]), int(day[4:6]), int(day[6:])), n) for n in range(len(names))]
        assert not (out / ga4.FOLDER / f"events_{day}.ndjson.gz").exists()  # the shards are the day


def test_the_intraday_table_is_the_first_half_of_its_daily_table(out, result):
    (intraday,) = (out / ga4.FOLDER).glob("events_intraday_*.ndjson.gz")
    day = intraday.name[len("events_intraday_"):][:8]
    daily = [e for p in ga4_daily_files(out) if p.name[7:15] == day for e in lines_of(p)]
    part = lines_of(intraday)
    assert part == daily[: len(daily) // 2] and 0 < len(part) < len(daily)
    assert result["truth"]["sessions"]["ga4_intraday_events"] == len(part)
    assert result["counts"][intraday.name] == len(part)


def test_cookieless_pings_have_no_pseudo_id_key_nor_session(pings, sessions):
    assert all("user_pseudo_id" not in e and "user_id" not in e for e in pings)
    assert all("ga_session_id" not in params(e) for e in pings)
    assert {e["privacy_info"]["analytics_storage"] for e in pings} == {"No"}
    assert {e["event_name"] for e in pings} == {"page_view"}
    refused = sum(1 for s in sessions if s["ga4_consent"] == "0" and s["ad_blocked"] == "0")
    assert refused > 0 and len(pings) >= refused  # at least one page per session
