"""The paid campaigns of the demo institution, as Meta Ads and Google Ads report them
(contract: contracts/ads.yml). Every figure comes from `campaigns.deliveries`, so that the
ad platforms agree with the web sessions drawn from the same deliveries.

Files written to `<out>/inbox/ads/`:

- `meta_ads_insights_YYYY-MM.csv` — the Marketing API `/insights` endpoint at **ad-set level**,
  one row per ad set and day (`level=adset`, `time_increment=1`), written to CSV with the API /
  Airbyte field names (`source-facebook-marketing` `ads_insights.json`): UTF-8 with BOM, commas,
  spend with a decimal point, ratios with six decimals, `actions` as JSON text. Platforms `meta`
  and `meta_instagram` share the account. The ad sets of a campaign-day sum exactly to its
  delivery (spend, impressions, clicks, reach). Rows with no delivery at all are omitted, as the
  API does.
- `meta_ads_insights_YYYY-MM_<yyyymmdd>.csv` — one **re-delivered month**: the monthly file of
  the month with the most Meta spend was exported while Meta was still consolidating its last
  days (those rows are 80–95 % of their final value); a corrected re-export of the whole month
  was delivered later, with its export date in the name. **Staging rule**: per key
  (campaign_id, adset_id, ad_id, date_start) keep the row of the latest delivery — the
  re-export's name sorts after the original's, so it is also loaded later in one ingestion.
  Adding both files up double-counts that month.
- `google_ads_campaigns_YYYY-MM.csv` — a GAQL campaign report flattened to CSV, one row per
  campaign and day, GAQL field names as headers (`metrics.cost_micros` in micros, integers),
  UTF-8 without BOM, commas. Days without impressions, clicks or cost are absent, as in GAQL
  results. The **last month** was downloaded from the Google Ads UI instead: a title line and a
  date-range line above the header, `Total: …` summary lines at the bottom (CRLF).

Monthly files never overlap, except the re-delivered Meta month. Platform conversions (Meta
`actions`, Google `metrics.conversions`) are what the platforms *claim*: drawn here, they are not
the planted truth of who bought what (that is the web and ticketing side).
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from publics_demo.defects import BrokenFolder
from publics_demo.files import csv_bytes, inbox_files, month_end, month_of, read_csv, write_csv
from publics_demo.truth import truth_header
from publics_demo.world.campaigns import Campaign, Delivery, build_campaigns, deliveries
from publics_demo.world.frame import TODAY
from publics_demo.world.model import World

FOLDER = "inbox/ads"
SOURCE = "ads"
INSTITUTION = "Opéra Favart"  # the demo house's name on its ad accounts and social pages

META_ACCOUNT_ID = "318452907716204"
GOOGLE_CUSTOMER_ID = "4831207756"
META_PLATFORMS = ("meta", "meta_instagram")
MICROS_PER_CENT = 10_000

META_COLUMNS = ["account_id", "account_name", "account_currency", "campaign_id", "campaign_name", "adset_id",
                "adset_name", "date_start", "date_stop", "spend", "impressions", "clicks", "reach", "frequency",
                "cpc", "cpm", "ctr", "objective", "optimization_goal", "buying_type", "attribution_setting",
                "actions"]
GOOGLE_COLUMNS = ["customer.id", "customer.descriptive_name", "customer.currency_code", "campaign.id",
                  "campaign.name", "campaign.status", "campaign.advertising_channel_type",
                  "campaign_budget.amount_micros", "segments.date", "metrics.cost_micros", "metrics.impressions",
                  "metrics.clicks", "metrics.ctr", "metrics.average_cpc", "metrics.conversions",
                  "metrics.conversions_value"]

# Ad sets of a Meta campaign (name, share of the delivery), by kind of campaign.
AD_SETS = {
    "conquete": (("Île-de-France 25-65 – intérêts opéra et musique classique", 0.6),
                 ("Reciblage visiteurs du site 30 j", 0.4)),
    "jeunes": (("18-27 Île-de-France – Reels", 0.55), ("18-27 Île-de-France – Stories", 0.45)),
    "abonnement": (("Spectateurs des trois dernières saisons (liste clients)", 0.45),
                   ("Audience similaire abonnés 1 %", 0.35), ("Reciblage page Abonnements", 0.20)),
}
PRELIMINARY_DAYS = 2  # last days of the re-delivered month still being consolidated in the first export
PRELIMINARY_SHARE = (0.80, 0.95)
MONTHS_FR = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
             "novembre", "décembre")


# --------------------------------------------------------------------------- figures

def euros(cents: int) -> str:
    """1234550 → "12345.50" (API style: decimal point, no thousands separator)."""
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def split_exact(total: int, shares: list[float]) -> list[int]:
    """`total` split by `shares` (summing to 1) into integers summing to `total`. Monotone: a
    smaller total never gets a larger part, so clicks ≤ reach ≤ impressions holds per part."""
    parts, left, rest = [], total, 1.0
    for share in shares[:-1]:
        part = min(left, int(left * share / rest)) if rest > 0 else 0
        parts.append(part)
        left -= part
        rest -= share
    parts.append(left)
    return parts


# --------------------------------------------------------------------------- Meta

@dataclass(frozen=True)
class MetaRow:
    """One ad set's day, as Meta reports it."""
    campaign: Campaign
    adset_id: str
    adset_name: str
    day: date
    spend_cents: int
    impressions: int
    clicks: int
    reach: int
    landing_ratio: float  # landing page views per link click
    purchase_rate: float  # purchases the pixel claims per click (0 when not a sales objective)

    def scaled(self, share: float) -> MetaRow:
        """The same row, not yet consolidated: `share` of its final figures."""
        return MetaRow(self.campaign, self.adset_id, self.adset_name, self.day, int(self.spend_cents * share),
                       int(self.impressions * share), int(self.clicks * share), int(self.reach * share),
                       self.landing_ratio, self.purchase_rate)


