"""The pipeline's steps, as the CLI and the demo run them: ingest → build → check → dashboards.

Each step prints what it did and how long it took, and raises `StepFailed` (with the exit code
the CLI returns) when it cannot go on. Argument parsing lives in `publics.cli`; this module only
runs things.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from publics import runs, warehouse
from publics.project import project_root
from publics.runs import writes


class StepFailed(Exception):
    def __init__(self, step: str, message: str, code: int = 1):
        super().__init__(message)
        self.step, self.code = step, code


def say(message: str = "") -> None:
    print(message, flush=True)


@contextmanager
def step(name: str) -> Iterator[Callable[[str], None]]:
    """Print the step's start, let it report what it did, print its duration."""
    say(f"▶ {name}")
    t0, started = time.monotonic(), datetime.now(UTC)
    done: list[str] = []
    try:
        yield done.append
    except BaseException as exc:  # recorded in the run history, then on its way
        runs.record_step(name, started, time.monotonic() - t0, False, str(exc) or type(exc).__name__)
        raise
    summary = "; ".join(done) if done else "done"
    runs.record_step(name, started, time.monotonic() - t0, True, summary)
    say(f"✔ {name}: {summary} ({time.monotonic() - t0:.1f} s)")


# --------------------------------------------------------------------------- steps


def open_warehouse(start: bool = True) -> warehouse.ConnInfo:
    info, origin = warehouse.resolve(start=start)
    warehouse.ensure_schemas(info, reader_password=os.environ.get("PUBLICS_READER_PASSWORD"))
    say(f"  warehouse: {info.host}:{info.port}/{info.dbname} ({origin})")
    return info


def default_quarantine() -> Path:
    return Path(os.environ.get("PUBLICS_QUARANTINE") or project_root() / ".local" / "quarantine")


@writes("ingest")
def do_ingest(folder: Path, info: warehouse.ConnInfo, quarantine_dir: Path | None = None) -> int:
    from ingestion.loader import DatabaseFault, ingest

    quarantine_dir = quarantine_dir or default_quarantine()
    with step(f"ingest {folder}") as report:
        try:
            result = ingest(folder, info, quarantine_dir, progress=say)
        except (FileNotFoundError, DatabaseFault) as exc:
            raise StepFailed("ingest", str(exc)) from None
        _print_ingest_summary(result)
        runs.note_rejected(len(result.by_status("rejected")))
        dropped = drop_forgotten(info)
        if dropped:
            say(f"  erased persons delivered again, dropped from raw: {dropped:,} row(s)")
        report(
            f"{len(result.by_status('loaded'))} file(s) loaded, {len(result.by_status('skipped'))} skipped, "
            f"{len(result.by_status('rejected'))} rejected, {result.rows:,} rows"
        )
    return result.exit_code


def drop_forgotten(info: warehouse.ConnInfo) -> int:
    """Rows of erased persons (tombstones) a delivery brought back, removed from raw right after
    loading, before dbt builds anything from them (docs/gdpr.md)."""
    from publics.gdpr.rights import apply_tombstones

    with warehouse.connect(info) as conn:
        dropped = apply_tombstones(conn)
        conn.commit()
    return sum(dropped.values())


def _print_ingest_summary(result) -> None:
    by_source: dict[str, list] = {}
    for r in result.results:
        by_source.setdefault(r.source, []).append(r)
    say(f"  {'source':<12} {'files':>5} {'loaded':>6} {'skipped':>7} {'rejected':>8} {'rows':>10} {'MB':>8} {'s':>6}")
    for source, items in sorted(by_source.items()):
        say(
            f"  {source:<12} {len(items):>5} {sum(r.status == 'loaded' for r in items):>6} "
            f"{sum(r.status == 'skipped' for r in items):>7} {sum(r.status == 'rejected' for r in items):>8} "
            f"{sum(r.rows for r in items):>10,} {sum(r.size_bytes for r in items) / 1e6:>8.2f} "
            f"{sum(r.seconds for r in items):>6.2f}"
        )
    rejected = result.by_status("rejected")
    if rejected:
        say("  rejected files (kept in quarantine, the other files were loaded):")
        for r in rejected:
            say(f"    ✘ {r.error}")


