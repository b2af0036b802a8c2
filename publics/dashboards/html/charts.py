"""The SVG charts of the static pages, built in Python: grouped bars (vertical or horizontal),
lines (or areas) and pies; every data mark carries `class="mark"`."""

from __future__ import annotations

import datetime as dt
import html
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from publics.dashboards.html.formats import (
    PARIS,
    Kind,
    _axis_formatter,
    format_compact,
    format_value,
    nice_ticks,
)

# Metabase's default series colours, so that the pages look like the dashboards they mirror.
PALETTE = ("#509EE3", "#88BF4D", "#A989C5", "#EF8C8C", "#F9D45C", "#F2A86F", "#98D9D9",
           "#7172AD", "#C9A26B", "#6C8EA0")
MONTHS = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.",
          "nov.", "déc.")
CHAR_PX = 6.5  # mean width of a character at the charts' 11 px font, to lay labels out


@dataclass
class Series:
    name: str
    values: list[float | None]
    kind: Kind = "number"
    color: str | None = None  # an outcome's colour, else the palette's
    bases: list[float | None] | None = None  # a rate's base at each point, told in its tooltip
    base_kind: Kind = "count"

    def colour(self, i: int) -> str:
        return self.color or PALETTE[i % len(PALETTE)]

    def tip(self, k: int, v: float) -> str:
        """« Fidélisation : 43,0 % (sur 1 234) »: the value, and the base a rate rests on."""
        base = self.bases[k] if self.bases else None
        return (f"{self.name} : {format_value(v, self.kind)}"
                + (f" (sur {format_value(base, self.base_kind)})" if base is not None else ""))


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


def _legend(names: list[str], width: float, x0: float = 8, y0: float = 4,
            colors: Sequence[str] | None = None) -> tuple[list[str], float]:
    """Colour swatches and names, wrapped into rows; returns the elements and the height used."""
    out, x, y = ['<g class="legend">'], x0, y0
    for i, name in enumerate(names):
        label = _short(name, 40)
        item = 18 + len(label) * CHAR_PX + 12
        if x > x0 and x + item > width:
            x, y = x0, y + 16
        out.append(f'<rect x="{_n(x)}" y="{_n(y + 2)}" width="10" height="10" rx="2" '
                   f'fill="{colors[i] if colors else PALETTE[i % len(PALETTE)]}"/>'
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
        legend, used = _legend([s.name for s in series], width, colors=[s.colour(i) for i, s in enumerate(series)])
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
            color = s.colour(i)
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
                tip = f"{categories[k]} — {s.tip(k, v)}"
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
        legend, used = _legend([s.name for s in series], width, colors=[s.colour(i) for i, s in enumerate(series)])
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
        color = s.colour(i)
        points = [(px[k], y(v), v, xs[k], k) for k, v in enumerate(s.values) if v is not None]
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
        for a, b, v, x, at in points:
            if dots or (a, b) in alone:
                tip = f"{format_value(x)} — {s.tip(at, v)}"
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

