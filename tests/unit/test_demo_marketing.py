"""The demo generator, marketing slice (renderers/ads.py, social.py, spreadsheets.py): deterministic
to the byte (workbooks included), read by the project's own readers, and consistent with the plan it
renders — ad spend is `campaigns.deliveries`, budgets are `Campaign.budget_cents`, the UTM plan
lists every campaign, invitation rows are the ADMINISTRATION tickets. No database."""

from __future__ import annotations

import json
import time
import zipfile
from collections import Counter, defaultdict
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from ingestion import contracts
from ingestion.readers import RejectedFile, reader_for
from publics_demo.files import xlsx_bytes
from publics_demo.renderers import ads, social, spreadsheets
from publics_demo.world.campaigns import SITE, build_campaigns, deliveries
from publics_demo.world.frame import EXPORT_TIME, TODAY
from publics_demo.world.model import build_world
from publics_demo.world.orders import simulate_orders
from tests.conftest import tree_digest

SCALE, SEED = 0.03, 42
MODULES = (ads, social, spreadsheets)
ENTITY_OF = {"meta_ads_insights": "ads/meta_ads_insights", "google_ads_campaigns": "ads/google_ads_campaigns",
             "social_insights": "social/posts", "budgets_campagnes": "spreadsheets/campaign_budgets",
             "plan_utm": "spreadsheets/utm_plan", "invitations": "spreadsheets/invitations"}


def generate(out: Path, scale: float = SCALE, seed: int = SEED) -> dict:
    """What `publics_demo/__init__.py` does with these modules: write, break, keep the truth."""
    world = build_world(seed=seed, scale=scale)
    result = {"world": world, "counts": {}, "truth": {}, "broken": {}, "seconds": {}}
    for module in MODULES:
        t0 = time.monotonic()
        counts, truth = module.write(world, out)
        result["broken"][module.SOURCE] = module.write_broken(out)
        result["seconds"][module.SOURCE] = time.monotonic() - t0
        result["counts"][module.SOURCE] = counts
        result["truth"][module.SOURCE] = truth
        (out / f"{module.SOURCE}_truth.json").write_text(json.dumps(truth, ensure_ascii=False, sort_keys=True))
    return result


def records(path: Path) -> list[dict[str, str | None]]:
    """A delivered file read by the project's reader for it, as {normalised column: text}."""
    entity = contracts.entity_for(path)
    parsed = reader_for(entity.reader)(path, entity)
    return [dict(zip(parsed.columns, values, strict=True)) for _, values in parsed.rows]


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("marketing")
    return out, generate(out)


@pytest.fixture(scope="module")
def out(generated) -> Path:
    return generated[0]


@pytest.fixture(scope="module")
def result(generated) -> dict:
    return generated[1]


@pytest.fixture(scope="module")
def plan(result):
    return build_campaigns(result["world"])


def inbox(out: Path, source: str) -> Path:
    return out / "inbox" / source


# --------------------------------------------------------------------------- determinism, speed


def test_same_seed_and_scale_give_byte_identical_files_workbooks_included(out, result, tmp_path):
    again = generate(tmp_path)
    ours, theirs = tree_digest(out), tree_digest(tmp_path)
    assert ours == theirs
    assert sum(name.endswith(".xlsx") for name in ours) >= 8
    assert again["counts"] == result["counts"]
    print("\nfiles:", {s: len(c) for s, c in result["counts"].items()},
          "rows:", {s: sum(c.values()) for s, c in result["counts"].items()},
          "seconds:", {s: round(t, 2) for s, t in result["seconds"].items()})


def test_another_seed_gives_other_figures(out, tmp_path):
    world = build_world(seed=SEED + 1, scale=SCALE)
    ads.write(world, tmp_path)
    spreadsheets.write(world, tmp_path)
    ours, theirs = tree_digest(out / "inbox"), tree_digest(tmp_path / "inbox")
    common = [name for name in theirs if name in ours]
    assert common, "the same months and seasons should be written whatever the seed"
    assert [n for n in common if ours[n] == theirs[n]] == []


def test_workbooks_carry_no_clock(out):
    workbooks = sorted(out.rglob("*.xlsx"))
    stamp = EXPORT_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    for path in workbooks:
        if not zipfile.is_zipfile(path):
            continue  # the CSV renamed .xlsx of the broken deliveries
        with zipfile.ZipFile(path) as zf:
            assert {i.date_time for i in zf.infolist()} == {EXPORT_TIME.timetuple()[:6]}, path.name
            core = zf.read("docProps/core.xml").decode()
        assert core.count(stamp) == 2, (path.name, core)  # created and modified


