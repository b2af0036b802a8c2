"""A card of a static page: its query's result drawn as a scalar, an SVG chart or a table, or
as a message (no data, failed query); every card element carries `data-card-id`, `data-state`
(ok, empty, error) and `data-drawn="true"`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from publics.dashboards.definitions import Dashboard
from publics.dashboards.html.charts import (
    Series,
    _esc,
    bar_chart_svg,
    line_chart_svg,
    pie_chart_svg,
)
from publics.dashboards.html.formats import (
    _category,
    _number,
    column_kind,
    column_label,
    filter_value_text,
    format_value,
)

TABLE_MAX_ROWS = 50
CHART_DISPLAYS = {"bar", "combo", "row", "funnel", "line", "area", "pie"}
# Nominal size of one grid cell (px) for the SVG viewBoxes; the pages' CSS grid uses the same.
COL_PX, ROW_PX, GAP_PX = 55, 44, 12


@dataclass
class CardResult:
    card: dict
    columns: list[str] = field(default_factory=list)
    rows: list[tuple] = field(default_factory=list)
    error: str | None = None
    applied: dict[str, object] = field(default_factory=dict)  # filter id → value this card used

    @cached_property
    def drawn(self) -> tuple[str, str, str]:
        """The card's HTML body, its state (ok, empty, error) and a note."""
        return card_body(self)



def chart_data(result: CardResult) -> tuple[list[object], list[Series]]:
    """The x values and the series of a chart card: with two dimensions the second one splits
    the first metric into series (one line per channel…); otherwise one series per metric."""
    card, columns, rows = result.card, result.columns, result.rows
    dims = [c for c in card.get("dimensions", []) if c in columns] or columns[:1]
    metrics = [c for c in card.get("metrics", []) if c in columns] or [
        c for c in columns if c not in dims and any(_number(r[columns.index(c)]) is not None for r in rows)]
    if not metrics:
        return [], []
    x_at = columns.index(dims[0])
    if len(dims) > 1:
        split_at, m_at = columns.index(dims[1]), columns.index(metrics[0])
        xs: list[object] = list(dict.fromkeys(r[x_at] for r in rows))
        names = list(dict.fromkeys(_category(r[split_at]) for r in rows))
        cells = {(r[x_at], _category(r[split_at])): _number(r[m_at]) for r in rows}
        kind = column_kind(card, metrics[0])
        series = [Series(name, [cells.get((x, name)) for x in xs], kind) for name in names]
    else:
        xs = [r[x_at] for r in rows]
        series = [Series(column_label(card, m), [_number(r[columns.index(m)]) for r in rows],
                         column_kind(card, m)) for m in metrics]
    if xs and all(isinstance(x, dt.date) for x in xs) or all(
            isinstance(x, (int, float, Decimal)) and not isinstance(x, bool) for x in xs):
        order = sorted(range(len(xs)), key=lambda k: xs[k])  # time runs left to right
        xs = [xs[k] for k in order]
        for s in series:
            s.values = [s.values[k] for k in order]
    return xs, series


def card_size(card: dict) -> tuple[float, float]:
    """The nominal drawing area of a card's body (px), from its size on the grid."""
    pos = card["position"]
    width = pos["size_x"] * COL_PX - GAP_PX - 24
    height = pos["size_y"] * (ROW_PX + GAP_PX) - GAP_PX - 24 - 30 - 18
    return max(width, 80), max(height, 40)


def _message(text: str, css: str = "empty") -> str:
    return f'<p class="message {css}">{_esc(text)}</p>'


