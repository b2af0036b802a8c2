"""The marketing plan of the demo institution: its campaigns, and what each delivers per day.

Every marketing source renders this one plan, so that they agree with each other:

- the budget and UTM-plan spreadsheets list the campaigns (`build_campaigns`);
- Meta Ads and Google Ads report the paid ones day by day (`deliveries`: impressions, clicks,
  reach, spend — spend follows the budget);
- the web analytics (GA4, Matomo) receive the visits those clicks bring, tagged with the UTM
  parameters *as the links were really written* (`Campaign.tagged`: `Facebook`, `fb`,
  `m.facebook.com`, medium `Social`…), while the truth keeps the canonical values;
- the emailing tool sends the email campaigns (`platform == "mailchimp"`).

Naming convention (SPEC §5): `<season>_<objective>_<show-or-institutional>_<audience>`, e.g.
`2025-26_conquete_carmen_jeunes`. A few campaigns break it, as they do in real life
(`conforming=False`); their name is what the teams typed, everywhere it appears.

Deterministic: draws come from `world.rng("campaigns")` and `world.rng("deliveries/<key>")`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import quote

from publics_demo.world.frame import TODAY, season_bounds
from publics_demo.world.model import World
from publics_demo.world.text import ascii_fold

SITE = "https://www.opera-favart.fr"  # the institution's website, where every campaign lands

# canonical (source, medium, GA4 default channel group) per platform
PLATFORMS = {
    "meta": ("facebook", "paid_social", "Paid Social"),
    "meta_instagram": ("instagram", "paid_social", "Paid Social"),
    "google_ads": ("google", "cpc", "Paid Search"),
    "mailchimp": ("newsletter", "email", "Email"),
}

# How the links of a platform were really tagged by the teams: (utm_source, utm_medium, weight).
# The canonical spelling dominates; the variants are the defects the nomenclature must absorb.
TAGGED_VARIANTS = {
    "meta": (("facebook", "paid_social", 0.70), ("Facebook", "paid_social", 0.08), ("fb", "paid_social", 0.07),
             ("facebook.com", "Social", 0.05), ("m.facebook.com", "paid_social", 0.05),
             ("facebook", "paid-social", 0.05)),
    "meta_instagram": (("instagram", "paid_social", 0.80), ("Instagram", "paid_social", 0.08),
                       ("ig", "paid_social", 0.07), ("instagram.com", "Social", 0.05)),
    "google_ads": (("google", "cpc", 0.92), ("Google", "CPC", 0.05), ("google", "ppc", 0.03)),
    "mailchimp": (("newsletter", "email", 0.85), ("Newsletter", "Email", 0.08), ("mailchimp", "e-mail", 0.07)),
}

# Cost per click (cents) and click-through rate, per platform, with a little noise per day.
CPC_CENTS = {"meta": 45, "meta_instagram": 55, "google_ads": 85}
CTR = {"meta": 0.011, "meta_instagram": 0.009, "google_ads": 0.065}
FREQUENCY = {"meta": 1.8, "meta_instagram": 2.1, "google_ads": 1.0}

# Budgets at scale 1, in euro cents (a 1,000-seat house spends a few hundred thousand euros a season).
SHOW_BUDGET_CENTS = {"opéra": (9_000_00, 6_000_00), "opéra-comique": (6_000_00, 4_000_00),
                     "danse": (4_500_00, 3_000_00)}  # (meta, google) per production
YOUTH_BUDGET_CENTS = 12_000_00
SUBSCRIPTION_BUDGET_CENTS = 8_000_00
MIN_BUDGET_CENTS = 150_00
# Share of the budget really spent (platforms pace spend; a campaign may slightly overspend).
SPEND_RATIO = (0.90, 1.02)

MONTHS_FR = ("janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet", "aout", "septembre", "octobre",
             "novembre", "decembre")


@dataclass(frozen=True)
class Campaign:
    key: str  # stable identifier, unique in the plan (also the truth's campaign key)
    name: str  # utm_campaign as the teams wrote it (conforming or not), = ad platform campaign name
    season: str
    objective: str  # conquete, fidelisation, abonnement, notoriete, relance, newsletter
    show_code: str | None  # SecuTix product code of the show it sells, None if institutional
    show_slug: str  # the "show-or-institutional" part of the convention
    audience: str  # tous, jeunes, abonnes, occasionnels, familles
    platform: str  # meta | meta_instagram | google_ads | mailchimp
    start: date
    end: date
    budget_cents: int  # 0 for emails
    conforming: bool  # does `name` follow the naming convention?
    platform_id: str  # the campaign id on its platform (Meta / Google numeric id, Mailchimp hash)

    @property
    def utm_source(self) -> str:
        return PLATFORMS[self.platform][0]

    @property
    def utm_medium(self) -> str:
        return PLATFORMS[self.platform][1]

    @property
    def channel(self) -> str:
        return PLATFORMS[self.platform][2]

    @property
    def paid(self) -> bool:
        return self.platform in CPC_CENTS

    @property
    def tagged(self) -> tuple[tuple[str, str, float], ...]:
        """(utm_source, utm_medium, weight) as links of this campaign were really tagged."""
        return TAGGED_VARIANTS[self.platform]

    def active_on(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class Delivery:
    """One campaign's day on its ad platform."""
    campaign: Campaign
    day: date
    impressions: int
    reach: int
    clicks: int
    spend_cents: int