def test_workbook_bytes_do_not_depend_on_when_they_are_written(monkeypatch):
    def book() -> bytes:
        return xlsx_bytes({"Budget": [["Saison", "Budget (€)"], ["2025-26", 1200], [date(2026, 3, 1)]]})

    first = book()
    # zip entries dated by the clock would differ from one second to the next
    monkeypatch.setattr(time, "localtime", lambda *a: time.struct_time((2031, 1, 2, 3, 4, 5, 3, 2, 0)))
    assert book() == first


# --------------------------------------------------------------------------- the project reads them


def test_every_file_is_taken_by_its_contract_and_reads_whole(out, result):
    for source, counts in result["counts"].items():
        written = sorted(p.name for p in inbox(out, source).iterdir())
        assert written == sorted(counts), source
        for name, n in counts.items():
            path = inbox(out, source) / name
            entity = contracts.entity_for(path)
            intended = next(label for prefix, label in ENTITY_OF.items() if name.startswith(prefix))
            assert entity is not None and entity.label == intended, name
            parsed = reader_for(entity.reader)(path, entity)
            assert parsed.drift == [], (name, parsed.drift)
            assert sum(1 for _ in parsed.rows) == n, name


def test_every_broken_file_is_rejected_with_its_expected_problem(out, result):
    planted = [item for items in result["broken"].values() for item in items]
    assert {item["file"].split("/")[1] for item in planted} == {"ads", "social", "spreadsheets"}
    assert len(planted) == len(list((out / "broken").rglob("*.*")))
    for item in planted:
        path = out / item["file"]
        entity = contracts.entity_for(path)
        assert entity is not None and entity.source == item["file"].split("/")[1], item
        with pytest.raises(RejectedFile) as err:
            list(reader_for(entity.reader)(path, entity).rows)
        assert item["expected_problem"] in err.value.reason, (item, err.value.reason)
        assert err.value.line == item["line"], (item, err.value.line)


# --------------------------------------------------------------------------- ads = deliveries


def final_meta_rows(out: Path) -> dict[tuple[str, str, str], dict]:
    """Meta rows, the latest delivery per (campaign, ad set, day): files in name order, later wins."""
    rows = {}
    for path in sorted(inbox(out, "ads").glob("meta_ads_insights_*.csv")):
        for r in records(path):
            rows[(r["campaign_id"], r["adset_id"], r["date_start"])] = r
    return rows


def test_meta_ad_sets_sum_to_each_campaign_day_of_the_deliveries(out, result, plan):
    world = result["world"]
    got: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for r in final_meta_rows(out).values():
        assert int(r["clicks"]) <= int(r["reach"]) <= int(r["impressions"]), r  # per ad set too
        acc = got[(r["campaign_id"], r["date_start"])]
        for i, v in enumerate((int(Decimal(r["spend"]) * 100), int(r["impressions"]), int(r["clicks"]),
                               int(r["reach"]))):
            acc[i] += v
    want = {}
    for c in plan:
        if c.platform in ads.META_PLATFORMS:
            for d in deliveries(world, c):
                if d.spend_cents or d.impressions or d.clicks:
                    want[(c.platform_id, d.day.isoformat())] = [d.spend_cents, d.impressions, d.clicks, d.reach]
    assert dict(got) == want
    names = {c.platform_id: c.name for c in plan}
    assert all(r["campaign_name"] == names[r["campaign_id"]] for r in final_meta_rows(out).values())


def test_spend_is_the_deliveries_and_within_the_budget_pacing(out, result, plan):
    world = result["world"]
    spend: Counter = Counter()
    for r in final_meta_rows(out).values():
        spend[r["campaign_id"]] += int(Decimal(r["spend"]) * 100)
    for path in inbox(out, "ads").glob("google_ads_campaigns_*.csv"):
        for r in records(path):
            micros = int(r["metrics_cost_micros"])  # an integer, in micros
            assert micros % ads.MICROS_PER_CENT == 0
            spend[r["campaign_id"]] += micros // ads.MICROS_PER_CENT
    paid = [c for c in plan if c.paid]
    assert {c.platform_id for c in paid} == set(spend)
    for c in paid:
        assert spend[c.platform_id] == sum(d.spend_cents for d in deliveries(world, c)), c.key
        ratio = spend[c.platform_id] / c.budget_cents
        if c.end < TODAY:
            assert 0.90 <= ratio <= 1.02, (c.key, ratio)
        assert ratio <= 1.02, (c.key, ratio)
    truth = {t["platform_id"]: t for t in result["truth"]["ads"]["campaigns"]}
    assert all(Decimal(truth[c.platform_id]["spend_eur"]) * 100 == spend[c.platform_id] for c in paid)


