"""A card of a static page: its query's result drawn as a scalar, an SVG chart or a table, or
as a message (no data, failed query); every card element carries `data-card-id`, `data-state`
(ok, empty, error) and `data-drawn="true"`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from publics.dashboards.definitions import OUTCOME_COLORS, VALUE_UNIT, Dashboard
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
    parse_number,
)
from publics.dashboards.html.maps import map_svg, placed

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
        base = (card.get("bases") or {}).get(metrics[0])
        base_cells = ({(r[x_at], _category(r[split_at])): _number(r[columns.index(base)]) for r in rows}
                      if base in columns else None)
        series = [Series(name, [cells.get((x, name)) for x in xs], kind,
                         bases=[base_cells.get((x, name)) for x in xs] if base_cells else None,
                         base_kind=column_kind(card, base) if base else "count") for name in names]
    else:
        xs = [r[x_at] for r in rows]
        series = []
        for m in metrics:
            base = (card.get("bases") or {}).get(m)
            series.append(Series(
                column_label(card, m), [_number(r[columns.index(m)]) for r in rows], column_kind(card, m),
                color=OUTCOME_COLORS.get((card.get("colors") or {}).get(m, "")),
                bases=[_number(r[columns.index(base)]) for r in rows] if base in columns else None,
                base_kind=column_kind(card, base) if base else "count"))
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
        # its base (« sur 130 — Abonnés… ») and the scope it was measured in ({coverage},
        # {history_start}), under it
        notes = "".join(f'<p class="scalar-note">{_esc(n)}</p>'
                        for n in scalar_notes(card, result.columns, result.rows[0]))
        if value is None:
            if "non mesuré" in notes:  # outside its sources' window: « non mesuré », with the reason
                return f'<p class="scalar-value">non mesuré</p>{notes}', "ok", ""
            if before_the_history(card, result.columns, result.rows[0]):
                value_html = f'<p class="scalar-value">non mesuré</p><p class="scalar-note">{_esc(NO_SEASON_BEFORE)}</p>'
                return value_html + notes, "ok", ""
            return _message("Aucune donnée pour ces filtres."), "empty", ""
        text = format_value(value, column_kind(card, result.columns[0]))
        return f'<p class="scalar-value">{_esc(text)}</p>{notes}', "ok", ""
    if display == "map":
        return map_body(result)
    if display in CHART_DISPLAYS:
        return chart_body(result)
    return table_body(result)


NO_SEASON_BEFORE = "la saison d'avant n'est pas dans les données"


def before_the_history(card: dict, columns: list[str], row: tuple) -> bool:
    """A rate that needs the seasons before (`{history_start}` shown) whose base is null, not 0:
    the dataset leaves such counts null in the first season(s) of the data (dashboard 3), so the
    figure is « non mesuré » there, not « Aucune donnée »."""
    bases = [i for i, c in enumerate(columns) if c in (card.get("base_of") or {})]
    history = any(isinstance(v, str) and "début des données" in v for v in row)
    return history and bool(bases) and all(row[i] is None for i in bases)


def scalar_notes(card: dict, columns: list[str], row: tuple) -> list[str]:
    """What a scalar's columns after the figure say: a base « sur 130 — Abonnés de première
    année la saison précédente », another figure « Sur les billets vendus : 8 320 », a text as
    it is (the measurement window, the first season of the data); beside a figure « non
    mesuré », no base (its denominator is 0 there, not a base)."""
    notes = []
    for column, v in zip(columns[1:], row[1:], strict=True):
        if isinstance(v, str) and v:
            notes.append(v)
        elif _number(v) is not None and row[0] is not None:  # no base beside « non mesuré »
            text = format_value(v, column_kind(card, column))
            base = (card.get("column_bases") or {}).get(column)
            notes.append(f"sur {text} — {base}" if base and column not in card.get("labels", {})
                         else f"{column_label(card, column)} : {text}")
    return notes


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


def map_body(result: CardResult) -> tuple[str, str, str]:
    """A map card: its first dimension holds département codes, its first metric the value;
    a `nom` column, when there is one, names them. What the map cannot place (overseas,
    unknown codes) is listed in the note."""
    card, columns, rows = result.card, result.columns, result.rows
    code_at = columns.index((card.get("dimensions") or columns[:1])[0])
    metric = (card.get("metrics") or [c for c in columns if c != columns[code_at]][-1:])[0]
    at, name_at = columns.index(metric), columns.index("nom") if "nom" in columns else None
    values = {str(r[code_at]): _number(r[at]) for r in rows if r[code_at] is not None}
    names = {str(r[code_at]): str(r[name_at]) for r in rows if name_at is not None and r[code_at] is not None}
    if not values or all(v is None for v in values.values()):
        return _message("Aucune valeur à tracer pour ces filtres."), "empty", ""
    width, height = card_size(card)
    kind = column_kind(card, metric)
    svg = map_svg(values, names, width, height, kind, column_label(card, metric).lower())
    off = [c for c in values if c not in placed(values)]
    note = ("Hors carte : " + " ; ".join(f"{names.get(c, c)} ({c}) {format_value(values[c], kind)}" for c in off)
            if off else "")
    return f'<div class="chart">{svg}</div>', "ok", note


OUTCOMES = {"réussie": "passed", "avertissement": "warning", "échec critique": "failed"}  # outcome_label


def table_cells(card: dict, columns: list[str], row: tuple) -> list[tuple[str, str | None]]:
    """A table row's cells as printed, each with its outcome (passed, warning, failed) when it is
    one: each figure by its column's unit, or by the row's `value_unit` for the column before it
    (which the table does not show)."""
    cells = []
    for i, (column, v) in enumerate(zip(columns, row, strict=True)):
        if column == VALUE_UNIT:
            continue
        kind = column_kind(card, column)
        if i + 1 < len(columns) and columns[i + 1] == VALUE_UNIT and row[i + 1]:
            kind = row[i + 1]
            v = parse_number(v) if parse_number(v) is not None else v
        rate = (card.get("base_of") or {}).get(column)
        if rate in columns and row[columns.index(rate)] is None:
            v = None  # no rate (no previous season, outside the window): no base either, not « 0 »
        if v is None and column in (card.get("base_of") or {}).values():
            cells.append(("non mesuré", None))  # a rate the row cannot give: said, not « — » nor 0
            continue
        cells.append((format_value(v, kind), OUTCOMES.get(str(v).lower()) if isinstance(v, str) else None))
    return cells


def table_body(result: CardResult) -> tuple[str, str, str]:
    card, columns, rows = result.card, result.columns, result.rows
    shown = [i for i, c in enumerate(columns) if c != VALUE_UNIT]
    numeric = {i: any(_number(r[i]) is not None or (i + 1 < len(columns) and columns[i + 1] == VALUE_UNIT
                                                     and parse_number(r[i]) is not None) for r in rows)
               for i in shown}
    head = "".join(f'<th class="{"num" if numeric[i] else "txt"}">{_esc(column_label(card, columns[i]))}</th>'
                   for i in shown)
    body = []
    def css(i: int, value: object) -> str:  # a text in a column of figures wraps as a text
        return "num" if numeric[i] and (value is None or _number(value) is not None
                                        or parse_number(value) is not None) else "txt"

    for row in rows[:TABLE_MAX_ROWS]:
        cells = "".join(
            f'<td class="{css(i, row[i])}{f" outcome-{outcome}" if outcome else ""}">{_esc(text)}</td>'
            for i, (text, outcome) in zip(shown, table_cells(card, columns, row), strict=True))
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


