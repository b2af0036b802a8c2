"""The organic social networks of the demo institution, as the communication team consolidates
them (contract: contracts/social.yml).

Files written to `<out>/inbox/social/`: `social_insights_YYYY-MM.csv`, one per month from the
first season's start to the day before the export. Each is the team's consolidated sheet in
the column names of Meta Business Suite's post export (English UI: `Post ID`, `Page ID`,
`Page name`, `Publish time`, `Post type`, `Permalink`, `Reach`, `Impressions`, `Reactions`,
`Comments`, `Shares`, `Total clicks`…) plus `Date`, `Platform` and, from the LinkedIn page
export, `Engagements`; two kinds of rows:

- one row per post of Facebook, Instagram or LinkedIn published that month (lifetime figures
  at export): posts announce the season's shows (a month before the first night, rehearsals,
  first night, last seats), launch the next season, and fill the weeks in between;
- one row per platform and day with the page's `Followers` (end of day) and `New followers`:
  followers grow over time (daily gains minus unfollows, with bumps after posts that reach far).

Platform differences are kept: Instagram has no clicks but saves; only LinkedIn reports
`Engagements`; videos and reels have views. Some post texts span two lines (hashtags).

Shape: comma, UTF-8 without BOM, ISO dates, LF — except **one month (`EXCEL_MONTH`) that went
through French Excel**: `;`, Windows-1252 (emojis lost as `?`), CRLF, dd/mm/yyyy dates and
thousands separated by a no-break space (`3 200`).
"""

from __future__ import annotations

import codecs
import random
import string
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from publics_demo.defects import BrokenFolder
from publics_demo.files import csv_bytes, inbox_files, month_of, read_csv, write_csv, xlsx_bytes
from publics_demo.truth import truth_header
from publics_demo.world.campaigns import show_slug
from publics_demo.world.catalogue import VENUES, Show
from publics_demo.world.frame import EXPORT_TIME, season_bounds
from publics_demo.world.model import World

FOLDER = "inbox/social"
SOURCE = "social"
EXCEL_MONTH = "2026-02"  # the month the community manager re-saved in French Excel

COLUMNS = ["Date", "Platform", "Post ID", "Page ID", "Page name", "Publish time", "Post type", "Title", "Permalink",
           "Reach", "Impressions", "Engagements", "Reactions", "Comments", "Shares", "Saves", "Total clicks",
           "Link clicks", "Video views", "Followers", "New followers"]
PLATFORMS = ("facebook", "instagram", "linkedin")
PAGES = {"facebook": ("108234567890123", "Opéra Favart"), "instagram": ("17841401234567890", "operafavart"),
         "linkedin": ("urn:li:organization:10234567", "Opéra Favart")}
# Followers on the first day at scale 1 (they scale with the house), daily gain and loss rates.
FOLLOWERS_AT_START = {"facebook": 48_000, "instagram": 21_000, "linkedin": 4_200}
MIN_FOLLOWERS = 300
DAILY_GAIN = {"facebook": 0.00045, "instagram": 0.0012, "linkedin": 0.0009}
DAILY_LOSS = {"facebook": 0.00025, "instagram": 0.0005, "linkedin": 0.0002}
GAIN_PER_REACH = 0.003  # followers won per person reached by a post
REACH_RATE = {"facebook": (0.06, 0.30), "instagram": (0.12, 0.45), "linkedin": (0.08, 0.35)}
TYPE_BOOST = {"Reel": 1.6, "Video": 1.3, "Carrousel": 1.2}
# (platform, post type) per kind of post; LinkedIn only speaks of big productions and the season.
KIND_TYPES = {
    "annonce": {"facebook": "Lien", "instagram": "Photo", "linkedin": "Article"},
    "coulisses": {"facebook": "Video", "instagram": "Reel"},
    "premiere": {"facebook": "Photo", "instagram": "Photo"},
    "dernieres": {"facebook": "Lien", "instagram": "Carrousel"},
    "saison": {"facebook": "Lien", "instagram": "Carrousel", "linkedin": "Article"},
    "institution": {"facebook": "Photo", "instagram": "Photo"},
    "institution_pro": {"linkedin": "Photo"},
}
KIND_BOOST = {"premiere": 1.3, "saison": 1.5, "annonce": 1.1, "institution": 0.8, "institution_pro": 0.9}
INSTITUTIONAL = ["Visite des ateliers de costumes : 1 200 pièces cousues main cette saison ✂️",
                 "Portrait : notre cheffe de chant prépare les solistes 🎶", "Merci à nos mécènes et partenaires 💛",
                 "Visite guidée de la salle Favart : chaque samedi à 11 h",
                 "Le saviez-vous ? Le lustre de la salle Favart pèse une tonne", "Atelier décors : dans l'œil du peintre",
                 "Nos médiateurs dans les collèges de Seine-Saint-Denis", "Répétition ouverte au public ce samedi",
                 "Quiz : reconnaîtrez-vous cet air ? 🎧", "La troupe de l'Académie en résidence"]