def _ad_set_kind(c: Campaign) -> str:
    if c.platform == "meta_instagram":
        return "jeunes"
    return "abonnement" if c.objective == "abonnement" else "conquete"


def _objective(c: Campaign) -> tuple[str, str]:
    return ("OUTCOME_TRAFFIC", "LANDING_PAGE_VIEWS") if c.platform == "meta_instagram" \
        else ("OUTCOME_SALES", "OFFSITE_CONVERSIONS")


def meta_rows(world: World, campaign: Campaign, days: Iterable[Delivery]) -> list[MetaRow]:
    """A Meta campaign's deliveries split into its ad sets (daily shares drawn around the plan)."""
    rng = world.rng(f"ads/meta-adsets/{campaign.key}")
    sets = AD_SETS[_ad_set_kind(campaign)]
    sales = _objective(campaign)[0] == "OUTCOME_SALES"
    rows = []
    for d in days:
        weights = [share * rng.uniform(0.8, 1.2) for _, share in sets]
        shares = [w / sum(weights) for w in weights]
        parts = [split_exact(v, shares) for v in (d.spend_cents, d.impressions, d.clicks, d.reach)]
        for k, (name, _) in enumerate(sets):
            landing, purchases = rng.uniform(0.70, 0.90), rng.uniform(0.005, 0.03) if sales else 0.0
            spend, impressions, clicks, reach = (p[k] for p in parts)
            if spend or impressions or clicks:
                adset_id = str(int(campaign.platform_id) + 1_000_000 * (k + 1))
                rows.append(MetaRow(campaign, adset_id, name, d.day, spend, impressions, clicks, reach,
                                    landing, purchases))
    return rows


def _ratio(num: float, den: float, factor: float = 1.0) -> str:
    return f"{num * factor / den:.6f}" if den else ""


def _actions(row: MetaRow) -> str:
    if not row.clicks:
        return ""
    actions = [{"action_type": "link_click", "value": str(row.clicks)},
               {"action_type": "landing_page_view", "value": str(int(row.clicks * row.landing_ratio))}]
    purchases = int(row.clicks * row.purchase_rate + 0.5)
    if purchases:
        actions.append({"action_type": "offsite_conversion.fb_pixel_purchase", "value": str(purchases)})
    return json.dumps(actions, ensure_ascii=False)


