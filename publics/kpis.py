"""The KPI library, `dashboards/kpis.yml`: every ratio the dashboards show, defined once.

A KPI has an id, a French label, a definition (its own text, or the name of the dbt docs block
that already defines it, `doc: kpi_retention`), what its numerator and denominator count, its
unit, and its SQL as two aggregates: `sql: {numerator: sum(…), denominator: sum(…)}`. The
formula is always `numerator / nullif(denominator, 0)` — a ratio of sums, never an average of
ratios, and no division by zero — so the library cannot hold any other shape.

A KPI may name the `sources` its figures come from (secutix, web, ads, emailing): outside their
measurement window (marts.quality_measurement_windows) it is « non mesuré », never 0; and
`history: true` marks one that depends on the delivered history (first time, retention,
renewal), whose card says from which season the data start.

Its `unit` is one of `UNITS` (a closed list: each with its French label and how its figures
are printed), and so are `numerator_unit` and `denominator_unit`, the units of its two sums. A
share (`share`) divides two sums of one unit; any other KPI is « so much per something » and
says per what (`per`: « € de recette par € dépensé »). Loading rejects an unknown unit.

The dashboards' cards use a KPI through the `{kpi:<id>}` placeholder, and its two sums through
`{numerator:<id>}` and `{denominator:<id>}` (the base a rate is shown beside; see
`publics.dashboards.definitions`), and the glossary (`publics.glossary`) lists every KPI with
its numerator, denominator and unit: both read this module, which imports neither of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from publics.project import project_root

LIBRARY = Path("dashboards") / "kpis.yml"
KPI_ID = re.compile(r"^[a-z][a-z0-9_]*$")
AGGREGATE = re.compile(r"^(sum|count)\(", re.IGNORECASE)  # each side of the ratio is a sum (or a count)
REQUIRED = ("id", "label", "numerator", "denominator", "unit", "numerator_unit", "denominator_unit", "sql")
SOURCES = ("secutix", "web", "ads", "emailing", "social")  # the `source` values of quality_measurement_windows


class KpiError(ValueError):
    pass


@dataclass(frozen=True)
class Unit:
    """A unit a figure is in: its French label (glossary, dashboards) and how it is printed —
    `style` (money, percent, number, days) and the decimals (`None`: none for a whole number,
    two otherwise)."""

    id: str
    label: str
    style: str
    decimals: int | None = None


# The closed list of units (dashboards/kpis.yml, the cards' `column_units`): printed in French by
# the static pages (publics.dashboards.html.formats) and Metabase (its column settings).
UNITS: dict[str, Unit] = {u.id: u for u in (
    Unit("eur", "euros (€)", "money", 2),
    Unit("share", "part (0 à 1, affichée en %)", "percent", 1),
    Unit("count", "nombre", "number", None),
    Unit("ratio", "rapport (nombre sans unité)", "number", 2),
    # an error relative to the true value (a forecast's MAPE): a proportion printed in %, not a
    # share (it does not divide two counts and may exceed 100 %)
    Unit("relative_error", "écart relatif (affiché en %, 100 % = l'écart égale la valeur vraie)", "percent", 1),
    Unit("days", "jours", "days", 1),
)}


def unit(unit_id: str | None, where: str = "") -> Unit | None:
    """The unit named `unit_id` (`None` for none); an unknown one is a `KpiError` naming `where`."""
    if unit_id is None:
        return None
    if unit_id not in UNITS:
        raise KpiError(f"{where}: unknown unit {unit_id!r}, use one of {', '.join(UNITS)}")
    return UNITS[unit_id]


@dataclass(frozen=True)
class Kpi:
    id: str
    label: str
    numerator: str  # what the numerator counts, in French
    denominator: str
    unit: str  # an id of UNITS
    numerator_unit: str
    denominator_unit: str
    numerator_sql: str
    denominator_sql: str
    definition: str | None = None  # its own text…
    doc: str | None = None  # …or the dbt docs block that defines it
    sources: tuple[str, ...] = ()  # the sources it is measured from (their windows bound it)
    history: bool = False  # depends on the delivered history (its card names the first season)
    per: str | None = None  # what a non-share KPI is per, in French: « € de recette par € dépensé »

    @property
    def is_rate(self) -> bool:
        """A share (0 to 1): its cards show its base, the denominator, beside it."""
        return self.unit == "share"

    @property
    def unit_label(self) -> str:
        """The unit in words: « part (0 à 1, affichée en %) », « euros (€) — € par clic »."""
        return UNITS[self.unit].label + (f" — {self.per}" if self.per else "")

    @property
    def formula(self) -> str:
        """The KPI's SQL (it may name `{dataset}`, which the card's definition fills in)."""
        return f"{self.numerator_sql} / nullif({self.denominator_sql}, 0)"


def load(path: Path) -> dict[str, Kpi]:
    """The library at `path`: id → KPI, in the file's order; a mistake is a `KpiError` naming it."""
    doc = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    kpis: dict[str, Kpi] = {}
    for n, entry in enumerate(doc.get("kpis") or [], start=1):
        where = f"{LIBRARY}, KPI {entry.get('id') or f'n° {n}'}"
        missing = [k for k in REQUIRED if not entry.get(k)]
        if missing:
            raise KpiError(f"{where}: missing {', '.join(missing)}")
        if not KPI_ID.match(entry["id"]):
            raise KpiError(f"{where}: an id is lower-case snake case")
        if entry["id"] in kpis:
            raise KpiError(f"{where}: defined twice")
        if bool(entry.get("definition")) == bool(entry.get("doc")):
            raise KpiError(f"{where}: give either a `definition` or the `doc` block that defines it")
        sources = entry.get("sources") or []
        if not isinstance(sources, list) or any(src not in SOURCES for src in sources):
            raise KpiError(f"{where}: sources must be a list among {', '.join(SOURCES)}")
        if not isinstance(entry.get("history", False), bool):
            raise KpiError(f"{where}: history is true or false")
        for key in ("unit", "numerator_unit", "denominator_unit"):
            unit(entry[key], f"{where}, {key}")
        if entry["unit"] == "share":
            if entry["numerator_unit"] != entry["denominator_unit"]:
                raise KpiError(f"{where}: a share divides two sums of one unit "
                               f"({entry['numerator_unit']} / {entry['denominator_unit']})")
            if entry.get("per"):
                raise KpiError(f"{where}: a share is per nothing, drop `per`")
        elif not entry.get("per"):
            raise KpiError(f"{where}: a {entry['unit']} KPI says what it is per "
                           "(`per: € de recette par € dépensé`)")
        sql = entry["sql"]
        for side in ("numerator", "denominator"):
            text = " ".join(str(sql.get(side) or "").split())
            if not AGGREGATE.match(text) or "nullif" in text.lower():
                raise KpiError(f"{where}: sql.{side} must be an aggregate, sum(…) or count(…) "
                               "(the library adds the division and its nullif)")
        kpis[entry["id"]] = Kpi(
            id=entry["id"], label=entry["label"], numerator=entry["numerator"],
            denominator=entry["denominator"], unit=entry["unit"],
            numerator_unit=entry["numerator_unit"], denominator_unit=entry["denominator_unit"],
            per=entry.get("per"),
            numerator_sql=" ".join(str(sql["numerator"]).split()),
            denominator_sql=" ".join(str(sql["denominator"]).split()),
            definition=" ".join(str(entry["definition"]).split()) if entry.get("definition") else None,
            doc=entry.get("doc"),
            sources=tuple(sources),
            history=entry.get("history", False),
        )
    if not kpis:
        raise KpiError(f"{LIBRARY}: no `kpis`")
    return kpis


@cache
def _library(root: Path) -> dict[str, Kpi]:
    return load(root / LIBRARY)


def library(root: Path | None = None) -> dict[str, Kpi]:
    """The project's library (read once per process)."""
    return _library(Path(root or project_root()))
