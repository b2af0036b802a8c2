"""Dashboards as code: one YAML definition per dashboard in `dashboards/`.

A definition holds the workshop canvas, the filters (each bound to a column of the dataset) and
the cards (a native SQL query on the marts, a display, a grid position). Card queries use
Metabase's syntax for optional filters, `[[and {{season}}]]`; `runnable_sql` turns such a query
into plain SQL (filters left out, or applied as equality / date-range conditions) so that every
card can be checked against the real marts without Metabase.

Two placeholders, in single braces (Metabase's own tags are in double braces), keep a card
from repeating what is written elsewhere; `expand_query` replaces them when a definition is
loaded, so checking, rendering and publishing all run the same SQL:

    {dataset}      the definition's `dataset` (`marts.dash_15_sales_channels`)
    {kpi:<id>}     the formula of a KPI of the library, dashboards/kpis.yml (publics.kpis),
                   in parentheses: `round({kpi:roas}, 2) as roas`
    {numerator:<id>}, {denominator:<id>}
                   the KPI's two sums, in parentheses: the base a rate is shown beside,
                   `{denominator:first_year_renewal} as abonnes_premiere_annee` (« sur 130 »)
    {coverage}     what the card's period is against the web measurement window, from the
                   dataset's `measurement_status` and `measurement_window_label`: « mesuré »,
                   « partiellement mesuré » or « non mesuré », then the window in words
    {history_start} « depuis 2023-24, début des données »: the first season of the dataset

A scalar card showing a KPI measured from the web (its `sources`) must show `{coverage}`, and
one showing a KPI that depends on the history (`history: true`) `{history_start}`: a figure
never leaves out the scope it was measured in.

A card showing a share (a KPI of unit `share`) must show its base, `{denominator:<id>}`, in
a column of its own: a scalar prints it under the figure (« sur 130 — Abonnés… »), a table in
its column, a chart in the tooltips of its marks.

Every column of a card has a unit from `publics.kpis.UNITS` (`card["column_units"]`, set when
loading): a KPI's column (`{kpi:roas} as roas`) the KPI's unit, a base column its sum's unit, a
column named `…_eur` euros, and any other figure the unit the card declares for it
(`column_units: {personnes_venues: count}`); a column with none is text, a date or a plain
number. Rendering and publishing format each column by its unit; a scalar's figure is its
first column. A column `value_unit` gives, row by row, the unit of the figure before it
(dashboard 18, where one column holds shares, counts and euros).

A card that names its dataset's table, or computes a ratio itself (`nullif`, `avg`), is a
definition error: the KPI belongs in the library, where the glossary reads it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import yaml

from publics import kpis as kpi_library
from publics.project import project_root
from publics.warehouse import ConnInfo, connect

GRID_WIDTH = 24  # Metabase's dashboard grid
CANVAS_KEYS = ("objective", "audience", "kpis", "sources", "filters", "refresh")
LATEST = "latest"  # a filter default meaning: the most recent value of its column in the dataset
CURRENT_SEASON = "current_season"  # …and: the season of today (Paris), else the latest with sales
CURRENT_SEASON_SQL = "(select season from marts.dim_current_season)"  # the rule is in that model
COVERAGE_SQL = (
    "(case when bool_and(measurement_status = 'mesuré') then 'mesuré'"
    " when bool_or(measurement_status <> 'non mesuré') then 'partiellement mesuré'"
    " else 'non mesuré' end || ' — ' || min(measurement_window_label))"
)
HISTORY_START_SQL = "('depuis ' || (select min(season) from {dataset}) || ', début des données')"
DISPLAYS = {"scalar", "bar", "line", "area", "pie", "table", "row", "combo", "map", "funnel"}
OPTIONAL_CLAUSE = re.compile(r"\[\[(.*?)\]\]", re.DOTALL)
TAG = re.compile(r"\{\{\s*(\w+)\s*\}\}")
# `{dataset}`, `{kpi:roas}`: single braces, never part of a Metabase `{{tag}}`
PLACEHOLDER = re.compile(r"(?<!\{)\{(?P<name>\w+)(?::(?P<arg>\w+))?\}(?!\})")
HAND_MADE_RATIO = re.compile(r"\b(nullif|avg)\s*\(", re.IGNORECASE)
TABLE_REF = re.compile(r"\bmarts\.(\w+)", re.IGNORECASE)
# what `{kpi:<id>}`, `{numerator:<id>}` and `{denominator:<id>}` become (in parentheses)
KPI_PARTS = {"kpi": lambda k: k.formula, "numerator": lambda k: k.numerator_sql,
             "denominator": lambda k: k.denominator_sql}
# A card's `colors: {metric: outcome}` (dashboard 18): the colour of each outcome, on the static
# pages and in Metabase alike — a failure is never drawn in green.
OUTCOME_COLORS = {"passed": "#509E2F", "warning": "#F2A86F", "failed": "#D64545"}
VALUE_UNIT = "value_unit"  # a column giving, row by row, the unit of the column before it
DEFINITION_FILES = "[0-9]*_*.yml"  # NN_<slug>.yml; dashboards/kpis.yml is the KPI library


class DefinitionError(ValueError):
    pass


@dataclass(frozen=True)
class Dashboard:
    path: Path
    spec: dict

    @property
    def id(self) -> int:
        return self.spec["id"]

    @property
    def title(self) -> str:
        return self.spec["title"]

    @property
    def cards(self) -> list[dict]:
        return self.spec["cards"]

    @property
    def filters(self) -> dict[str, dict]:
        return {f["id"]: f for f in self.spec.get("filters", [])}

    @property
    def slug(self) -> str:
        return self.spec.get("slug") or self.path.stem

    @property
    def where(self) -> str:
        """The definition's file, as messages and Metabase descriptions name it."""
        return f"dashboards/{self.path.name}"

    @property
    def dataset_table(self) -> tuple[str, str]:
        schema, _, table = self.spec["dataset"].rpartition(".")
        return (schema or "public"), table

    @property
    def tables(self) -> list[tuple[str, str]]:
        """Every table the dashboard reads: its dataset, then any other mart a card names."""
        found = {self.dataset_table: None}
        for card in self.cards:
            found.update({("marts", t.lower()): None for t in TABLE_REF.findall(card["query"])})
        return list(found)