def meta_line(row: MetaRow) -> list[str]:
    c, day = row.campaign, row.day.isoformat()
    objective, goal = _objective(c)
    spend = row.spend_cents / 100
    return [META_ACCOUNT_ID, INSTITUTION, "EUR", c.platform_id, c.name, row.adset_id, row.adset_name, day, day,
            euros(row.spend_cents), str(row.impressions), str(row.clicks), str(row.reach),
            _ratio(row.impressions, row.reach), _ratio(spend, row.clicks), _ratio(spend, row.impressions, 1000),
            _ratio(row.clicks, row.impressions, 100), objective, goal, "AUCTION", "7d_click_1d_view", _actions(row)]


# --------------------------------------------------------------------------- Google

def _google_line(rng: random.Random, d: Delivery, extracted: date) -> list[str]:
    c = d.campaign
    micros = d.spend_cents * MICROS_PER_CENT
    n_days = (c.end - c.start).days + 1
    daily_budget = (c.budget_cents + n_days * 100 - 1) // (n_days * 100) * 1_000_000  # whole euros, rounded up
    conversions = round(d.clicks * rng.uniform(0.01, 0.05))
    value = conversions * rng.uniform(60.0, 140.0)
    return [GOOGLE_CUSTOMER_ID, INSTITUTION, "EUR", c.platform_id, c.name,
            "ENABLED" if c.end >= extracted else "PAUSED", "SEARCH", str(daily_budget), d.day.isoformat(),
            str(micros), str(d.impressions), str(d.clicks), _ratio(d.clicks, d.impressions),
            _ratio(micros, d.clicks).rstrip("0").rstrip("."), f"{conversions:.1f}", f"{value:.2f}"]


def _french_range(month: str) -> str:
    last = month_end(month)
    name = MONTHS_FR[last.month - 1]
    return f"1 {name} {last.year} - {last.day} {name} {last.year}"


def _google_footer(lines: list[list[str]]) -> list[list[str]]:
    """The UI's summary lines: the account, then the Search network (every campaign is SEARCH)."""
    col = {name: i for i, name in enumerate(GOOGLE_COLUMNS)}
    cost = sum(int(r[col["metrics.cost_micros"]]) for r in lines)
    impressions = sum(int(r[col["metrics.impressions"]]) for r in lines)
    clicks = sum(int(r[col["metrics.clicks"]]) for r in lines)
    conversions = sum(float(r[col["metrics.conversions"]]) for r in lines)
    value = sum(float(r[col["metrics.conversions_value"]]) for r in lines)
    out = []
    for label in ("Total: compte", "Total: Réseau de Recherche"):
        row = ["--"] * len(GOOGLE_COLUMNS)
        row[0] = label
        row[col["customer.currency_code"]] = "EUR"
        row[col["metrics.cost_micros"]], row[col["metrics.impressions"]] = str(cost), str(impressions)
        row[col["metrics.clicks"]], row[col["metrics.ctr"]] = str(clicks), _ratio(clicks, impressions)
        row[col["metrics.average_cpc"]] = _ratio(cost, clicks).rstrip("0").rstrip(".")
        row[col["metrics.conversions"]], row[col["metrics.conversions_value"]] = f"{conversions:.1f}", f"{value:.2f}"
        out.append(row)
    return out


# --------------------------------------------------------------------------- writing

def write(world: World, out_dir: Path) -> tuple[dict[str, int], dict]:
    """Write the Meta and Google Ads exports of `world`; return ({file name: data rows}, truth)."""
    folder = Path(out_dir) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    paid = [c for c in build_campaigns(world) if c.paid]
    delivered = {c.key: list(deliveries(world, c)) for c in paid}

    meta_by_month: dict[str, list[MetaRow]] = defaultdict(list)
    google_by_month: dict[str, list[Delivery]] = defaultdict(list)
    for c in paid:
        if c.platform in META_PLATFORMS:
            for row in meta_rows(world, c, delivered[c.key]):
                meta_by_month[month_of(row.day)].append(row)
        else:
            for d in delivered[c.key]:
                if d.spend_cents or d.impressions or d.clicks:
                    google_by_month[month_of(d.day)].append(d)

    counts: dict[str, int] = {}
    redelivery = _write_meta(world, folder, meta_by_month, counts)
    ui_report = _write_google(world, folder, google_by_month, counts)
    truth = _truth(world, paid, delivered, counts, redelivery, ui_report)
    return dict(sorted(counts.items())), truth


