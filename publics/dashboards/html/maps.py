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
    """The shade of `value` on a scale from 0 to `top` (six classes of equal width)."""
    if value is None:
        return NO_VALUE
    if top <= 0 or value <= 0:
        return SHADES[0]
    return SHADES[min(len(SHADES) - 1, int(len(SHADES) * value / top))]


def map_svg(values: dict[str, float], names: dict[str, str], width: float, height: float,
            kind: Kind = "number", metric: str = "") -> str:
    """A choropleth of `values` by département code, fitted in width × height (legend below)."""
    shapes = departements()
    xs = [lon * COS_LAT for _, _, polys in shapes for poly in polys for lon, _ in poly[0]]
    ys = [lat for _, _, polys in shapes for poly in polys for _, lat in poly[0]]
    legend_h = 22
    scale = min((width - 8) / (max(xs) - min(xs)), (height - legend_h - 8) / (max(ys) - min(ys)))
    x0 = (width - (max(xs) - min(xs)) * scale) / 2 - min(xs) * scale
    y0 = 4 + max(ys) * scale
    top = max([v for v in values.values() if v is not None] or [0])
    body = []
    for code, name, polys in shapes:
        d = "".join("M" + "L".join(f"{_n(x0 + lon * COS_LAT * scale)} {_n(y0 - lat * scale)}" for lon, lat in ring) + "Z"
                    for poly in polys for ring in poly)
        value = values.get(code)
        label = names.get(code) or name
        tip = f"{label} ({code}) : " + (f"{format_value(value, kind)} {metric}".strip() if value is not None
                                        else "aucune valeur")
        body.append(f'<path class="mark" d="{d}" fill="{shade(value, top)}" stroke="#fff" stroke-width="0.6" '
                    f'data-code="{_esc(code)}" data-value="{_esc(value if value is not None else 0)}">'
                    f'<title>{_esc(tip)}</title></path>')
    # the legend: the shades from 0 to the largest value
    ly = height - legend_h + 6
    for i, colour in enumerate(SHADES):
        body.append(f'<rect x="{_n(8 + i * 22)}" y="{_n(ly)}" width="22" height="10" fill="{colour}"/>')
    body.append(f'<text x="{_n(8)}" y="{_n(ly + 21)}">0</text>'
                f'<text x="{_n(8 + len(SHADES) * 22 + 6)}" y="{_n(ly + 9)}">'
                f'{_esc(format_value(top, kind))} {_esc(metric)}</text>')
    return _svg(width, height, body, f"Carte des départements : {metric}")


def placed(codes) -> set[str]:
    """The codes among `codes` the map draws."""
    known = {code for code, _, _ in departements()}
    return {c for c in codes if c in known}
