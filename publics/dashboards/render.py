"""Static rendering of the dashboards: one self-contained HTML page per dashboard, for sharing.

`render()` runs every card's query on the warehouse (through `runnable_sql`, so the filters'
defaults apply as they do in Metabase) and writes `<out>/<NN>_<slug>.html` per dashboard plus
an `index.html`, in French: the workshop canvas, the filters as applied, and every card at its
grid position. Charts are inline SVG built here, in Python: the pages carry no script, fetch
nothing (a Content-Security-Policy forbids it), and the same data always gives the same bytes.

A card whose query fails or returns nothing is drawn with a message, never a crash. Every card
element carries `data-card-id`, `data-state` (ok, empty, error) and `data-drawn="true"`; every
data mark of a chart carries `class="mark"` — what the browser test checks.
"""

from __future__ import annotations

import datetime as dt
import html
import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cached_property
from pathlib import Path
from zoneinfo import ZoneInfo

from psycopg import sql

from publics.dashboards.definitions import (
    GRID_WIDTH,
    LATEST,
    TAG,
    Dashboard,
    discover,
    runnable_sql,
)
from publics.warehouse import ConnInfo, connect

PARIS = ZoneInfo("Europe/Paris")
THIN = "\u202f"  # narrow no-break space: French thousands separator (CLDR fr)
NBSP = "\u00a0"  # no-break space: before € and % (CLDR fr)
TABLE_MAX_ROWS = 50
MISSING = "—"
# Metabase's default series colours, so that the pages look like the dashboards they mirror.
PALETTE = ("#509EE3", "#88BF4D", "#A989C5", "#EF8C8C", "#F9D45C", "#F2A86F", "#98D9D9",
           "#7172AD", "#C9A26B", "#6C8EA0")
MONTHS = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.",
          "nov.", "déc.")
CHART_DISPLAYS = {"bar", "combo", "row", "funnel", "line", "area", "pie"}
# Nominal size of one grid cell (px) for the SVG viewBoxes; the CSS grid below uses the same.
COL_PX, ROW_PX, GAP_PX = 55, 44, 12
CHAR_PX = 6.5  # mean width of a character at the charts' 11 px font, to lay labels out
EURO_COLUMN = re.compile(r"(_eur$|^cout_)")
PERCENT_COLUMN = re.compile(r"^(part_|taux_|reabonnement_)|^ctr$")

Kind = str  # "eur", "percent" or "number"


# --------------------------------------------------------------------------- numbers


def _decimal(value: object) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        d = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return d if d.is_finite() else None


def format_number(value: object, decimals: int = 2) -> str:
    """French digits: `1234.5` → `1 234,50` (narrow no-break space between thousands, comma
    before the decimals), rounded half up; `—` for a missing or non-numeric value."""
    d = _decimal(value)
    if d is None:
        return MISSING
    q = d.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    if q == 0:
        q = abs(q)  # no "-0,00"
    return f"{q:,.{decimals}f}".replace(",", THIN).replace(".", ",")


def _is_integral(d: Decimal) -> bool:
    return d == d.to_integral_value()


def format_value(value: object, kind: Kind = "number") -> str:
    """A value as the committee reads it: `1 234,50 €`, `51,8 %`, `8 788`, `1,54`, dates
    `08/05/2023`, times in Paris `23/11/2026 09:55`, `—` when missing."""
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, dt.datetime):
        local = value.astimezone(PARIS) if value.tzinfo else value
        return local.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    d = _decimal(value) if isinstance(value, (int, float, Decimal)) else None
    if d is None:
        return str(value)
    if kind == "percent":
        return f"{format_number(d * 100, 1)}{NBSP}%"
    if kind == "eur":
        return f"{format_number(d, 2)}{NBSP}€"
    return format_number(d, 0 if _is_integral(d) else 2)


