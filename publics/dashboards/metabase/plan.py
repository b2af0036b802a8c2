"""The Metabase payloads of a dashboard definition: one native-SQL question per card (its
filters as field-filter template tags on the dataset's columns) and the dashboard with its
parameters. Built before the first write, so that a wrong definition stops a publication with
nothing half-published.
"""

from __future__ import annotations

import json
import uuid

from publics.dashboards.definitions import (
    CURRENT_SEASON,
    LATEST,
    OUTCOME_COLORS,
    TAG,
    VALUE_UNIT,
    Dashboard,
)
from publics.dashboards.metabase.client import MetabaseError

# filter type of a definition -> (dashboard parameter type = template tag widget type, sectionId)
FILTER_TYPES = {
    "category": ("string/=", "string"),
    "text": ("string/=", "string"),
    "number": ("number/=", "number"),
    "date": ("date/all-options", "date"),
}
CHART_DISPLAYS = {"bar", "line", "area", "row", "combo"}
# Keys of visualization_settings this module writes: any other key (set by hand) is left alone.
MANAGED_VIZ_KEYS = {"graph.dimensions", "graph.metrics", "pie.dimension", "pie.metric", "column_settings",
                    "series_settings", "map.type", "map.region", "map.dimension", "map.metric"}
# A column's formatting by its unit (publics.kpis.UNITS), in the keys of Metabase's column settings
# (frontend/src/metabase/visualizations/lib/settings/column.js, NUMBER_COLUMN_SETTINGS:
# number_style decimal|percent|currency, currency, currency_style, decimals, suffix, and
# number_separators ", " = « 100 000,00 », the French one).
FRENCH = {"number_separators": ", "}
UNIT_SETTINGS = {
    "eur": {"number_style": "currency", "currency": "EUR", "currency_style": "symbol", "decimals": 2, **FRENCH},
    "share": {"number_style": "percent", "decimals": 1, **FRENCH},
    "count": {"number_style": "decimal", **FRENCH},
    "ratio": {"number_style": "decimal", "decimals": 2, **FRENCH},
    "relative_error": {"number_style": "percent", "decimals": 1, **FRENCH},
    "days": {"number_style": "decimal", "decimals": 1, "suffix": "\u00a0j", **FRENCH},
}

TAG_NAMESPACE = uuid.UUID("0f8d4c52-6a47-4a56-9a56-6d0a1d2f7c11")  # stable template-tag ids


def _tag_id(d: Dashboard, card: dict, tag: str) -> str:
    return str(uuid.uuid5(TAG_NAMESPACE, f"{d.slug}/{card['id']}/{tag}"))


def _filter_types(d: Dashboard, fid: str) -> tuple[str, str]:
    ftype = d.filters[fid].get("type")
    if ftype not in FILTER_TYPES:
        raise MetabaseError(
            f"{d.where}, filter {fid}: type {ftype!r} has no Metabase equivalent "
            f"(use one of {sorted(FILTER_TYPES)})"
        )
    return FILTER_TYPES[ftype]


def _default(d: Dashboard, fid: str):
    value = d.filters[fid].get("default")
    if value is None or value in (LATEST, CURRENT_SEASON):  # unresolved (see dashboards.resolve_latest): none
        return None
    if d.filters[fid]["type"] == "date":
        return str(value)  # Metabase's date strings: 2025-09-01~2026-08-31, past30days…
    return value if isinstance(value, list) else [value]  # string/= and number/= take lists


