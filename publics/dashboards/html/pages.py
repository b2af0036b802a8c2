"""Static rendering of the dashboards: one self-contained HTML page per dashboard, for sharing.

`render()` runs every card's query on the warehouse (through `runnable_sql`, so the filters'
defaults apply as they do in Metabase) and writes `<out>/<NN>_<slug>.html` per dashboard plus
an `index.html`, in French: the workshop canvas, the filters as applied, and every card at its
grid position. Charts are inline SVG built in Python (`html.charts`): the pages carry no script, fetch
nothing (a Content-Security-Policy forbids it), and the same data always gives the same bytes.

A card whose query fails or returns nothing is drawn with a message, never a crash. Every card
element carries `data-card-id`, `data-state` (ok, empty, error) and `data-drawn="true"`; every
data mark of a chart carries `class="mark"` — what the browser test checks.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from publics.dashboards.definitions import (
    GRID_WIDTH,
    OUTCOME_COLORS,
    TAG,
    Dashboard,
    discover,
    resolve_default,
    runnable_sql,
)
from publics.dashboards.html.cards import CardResult, card_html
from publics.dashboards.html.charts import _esc
from publics.dashboards.html.formats import PARIS, filter_value_text
from publics.warehouse import ConnInfo, connect


@dataclass
class DashboardResult:
    dashboard: Dashboard
    values: dict[str, object]  # filter id → value applied (defaults included)
    cards: list[CardResult]

    @property
    def filename(self) -> str:
        return f"{self.dashboard.id:02d}_{slug(self.dashboard)}.html"


def slug(d: Dashboard) -> str:
    if d.spec.get("slug"):
        return str(d.spec["slug"])
    ascii_title = unicodedata.normalize("NFKD", d.title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_title.lower()).strip("_") or "tableau"



def _as_list(value: object) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]


STYLE = """
*{box-sizing:border-box}
body{margin:0;background:#f5f7fa;color:#2e353b;font:14px/1.4 "DejaVu Sans",Arial,sans-serif}
main{max-width:1344px;margin:0 auto;padding:20px 12px 32px}
header h1{margin:0 0 4px;font-size:26px}
.meta,.note,footer{color:#6b7680;font-size:12px}
a{color:#2f6fb0}
.canvas{display:grid;grid-template-columns:2fr 1fr 1fr;gap:12px;margin:16px 0 20px}
.canvas section{background:#fff;border:1px solid #dde2e7;border-radius:8px;padding:10px 14px}
.canvas h2{font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:#6b7680;margin:0 0 6px}
.canvas ul{margin:0;padding-left:18px}
.canvas dl{margin:0;display:grid;grid-template-columns:auto 1fr;gap:2px 10px}
.canvas dt{color:#6b7680}.canvas dd{margin:0}
/* rows grow to fit a scalar's figure and its notes; charts and tables keep their size (size
   containment: their content does not grow the row) and scroll */
.grid{display:grid;grid-auto-rows:minmax(44px,auto);gap:12px}
@media screen and (min-width:901px){.grid .card:not(.card-scalar){contain:size}}
.card{background:#fff;border:1px solid #dde2e7;border-radius:8px;padding:12px;display:flex;
 flex-direction:column;min-width:0;min-height:0;overflow:hidden}
.card h3{margin:0 0 8px;font-size:14px;line-height:22px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.card .body{flex:1;min-height:0;display:flex;flex-direction:column}
.card .note{margin:4px 0 0;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.chart{flex:1;min-height:0}.chart svg{width:100%;height:100%;display:block}
.card-scalar{overflow:visible}.card-scalar .body{min-height:auto;justify-content:center}
.scalar-value{margin:4px 0;font-size:38px;font-weight:bold;color:#2f6fb0;white-space:nowrap}
.scalar-note{margin:2px 0 0;font-size:12px;color:#555}
.message{margin:auto;text-align:center;color:#6b7680;font-style:italic}
.message.error{color:#b3261e;font-style:normal;font-weight:bold}
details{font-size:11px;color:#6b7680}pre{white-space:pre-wrap;margin:4px 0 0}
.table-wrap{flex:1;min-height:0;overflow:auto;max-width:100%}
table{border-collapse:collapse;width:100%;font-size:12px}
th{position:sticky;top:0;background:#f0f3f6;text-align:left;font-weight:600;white-space:normal;min-width:4em}
th,td{padding:3px 6px;border-bottom:1px solid #eceff2}
td.num{white-space:nowrap}td.txt{overflow-wrap:anywhere;min-width:6em}
.num{text-align:right;font-variant-numeric:tabular-nums}
.index{list-style:none;padding:0;display:grid;grid-template-columns:repeat(auto-fill,minmax(380px,1fr));gap:12px}
.index li{background:#fff;border:1px solid #dde2e7;border-radius:8px;padding:12px 16px}
.index h2{margin:0 0 6px;font-size:18px}
footer{margin-top:24px}
@media (max-width:900px){.grid{display:block}.card{margin-bottom:12px;height:360px}
 .card-scalar{height:140px}.canvas{grid-template-columns:1fr}}
@media print{@page{size:A4 landscape;margin:10mm}body{background:#fff}
 .grid{display:block}.card{margin-bottom:8px;height:auto!important;overflow:visible;break-inside:avoid}
 .card-scalar{height:auto}.card-table{break-inside:auto}
 .table-wrap{overflow:visible}table{table-layout:auto;width:100%}th,td,td.num{white-space:normal}
 td{overflow-wrap:anywhere}}
"""

# an outcome's cell in its colour (a failure red, never green), as its marks on the charts
STYLE += "".join(f"td.outcome-{o}{{color:{c};font-weight:600}}" for o, c in OUTCOME_COLORS.items()) + "\n"

# No script, no request: everything the page needs is in it (inline style, inline SVG).
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def _page(title: str, content: str) -> str:
    return ("<!DOCTYPE html>\n"
            f'<html lang="fr"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_esc(title)}</title><style>{STYLE}</style></head>"
            f"<body><main>{content}</main></body></html>\n")


def _generated(at: dt.datetime) -> str:
    return f"Rendu le {at.astimezone(PARIS).strftime('%d/%m/%Y à %H:%M')} (heure de Paris)"


def dashboard_html(result: DashboardResult, generated_at: dt.datetime) -> str:
    d = result.dashboard
    canvas = d.spec["canvas"]
    filters = []
    for fid, f in d.filters.items():
        if fid not in result.values:
            shown = '<span class="note">toutes les valeurs</span>'
        else:
            shown = _esc(filter_value_text(result.values[fid]))
            if f.get("default") is not None and result.values[fid] == f["default"]:
                shown += ' <span class="note">(par défaut)</span>'
        filters.append(f"<dt>{_esc(f['label'])}</dt><dd>{shown}</dd>")
    kpis = "".join(f"<li>{_esc(k)}</li>" for k in _as_list(canvas.get("kpis")))
    priority = f" · priorité {d.spec['priority']}" if d.spec.get("priority") else ""
    cards = "".join(card_html(d, c) for c in result.cards)
    content = (
        f'<header><p class="meta"><a href="index.html">← Tous les tableaux de bord</a></p>'
        f"<h1>{_esc(d.title)}</h1>"
        f'<p class="meta">Tableau de bord n° {d.id}{priority} · {_esc(_generated(generated_at))}</p></header>'
        f'<div class="canvas">'
        f"<section><h2>Objectif</h2><p>{_esc(' '.join(_as_list(canvas.get('objective'))).strip())}</p>"
        f"<h2>Indicateurs clés</h2><ul>{kpis}</ul></section>"
        f"<section><h2>Public</h2><p>{_esc(', '.join(_as_list(canvas.get('audience'))))}</p>"
        f"<h2>Sources</h2><p>{_esc(', '.join(_as_list(canvas.get('sources'))))}</p>"
        f'<p class="note">Jeu de données : {_esc(d.spec.get("dataset", ""))}</p>'
        f"<h2>Actualisation</h2><p>{_esc(' '.join(_as_list(canvas.get('refresh'))))}</p></section>"
        f"<section><h2>Filtres appliqués</h2><dl>{''.join(filters)}</dl></section>"
        f"</div>"
        f'<div class="grid" style="grid-template-columns:repeat({GRID_WIDTH},minmax(0,1fr))">{cards}</div>'
        f"<footer>Page statique générée par publics à partir de {_esc(d.path.name)} : "
        f"ni script ni ressource externe, elle s'ouvre hors ligne.</footer>")
    return _page(f"{d.title} — publics", content)


def index_html(results: list[DashboardResult], generated_at: dt.datetime) -> str:
    items = []
    for r in results:
        d = r.dashboard
        states = [c.drawn[1] for c in r.cards]
        issues = []
        if states.count("empty"):
            issues.append(f"{states.count('empty')} sans donnée")
        if states.count("error"):
            issues.append(f"{states.count('error')} en échec")
        summary = f"{len(states)} carte(s)" + (f" dont {', '.join(issues)}" if issues else "")
        if d.spec.get("priority"):
            summary = f"Priorité {d.spec['priority']} · {summary}"
        objective = " ".join(_as_list(d.spec["canvas"].get("objective"))).strip()
        items.append(f'<li data-dashboard-id="{d.id}"><h2><a href="{_esc(r.filename)}">{d.id}. {_esc(d.title)}</a></h2>'
                     f"<p>{_esc(objective)}</p><p class=\"note\">{_esc(summary)}</p></li>")
    content = (f"<header><h1>Tableaux de bord des publics</h1>"
               f'<p class="meta">{_esc(_generated(generated_at))} · {len(results)} tableau(x) de bord</p></header>'
               f'<ul class="index">{"".join(items)}</ul>'
               f"<footer>Pages statiques générées par publics : ni script ni ressource externe.</footer>")
    return _page("Tableaux de bord — publics", content)


def collect(info: ConnInfo, dashboards: list[Dashboard] | None = None,
            values: dict[str, object] | None = None) -> list[DashboardResult]:
    """Run every card's query (filter defaults and `values` applied); a failing query is kept as
    the card's error, the other cards still run (autocommit: one failure aborts nothing)."""
    results = []
    with connect(info, autocommit=True) as conn:
        for d in dashboards if dashboards is not None else discover():
            defaults = {fid: f["default"] for fid, f in d.filters.items() if f.get("default") is not None}
            applied = {k: v for k, v in {**defaults, **(values or {})}.items() if k in d.filters}
            for fid, v in applied.items():  # `latest`, `current_season`: today's value, shown as such
                applied[fid] = resolve_default(conn, d, fid, v)
            cards = []
            for card in d.cards:
                used = {t: applied[t] for t in dict.fromkeys(TAG.findall(card["query"])) if t in applied}
                query, params = runnable_sql(d, card, {**(values or {}), **applied})
                try:
                    cur = conn.execute(query, params)
                    rows = cur.fetchall()
                    columns = [c.name for c in cur.description]
                except Exception as exc:  # noqa: BLE001 — drawn as the card's message
                    cards.append(CardResult(card, error=str(exc) or type(exc).__name__, applied=used))
                    continue
                cards.append(CardResult(card, columns, rows, applied=used))
            results.append(DashboardResult(d, applied, cards))
    return results


def render(info: ConnInfo, out_dir: Path, dashboards: list[Dashboard] | None = None,
           values: dict[str, object] | None = None, *, generated_at: dt.datetime | None = None) -> list[Path]:
    """Write one HTML page per dashboard and `index.html` into `out_dir`; returns their paths
    (the dashboards' pages in order, then the index). `values` maps filter ids to the values to
    apply (a `(start, end)` pair of dates for a date filter) on top of the defaults."""
    at = generated_at or dt.datetime.now(PARIS)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    results = collect(info, dashboards, values)
    paths = []
    for r in results:
        path = out_dir / r.filename
        path.write_text(dashboard_html(r, at), encoding="utf-8")
        paths.append(path)
    index = out_dir / "index.html"
    index.write_text(index_html(results, at), encoding="utf-8")
    return [*paths, index]