def format_compact(value: float, kind: Kind = "number") -> str:
    """A short label for a chart: `396 k€`, `1,23 M`, `51,8 %`, `0,46`."""
    d = _decimal(value)
    if d is None:
        return MISSING
    if kind == "percent":
        return f"{format_number(d * 100, 1)}{NBSP}%"
    size = abs(d)
    if size >= 1_000_000:
        text, suffix = _trim(format_number(d / 1_000_000, 2)), f"{NBSP}M"
    elif size >= 10_000:
        text, suffix = format_number(d / 1000, 0), f"{NBSP}k"
    elif size >= 100 or _is_integral(d):
        text, suffix = format_number(d, 0), ""
    else:
        text, suffix = _trim(format_number(d, 2)), ""
    if kind == "eur":
        return f"{text}{suffix}€" if suffix else f"{text}{NBSP}€"
    return text + suffix


def _trim(text: str) -> str:
    return text.rstrip("0").rstrip(",") if "," in text else text


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round axis ticks (steps of 1, 2, 2.5 or 5 × 10ⁿ) covering [low, high] and zero."""
    low, high = min(low, 0.0), max(high, 0.0)
    if high == low:
        high = low + 1
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw * (1 - 1e-9))
    start, stop = math.floor(low / step + 1e-9), math.ceil(high / step - 1e-9)
    return [round(i * step, 12) for i in range(start, stop + 1)]


def _axis_formatter(ticks: list[float], kind: Kind) -> Callable[[float], str]:
    """One style for every tick of an axis (all in k, or all in units), as many decimals as the
    step needs."""
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    top = max(abs(t) for t in ticks) or 1.0
    if kind == "percent":
        decimals = max(0, -math.floor(math.log10(step * 100) + 1e-9))
        return lambda v: f"{format_number(v * 100, decimals)}{NBSP}%"
    divisor, suffix = (1e6, f"{NBSP}M") if top >= 1e6 else (1e3, f"{NBSP}k") if top >= 1e4 else (1, "")
    decimals = max(0, -math.floor(math.log10(step / divisor) + 1e-9))
    unit = ("€" if suffix else f"{NBSP}€") if kind == "eur" else ""
    return lambda v: f"{format_number(v / divisor, decimals)}{suffix}{unit}"


# --------------------------------------------------------------------------- SVG charts


@dataclass
class Series:
    name: str
    values: list[float | None]
    kind: Kind = "number"


def _n(x: float) -> str:
    """A coordinate, rounded so that the output is compact and stable."""
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _short(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: max(1, chars - 1)] + "…"


def _svg(width: float, height: float, body: list[str], label: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_n(width)} {_n(height)}" '
            f'role="img" aria-label="{_esc(label)}" font-family="DejaVu Sans, Arial, sans-serif" '
            f'font-size="11">' + "".join(body) + "</svg>")


def _legend(names: list[str], width: float, x0: float = 8, y0: float = 4) -> tuple[list[str], float]:
    """Colour swatches and names, wrapped into rows; returns the elements and the height used."""
    out, x, y = ['<g class="legend">'], x0, y0
    for i, name in enumerate(names):
        label = _short(name, 40)
        item = 18 + len(label) * CHAR_PX + 12
        if x > x0 and x + item > width:
            x, y = x0, y + 16
        out.append(f'<rect x="{_n(x)}" y="{_n(y + 2)}" width="10" height="10" rx="2" '
                   f'fill="{PALETTE[i % len(PALETTE)]}"/>'
                   f'<text x="{_n(x + 14)}" y="{_n(y + 11)}">{_esc(label)}</text>')
        x += item
    out.append("</g>")
    return out, y + 16 - y0 + 6


def _panels(series: list[Series]) -> list[list[tuple[int, Series]]]:
    """Series grouped by unit (euros, percents, counts), each group on its own value axis: two
    quantities of different units never share a scale."""
    groups: dict[Kind, list[tuple[int, Series]]] = {}
    for i, s in enumerate(series):
        groups.setdefault(s.kind, []).append((i, s))
    return list(groups.values())


def bar_chart_svg(categories: Sequence[str], series: Sequence[Series], width: float, height: float,
                  horizontal: bool = False) -> str:
    """Grouped bars, one group per category and one bar per series, from a zero baseline (so a
    bar's length is proportional to its value). Vertical columns (`bar`) or horizontal bars
    (`row`); series of different units get separate panels sharing the category axis."""
    series = list(series)
    panels = _panels(series)
    body: list[str] = []
    top = 6.0
    if any(len(panel) > 1 for panel in panels):  # else the panels' titles name the series
        legend, used = _legend([s.name for s in series], width)
        body += legend
        top += used
    if len(panels) > 1 and not horizontal:
        top += 14  # room for the top panel's title
    n = max(1, len(categories))
    if horizontal:
        label_w = min(max((len(c) for c in categories), default=4) * CHAR_PX + 10, width * 0.4)
        chars = int((label_w - 10) / CHAR_PX)
        band_from, band_to = top + (14 if len(panels) > 1 else 0), height - 22
        value_from, value_to = label_w, width - 10
    else:
        longest = max((len(c) for c in categories), default=0)
        slot = (width - 60) / n
        rotate = longest * CHAR_PX > slot - 4
        chars = 18 if rotate else max(3, int(slot / CHAR_PX))
        bottom = 8 + (min(longest, chars) * CHAR_PX * 0.6 + 14 if rotate else 16)
        band_from, band_to = 60.0, width - 10
        value_from, value_to = height - bottom, top
    band = (band_to - band_from) / n
    gap = 16.0 if horizontal else 18.0
    extent = (value_to - value_from - gap * (len(panels) - 1) * (1 if horizontal else -1)) / len(panels)
    value_labels = sum(len(p) for p in panels) * n <= 16 or horizontal

    for p, panel in enumerate(panels):
        slot_no = p if horizontal else len(panels) - 1 - p  # first panel on the left / on top
        p_from = value_from + slot_no * (extent + (gap if horizontal else -gap))
        p_to = p_from + extent
        values = [v for _, s in panel for v in s.values if v is not None]
        ticks = nice_ticks(min(values, default=0.0), max(values, default=0.0))
        fmt = _axis_formatter(ticks, panel[0][1].kind)

        # Vertical value labels sit above the bars: the top tick stays 12 px below the panel's top.
        scale_to = p_to + 12 if value_labels and not horizontal else p_to

        def pos(v: float, p_from: float = p_from, scale_to: float = scale_to, ticks: list[float] = ticks) -> float:
            return p_from + (v - ticks[0]) / (ticks[-1] - ticks[0]) * (scale_to - p_from)

        body.append(f'<g class="panel" data-unit="{panel[0][1].kind}">')
        if len(panels) > 1:
            title = " · ".join(s.name for _, s in panel)
            tx, ty = (p_from, band_from - 4) if horizontal else (band_from, p_to - 4)
            body.append(f'<text class="panel-title" x="{_n(tx)}" y="{_n(ty)}" font-weight="bold">'
                        f'{_esc(_short(title, 50))}</text>')
        for t in ticks:
            c = pos(t)
            if horizontal:
                body.append(f'<line x1="{_n(c)}" x2="{_n(c)}" y1="{_n(band_from)}" y2="{_n(band_to)}" '
                            f'stroke="#e3e6ea"/><text x="{_n(c)}" y="{_n(band_to + 14)}" '
                            f'text-anchor="middle" fill="#666">{_esc(fmt(t))}</text>')
            else:
                body.append(f'<line x1="{_n(band_from)}" x2="{_n(band_to)}" y1="{_n(c)}" y2="{_n(c)}" '
                            f'stroke="#e3e6ea"/><text x="{_n(band_from - 6)}" y="{_n(c + 4)}" '
                            f'text-anchor="end" fill="#666">{_esc(fmt(t))}</text>')
        zero = pos(0.0)
        inner = min(band * 0.8 / len(panel), 64.0)  # a lone category does not make a slab
        offset = (band - inner * len(panel)) / 2
        for j, (i, s) in enumerate(panel):
            color = PALETTE[i % len(PALETTE)]
            for k, v in enumerate(s.values):
                if v is None:
                    continue
                b0 = band_from + k * band + offset + j * inner
                end = pos(v)
                lo, hi = min(zero, end), max(zero, end)
                if horizontal:
                    x, y, w, h = lo, b0, hi - lo, inner
                else:
                    x, y, w, h = b0, lo, inner, hi - lo
                tip = f"{categories[k]} — {s.name} : {format_value(v, s.kind)}"
                body.append(f'<rect class="mark" x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" '
                            f'fill="{color}" data-series="{_esc(s.name)}" data-value="{_esc(v)}">'
                            f'<title>{_esc(tip)}</title></rect>')
                if value_labels and inner >= 9:
                    label = format_compact(v, s.kind)
                    if horizontal:
                        body.append(f'<text x="{_n(hi + 3)}" y="{_n(b0 + inner / 2 + 4)}" font-size="9.5" '
                                    f'fill="#333">{_esc(label)}</text>')
                    else:
                        body.append(f'<text x="{_n(b0 + inner / 2)}" y="{_n(lo - 3)}" font-size="9.5" '
                                    f'text-anchor="middle" fill="#333">{_esc(label)}</text>')
        axis = (f'<line x1="{_n(zero)}" x2="{_n(zero)}" y1="{_n(band_from)}" y2="{_n(band_to)}" stroke="#888"/>'
                if horizontal else
                f'<line x1="{_n(band_from)}" x2="{_n(band_to)}" y1="{_n(zero)}" y2="{_n(zero)}" stroke="#888"/>')
        body.append(axis + "</g>")

    body.append('<g class="categories" fill="#333">')
    for k, cat in enumerate(categories):
        mid = band_from + (k + 0.5) * band
        label = _esc(_short(cat, chars))
        if horizontal:
            body.append(f'<text x="{_n(value_from - 6)}" y="{_n(mid + 4)}" text-anchor="end">{label}'
                        f'<title>{_esc(cat)}</title></text>')
        elif rotate:
            y = value_from + 12
            body.append(f'<text x="{_n(mid)}" y="{_n(y)}" text-anchor="end" '
                        f'transform="rotate(-35 {_n(mid)} {_n(y)})">{label}<title>{_esc(cat)}</title></text>')
        else:
            body.append(f'<text x="{_n(mid)}" y="{_n(value_from + 14)}" text-anchor="middle">{label}'
                        f'<title>{_esc(cat)}</title></text>')
    body.append("</g>")
    return _svg(width, height, body, ", ".join(s.name for s in series))


def _x_position(xs: Sequence[object]) -> tuple[list[float], bool]:
    """Where each x value sits on [0, 1]: proportional to time or quantity when the values are
    all dates or all numbers, evenly spaced otherwise (categories)."""
    if xs and all(isinstance(x, dt.date) for x in xs):
        raw = [x.timestamp() if isinstance(x, dt.datetime) else
               dt.datetime.combine(x, dt.time(), dt.UTC).timestamp() for x in xs]
    elif xs and all(isinstance(x, (int, float, Decimal)) and not isinstance(x, bool) for x in xs):
        raw = [float(x) for x in xs]
    else:
        return ([i / (len(xs) - 1) for i in range(len(xs))] if len(xs) > 1 else [0.5]), False
    lo, hi = min(raw), max(raw)
    return ([(r - lo) / (hi - lo) for r in raw] if hi > lo else [0.5] * len(raw)), True


def _x_label(x: object, span_days: float) -> str:
    if isinstance(x, dt.datetime):
        local = x.astimezone(PARIS) if x.tzinfo else x
        return local.strftime("%d/%m %H:%M") if span_days <= 2 else _x_label(local.date(), span_days)
    if isinstance(x, dt.date):
        return f"{MONTHS[x.month - 1]} {x.year}" if span_days > 120 else x.strftime("%d/%m")
    if isinstance(x, (int, float, Decimal)) and not isinstance(x, bool):
        return format_compact(float(x))
    return _short(str(x), 14)


def line_chart_svg(xs: Sequence[object], series: Sequence[Series], width: float, height: float,
                   area: bool = False) -> str:
    """Lines over x (dates and numbers at their true distance, categories evenly spaced), one per
    series, on a value axis from zero; dots on each value when there are few."""
    series = list(series)
    body: list[str] = []
    top = 8.0
    if len(series) > 1:
        legend, used = _legend([s.name for s in series], width)
        body += legend
        top += used
    left, right, bottom = 60.0, width - 14, height - 22
    values = [v for s in series for v in s.values if v is not None]
    ticks = nice_ticks(min(values, default=0.0), max(values, default=0.0))
    kind = series[0].kind if series else "number"
    fmt = _axis_formatter(ticks, kind)

    def y(v: float) -> float:
        return bottom - (v - ticks[0]) / (ticks[-1] - ticks[0]) * (bottom - top)

    where, _ = _x_position(list(xs))
    px = [left + w * (right - left) for w in where]
    for t in ticks:
        body.append(f'<line x1="{_n(left)}" x2="{_n(right)}" y1="{_n(y(t))}" y2="{_n(y(t))}" '
                    f'stroke="#e3e6ea"/><text x="{_n(left - 6)}" y="{_n(y(t) + 4)}" text-anchor="end" '
                    f'fill="#666">{_esc(fmt(t))}</text>')
    dates = [x for x in xs if isinstance(x, dt.date)]
    span = ((max(dates) - min(dates)).total_seconds() / 86400 if len(dates) == len(xs) and dates else 0)
    shown = max(2, int((right - left) // 90))
    picks = sorted({round(i * (len(xs) - 1) / (shown - 1)) for i in range(shown)}) if len(xs) > 1 else [0]
    for k in picks[: len(xs)]:
        anchor = "start" if k == 0 and len(xs) > 1 else "end" if k == len(xs) - 1 and len(xs) > 1 else "middle"
        body.append(f'<text x="{_n(px[k])}" y="{_n(bottom + 15)}" text-anchor="{anchor}" fill="#333">'
                    f'{_esc(_x_label(xs[k], span))}</text>')
    body.append(f'<line x1="{_n(left)}" x2="{_n(right)}" y1="{_n(y(0.0))}" y2="{_n(y(0.0))}" stroke="#888"/>')
    dots = len(xs) <= 60
    for i, s in enumerate(series):
        color = PALETTE[i % len(PALETTE)]
        points = [(px[k], y(v), v, xs[k]) for k, v in enumerate(s.values) if v is not None]
        if not points:
            continue
        # A missing value breaks the line rather than bridging the gap with a made-up slope.
        runs: list[list[tuple]] = [[]]
        for k, v in enumerate(s.values):
            if v is None:
                runs.append([])
            else:
                runs[-1].append((px[k], y(v)))
        runs = [r for r in runs if r]
        d = " ".join("M" + " L".join(f"{_n(a)} {_n(b)}" for a, b in r) for r in runs if len(r) > 1)
        body.append(f'<g class="series" data-series="{_esc(s.name)}">')
        if area:
            base = _n(y(0.0))
            for r in (r for r in runs if len(r) > 1):
                outline = "M" + " L".join(f"{_n(a)} {_n(b)}" for a, b in r)
                body.append(f'<path d="{outline} L{_n(r[-1][0])} {base} L{_n(r[0][0])} {base} Z" '
                            f'fill="{color}" fill-opacity="0.18" stroke="none"/>')
        if d:
            body.append(f'<path class="mark" d="{d}" fill="none" stroke="{color}" stroke-width="2" '
                        f'stroke-linejoin="round"><title>{_esc(s.name)}</title></path>')
        alone = {r[0] for r in runs if len(r) == 1}
        for a, b, v, x in points:
            if dots or (a, b) in alone:
                tip = f"{format_value(x)} — {s.name} : {format_value(v, s.kind)}"
                body.append(f'<circle class="mark" cx="{_n(a)}" cy="{_n(b)}" r="3" fill="{color}" '
                            f'data-value="{_esc(v)}"><title>{_esc(tip)}</title></circle>')
        body.append("</g>")
    return _svg(width, height, body, ", ".join(s.name for s in series))


def pie_chart_svg(labels: Sequence[str], values: Sequence[float | None], width: float, height: float,
                  kind: Kind = "number") -> str:
    """Slices clockwise from noon, in the given order, with a legend of shares on the right."""
    items = [(str(lab), float(v)) for lab, v in zip(labels, values) if v is not None and v > 0]
    total = sum(v for _, v in items) or 1.0
    r = max(10.0, min(height - 16, width * 0.5) / 2)
    cx, cy = 8 + r, height / 2
    body, angle = [], 0.0
    for i, (label, v) in enumerate(items):
        color = PALETTE[i % len(PALETTE)]
        tip = f"{label} : {format_value(v, kind)} ({format_value(v / total, 'percent')})"
        if len(items) == 1:
            body.append(f'<circle class="mark" cx="{_n(cx)}" cy="{_n(cy)}" r="{_n(r)}" fill="{color}">'
                        f'<title>{_esc(tip)}</title></circle>')
            break
        end = angle + v / total * 2 * math.pi
        x0, y0 = cx + r * math.sin(angle), cy - r * math.cos(angle)
        x1, y1 = cx + r * math.sin(end), cy - r * math.cos(end)
        large = 1 if end - angle > math.pi else 0
        body.append(f'<path class="mark" d="M{_n(cx)} {_n(cy)} L{_n(x0)} {_n(y0)} A{_n(r)} {_n(r)} 0 {large} 1 '
                    f'{_n(x1)} {_n(y1)} Z" fill="{color}" stroke="#fff" data-value="{_esc(v)}">'
                    f'<title>{_esc(tip)}</title></path>')
        angle = end
    lx = cx + r + 16
    for i, (label, v) in enumerate(items[: int((height - 8) // 16)]):
        ly = 12 + i * 16
        body.append(f'<rect x="{_n(lx)}" y="{_n(ly - 9)}" width="10" height="10" rx="2" '
                    f'fill="{PALETTE[i % len(PALETTE)]}"/><text x="{_n(lx + 14)}" y="{_n(ly)}">'
                    f'{_esc(_short(label, int((width - lx - 70) / CHAR_PX)))} · '
                    f'{_esc(format_value(v / total, "percent"))}</text>')
    return _svg(width, height, body, ", ".join(label for label, _ in items))


# --------------------------------------------------------------------------- cards


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


def column_kind(card: dict, column: str) -> Kind:
    """Euros, percents or plain numbers: the card's `format: percent` applies to its metrics (the
    value of a scalar); otherwise the column's name tells (`…_eur`, `part_…`, `taux_…`)."""
    if card.get("format") == "percent" and (card["display"] == "scalar" or column in card.get("metrics", [])):
        return "percent"
    if PERCENT_COLUMN.search(column):
        return "percent"
    if EURO_COLUMN.search(column):
        return "eur"
    return "number"


