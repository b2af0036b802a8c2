"""Rebuild `departements-simplifie.geojson` from gregoiredavid/france-geojson's
`departements-version-simplifiee.geojson` (IGN Admin Express COG 2018, Licence Ouverte; see
README.md here): Douglas-Peucker at `TOLERANCE` degrees, coordinates to 3 decimals (~100 m),
rings that shrink below 4 points dropped (small islands), properties `code` and `nom` kept.

    python -m publics.dashboards.html.geo.simplify departements-version-simplifiee.geojson
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

TOLERANCE = 0.02  # degrees: ~2 km, invisible on a 600-pixel map of France
OUT = Path(__file__).with_name("departements-simplifie.geojson")


def _distance(p, a, b) -> float:
    (x, y), (x1, y1), (x2, y2) = p, a, b
    dx, dy = x2 - x1, y2 - y1
    if dx == dy == 0:
        return ((x - x1) ** 2 + (y - y1) ** 2) ** 0.5
    t = max(0.0, min(1.0, ((x - x1) * dx + (y - y1) * dy) / (dx * dx + dy * dy)))
    return ((x - x1 - t * dx) ** 2 + (y - y1 - t * dy) ** 2) ** 0.5


def douglas_peucker(points: list, tolerance: float) -> list:
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        far, index = 0.0, None
        for i in range(first + 1, last):
            d = _distance(points[i], points[first], points[last])
            if d > far:
                far, index = d, i
        if index is not None and far > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def simplify_ring(ring: list) -> list | None:
    out = [[round(x, 3), round(y, 3)] for x, y in douglas_peucker(ring, TOLERANCE)]
    return out if len(out) >= 4 else None


def simplify(collection: dict) -> dict:
    features = []
    for f in collection["features"]:
        geometry = f["geometry"]
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        kept = []
        for polygon in polygons:
            outer = simplify_ring(polygon[0])
            if outer is not None:  # an island smaller than the tolerance is dropped, holes too
                kept.append([outer, *(r for r in map(simplify_ring, polygon[1:]) if r)])
        features.append({"type": "Feature",
                         "properties": {"code": f["properties"]["code"], "nom": f["properties"]["nom"]},
                         "geometry": {"type": "MultiPolygon", "coordinates": kept}})
    features.sort(key=lambda f: f["properties"]["code"])
    return {"type": "FeatureCollection", "features": features}


if __name__ == "__main__":
    source = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    OUT.write_text(json.dumps(simplify(source), ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{OUT}: {OUT.stat().st_size} bytes")