def show_slug(title: str) -> str:
    """`Les Contes d'Hoffmann` → `contes-hoffmann`: lower-case ASCII words, articles dropped."""
    words = [w for w in "".join(c if c.isalnum() else " " for c in ascii_fold(title).lower()).split()
             if w not in {"le", "la", "les", "l", "d", "de", "du", "des", "un", "une", "et"}]
    return "-".join(words[:3]) or "spectacle"


def convention_name(season: str, objective: str, slug: str, audience: str) -> str:
    return f"{season}_{objective}_{slug}_{audience}"


# Names typed by hand that break the convention, keyed by the conforming name's pattern.
def _broken_name(rng, season: str, objective: str, slug: str, audience: str) -> str:
    variants = (
        f"{slug.replace('-', ' ').title()} - {objective.capitalize()} {season[:4]}",
        f"{season}-{objective}-{slug}-{audience}",
        f"{slug.upper()}_{objective}",
        f"{objective}_{slug}_{audience}",
    )
    return variants[int(rng.random() * len(variants))]


def build_campaigns(world: World) -> list[Campaign]:
    """The campaigns of every season, in start-date order (deterministic for a seed and scale)."""
    rng = world.rng("campaigns")
    plan: list[Campaign] = []
    counter = {"meta": 23_850_000_000_000_000, "google_ads": 20_145_000_000, "mailchimp": 0}
    scale = world.scale

    def budget(cents: float) -> int:
        return max(MIN_BUDGET_CENTS, round(cents * scale / 100.0) * 100)

    def add(season, objective, show, slug, audience, platform, start, end, budget_cents):
        conforming = rng.random() >= 0.08
        name = (convention_name(season, objective, slug, audience) if conforming
                else _broken_name(rng, season, objective, slug, audience))
        family = "meta" if platform.startswith("meta") else platform
        counter[family] += 1 + int(rng.random() * 997)
        platform_id = (f"{counter[family]:x}{int(rng.random() * 16**6):06x}" if family == "mailchimp"
                       else str(counter[family]))
        key = f"{season}/{objective}/{slug}/{audience}/{platform}"
        n = 2
        while any(c.key == key for c in plan):
            key = f"{season}/{objective}/{slug}/{audience}/{platform}/{n}"
            n += 1
        plan.append(Campaign(key, name, season, objective, show.code if show else None, slug, audience, platform,
                             start, end, budget_cents if platform != "mailchimp" else 0, conforming, platform_id))

    for season in world.seasons:
        s_start, _ = season_bounds(season)
        perfs = world.performances_of(season)
        by_show: dict[str, list] = {}
        for p in perfs:
            by_show.setdefault(p.show.code, []).append(p)
        # 1. Conquest campaigns for the big productions: Meta + Google Ads, 6 weeks before the
        #    first performance until the last one.
        for runs in by_show.values():
            show = runs[0].show
            if show.genre not in SHOW_BUDGET_CENTS:
                continue
            first, last = runs[0].start.date(), runs[-1].start.date()
            start = max(first - timedelta(days=42), date(s_start.year, 6, 20))
            meta_b, google_b = SHOW_BUDGET_CENTS[show.genre]
            slug = show_slug(show.title)
            add(season, "conquete", show, slug, "tous", "meta", start, last, budget(meta_b))
            add(season, "conquete", show, slug, "tous", "google_ads", start, last, budget(google_b))
            # a reminder email to the occasional audience, three weeks before the first night
            add(season, "relance", show, slug, "occasionnels", "mailchimp", first - timedelta(days=21),
                first - timedelta(days=21), 0)
        # 2. The youth acquisition campaign (Instagram), October → March.
        add(season, "conquete", None, "saison", "jeunes", "meta_instagram", date(s_start.year, 10, 1),
            date(s_start.year + 1, 3, 31), budget(YOUTH_BUDGET_CENTS))
        # 3. The subscription campaign for the *next* season, in May–June: Meta + an email.
        nxt = f"{s_start.year + 1}-{str(s_start.year + 2)[2:]}"
        add(nxt, "abonnement", None, "saison", "tous", "meta", date(s_start.year + 1, 5, 5),
            date(s_start.year + 1, 6, 20), budget(SUBSCRIPTION_BUDGET_CENTS))
        add(nxt, "abonnement", None, "saison", "abonnes", "mailchimp", date(s_start.year + 1, 5, 10),
            date(s_start.year + 1, 5, 10), 0)
        # 4. The monthly newsletter, first Thursday of each month from September to June.
        for month_offset in range(10):
            y, m = s_start.year + (8 + month_offset) // 12, (8 + month_offset) % 12 + 1
            day = date(y, m, 1)
            day += timedelta(days=(3 - day.weekday()) % 7)
            add(season, "newsletter", None, MONTHS_FR[m - 1], "tous", "mailchimp", day, day, 0)
    plan = [c for c in plan if c.start <= TODAY]
    plan.sort(key=lambda c: (c.start, c.key))
    return plan