def expand_query(query: str, *, dataset: str | None, kpis: dict[str, kpi_library.Kpi], where: str) -> str:
    """A card's query as it runs: every `{kpi:<id>}` replaced by the KPI's formula (in
    parentheses), then every `{dataset}` (a formula's too) by the dataset; `where` ("dashboards/
    x.yml, card y") starts the error raised for an unknown KPI or placeholder, or no dataset."""

    def kpi(match: re.Match) -> str:
        if match["name"] == "coverage" and not match["arg"]:
            return COVERAGE_SQL
        if match["name"] == "history_start" and not match["arg"]:
            return HISTORY_START_SQL
        if match["name"] not in KPI_PARTS:
            return match[0]
        if match["arg"] not in kpis:
            raise DefinitionError(
                f"{where}: unknown KPI {{{match['name']}:{match['arg']}}} — the library {kpi_library.LIBRARY} "
                f"defines {', '.join(sorted(kpis))}"
            )
        return f"({KPI_PARTS[match['name']](kpis[match['arg']])})"

    def dataset_name(match: re.Match) -> str:
        if match["name"] != "dataset" or match["arg"]:
            raise DefinitionError(
                f"{where}: unknown placeholder {match[0]}: use {{dataset}}, {{kpi:<id>}}, "
                "{numerator:<id>}, {denominator:<id>}, {coverage} or {history_start}"
            )
        if not dataset:
            raise DefinitionError(f"{where}: the query uses {{dataset}} but the definition has no `dataset`")
        return dataset

    return PLACEHOLDER.sub(dataset_name, PLACEHOLDER.sub(kpi, query))