def _viz_settings(card: dict) -> dict:
    viz: dict = {}
    dims, metrics = card.get("dimensions") or [], card.get("metrics") or []
    if card["display"] in CHART_DISPLAYS and dims:
        viz["graph.dimensions"] = list(dims)
        viz["graph.metrics"] = list(metrics)
    elif card["display"] == "pie" and dims:
        viz["pie.dimension"] = dims[0]
        viz["pie.metric"] = metrics[0] if metrics else None
    elif card["display"] == "map" and dims:
        # a region map on the custom map the card names (Admin › Settings › Maps: the setting
        # `custom-geojson`, {key: {name, url, region_key, region_name}}; README « Carte des
        # départements dans Metabase »), its regions matched on the dimension's values
        viz["map.type"] = "region"
        viz["map.region"] = card.get("region")
        viz["map.dimension"] = dims[0]
        viz["map.metric"] = metrics[0] if metrics else None
    # Column keys as Metabase's frontend writes them (getColumnKey): JSON of ["name", <column>].
    settings = {json.dumps(["name", c], separators=(",", ":")): dict(UNIT_SETTINGS[unit])
                for c, unit in (card.get("column_units") or {}).items() if c in card["columns"]}
    if VALUE_UNIT in card["columns"]:  # Metabase formats a column, not a row: the unit is shown beside
        settings[json.dumps(["name", VALUE_UNIT], separators=(",", ":"))] = {"column_title": "Unité"}
    if settings:
        viz["column_settings"] = settings
    if colors := {m: {"color": OUTCOME_COLORS[o]} for m, o in (card.get("colors") or {}).items()}:
        viz["series_settings"] = colors  # keyed by the metric's column name
    return viz


def dashboard_plan(d: Dashboard, fields: dict, database_id: int) -> dict:
    slug = d.slug
    dataset = d.dataset_table
    columns = fields[dataset]
    field_of: dict[str, int] = {}
    for fid, spec in d.filters.items():
        if spec["column"] not in columns:
            raise MetabaseError(
                f"{d.where}, filter {fid}: column {spec['column']!r} is not a field of "
                f"{'.'.join(dataset)} in Metabase (fields: {', '.join(sorted(columns)) or 'none'}); "
                "fix the definition, or rebuild the mart (Metabase was asked to re-sync and waited for it)"
            )
        field_of[fid] = columns[spec["column"]]

    cards: dict[str, dict] = {}
    for card in d.cards:
        tags: dict[str, dict] = {}
        parameters = []
        for tag in dict.fromkeys(TAG.findall(card["query"])):  # in order of appearance, once each
            widget, _section = _filter_types(d, tag)
            tags[tag] = {
                "id": _tag_id(d, card, tag),
                "name": tag,
                "display-name": d.filters[tag]["label"],
                "type": "dimension",
                "dimension": ["field", field_of[tag], None],
                "widget-type": widget,
            }
            parameter = {
                "id": tags[tag]["id"],
                "type": widget,
                "target": ["dimension", ["template-tag", tag]],
                "name": d.filters[tag]["label"],
                "slug": tag,
            }
            default = _default(d, tag)
            if default is not None:  # the card opened alone reads like the dashboard does
                tags[tag]["default"] = default
                parameter["default"] = default
            parameters.append(parameter)
        cards[f"{slug}/{card['id']}"] = {
            "name": card["title"],
            "type": "question",
            "display": card["display"],
            "description": (
                f"Carte du tableau de bord « {d.title} », définie dans {d.where} "
                f"(publiée par `publics dashboards publish`).\n\npublics:{slug}/{card['id']}"
            ),
            "dataset_query": {
                "type": "native",
                "database": database_id,
                "native": {"query": card["query"], "template-tags": tags},
            },
            "parameters": parameters,
            "visualization_settings": _viz_settings(card),
        }

    parameters = []
    for fid in d.filters:
        ptype, section = _filter_types(d, fid)
        parameter = {"id": fid, "name": d.filters[fid]["label"], "slug": fid, "type": ptype, "sectionId": section}
        default = _default(d, fid)
        if default is not None:
            parameter["default"] = default
        parameters.append(parameter)
    canvas = d.spec["canvas"]
    dashboard = {
        "name": d.title,
        "description": (
            f"{' '.join(str(canvas['objective']).split())}\n\n"
            f"Actualisation : {canvas['refresh']}. Défini dans {d.where} "
            f"(publié par `publics dashboards publish`).\n\npublics:{slug}"
        ),
        "parameters": parameters,
    }
    return {"cards": cards, "dashboard": dashboard}