def _meta_sort(row: MetaRow) -> tuple:
    return row.day, int(row.campaign.platform_id), int(row.adset_id)


def _write_meta(world: World, folder: Path, by_month: dict[str, list[MetaRow]], counts: dict[str, int]) -> dict:
    spend = {m: sum(r.spend_cents for r in rows) for m, rows in by_month.items()}
    again = max(sorted(by_month), key=lambda m: spend[m]) if by_month else None
    for month in sorted(by_month):
        rows = sorted(by_month[month], key=_meta_sort)
        if month == again:
            rows = _preliminary(world, rows)
        name = f"meta_ads_insights_{month}.csv"
        counts[name] = write_csv(folder / name, META_COLUMNS, (meta_line(r) for r in rows), encoding="utf-8-sig")
    if again is None:
        return {}
    exported = min(month_end(again) + timedelta(days=10), TODAY)
    name = f"meta_ads_insights_{again}_{exported:%Y%m%d}.csv"
    rows = sorted(by_month[again], key=_meta_sort)
    counts[name] = write_csv(folder / name, META_COLUMNS, (meta_line(r) for r in rows), encoding="utf-8-sig")
    first = f"meta_ads_insights_{again}.csv"
    return {"month": again, "original": f"{FOLDER}/{first}", "reexport": f"{FOLDER}/{name}",
            "rows": counts[name], "final_spend_eur": euros(spend[again]),
            "original_spend_eur": euros(sum(r.spend_cents for r in _preliminary(world, rows)))}


def _preliminary(world: World, rows: list[MetaRow]) -> list[MetaRow]:
    """The first export of a month: its last delivered days not yet consolidated."""
    rng = world.rng("ads/meta-preliminary")
    last_days = sorted({r.day for r in rows})[-PRELIMINARY_DAYS:]
    return [r.scaled(rng.uniform(*PRELIMINARY_SHARE)) if r.day in last_days else r for r in rows]


def _write_google(world: World, folder: Path, by_month: dict[str, list[Delivery]], counts: dict[str, int]) -> dict:
    rng = world.rng("ads/google-conversions")
    months = sorted(by_month)
    for month in months:
        ordered = sorted(by_month[month], key=lambda d: (d.day, int(d.campaign.platform_id)))
        extracted = month_end(month) + timedelta(days=2)
        lines = [_google_line(rng, d, extracted) for d in ordered]
        name = f"google_ads_campaigns_{month}.csv"
        if month == months[-1]:  # downloaded by hand from the UI's report editor
            counts[name] = write_csv(folder / name, GOOGLE_COLUMNS, lines, newline="\r\n",
                                     preamble=[["Rapport sur les campagnes"], [_french_range(month)]],
                                     footer=_google_footer(lines))
        else:
            counts[name] = write_csv(folder / name, GOOGLE_COLUMNS, lines)
    if not months:
        return {}
    return {"file": f"{FOLDER}/google_ads_campaigns_{months[-1]}.csv", "preamble_lines": 2, "footer_lines": 2,
            "header_line": 3}