PROFESSIONAL = ["Nous recrutons : chargé·e de billetterie (CDI)", "Bilan de saison : 92 % de remplissage",
                "Merci à nos entreprises mécènes", "Rencontre professionnelle : l'opéra et les jeunes publics",
                "Éducation artistique : 4 000 élèves accueillis cette saison"]
LINKEDIN_GENRES = ("opéra", "opéra-comique", "danse")
NBSP = "\u00a0"


@dataclass(frozen=True)
class Post:
    platform: str
    kind: str
    published: datetime
    post_type: str
    text: str
    show_code: str | None


@dataclass(frozen=True)
class Style:
    """How a file writes its values: the tool's export, or a French Excel re-save."""
    delimiter: str
    encoding: str
    newline: str
    errors: str
    day: Callable[[date], str]
    moment: Callable[[datetime], str]
    count: Callable[[int | None], str]


def _plain_count(n: int | None) -> str:
    return "" if n is None else str(n)


def _french_count(n: int | None) -> str:
    return "" if n is None else f"{n:,}".replace(",", NBSP)


EXPORT_STYLE = Style(",", "utf-8", "\n", "strict", date.isoformat, lambda t: f"{t:%Y-%m-%d %H:%M}", _plain_count)
EXCEL_STYLE = Style(";", "cp1252", "\r\n", "replace", lambda d: f"{d:%d/%m/%Y}", lambda t: f"{t:%d/%m/%Y %H:%M}",
                    _french_count)


# --------------------------------------------------------------------------- the editorial calendar

def _window(world: World) -> tuple[date, date]:
    return season_bounds(world.seasons[0])[0], EXPORT_TIME.date() - timedelta(days=1)