def prepare_build(info: warehouse.ConnInfo) -> None:
    """The tables dbt reads that no dbt model makes, created if missing (every build: `publics
    build`, `publics ci`)."""
    from ingestion.loader import prepare
    from publics.gdpr import objections
    from publics.quality import ensure_history
    from publics.scores import ensure_tables

    prepare(info)  # every raw table and the load ledger exist, even before a first ingestion
    ensure_history(info)  # the quality history the quality marts read
    objections.prepare(info)  # raw.gdpr_objections, a source of int_gdpr__objections
    ensure_tables(info)  # the scores and model evaluations publics score writes, read by dbt views


@writes("build")
def do_build(info: warehouse.ConnInfo, select: list[str] | None = None, full_refresh: bool = False,
             refresh_models: list[str] | None = None, unit_tests: bool | None = None) -> None:
    from publics.dbt_runner import DbtFailed, dbt_build

    what = " --full-refresh" if full_refresh else (f", rebuilt whole: {', '.join(refresh_models)}" if refresh_models else "")
    with step(f"build (dbt seed, run, test{what})") as report:
        prepare_build(info)
        try:
            summary = dbt_build(info, select=select, full_refresh=full_refresh, refresh_models=refresh_models,
                                unit_tests=unit_tests)
        except DbtFailed as exc:
            raise StepFailed("build", str(exc)) from None
        report(summary)


def purge_mode() -> str:
    """What `publics run` does with the retention purge: `apply` (default) or `dry-run`
    (PUBLICS_GDPR_PURGE: `dry-run` counts only, for a warehouse whose history must stay whole,
    as the tests' demo does to compare it with its planted truth, docs/gdpr.md)."""
    mode = os.environ.get("PUBLICS_GDPR_PURGE", "apply")
    if mode not in ("apply", "dry-run"):
        raise StepFailed("gdpr purge", f"PUBLICS_GDPR_PURGE={mode!r}: apply or dry-run")
    return mode


@writes("gdpr purge")
def do_gdpr_purge(info: warehouse.ConnInfo, dry_run: bool = False, refresh: bool = True,
                  quarantine_dir: Path | None = None) -> list[str] | None:
    """The retention purge; with `refresh`, dbt first builds what decides it (the targets are
    otherwise those of the build just made). Returns None when nothing was removed, else the
    places that lost rows (the caller rebuilds: rebuild_after)."""
    from publics.gdpr.purge import purge, reference_date

    if refresh:
        do_build(info)
    with step(f"gdpr purge{' (dry run)' if dry_run else ''} at {reference_date()}") as report:
        result = purge(info, dry_run=dry_run, quarantine_dir=quarantine_dir or default_quarantine(),
                       server_log=server_log())
        for line in result.lines():
            say(f"  {line}")
        by_rule = result.by_rule()
        report(", ".join(f"{rule}: {n:,}" for rule, n in by_rule.items()) or "nothing past retention")
    # what lost rows (`raw.<table>`, quarantine files, log lines): the caller rebuilds (rebuild_after)
    return result.places() if result.changed else None


def rebuild_after(info: warehouse.ConnInfo, places: list[str]) -> None:
    """After rows were removed from raw (`places`, as the purge reports them): the incremental
    models that read those tables rebuilt whole, and only what reads them (their descendants in
    dbt's graph, from the manifest of the build just made; everything when it cannot say): the
    rest of the warehouse did not read what was removed."""
    from publics.incremental import downstream_of, models_to_refresh

    select = downstream_of(places, project_root() / "target" / "manifest.json")
    if select == []:
        return  # nothing dbt reads lost rows (quarantine files, log lines)
    do_build(info, refresh_models=models_to_refresh(places), select=select)


def server_log() -> Path | None:
    """The local cluster's server log (an external server's log is its administrator's)."""
    return None if os.environ.get("DATABASE_URL") else warehouse.local_cluster().log


def do_gdpr_export(info: warehouse.ConnInfo, email: str, out: Path | None = None) -> None:
    from publics.gdpr.rights import export

    with step("gdpr export (right of access)") as report:
        json_path, csv_path, rows = export(info, email, out)
        report(f"{rows:,} row(s) → {json_path} and {csv_path}")