def deliveries(world: World, campaign: Campaign) -> Iterator[Delivery]:
    """Day-by-day delivery of a paid campaign, up to `TODAY`; spend sums to its budget × a
    pacing ratio in `SPEND_RATIO` (the campaign's own draw), clicks = spend / CPC."""
    if not campaign.paid:
        return
    rng = world.rng(f"deliveries/{campaign.key}")
    days = [campaign.start + timedelta(d) for d in range((campaign.end - campaign.start).days + 1)]
    ratio = rng.uniform(*SPEND_RATIO)
    total = int(campaign.budget_cents * ratio)
    # spend ramps up towards the end (the last two weeks weigh more), with daily noise
    weights = [(1.0 + 1.5 * math.exp(-(len(days) - 1 - i) / 10.0)) * rng.uniform(0.7, 1.3)
               for i in range(len(days))]
    wsum = sum(weights)
    spent = 0
    cpc, ctr, freq = CPC_CENTS[campaign.platform], CTR[campaign.platform], FREQUENCY[campaign.platform]
    for i, day in enumerate(days):
        spend = total - spent if i == len(days) - 1 else int(total * weights[i] / wsum)
        spent += spend
        if day > TODAY:
            break
        clicks = max(0, round(spend / (cpc * rng.uniform(0.8, 1.25))))
        impressions = max(clicks, round(clicks / (ctr * rng.uniform(0.8, 1.2)))) if spend else 0
        reach = max(clicks, int(impressions / (freq * rng.uniform(0.9, 1.1)))) if impressions else 0
        yield Delivery(campaign, day, impressions, reach, clicks, spend)


def planned_spend_cents(world: World, campaign: Campaign) -> int:
    """What the platform spends on a paid campaign up to `TODAY` (sum of its deliveries)."""
    return sum(d.spend_cents for d in deliveries(world, campaign))


def landing_url(c: Campaign) -> str:
    """The page a campaign's links lead to (as the UTM plan lists it)."""
    if c.show_code is not None:
        return f"{SITE}/spectacles/{c.season}/{c.show_slug}"
    if c.objective == "abonnement":
        return f"{SITE}/abonnements"
    if c.audience == "jeunes":
        return f"{SITE}/moins-de-28-ans"
    return f"{SITE}/saison-{c.season}"


def utm_query(source: str, medium: str, name: str, content: str = "", term: str = "") -> str:
    """The query string of a tagged link, values percent-encoded as a link builder does."""
    parts = [f"utm_source={quote(source, safe='')}", f"utm_medium={quote(medium, safe='')}",
             f"utm_campaign={quote(name, safe='')}"]
    if content:
        parts.append(f"utm_content={quote(content, safe='')}")
    if term:
        parts.append(f"utm_term={quote(term, safe='')}")
    return "&".join(parts)