def load(path: Path, kpis: dict[str, kpi_library.Kpi] | None = None) -> Dashboard:
    """A definition, its cards' placeholders expanded (KPIs from `kpis`, default: the project's
    library) and checked."""
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    kpis = kpi_library.library() if kpis is None else kpis
    dataset = spec.get("dataset")
    for card in spec.get("cards") or []:
        where = f"dashboards/{path.name}, card {card.get('id')}"
        query = str(card.get("query") or "")
        if dataset and re.search(rf"(?<![\w.]){re.escape(dataset)}(?!\w)", query, re.IGNORECASE):
            raise DefinitionError(f"{where}: write {{dataset}} rather than its name, {dataset}")
        if hand_made := HAND_MADE_RATIO.search(query):
            raise DefinitionError(
                f"{where}: the query computes a ratio itself ({hand_made[1]}): use a KPI of "
                f"{kpi_library.LIBRARY}, {{kpi:<id>}}, or add one there"
            )
        if "format" in card:
            raise DefinitionError(f"{where}: `format` is gone: a column's unit comes from its KPI, "
                                  "or `column_units: {column: unit}`")
        used = [m["arg"] for m in PLACEHOLDER.finditer(query) if m["name"] == "kpi" and m["arg"] in kpis]
        bases = {m["arg"] for m in PLACEHOLDER.finditer(query) if m["name"] == "denominator"}
        if unshown := [k for k in dict.fromkeys(used) if kpis[k].is_rate and k not in bases]:
            raise DefinitionError(
                f"{where}: a rate needs its base beside it: add {{denominator:{unshown[0]}}} as a column "
                f"({kpis[unshown[0]].denominator})")
        if card.get("display") == "scalar":
            if any("web" in kpis[k].sources for k in used) and "{coverage}" not in query:
                raise DefinitionError(f"{where}: a KPI measured from the web needs {{coverage}} beside it "
                                      "(mesuré, partiellement mesuré ou non mesuré, and the window)")
            if any(kpis[k].history for k in used) and "{history_start}" not in query:
                raise DefinitionError(f"{where}: a KPI that depends on the history needs {{history_start}} "
                                      "beside it (from which season the data start)")
        card["kpis"] = used  # the KPIs it shows: their `sources` bound where it is measured
        card["column_sources"] = column_sources(card, query, kpis, where)
        card["column_units"], card["column_bases"] = column_units(card, query, kpis, where)
        colors = card.get("colors") or {}
        if any(m not in card.get("columns", []) or o not in OUTCOME_COLORS for m, o in colors.items()):
            raise DefinitionError(f"{where}: colors maps a declared column to an outcome among "
                                  f"{', '.join(OUTCOME_COLORS)}")
        card["query"] = expand_query(query, dataset=dataset, kpis=kpis, where=where)
    dashboard = Dashboard(path, spec)
    validate(dashboard)
    return dashboard


KPI_ALIAS = re.compile(r"\{kpi:(\w+)\}[^\n]*?\bas\s+(\w+)", re.IGNORECASE)
PART_ALIAS = re.compile(r"\{(kpi|numerator|denominator):(\w+)\}[^\n{]*?\bas\s+(\w+)", re.IGNORECASE)
EURO_COLUMN = re.compile(r"_eur$")  # the project's naming convention: a `…_eur` column is in euros


def column_units(card: dict, query: str, kpis: dict[str, kpi_library.Kpi], where: str
                 ) -> tuple[dict[str, str], dict[str, str]]:
    """The unit of each column of a card (`{column: unit id}`, see the module docstring), and
    its base columns (`{column: what the denominator counts}` for a `{denominator:<id>}` column)."""
    units: dict[str, str] = {c: "eur" for c in card.get("columns", []) if EURO_COLUMN.search(c)}
    bases: dict[str, str] = {}
    shown: dict[str, dict[str, str]] = {"kpi": {}, "denominator": {}}  # KPI id → its column
    for part, kid, alias in PART_ALIAS.findall(query):
        if kid in kpis:
            k = kpis[kid]
            units[alias] = {"kpi": k.unit, "numerator": k.numerator_unit, "denominator": k.denominator_unit}[part]
            shown.get(part, {}).setdefault(kid, alias)
            if part == "denominator":
                bases[alias] = k.denominator
    # a base column → the column of its rate: where the rate is null, its base is not shown
    card["base_of"] = {b: shown["kpi"][kid] for kid, b in shown["denominator"].items() if kid in shown["kpi"]}
    declared = card.get("column_units") or {}
    if not isinstance(declared, dict):
        raise DefinitionError(f"{where}: column_units maps columns to units")
    for column, unit_id in declared.items():
        if column not in card.get("columns", []):
            raise DefinitionError(f"{where}: column_units names {column!r}, not a declared column")
        try:
            kpi_library.unit(unit_id, f"{where}, column {column}")
        except kpi_library.KpiError as exc:
            raise DefinitionError(str(exc)) from None
        if units.get(column, unit_id) != unit_id:
            raise DefinitionError(f"{where}: column {column} is in {units[column]} (its KPI or its name), "
                                  f"not {unit_id}")
        units[column] = unit_id
    return units, bases