@writes("gdpr object")
def do_gdpr_object(info: warehouse.ConnInfo, email: str, kind: str, withdraw: bool = False) -> None:
    """Record an objection (or its withdrawal), then rebuild what reads it (docs/gdpr.md)."""
    from publics.gdpr import objections

    with step(f"gdpr object ({kind}{', withdrawn' if withdraw else ''})") as report:
        try:
            key = objections.record(info, email, kind, withdraw)
        except ValueError as exc:
            raise StepFailed("gdpr object", str(exc)) from None
        report(f"recorded under the key {key[:12]}… (the address is not kept)")
    do_build(info, select=["stg_publics__gdpr_objections+"])


@writes("gdpr forget")
def do_gdpr_forget(info: warehouse.ConnInfo, email: str, quarantine_dir: Path | None = None) -> None:
    from publics.gdpr.rights import find_person, forget, remains
    from publics.incremental import models_to_refresh

    quarantine_dir = quarantine_dir or default_quarantine()
    with warehouse.connect(info, autocommit=True) as conn:
        person = find_person(conn, email)  # before anything is removed: what the check looks for
    with step("gdpr forget (right to erasure)") as report:
        removed = forget(info, email, quarantine_dir, server_log())
        for place, n in sorted(removed.items()):
            say(f"  {place:<40} {n:>8,}")
        report(f"{sum(removed.values()):,} row(s)/file(s) removed, tombstone written")
    do_build(info, refresh_models=models_to_refresh(removed))  # the incremental models whose raw lost rows
    with step("gdpr forget: nothing remains (every text column of every schema, quarantine, log)") as report:
        left = remains(info, person, quarantine_dir, server_log())
        for place in left:
            say(f"    ✘ {place}")
        if left:
            raise StepFailed("gdpr forget", f"{len(left)} place(s) still hold the person")
        report("nothing found")


@writes("check")
@writes("score")
def do_score(info: warehouse.ConnInfo, retrain: bool = False) -> None:
    """Train (when a season's outcome became known, or on `retrain`), evaluate and score; the
    dbt views over the scores show them at once (DECISIONLOG « Scores »)."""
    from publics import scores

    with step("score (scikit-learn: churn risk and subscription propensity)") as report:
        results = scores.score(info, retrain=retrain)
        for line in scores.summary(results):
            say(f"  {line}")
        report(", ".join(f"{r.kind} {r.scored} scored" if not r.skipped else f"{r.kind} not scored (too few outcomes)"
                         for r in results))


def do_check(info: warehouse.ConnInfo) -> None:
    from publics.quality import run_checks

    with step("check (Great Expectations)") as report:
        outcome = run_checks(info, printer=say)
        report(outcome.summary)
        if outcome.critical_failures:
            raise StepFailed("check", f"{outcome.critical_failures} critical expectation(s) failed")


def do_dashboards_check(info: warehouse.ConnInfo, require_rows: bool = False) -> None:
    """Every card's query must run with its declared columns. A card with nothing to show (a
    source not delivered yet) is reported, and fails only with `require_rows` (the demo, CI)."""
    from publics.dashboards.definitions import check_cards

    with step("dashboards (every card's query on the marts)") as report:
        checks = check_cards(info)
        for c in checks:
            if not c.ok:
                say(f"    ✘ {c.dashboard} › {c.card}: {c.problem}")
            elif c.empty:
                say(f"    {'✘' if require_rows else '⚠'} {c.dashboard} › {c.card}: nothing to show yet (no rows)")
        failed = [c for c in checks if not c.ok or (require_rows and c.empty)]
        empty = sum(1 for c in checks if c.ok and c.empty)
        report(f"{sum(1 for c in checks if c.ok)}/{len(checks)} card(s) answer with the declared columns"
               + (f", {empty} with nothing to show yet" if empty else ""))
        if failed:
            raise StepFailed("dashboards", f"{len(failed)} card(s) do not answer")


def do_publish(exposures: Path | None) -> int:
    """Create or update, idempotently, the dashboards in the Metabase of METABASE_URL."""
    with runs.writing(open_warehouse(), "dashboards publish", progress=say):
        return _publish(exposures)