# Column names are ASCII snake case; their words as the committee writes them.
WORDS = {"annee": "année", "attribuee": "attribuée", "categorie": "catégorie", "cout": "coût",
         "critere": "critère", "decroissance": "décroissance", "defaut": "défaut", "depense": "dépense",
         "detenteur": "détenteur", "echecs": "échecs", "execution": "exécution", "fideles": "fidèles",
         "fidelisation": "fidélisation", "frequence": "fréquence", "gravite": "gravité",
         "lineaire": "linéaire", "observee": "observée", "premiere": "première", "reabonnement":
         "réabonnement", "regie": "régie", "rejetes": "rejetés", "resultat": "résultat",
         "reussie": "réussie", "reussis": "réussis", "strategie": "stratégie", "age": "âge",
         "ctr": "CTR", "cpc": "CPC", "roas": "ROAS", "utm": "UTM", "ttc": "TTC"}


def column_label(card: dict, column: str) -> str:
    """`recette_eur` → `Recette (€)`, `depense_eur` → `Dépense (€)`; a card may name its
    columns itself (`labels: {column: text}`)."""
    if column in card.get("labels", {}):
        return str(card["labels"][column])
    unit = " (€)" if column.endswith("_eur") else ""
    words = [WORDS.get(w, w) for w in (column[:-4] if unit else column).split("_") if w]
    text = " ".join(words)
    return (text[:1].upper() + text[1:] + unit) if text else column