def column_sources(card: dict, query: str, kpis: dict[str, kpi_library.Kpi], where: str) -> dict[str, tuple]:
    """Which sources each measured column of a card comes from: a KPI's column (`{kpi:roas} as
    roas`) its KPI's `sources`, and the card's own `column_sources` (`{recette_eur: [web]}`) for a
    figure that is not a ratio: outside their windows these columns are « non mesuré »."""
    found = {alias: kpis[kid].sources for kid, alias in KPI_ALIAS.findall(query) if kid in kpis and kpis[kid].sources}
    for column, sources in (card.get("column_sources") or {}).items():
        if column not in card.get("columns", []) or not isinstance(sources, list) \
                or any(src not in kpi_library.SOURCES for src in sources):
            raise DefinitionError(f"{where}: column_sources maps a declared column to sources among "
                                  f"{', '.join(kpi_library.SOURCES)}")
        found[column] = tuple(sources)
    return found


def discover(folder: Path | None = None) -> list[Dashboard]:
    folder = folder or project_root() / "dashboards"
    return [load(p) for p in sorted(folder.glob(DEFINITION_FILES))]


def validate(d: Dashboard) -> None:
    where = d.path.name
    for key in ("id", "title", "canvas", "dataset", "cards"):
        if key not in d.spec:
            raise DefinitionError(f"{where}: missing `{key}`")
    missing = [k for k in CANVAS_KEYS if not d.spec["canvas"].get(k)]
    if missing:
        raise DefinitionError(f"{where}: canvas lacks {', '.join(missing)}")
    ids = [c["id"] for c in d.cards]
    if len(ids) != len(set(ids)):
        raise DefinitionError(f"{where}: duplicate card ids")
    occupied: dict[tuple[int, int], str] = {}
    for card in d.cards:
        label = f"{where}, card {card['id']}"
        if card.get("display") not in DISPLAYS:
            raise DefinitionError(f"{label}: display must be one of {sorted(DISPLAYS)}")
        for tag in TAG.findall(card["query"]):
            if tag not in d.filters:
                raise DefinitionError(f"{label}: query uses {{{{{tag}}}}} but the dashboard has no such filter")
        pos = card["position"]
        if pos["col"] < 0 or pos["col"] + pos["size_x"] > GRID_WIDTH:
            raise DefinitionError(f"{label}: position outside the {GRID_WIDTH}-column grid")
        for r in range(pos["row"], pos["row"] + pos["size_y"]):
            for c in range(pos["col"], pos["col"] + pos["size_x"]):
                if (r, c) in occupied:
                    raise DefinitionError(f"{label}: overlaps card {occupied[(r, c)]}")
                occupied[(r, c)] = card["id"]


def default_sql(d: Dashboard, spec: dict, value: str) -> str:
    """The SQL of a symbolic filter default, as a parenthesised scalar query: `latest` the most
    recent value of the filter's column in the dataset, `current_season` the season of
    marts.dim_current_season (today's in Paris, else the latest with sales)."""
    if value == CURRENT_SEASON:
        return CURRENT_SEASON_SQL
    return f"(select max({spec['column']}) from {d.spec['dataset']})"


def resolve_default(conn, d: Dashboard, fid: str, value):
    """A filter's default as a concrete value (`latest` / `current_season` looked up today)."""
    if value not in (LATEST, CURRENT_SEASON):
        return value
    return conn.execute(f"select {default_sql(d, d.filters[fid], value)}").fetchone()[0]