def plan_posts(world: World) -> list[Post]:
    """Every post of the three platforms, in publication order."""
    rng = world.rng("social/posts")
    first_day, last_day = _window(world)
    posts: list[Post] = []

    def add(kind: str, day: date, hour: time, text: str, show: Show | None = None) -> None:
        if not first_day <= day <= last_day:
            return
        for platform, post_type in KIND_TYPES[kind].items():
            if platform == "linkedin" and show is not None and show.genre not in LINKEDIN_GENRES:
                continue  # LinkedIn announces the big productions only
            at = datetime.combine(day, hour) + timedelta(minutes=int(rng.random() * 4) * 15)
            tag = show_slug(show.title).replace("-", "") if show is not None else "operafavart"
            tags = f"\n#opera #{tag}" if rng.random() < 0.4 else ""
            posts.append(Post(platform, kind, at, post_type, text + tags, show.code if show else None))

    for show in world.shows:
        runs = [p for p in world.performances if p.show is show]
        if not runs:
            continue
        first, last = runs[0].start.date(), runs[-1].start.date()
        venue = VENUES[show.venue].name.replace("Salle", "salle")
        add("annonce", first - timedelta(days=30), time(18, 0),
            f"{show.title} arrive {venue} le {first:%d/%m} ! Réservez vos places 🎟️", show)
        add("coulisses", first - timedelta(days=8), time(12, 30),
            f"Dans les coulisses : {show.title} en répétition 🎶", show)
        add("premiere", first, time(10, 0), f"C'est ce soir : première de {show.title} !", show)
        if len(runs) >= 4:
            add("dernieres", last - timedelta(days=5), time(17, 0), f"Dernières places pour {show.title}", show)
    for season in (*world.seasons, _next(world.seasons[-1])):
        launch = date(int(season[:4]), 4, 10)
        add("saison", launch, time(11, 0), f"La saison {season} est dévoilée ✨ Découvrez tous nos spectacles")
    day, k = first_day + timedelta(days=(3 - first_day.weekday()) % 7), 0
    while day <= last_day:  # every other Thursday on Facebook and Instagram, monthly on LinkedIn
        add("institution", day, time(19, 0), INSTITUTIONAL[k % len(INSTITUTIONAL)])
        if k % 2 == 0:
            add("institution_pro", day + timedelta(days=5), time(8, 30), PROFESSIONAL[k // 2 % len(PROFESSIONAL)])
        day, k = day + timedelta(days=14), k + 1
    posts.sort(key=lambda p: (p.published, PLATFORMS.index(p.platform), p.kind))
    return posts


def _next(season: str) -> str:
    start = int(season[:4]) + 1
    return f"{start}-{str(start + 1)[2:]}"


# --------------------------------------------------------------------------- the figures

@dataclass
class Counters:
    """Platform ids handed out in publication order."""
    facebook: int = 1_020_304_050_607_080
    instagram: int = 17_900_000_000_000_000
    linkedin: int = 7_100_000_000_000_000_000


def _post_identity(rng: random.Random, post: Post, counters: Counters) -> tuple[str, str]:
    step = 1 + int(rng.random() * 5_000_000)
    setattr(counters, post.platform, getattr(counters, post.platform) + step)
    number = getattr(counters, post.platform)
    page_id = PAGES[post.platform][0]
    if post.platform == "facebook":
        return f"{page_id}_{number}", f"https://www.facebook.com/{page_id}/posts/{number}"
    if post.platform == "instagram":
        code = "".join(rng.choice(string.ascii_letters + string.digits + "_-") for _ in range(11))
        kind = "reel" if post.post_type == "Reel" else "p"
        return str(number), f"https://www.instagram.com/{kind}/{code}/"
    urn = f"urn:li:activity:{number}"
    return urn, f"https://www.linkedin.com/feed/update/{urn}"


def _post_metrics(rng: random.Random, post: Post, followers: int) -> dict[str, int | None]:
    lo, hi = REACH_RATE[post.platform]
    reach = max(1, int(followers * rng.uniform(lo, hi) * TYPE_BOOST.get(post.post_type, 1.0)
                       * KIND_BOOST.get(post.kind, 1.0)))
    reactions = int(reach * rng.uniform(0.02, 0.06))
    m: dict[str, int | None] = {
        "reach": reach, "impressions": int(reach * rng.uniform(1.1, 1.6)), "reactions": reactions,
        "comments": int(reactions * rng.uniform(0.03, 0.12)), "shares": int(reactions * rng.uniform(0.05, 0.2)),
        "saves": None, "clicks": None, "link_clicks": None, "engagements": None, "video_views": None,
    }
    if post.platform == "instagram":
        m["saves"] = int(reach * rng.uniform(0.005, 0.02))
    else:
        m["clicks"] = int(reach * rng.uniform(0.01, 0.04))
        m["link_clicks"] = int(m["clicks"] * rng.uniform(0.4, 0.8)) if post.post_type in ("Lien", "Article") else 0
    if post.platform == "linkedin":
        m["engagements"] = reactions + m["comments"] + m["shares"] + m["clicks"]
    if post.post_type in ("Video", "Reel"):
        m["video_views"] = int(reach * rng.uniform(0.5, 0.9))
    return m


@dataclass(frozen=True)
class Row:
    day: date
    platform: str
    post: Post | None  # None: the page's row of the day
    post_id: str = ""
    permalink: str = ""
    metrics: tuple[tuple[str, int | None], ...] = ()
    followers: int | None = None
    new_followers: int | None = None

    def line(self, style: Style) -> list[str]:
        page_id, page_name = PAGES[self.platform]
        if self.post is None:
            return [style.day(self.day), self.platform, "", page_id, page_name, "", "", "", "",
                    *[""] * 10, style.count(self.followers), style.count(self.new_followers)]
        m = dict(self.metrics)
        counts = [m[k] for k in ("reach", "impressions", "engagements", "reactions", "comments", "shares", "saves",
                                 "clicks", "link_clicks", "video_views")]
        return [style.day(self.day), self.platform, self.post_id, page_id, page_name, style.moment(self.post.published),
                self.post.post_type, self.post.text, self.permalink, *map(style.count, counts), "", ""]


def _whole(rng: random.Random, expected: float) -> int:
    """An integer count whose mean is `expected` (a small page still gains a follower now and then)."""
    return int(expected + rng.random())


def simulate(world: World) -> tuple[list[Row], dict]:
    """Day by day and platform by platform: the posts' figures, then the page's followers."""
    first_day, last_day = _window(world)
    posts = plan_posts(world)
    by_day: dict[tuple[str, date], list[Post]] = {}
    for p in posts:
        by_day.setdefault((p.platform, p.published.date()), []).append(p)
    rows: list[Row] = []
    summary = {}
    for platform in PLATFORMS:
        rng = world.rng(f"social/{platform}")
        counters = Counters()
        followers = max(MIN_FOLLOWERS, round(FOLLOWERS_AT_START[platform] * world.scale))
        start, gained, n_posts, reach = followers, 0, 0, 0
        day = first_day
        while day <= last_day:
            reached = 0
            for post in by_day.get((platform, day), []):
                post_id, link = _post_identity(rng, post, counters)
                metrics = _post_metrics(rng, post, followers)
                reached += metrics["reach"] or 0
                rows.append(Row(day, platform, post, post_id, link, tuple(metrics.items())))
                n_posts += 1
            season_boost = 1.5 if day.month in (4, 9) else 1.0
            new = _whole(rng, followers * DAILY_GAIN[platform] * season_boost * rng.uniform(0.5, 1.5)
                         + reached * GAIN_PER_REACH * rng.uniform(0.5, 1.5))
            lost = _whole(rng, followers * DAILY_LOSS[platform] * rng.uniform(0.5, 1.5))
            followers += new - lost
            gained, reach = gained + new, reach + reached
            rows.append(Row(day, platform, None, followers=followers, new_followers=new))
            day += timedelta(days=1)
        summary[platform] = {"page_id": PAGES[platform][0], "followers_first_day": start,
                             "followers_last_day": followers, "new_followers": gained, "posts": n_posts,
                             "post_reach": reach}
    rows.sort(key=lambda r: (r.day, PLATFORMS.index(r.platform), r.post is None,
                             r.post.published if r.post else datetime.min))
    return rows, summary


# --------------------------------------------------------------------------- writing

def write(world: World, out_dir: Path) -> tuple[dict[str, int], dict]:
    """Write the monthly social insights of `world`; return ({file name: data rows}, truth)."""
    folder = Path(out_dir) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    rows, summary = simulate(world)
    by_month: dict[str, list[Row]] = {}
    for r in rows:
        by_month.setdefault(month_of(r.day), []).append(r)
    counts = {}
    for month, chunk in sorted(by_month.items()):
        style = EXCEL_STYLE if month == EXCEL_MONTH else EXPORT_STYLE
        name = f"social_insights_{month}.csv"
        counts[name] = write_csv(folder / name, COLUMNS, (r.line(style) for r in chunk), delimiter=style.delimiter,
                                 encoding=style.encoding, newline=style.newline, errors=style.errors)
    excel = f"{FOLDER}/social_insights_{EXCEL_MONTH}.csv"
    multiline = [r for r in rows if r.post is not None and "\n" in r.post.text]
    emojis = [r for r in by_month.get(EXCEL_MONTH, []) if r.post is not None
              and r.post.text.encode("cp1252", "replace") != r.post.text.encode("cp1252", "ignore")]
    defects = [
        {"file": excel, "defect": "french_excel_resave",
         "what": "re-saved by French Excel: ';', Windows-1252, CRLF, dd/mm/yyyy dates, thousands with a no-break "
                 "space (3 200)", "count": counts.get(f"social_insights_{EXCEL_MONTH}.csv", 0)},
        {"file": excel, "defect": "emojis_lost",
         "what": "emojis cannot be written in Windows-1252: Excel replaced them with '?'", "count": len(emojis)},
        {"file": f"{FOLDER}/*", "defect": "multiline_text",
         "what": "post texts with a line break (hashtags on a second line), quoted", "count": len(multiline)},
        {"file": f"{FOLDER}/*", "defect": "platform_differences",
         "what": "Instagram rows have no clicks (saves instead); only LinkedIn reports Engagements",
         "count": sum(1 for r in rows if r.post is not None and r.platform == "instagram")},
    ]
    first_day, last_day = _window(world)
    truth = {
        **truth_header(world, SOURCE),
        "rule": "post rows: one per post (lifetime figures); page rows (Post ID empty): followers at the end of Date",
        "period": [first_day.isoformat(), last_day.isoformat()],
        "platforms": summary,
        "files": counts,
        "defects": defects,
    }
    return counts, truth


# --------------------------------------------------------------------------- broken deliveries

def write_broken(out_dir: Path) -> list[dict]:
    """Damaged copies of the social deliveries in `<out>/broken/social/` (run `write` first)."""
    broken = BrokenFolder(out_dir, SOURCE)
    files = [p for p in inbox_files(out_dir, FOLDER, "social_insights_*.csv") if EXCEL_MONTH not in p.name]
    first, second = files[0], files[min(1, len(files) - 1)]
    text = first.read_bytes().decode("utf-8")
    broken.emit(f"{first.stem}_utf16.csv", codecs.BOM_UTF16_LE + text.encode("utf-16-le"), "wrong_encoding",
                "encoded in UTF-16", 1)
    records = read_csv(second.read_bytes(), "utf-8")
    drop = records[0].index("Platform")
    broken.emit(f"{second.stem}_sans_platform.csv", csv_bytes([r[:drop] + r[drop + 1:] for r in records], "utf-8"),
                "missing_column", "missing required column(s): platform", 1)
    # The consolidated workbook itself, saved with a .csv name.
    data = xlsx_bytes({"Publications": records})
    line = data.count(b"\n", 0, data.index(b"\x00")) + 1
    broken.emit(f"{first.stem}_classeur_excel.csv", data, "not_text",
                "binary content (NUL byte): not a text export", line)
    return broken.made