def _number(value: object) -> float | None:
    d = _decimal(value) if isinstance(value, (int, float, Decimal)) else None
    return float(d) if d is not None else None


def _category(value: object) -> str:
    if value is None:
        return "(vide)"
    if isinstance(value, int) or isinstance(value, Decimal) and value.is_finite() and _is_integral(value):
        return str(int(value))  # a year or a code, not a quantity: no thousands separator
    return format_value(value) if isinstance(value, (dt.date, float, Decimal)) else str(value)


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
        if value is None:
            return _message("Aucune donnée pour ces filtres."), "empty", ""
        text = format_value(value, column_kind(card, result.columns[0]))
        return f'<p class="scalar-value">{_esc(text)}</p>', "ok", ""
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


# --------------------------------------------------------------------------- pages


def filter_value_text(value: object) -> str:
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(isinstance(v, dt.date) for v in value):
        return f"du {format_value(value[0])} au {format_value(value[1])}"
    if isinstance(value, (tuple, list)):
        return ", ".join(format_value(v) for v in value)
    return format_value(value)


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
.grid{display:grid;grid-auto-rows:44px;gap:12px}
.card{background:#fff;border:1px solid #dde2e7;border-radius:8px;padding:12px;display:flex;
 flex-direction:column;min-width:0;min-height:0;overflow:hidden}