def card_body(result: CardResult) -> tuple[str, str, str]:
    """The card's HTML body, its state (ok, empty, error) and a note (or "")."""
    card = result.card
    if result.error is not None:
        detail = result.error.strip().splitlines()[0][:300] if result.error.strip() else "erreur inconnue"
        return (_message("Cette carte n'a pas pu être calculée : sa requête a échoué.", "error")
                + f"<details><summary>Détail technique</summary><pre>{_esc(detail)}</pre></details>",
                "error", "")
    if not result.rows:
        return _message("Aucune donnée pour ces filtres."), "empty", ""
    display = card["display"]
    if display == "scalar":
        value = result.rows[0][0]
        # the scope the figure was measured in ({coverage}, {history_start}), under it
        notes = "".join(f'<p class="scalar-note">{_esc(v)}</p>' for v in result.rows[0][1:] if isinstance(v, str) and v)
        if value is None:
            if "non mesuré" in notes:  # outside its sources' window: « non mesuré », with the reason
                return f'<p class="scalar-value">non mesuré</p>{notes}', "ok", ""
            return _message("Aucune donnée pour ces filtres."), "empty", ""
        text = format_value(value, column_kind(card, result.columns[0]))
        return f'<p class="scalar-value">{_esc(text)}</p>{notes}', "ok", ""
    if display in CHART_DISPLAYS:
        return chart_body(result)
    return table_body(result)


def chart_body(result: CardResult) -> tuple[str, str, str]:
    card = result.card
    xs, series = chart_data(result)
    if not series or all(v is None for s in series for v in s.values):
        return _message("Aucune valeur à tracer pour ces filtres."), "empty", ""
    width, height = card_size(card)
    display, note = card["display"], ""
    if display in ("line", "area"):
        svg = line_chart_svg(xs, series, width, height, area=display == "area")
    elif display == "pie":
        svg = pie_chart_svg([_category(x) for x in xs], series[0].values, width, height, series[0].kind)
    else:
        horizontal = display in ("row", "funnel")
        band_px = 14 if horizontal else 10 * len(series)
        room = int((height - 40) // band_px) if horizontal else int((width - 70) // band_px)
        if len(xs) > max(room, 1):
            note = f"Les {room} premières catégories sur {len(xs)} sont tracées."
            xs, series = xs[:room], [Series(s.name, s.values[:room], s.kind) for s in series]
        svg = bar_chart_svg([_category(x) for x in xs], series, width, height, horizontal=horizontal)
    return f'<div class="chart">{svg}</div>', "ok", note


def table_body(result: CardResult) -> tuple[str, str, str]:
    card, columns, rows = result.card, result.columns, result.rows
    kinds = [column_kind(card, c) for c in columns]
    numeric = [any(_number(r[i]) is not None for r in rows) for i in range(len(columns))]
    head = "".join(f'<th class="{"num" if numeric[i] else "txt"}">{_esc(column_label(card, c))}</th>'
                   for i, c in enumerate(columns))
    body = []
    for row in rows[:TABLE_MAX_ROWS]:
        cells = "".join(f'<td class="{"num" if numeric[i] else "txt"}">{_esc(format_value(v, kinds[i]))}</td>'
                        for i, v in enumerate(row))
        body.append(f"<tr>{cells}</tr>")
    note = (f"Affichage limité aux {TABLE_MAX_ROWS} premières lignes sur {len(rows)}."
            if len(rows) > TABLE_MAX_ROWS else "")
    if card["display"] not in ("table",):
        note = (f"Affichage « {card['display']} » présenté en tableau. " + note).strip()
    table = f'<div class="table-wrap"><table><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'
    return table, "ok", note


def card_html(d: Dashboard, result: CardResult) -> str:
    card = result.card
    pos = card["position"]
    body, state, note = result.drawn
    used = [f"{d.filters[f]['label']} = {filter_value_text(v)}" for f, v in result.applied.items()]
    notes = [n for n in (note, ("Filtre appliqué : " if len(used) == 1 else "Filtres appliqués : ")
                         + " ; ".join(used) if used else "") if n]
    foot = f'<p class="note">{_esc(" · ".join(notes))}</p>' if notes else ""
    style = (f"grid-column: {pos['col'] + 1} / span {pos['size_x']}; "
             f"grid-row: {pos['row'] + 1} / span {pos['size_y']}")
    return (f'<section class="card card-{_esc(card["display"])}" data-card-id="{_esc(card["id"])}" '
            f'data-display="{_esc(card["display"])}" data-state="{state}" data-drawn="true" style="{style}">'
            f'<h3>{_esc(card["title"])}</h3><div class="body">{body}</div>{foot}</section>')