def _publish(exposures: Path | None) -> int:
    from publics.dashboards import metabase
    from publics.dashboards.definitions import discover, resolve_latest

    try:
        settings = metabase.Settings.from_env()
    except metabase.MetabaseError as exc:
        raise StepFailed("dashboards publish", f"metabase: {exc}") from None
    definitions = resolve_latest(open_warehouse(), discover())  # `default: latest` → today's value
    with step(f"dashboards publish → {settings.url}") as report:
        try:
            result = metabase.publish(definitions, settings, progress=say)
        except metabase.MetabaseError as exc:
            raise StepFailed("dashboards publish", f"metabase: {exc}") from None
        report(result.summary())
        if exposures:
            metabase.write_exposures(definitions, result, exposures)
            say(f"  dbt exposures written to {exposures}")
    with step("dashboards publish: dbt docs → Metabase data model (dbt-metabase)") as report:
        from publics.dbt_runner import DbtFailed, dbt_manifest

        try:
            docs = metabase.push_model_docs(settings, dbt_manifest(open_warehouse()))
        except (metabase.MetabaseError, DbtFailed) as exc:
            raise StepFailed("dashboards publish", str(exc)) from None
        for problem in docs.problems[:10]:
            say(f"  ! {problem}")
        report(docs.summary())
    return 0


def run_pipeline(folder: Path, strict: bool = False, quarantine_dir: Path | None = None,
                 require_rows: bool = False, full_refresh: bool = False) -> int:
    t0 = time.monotonic()
    info = open_warehouse()
    with runs.writing(info, "run", progress=say) as run:
        code = do_ingest(folder, info, quarantine_dir)
        if code and strict:
            raise StepFailed("ingest", "some files were rejected (--strict)", code)
        do_build(info, full_refresh=full_refresh)
        if (purged := do_gdpr_purge(info, dry_run=purge_mode() == "dry-run", refresh=False,
                                    quarantine_dir=quarantine_dir)) is not None:
            rebuild_after(info, purged)  # restricted, staging and marts follow what the purge removed from raw
        do_score(info)
        do_check(info)
        do_dashboards_check(info, require_rows=require_rows)
        say(f"pipeline finished in {time.monotonic() - t0:.1f} s"
            + (" — with rejected input files, see above" if code else ""))
        say("what you get (schema marts; connection: `publics db url`):")
        for table, rows in warehouse.table_counts(info, "marts"):
            say(f"  marts.{table:<32} {rows:>10,} rows")
        run.code = code
        return code


def do_render(info: warehouse.ConnInfo, out: Path) -> None:
    from publics.dashboards.html.pages import render

    with step(f"dashboards render → {out}") as report:
        pages = render(info, out)
        report(f"{len(pages) - 1} dashboard page(s); open {out / 'index.html'}")


def do_exposures() -> Path:
    """Regenerate the committed dbt exposures of the dashboards (no database needed)."""
    from publics.dashboards import exposures
    from publics.dashboards.definitions import discover

    path = exposures.write(discover(), project_root() / exposures.OUTPUT)
    say(f"✔ dbt exposures of the dashboards written to {path}")
    return path


def do_glossary() -> Path:
    from publics import glossary

    path = glossary.write(project_root())
    say(f"✔ glossary written to {path}")
    return path


def do_sources() -> list[Path]:
    from publics import source_docs

    changed = source_docs.write(project_root())
    for path in changed:
        say(f"✔ {path} written from the contracts")
    if not changed:
        say("✔ docs/sources.md and the dbt sources files are current")
    return changed


def do_gdpr_register(html_dir: Path) -> list[Path]:
    """The register of processing and the data map, from the columns' GDPR metadata (no
    database needed: `dbt parse` reads the project only). Fails, naming each column, when a
    column lacks its category, purpose or retention rule."""
    from publics.dbt_runner import DbtFailed, dbt_parse_offline
    from publics.gdpr import metadata, register

    with step("gdpr register: columns' metadata → register and data map") as report:
        try:
            manifest = metadata.load_manifest(dbt_parse_offline())
        except DbtFailed as exc:
            raise StepFailed("gdpr register", str(exc)) from None
        root = project_root()
        problems = metadata.problems(metadata.columns(manifest), metadata.Vocabulary.load(root))
        if problems:
            raise StepFailed("gdpr register", f"{len(problems)} column(s) without valid GDPR metadata:\n    "
                             + "\n    ".join(problems[:30]))
        try:
            paths = register.write(root, manifest, html_dir)
        except register.SettingsError as exc:
            raise StepFailed("gdpr register", str(exc)) from None
        report(", ".join(str(p) for p in paths))
    return paths
