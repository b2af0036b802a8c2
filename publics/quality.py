"""Great Expectations suites, declared in `expectations/**/*.yml`, run against the warehouse.

A suite file names a table and lists expectations; each expectation has a TMNlab criterion
(complétude, fiabilité, cohérence, minimisation) and a severity (critical fails `publics check`,
warning is reported). Every result is appended to `quality.expectation_results` (history).
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import psycopg
import yaml
from psycopg import sql

from publics.project import project_root
from publics.warehouse import ConnInfo, connect

CRITERIA = ("complétude", "fiabilité", "cohérence", "minimisation")
SEVERITIES = ("critical", "warning")
# Keys of an expectation entry that are ours, not arguments of the GX expectation.
OWN_KEYS = {"expect", "criterion", "severity", "why"}


class SuiteError(ValueError):
    pass


@dataclass(frozen=True)
class ExpectationSpec:
    expect: str  # GX name without the prefix, e.g. "column_values_to_not_be_null"
    kwargs: dict
    criterion: str
    severity: str
    why: str

    @property
    def gx_class_name(self) -> str:
        return "Expect" + "".join(part.capitalize() for part in self.expect.split("_"))


@dataclass(frozen=True)
class Suite:
    name: str
    path: Path
    schema: str
    table: str
    description: str
    expectations: tuple[ExpectationSpec, ...]
    # The columns that name a row (e.g. `source`): a failed column expectation then says which
    # rows failed (« meta : Erreur »), not only which values.
    row_label: tuple[str, ...] = ()


def load_suite(path: Path) -> Suite:
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    where = path.name
    try:
        schema, table = doc["table"].split(".", 1)
    except (KeyError, ValueError):
        raise SuiteError(f"{where}: `table` must be given as schema.table") from None
    default_criterion = doc.get("criterion")
    specs = []
    for index, entry in enumerate(doc.get("expectations") or [], 1):
        criterion = entry.get("criterion", default_criterion)
        severity = entry.get("severity", "critical")
        if criterion not in CRITERIA:
            raise SuiteError(f"{where}, expectation {index}: criterion must be one of {', '.join(CRITERIA)}")
        if severity not in SEVERITIES:
            raise SuiteError(f"{where}, expectation {index}: severity must be critical or warning")
        if "expect" not in entry:
            raise SuiteError(f"{where}, expectation {index}: missing `expect`")
        specs.append(
            ExpectationSpec(
                expect=entry["expect"],
                kwargs={k: v for k, v in entry.items() if k not in OWN_KEYS},
                criterion=criterion,
                severity=severity,
                why=entry.get("why", ""),
            )
        )
    if not specs:
        raise SuiteError(f"{where}: no expectations")
    row_label = doc.get("row_label") or ()
    row_label = (row_label,) if isinstance(row_label, str) else tuple(row_label)
    return Suite(doc.get("suite", path.stem), path, schema, table, doc.get("description", ""), tuple(specs),
                 row_label)


def discover_suites(folder: Path | None = None) -> list[Suite]:
    folder = folder or project_root() / "expectations"
    return [load_suite(p) for p in sorted(folder.rglob("*.yml"))]


@dataclass
class Result:
    suite: str
    table: str
    spec: ExpectationSpec
    success: bool
    observed: dict

    @property
    def column(self) -> str | None:
        return self.spec.kwargs.get("column")


@dataclass
class CheckOutcome:
    run_id: str
    results: list[Result] = field(default_factory=list)

    @property
    def critical_failures(self) -> int:
        return sum(1 for r in self.results if not r.success and r.spec.severity == "critical")

    @property
    def warnings(self) -> int:
        return sum(1 for r in self.results if not r.success and r.spec.severity == "warning")

    @property
    def summary(self) -> str:
        passed = sum(r.success for r in self.results)
        return (
            f"{len(self.results)} expectation(s): {passed} passed, {self.critical_failures} critical "
            f"failure(s), {self.warnings} warning(s)"
        )


def _gx_context():
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    for name in ("great_expectations", "great_expectations.data_context.types.base"):
        logging.getLogger(name).setLevel(logging.ERROR)  # gx resets its loggers on import
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return gx, context


def ensure_history(info: ConnInfo) -> None:
    with connect(info, autocommit=True) as conn:
        conn.execute(
            """
            create schema if not exists quality;
            create table if not exists quality.expectation_results (
                run_id        uuid not null,
                run_at        timestamptz not null default now(),
                suite         text not null,
                table_name    text not null,
                expectation   text not null,
                column_name   text,
                kwargs        jsonb not null,
                criterion     text not null,
                severity      text not null,
                success       boolean not null,
                observed      jsonb,
                why           text
            )
            """
        )


def data_docs_dir() -> Path:
    """Where the GX Data Docs site is written (a static site: open its index.html)."""
    return Path(os.environ.get("PUBLICS_DATA_DOCS_DIR") or project_root() / "target" / "gx_data_docs")


def run_checks(info: ConnInfo, printer: Callable[[str], None] = print,
               suites: list[Suite] | None = None, docs_dir: Path | None = None) -> CheckOutcome:
    """Validate every suite in one GX checkpoint, store the results in the history table, and
    rebuild the GX Data Docs site (`docs_dir`, default `data_docs_dir()`)."""
    suites = suites if suites is not None else discover_suites()
    gx, context = _gx_context()
    docs_dir = Path(docs_dir or data_docs_dir())
    context.add_data_docs_site("publics", {
        "class_name": "SiteBuilder",
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    })
    datasource = context.data_sources.add_postgres(
        name="warehouse", connection_string=info.url.replace("postgresql://", "postgresql+psycopg2://", 1)
    )
    outcome = CheckOutcome(run_id=str(uuid.uuid4()))
    with connect(info, autocommit=True) as conn:
        existing = {f"{r[0]}.{r[1]}" for r in conn.execute(
            "select table_schema, table_name from information_schema.tables")}
    validations, by_name = [], {}
    for suite in suites:
        if f"{suite.schema}.{suite.table}" not in existing:
            # A missing dataset is one critical failure, not a crash: nothing else can be measured.
            missing = ExpectationSpec("table_to_exist", {}, "complétude", "critical",
                                      "Le jeu de données doit exister : lancer `publics build`.")
            outcome.results.append(Result(suite.name, f"{suite.schema}.{suite.table}", missing, False,
                                          {"observed_value": "table absente"}))
            continue
        asset = datasource.add_table_asset(name=suite.name, table_name=suite.table, schema_name=suite.schema)
        batch = asset.add_batch_definition_whole_table(f"{suite.name}_all")
        gx_suite = context.suites.add(gx.ExpectationSuite(name=suite.name))
        for index, spec in enumerate(suite.expectations):
            cls = getattr(gx.expectations, spec.gx_class_name, None)
            if cls is None:
                raise SuiteError(f"{suite.path.name}: unknown expectation `{spec.expect}`")
            gx_suite.add_expectation(cls(**spec.kwargs, meta={"index": index}))
        validations.append(context.validation_definitions.add(
            gx.ValidationDefinition(name=f"{suite.name}_validation", data=batch, suite=gx_suite)))
        by_name[suite.name] = suite
    # A checkpoint's result format holds for all its validations, so the suites are grouped by
    # the columns that name their rows (GX then lists the failing rows by those columns).
    groups: dict[tuple[str, ...], list] = {}
    for validation in validations:
        groups.setdefault(by_name[validation.suite.name].row_label, []).append(validation)
    for index, (row_label, group) in enumerate(sorted(groups.items())):
        result_format = {"result_format": "SUMMARY"}
        if row_label:
            result_format["unexpected_index_column_names"] = list(row_label)
        checkpoint = context.checkpoints.add(gx.Checkpoint(
            name=f"publics_check_{index}", validation_definitions=group, result_format=result_format,
            actions=[gx.checkpoint.UpdateDataDocsAction(name="data_docs", site_names=["publics"])],
        ))
        for run in checkpoint.run().run_results.values():
            suite = by_name[run.suite_name]
            for r in run.results:
                spec = suite.expectations[r.expectation_config.meta["index"]]
                observed = {k: v for k, v in (r.result or {}).items() if k != "partial_unexpected_counts"}
                if r.exception_info and r.exception_info.get("raised_exception"):
                    observed["exception"] = r.exception_info.get("exception_message")
                outcome.results.append(
                    Result(suite.name, f"{suite.schema}.{suite.table}", spec, bool(r.success), observed))
    _add_single_row_values(info, outcome)
    _name_unexpected_values(outcome)
    _store(info, outcome)
    _print(outcome, printer)
    if validations:
        printer(f"  Data Docs (Great Expectations): {docs_dir / 'index.html'}")
    return outcome


def _add_single_row_values(info: ConnInfo, outcome: CheckOutcome) -> None:
    """A one-row table of measures (marts.quality_metrics): GX reports a column expectation's
    value only when it fails; record the measured value of every such result, passed or not,
    so that the history shows each figure over time (dashboard 18)."""
    tables = {r.table for r in outcome.results if r.column and "observed_value" not in r.observed}
    with connect(info, autocommit=True) as conn:
        for table in tables:
            schema, name = table.split(".", 1)
            try:
                cur = conn.execute(sql.SQL("select * from {} limit 2").format(sql.Identifier(schema, name)))
            except psycopg.Error:
                continue
            rows = cur.fetchall()
            if len(rows) != 1:
                continue
            values = dict(zip([c.name for c in cur.description], rows[0]))
            for r in outcome.results:
                if r.table == table and r.column in values and "observed_value" not in r.observed:
                    r.observed["observed_value"] = values[r.column]


def _name_unexpected_values(outcome: CheckOutcome) -> None:
    """A failed column expectation without a measured value (a value list, a null check…) keeps
    the values it found as its observed value, so that dashboard 18 names the records (e.g. the
    orders awaited by tickets already delivered) rather than showing an empty cell."""
    for r in outcome.results:
        values = r.observed.get("partial_unexpected_list")
        if not r.success and values and "observed_value" not in r.observed:
            rows = r.observed.get("partial_unexpected_index_list")
            labels = r.observed.get("unexpected_index_column_names")
            if rows and labels and r.column:  # rows named by the suite's row_label
                values = [" ".join(str(readable(row.get(c))) for c in labels) + f" : {readable(row.get(r.column))}"
                          for row in rows]
            distinct = list(dict.fromkeys(str(readable(v)) for v in values))
            more = (r.observed.get("unexpected_count") or 0) > len(values)  # GX lists the first 20
            r.observed["observed_value"] = " ; ".join(distinct) + (" …" if more else "")


def _store(info: ConnInfo, outcome: CheckOutcome) -> None:
    ensure_history(info)
    with connect(info) as conn, conn.cursor() as cur:
        cur.executemany(
            """insert into quality.expectation_results
               (run_id, suite, table_name, expectation, column_name, kwargs, criterion, severity, success, observed, why)
               values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)""",
            [
                (
                    outcome.run_id, r.suite, r.table, r.spec.expect, r.column,
                    json.dumps(r.spec.kwargs, default=str), r.spec.criterion, r.spec.severity, r.success,
                    json.dumps(r.observed, default=str), r.spec.why,
                )
                for r in outcome.results
            ],
        )


def _print(outcome: CheckOutcome, printer: Callable[[str], None]) -> None:
    for criterion in CRITERIA:
        items = [r for r in outcome.results if r.spec.criterion == criterion]
        if not items:
            continue
        passed = sum(r.success for r in items)
        printer(f"  {criterion:<13} {passed}/{len(items)} passed")
        for r in items:
            if not r.success:
                mark = "✘ CRITICAL" if r.spec.severity == "critical" else "⚠ warning"
                target = f"{r.table}.{r.column}" if r.column else r.table
                observed = _observed(r.observed)
                printer(f"      {mark} {r.spec.expect} on {target} (observed: {observed}) {r.spec.why}")


def _observed(result: dict) -> object:
    """What to show of a result: the measured value, else the first failing values, else the count."""
    if "observed_value" in result:
        return readable(result["observed_value"])
    values = result.get("partial_unexpected_list")
    if values:
        return ", ".join(readable(v) for v in values[:5]) + (" …" if len(values) > 5 else "")
    return result.get("unexpected_count", result)


def readable(value: object) -> object:
    """A number as people read it: 0 rather than 0E-20, 0.0512 rather than 0.051234567…
    (4 decimals at most, no exponent, trailing zeros dropped); anything else as it is."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return value
    number = Decimal(str(value)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN).normalize()
    return format(number + 0, "f")  # + 0: -0 → 0
