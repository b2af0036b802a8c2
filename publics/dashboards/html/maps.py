"""The map of départements on the static pages: a choropleth of metropolitan France drawn in
SVG from the simplified boundary file shipped in `geo/` (IGN Admin Express COG 2018, Licence
Ouverte; geo/README.md). Every département is a `path class="mark"` with its value in
`data-value` and a tooltip; those without a value are grey, those the map cannot place
(overseas, foreign, unknown) are listed under it."""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path

from publics.dashboards.html.charts import _esc, _n, _svg
from publics.dashboards.html.formats import Kind, format_value

GEOJSON = Path(__file__).with_name("geo") / "departements-simplifie.geojson"
# From light to dark blue (Metabase's region maps shade one hue); grey: no value.
SHADES = ("#DCEAF7", "#B3D1EE", "#84B4E3", "#509EE3", "#2E6FB5", "#1B4A80")
NO_VALUE = "#EEF0F2"
ILE_DE_FRANCE = ("75", "77", "78", "91", "92", "93", "94", "95")
COS_LAT = math.cos(math.radians(46.5))  # an equirectangular projection true at mid-France


@cache
def departements() -> tuple[tuple[str, str, tuple], ...]:
    """(code, name, polygons) of each département, polygons as rings of (lon, lat)."""
    data = json.loads(GEOJSON.read_text(encoding="utf-8"))
    return tuple((f["properties"]["code"], f["properties"]["nom"],
                  tuple(tuple(tuple(map(tuple, ring)) for ring in polygon)
                        for polygon in f["geometry"]["coordinates"]))
                 for f in data["features"])


def shade(value: float | None, top: float) -> str:
    """The shade of `value` on a square-root scale from 0 to `top` (six classes): audiences
    concentrate in Paris, and a linear scale would leave every other département in the
    lightest class."""
    if value is None:
        return NO_VALUE
    if top <= 0 or value <= 0:
        return SHADES[0]
    return SHADES[min(len(SHADES) - 1, int(len(SHADES) * math.sqrt(value / top)))]


def _paths(shapes, values, names, top, kind, metric, box) -> list[str]:
    """The départements of `shapes` fitted in `box` (x, y, width, height), one path each."""
    bx, by, bw, bh = box
    xs = [lon * COS_LAT for _, _, polys in shapes for poly in polys for lon, _ in poly[0]]
    ys = [lat for _, _, polys in shapes for poly in polys for _, lat in poly[0]]
    scale = min(bw / (max(xs) - min(xs)), bh / (max(ys) - min(ys)))
    x0 = bx + (bw - (max(xs) - min(xs)) * scale) / 2 - min(xs) * scale
    y0 = by + max(ys) * scale
    out = []
    for code, name, polys in shapes:
        d = "".join("M" + "L".join(f"{_n(x0 + lon * COS_LAT * scale)} {_n(y0 - lat * scale)}" for lon, lat in ring)
                    + "Z" for poly in polys for ring in poly)
        value = values.get(code)
        tip = f"{names.get(code) or name} ({code}) : " + (
            f"{format_value(value, kind)} {metric}".strip() if value is not None else "aucune valeur")
        out.append(f'<path class="mark" d="{d}" fill="{shade(value, top)}" stroke="#fff" stroke-width="0.6" '
                   f'data-code="{_esc(code)}" data-value="{_esc(value if value is not None else 0)}">'
                   f'<title>{_esc(tip)}</title></path>')
    return out


def map_svg(values: dict[str, float], names: dict[str, str], width: float, height: float,
            kind: Kind = "number", metric: str = "") -> str:
    """A choropleth of `values` by département code, fitted in width × height, with Paris and
    its two rings enlarged in the top-left corner (too small on the map of France) and a
    legend below."""
    shapes = departements()
    top = max([v for v in values.values() if v is not None] or [0])
    legend_h = 22
    body = _paths(shapes, values, names, top, kind, metric, (4, 4, width - 8, height - legend_h - 8))
    inset = min(width, height) * 0.26  # above Brittany, the westernmost land
    body.append(f'<rect x="4" y="4" width="{_n(inset)}" height="{_n(inset)}" fill="#fff" stroke="#c9d1d9"/>'
                f'<text x="8" y="{_n(inset + 16)}">Île-de-France</text>')
    body += _paths([s for s in shapes if s[0] in ILE_DE_FRANCE], values, names, top, kind, metric,
                   (8, 8, inset - 8, inset - 8))
    ly = height - legend_h + 6
    body.append(f'<text x="8" y="{_n(ly + 9)}">0</text>')
    for i, colour in enumerate(SHADES):
        body.append(f'<rect x="{_n(20 + i * 22)}" y="{_n(ly)}" width="22" height="10" fill="{colour}"/>')
    body.append(f'<text x="{_n(20 + len(SHADES) * 22 + 6)}" y="{_n(ly + 9)}">'
                f'{_esc(format_value(top, kind))} {_esc(metric)} (échelle en racine carrée)</text>')
    return _svg(width, height, body, f"Carte des départements : {metric}")


def placed(codes) -> set[str]:
    """The codes among `codes` the map draws."""
    known = {code for code, _, _ in departements()}
    return {c for c in codes if c in known}