def test_the_redelivered_month_double_counts_if_both_files_are_added(out, result):
    again = result["truth"]["ads"]["redelivered_month"]
    original, reexport = (out / again["original"]), (out / again["reexport"])
    assert original.name < reexport.name  # the re-export sorts (and so loads) last
    first, final = records(original), records(reexport)
    assert len(first) == len(final) == again["rows"]
    total = sum(Decimal(r["spend"]) for r in final)
    assert str(total) == again["final_spend_eur"]
    assert sum(Decimal(r["spend"]) for r in first) < total  # the first export was not consolidated
    months = [p.name[18:25] for p in inbox(out, "ads").glob("meta_ads_insights_*.csv")]
    assert Counter(months).most_common(1)[0] == (again["month"], 2)  # only that month comes twice


def test_google_report_from_the_ui_has_preamble_and_totals_that_are_not_data(out, result):
    ui = out / result["truth"]["ads"]["ui_report"]["file"]
    lines = ui.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "Rapport sur les campagnes" and lines[2].startswith("customer.id,")
    assert [line.split(",")[0] for line in lines[-2:]] == ["Total: compte", "Total: Réseau de Recherche"]
    rows = records(ui)
    assert len(rows) == len(lines) - 5
    footer_cost = int(lines[-1].split(",")[ads.GOOGLE_COLUMNS.index("metrics.cost_micros")])
    assert footer_cost == sum(int(r["metrics_cost_micros"]) for r in rows)


def test_ad_files_are_monthly_and_do_not_overlap(out):
    for path in inbox(out, "ads").glob("*.csv"):
        month = path.name.split("_")[3][:7]
        days = {r.get("date_start") or r.get("segments_date") for r in records(path)}
        assert days and all(d.startswith(month) for d in days), path.name
    for path in inbox(out, "ads").glob("meta_ads_insights_*.csv"):
        assert path.read_bytes().startswith(b"\xef\xbb\xbfaccount_id,"), path.name  # UTF-8 with BOM, commas


# --------------------------------------------------------------------------- spreadsheets = the plan


def workbook_records(out: Path, prefix: str) -> dict[str, list[dict]]:
    return {p.name: records(p) for p in sorted(inbox(out, "spreadsheets").glob(f"{prefix}*.xlsx"))}


def test_utm_plan_lists_every_campaign_with_its_canonical_tagging(out, result, plan):
    listed = Counter()
    for name, rows in workbook_records(out, "plan_utm_").items():
        season = name[len("plan_utm_"):-len(".xlsx")]
        for r in rows:
            listed[(season, r["utm_source"], r["utm_medium"], r["utm_campaign"])] += 1
            assert r["url_de_destination"].startswith(SITE)
    workbook = {c.key: season for season, cs in spreadsheets.by_workbook(result["world"], plan).items() for c in cs}
    wanted = Counter((workbook[c.key], c.utm_source, c.utm_medium, c.name) for c in plan)
    assert set(workbook.values()) == set(result["world"].seasons)
    assert listed == wanted
    assert {c.platform for c in plan} == {"meta", "meta_instagram", "google_ads", "mailchimp"}


def test_budgets_are_the_plan_with_two_names_typed_otherwise(out, result, plan):
    rows = [r for rs in workbook_records(out, "budgets_campagnes_").values() for r in rs]
    paid = [c for c in plan if c.paid]
    assert len(rows) == len(paid)
    got = sorted((r["saison"], r["plateforme"], r["debut"], r["fin"], Decimal(r["budget"])) for r in rows)
    want = sorted((c.season, spreadsheets.PLATFORM_LABELS[c.platform][1], c.start.isoformat(), c.end.isoformat(),
                   Decimal(c.budget_cents) / 100) for c in paid)
    assert got == want
    utm_names = {c.name for c in plan}
    off = sorted(r["campagne"] for r in rows if r["campagne"] not in utm_names)
    planted = {d["defect"]: d["typed"] for d in result["truth"]["spreadsheets"]["defects"]
               if d["defect"].startswith("budget_name")}
    assert off == sorted(planted.values()) and len(off) == 2
    assert planted["budget_name_case"].lower() in {n.lower() for n in utm_names}  # case only: lower() absorbs it
    assert planted["budget_name_typo"].lower() not in {n.lower() for n in utm_names}  # a typo does not