.card h3{margin:0 0 8px;font-size:14px;line-height:22px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.card .body{flex:1;min-height:0;display:flex;flex-direction:column}
.card .note{margin:4px 0 0;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.chart{flex:1;min-height:0}.chart svg{width:100%;height:100%;display:block}
.scalar-value{margin:auto 0;font-size:38px;font-weight:bold;color:#2f6fb0;white-space:nowrap}
.message{margin:auto;text-align:center;color:#6b7680;font-style:italic}
.message.error{color:#b3261e;font-style:normal;font-weight:bold}
details{font-size:11px;color:#6b7680}pre{white-space:pre-wrap;margin:4px 0 0}
.table-wrap{flex:1;min-height:0;overflow:auto}
table{border-collapse:collapse;width:100%;font-size:12px}
th{position:sticky;top:0;background:#f0f3f6;text-align:left;font-weight:600}
th,td{padding:3px 6px;border-bottom:1px solid #eceff2;white-space:nowrap}
.num{text-align:right;font-variant-numeric:tabular-nums}
.index{list-style:none;padding:0;display:grid;grid-template-columns:repeat(auto-fill,minmax(380px,1fr));gap:12px}
.index li{background:#fff;border:1px solid #dde2e7;border-radius:8px;padding:12px 16px}
.index h2{margin:0 0 6px;font-size:18px}
footer{margin-top:24px}
@media (max-width:900px){.grid{display:block}.card{margin-bottom:12px;height:360px}
 .card-scalar{height:140px}.canvas{grid-template-columns:1fr}}
@media print{@page{size:A4 landscape;margin:10mm}body{background:#fff}
 .table-wrap{overflow:visible}.card{break-inside:avoid}}
"""

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
            for fid, v in applied.items():  # `latest`: the value it stands for today, shown as such
                if v == LATEST:
                    column = d.filters[fid]["column"]
                    applied[fid] = conn.execute(sql.SQL("select max({}) from {}").format(
                        sql.Identifier(column), sql.Identifier(*d.spec["dataset"].split(".", 1)))).fetchone()[0]
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