def _truth(world: World, paid: list[Campaign], delivered: dict[str, list[Delivery]], counts: dict[str, int],
           redelivery: dict, ui_report: dict) -> dict:
    campaigns = []
    for c in paid:
        days = delivered[c.key]
        spend = sum(d.spend_cents for d in days)
        campaigns.append({
            "key": c.key, "name": c.name, "platform": c.platform, "platform_id": c.platform_id, "season": c.season,
            "conforming_name": c.conforming, "start": c.start.isoformat(), "end": c.end.isoformat(),
            "budget_eur": euros(c.budget_cents), "spend_eur": euros(spend),
            "spend_ratio": round(spend / c.budget_cents, 4) if c.budget_cents else None,
            "impressions": sum(d.impressions for d in days), "clicks": sum(d.clicks for d in days),
            "reach": sum(d.reach for d in days), "days": len(days),
        })
    totals = {}
    for family, platforms in (("meta", META_PLATFORMS), ("google_ads", ("google_ads",))):
        chosen = [delivered[c.key] for c in paid if c.platform in platforms]
        totals[family] = {"campaigns": len(chosen), "spend_eur": euros(sum(d.spend_cents for ds in chosen for d in ds)),
                          "clicks": sum(d.clicks for ds in chosen for d in ds)}
    defects = []
    if redelivery:
        defects.append({"file": [redelivery["original"], redelivery["reexport"]], "defect": "redelivered_month",
                        "what": (f"Meta month {redelivery['month']} delivered twice: the first export has its last "
                                 f"{PRELIMINARY_DAYS} days not yet consolidated ({redelivery['original_spend_eur']} € "
                                 f"instead of {redelivery['final_spend_eur']} €); keep the latest delivery per "
                                 "(campaign_id, adset_id, ad_id, date_start)"),
                        "count": redelivery["rows"]})
    if ui_report:
        defects.append({"file": ui_report["file"], "defect": "ui_report_preamble_and_totals",
                        "what": "downloaded from the Google Ads UI: title and date-range lines above the header, "
                                "'Total: …' summary lines at the end (not data)", "count": 2})
    unconforming = [c.name for c in paid if not c.conforming]
    defects.append({"file": f"{FOLDER}/*", "defect": "non_conforming_campaign_names",
                    "what": "campaign names typed outside the convention season_objective_show_audience",
                    "count": len(unconforming), "names": unconforming})
    return {
        **truth_header(world, SOURCE),
        "rule": ("spend, impressions, clicks and reach are campaigns.deliveries; Meta rows are ad sets summing to "
                 "their campaign's day; Google cost_micros = cents × 10,000; per key the latest delivery wins"),
        "campaigns": campaigns,
        "totals": totals,
        "files": dict(sorted(counts.items())),
        "redelivered_month": redelivery,
        "ui_report": ui_report,
        "defects": defects,
    }


# --------------------------------------------------------------------------- broken deliveries

def write_broken(out_dir: Path) -> list[dict]:
    """Damaged copies of the ads deliveries in `<out>/broken/ads/` (run `write` first)."""
    broken = BrokenFolder(out_dir, SOURCE)
    meta = inbox_files(out_dir, FOLDER, "meta_ads_insights_????-??.csv")[0]
    records = read_csv(meta.read_bytes())
    stem = meta.stem

    # A column removed before sending ("spend" hidden in the spreadsheet that re-saved it).
    drop = records[0].index("spend")
    broken.emit(f"{stem}_sans_spend.csv", csv_bytes([r[:drop] + r[drop + 1:] for r in records]),
                "missing_column", "missing required column(s): spend", 1)

    # An interrupted download: the file stops within a line (before its first quoted value).
    keep = min(len(records) - 1, 25)
    cut = records[keep][: META_COLUMNS.index("spend")]
    width = len(records[0])
    broken.emit(f"{stem}_tronque.csv", csv_bytes(records[:keep] + [cut])[:-1], "truncated",
                f"{len(cut)} fields where the header has {width} (truncated line?)", keep + 1)

    google = inbox_files(out_dir, FOLDER, "google_ads_campaigns_????-??.csv")
    api, ui = google[0], google[-1]
    # Re-saved with a pipe separator by a tool set to "|".
    rows = read_csv(api.read_bytes(), "utf-8")
    broken.emit(f"{api.stem}_pipe.csv", csv_bytes(rows, "utf-8", "|"), "wrong_delimiter",
                "the header has one field: not ';', ',' or tab-separated?", 1)

    # Two UI downloads pasted one below the other: data below the first "Total:" line.
    lines = ui.read_bytes().split(b"\r\n")
    total = next(i for i, line in enumerate(lines) if line.startswith(b"Total:"))
    pasted = lines[: total + 1] + lines[3:total] + [b""]
    broken.emit(f"{ui.stem}_deux_rapports_colles.csv", b"\r\n".join(pasted), "data_after_total",
                f"data line after the summary line {total + 1}", total + 2)
    return broken.made