def test_invitation_rows_are_the_administration_tickets(out, result):
    world = result["world"]
    seats: Counter = Counter()
    pairs = set()
    owner = {r.number: p.index for p in world.people for r in [p.record, *p.duplicates]}
    for order in simulate_orders(world):
        if order.originator == "ADMINISTRATION":
            for t in order.tickets:
                assert t.tariff == "EXONERE" and t.price_milli == 0
                start = t.performance.start
                seats[(t.performance.show.title, start.isoformat(sep=" "))] += 1
                pairs.add((owner[order.buyer], t.performance.performance_id))
    listed: Counter = Counter()
    rows = [r for rs in workbook_records(out, "invitations_").values() for r in rs]
    for r in rows:
        listed[(r["spectacle"], r["date_de_representation"])] += int(r["nombre_de_places"])
        assert r["present"] in ("oui", "non", None)
        past = datetime.fromisoformat(r["date_de_representation"]) < EXPORT_TIME
        assert (r["present"] is not None) == past
    assert listed == seats
    assert len(rows) == len(pairs) == result["truth"]["spreadsheets"]["invitations"]["rows"]


def test_invitees_can_be_matched_to_contacts_except_the_planted_defects(out, result):
    world = result["world"]
    emails = {r.email.lower() for r in world.contacts if r.email}
    rows = [r for rs in workbook_records(out, "invitations_").values() for r in rs]
    defects = {d["defect"]: d["count"] for d in result["truth"]["spreadsheets"]["defects"]}
    assert sum(r["email"] is None for r in rows) == defects["invitation_email_missing"] > 0
    unmatched = [r["email"] for r in rows if r["email"] and r["email"].lower() not in emails]
    # a typo may hit an address a duplicate contact really has (typed with the same typo at the box office)
    assert 0 < len(unmatched) <= defects["invitation_email_typo"]
    assert sum(r["email"] is not None and r["email"].lower() in emails and r["email"] not in emails
               for r in rows) >= defects["invitation_email_case"] > 0
    categories = {r["categorie"] for r in rows}
    assert {"Presse", "Partenaire", "Mécène", "Professionnel"} <= categories and len(categories) > 4
    people = result["truth"]["spreadsheets"]["invitations"]["people"]
    numbers = {r.number for r in world.contacts}
    assert all(p["contact_number"] in numbers and set(p["ticket_contact_numbers"]) <= numbers for p in people)


def test_blank_merged_rows_are_skipped_by_the_reader(tmp_path):
    # A small world may plant none: a bigger one plants some; their sheet rows are not data.
    world = build_world(seed=SEED, scale=0.05)
    _, truth = spreadsheets.write(world, tmp_path)
    blanks = next(d for d in truth["defects"] if d["defect"] == "blank_merged_row")["where"]
    assert blanks
    for file, row in blanks:
        path = tmp_path / file
        entity = contracts.entity_for(path)
        lines = [line for line, _ in reader_for(entity.reader)(path, entity).rows]
        assert row not in lines and row - 1 in lines and row + 1 in lines
        with zipfile.ZipFile(path) as zf:
            assert f"A{row}:L{row}" in zf.read("xl/worksheets/sheet1.xml").decode()


# --------------------------------------------------------------------------- social


def test_social_posts_and_growing_followers(out, result):
    truth = result["truth"]["social"]
    first, last = (date.fromisoformat(d) for d in truth["period"])
    days = (last - first).days + 1
    pages: dict[str, list[tuple[str, int]]] = defaultdict(list)
    posts: Counter = Counter()
    for path in sorted(inbox(out, "social").glob("*.csv")):
        for r in records(path):
            if r["post_id"] is None:
                pages[r["platform"]].append((r["date"], int(r["followers"].replace("\xa0", ""))))
            else:
                posts[r["platform"]] += 1
                assert r["title"] and r["permalink"].startswith("https://")
    assert set(pages) == set(social.PLATFORMS)
    for platform, series in pages.items():
        assert len(series) == days, platform
        figures = truth["platforms"][platform]
        assert series[-1][1] == figures["followers_last_day"] > figures["followers_first_day"], platform
        assert posts[platform] == figures["posts"] > 0


def test_one_social_file_went_through_french_excel(out):
    excel = inbox(out, "social") / f"social_insights_{social.EXCEL_MONTH}.csv"
    data = excel.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    text = data.decode("cp1252")
    assert text.startswith("Date;Platform;") and "\r\n" in text and "\xa0" in text
    assert f"/{social.EXCEL_MONTH[5:]}/{social.EXCEL_MONTH[:4]};" in text
    rows = records(excel)
    assert any(r["title"] and "?" in r["title"] for r in rows)  # emojis lost
    others = [p for p in inbox(out, "social").glob("*.csv") if p != excel]
    for path in others:
        assert path.read_bytes().decode("utf-8").startswith("Date,Platform,")