def runnable_sql(d: Dashboard, card: dict, values: dict[str, object] | None = None) -> tuple[str, list]:
    """The card's query as plain SQL: an optional clause is kept, its tag replaced by a condition
    on the filter's column, when a value is given for it (or the filter has a `default`, as a
    Metabase dashboard applies it when it opens; `default: latest` is the most recent value of
    the column in the dataset, e.g. the current season); dropped otherwise."""
    defaults = {fid: f["default"] for fid, f in d.filters.items() if f.get("default") is not None}
    values = {**defaults, **(values or {})}
    params: list = []

    def clause(match: re.Match) -> str:
        body = match.group(1)
        tags = TAG.findall(body)
        if not all(t in values for t in tags):
            return ""

        def condition(tag_match: re.Match) -> str:
            spec = d.filters[tag_match.group(1)]
            value = values[tag_match.group(1)]
            if value in (LATEST, CURRENT_SEASON):  # the value it stands for today
                return f"{spec['column']} = {default_sql(d, spec, value)}"
            if spec["type"] == "date" and isinstance(value, (tuple, list)):
                params.extend(value)
                return f"{spec['column']} between %s and %s"
            params.append(value)
            return f"{spec['column']} = %s"

        return TAG.sub(condition, body)

    return OPTIONAL_CLAUSE.sub(clause, card["query"]), params


@dataclass
class CardCheck:
    dashboard: str
    card: str
    ok: bool
    rows: int
    columns: list[str]
    problem: str | None = None
    empty: bool = False  # ran with the declared columns, but nothing to show (no rows, or only nulls)


def check_cards(info: ConnInfo, dashboards: list[Dashboard] | None = None) -> list[CardCheck]:
    """Run every card's query on the warehouse: it must run and return the declared columns (`ok`);
    a card with no rows, or only nulls, is `empty` — a source not delivered yet, not a bug."""
    checks = []
    with connect(info, autocommit=True) as conn:
        for d in dashboards if dashboards is not None else discover():
            for card in d.cards:
                sql, params = runnable_sql(d, card)
                try:
                    cur = conn.execute(sql, params)
                    rows = cur.fetchall()
                    columns = [c.name for c in cur.description]
                except Exception as exc:  # noqa: BLE001 — reported per card, the others still run
                    checks.append(CardCheck(d.title, card["id"], False, 0, [], f"query failed: {exc}"))
                    continue
                problem = None
                if columns != card["columns"]:
                    problem = f"columns {columns} differ from the declared {card['columns']}"
                elif unitless := numbers_without_unit(card, columns, rows):
                    problem = (f"column(s) {', '.join(unitless)} hold numbers but have no unit: give them "
                               f"one in column_units ({', '.join(kpi_library.UNITS)})")
                empty = not rows or all(v is None for v in rows[0])
                checks.append(CardCheck(d.title, card["id"], problem is None, len(rows), columns, problem, empty))
    return checks


def numbers_without_unit(card: dict, columns: list[str], rows: list[tuple]) -> list[str]:
    """The columns of a card's result that hold numbers but have no unit (neither their own nor
    a `value_unit` after them): each figure must say what it is."""
    units = card.get("column_units") or {}
    return [c for i, c in enumerate(columns)
            if c not in units and c != VALUE_UNIT and (columns[i + 1:i + 2] != [VALUE_UNIT])
            and any(isinstance(r[i], (int, float, Decimal)) and not isinstance(r[i], bool) for r in rows)]


def resolve_latest(info: ConnInfo, dashboards: list[Dashboard]) -> list[Dashboard]:
    """The definitions with every `default: latest` or `default: current_season` replaced by the
    value it stands for today, for a tool that needs a concrete default (Metabase):
    re-publishing after a new season moves the default with it."""
    import copy

    resolved = []
    with connect(info, autocommit=True) as conn:
        for d in dashboards:
            spec = copy.deepcopy(d.spec)
            for f in spec.get("filters", []):
                if f.get("default") in (LATEST, CURRENT_SEASON):
                    value = resolve_default(conn, d, f["id"], f["default"])
                    if value is None:
                        del f["default"]
                    else:
                        f["default"] = str(value)
            resolved.append(Dashboard(d.path, spec))
    return resolved
