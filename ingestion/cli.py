"""`publics`: the one entry point users and CI call.

    publics db up|down|url|env|status   the warehouse (DATABASE_URL, or a local cluster)
    publics ingest <folder>             land extract files in raw
    publics build                       dbt: seeds, models, tests
    publics check                       Great Expectations suites
    publics dashboards check            run every dashboard card's query on the marts
    publics dashboards render --out D   the dashboards as static HTML pages (charts in SVG)
    publics dashboards publish          create or update them in Metabase (METABASE_URL, _API_KEY)
    publics run <folder>                all of it, in order, stopping on the first failed step
    publics demo [generate]             generate the demo institution (then run on it)
    publics glossary                    write docs/glossaire.md from the dbt docs and the seeds

Exit codes: 0 success, 1 failure, 2 partial (some input files rejected, the rest loaded).
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ingestion import db
from ingestion.project import project_root


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
    t0 = time.monotonic()
    done: list[str] = []
    yield done.append
    summary = "; ".join(done) if done else "done"
    say(f"✔ {name}: {summary} ({time.monotonic() - t0:.1f} s)")


# --------------------------------------------------------------------------- steps


def warehouse(start: bool = True) -> db.ConnInfo:
    info, origin = db.resolve(start=start)
    db.ensure_schemas(info, reader_password=os.environ.get("PUBLICS_READER_PASSWORD"))
    say(f"  warehouse: {info.host}:{info.port}/{info.dbname} ({origin})")
    return info


def default_quarantine() -> Path:
    return Path(os.environ.get("PUBLICS_QUARANTINE") or project_root() / ".local" / "quarantine")


def do_ingest(folder: Path, info: db.ConnInfo, quarantine_dir: Path | None = None) -> int:
    from ingestion.loader import IngestionBusy, ingest

    quarantine_dir = quarantine_dir or default_quarantine()
    with step(f"ingest {folder}") as report:
        try:
            result = ingest(folder, info, quarantine_dir, progress=say)
        except (IngestionBusy, FileNotFoundError) as exc:
            raise StepFailed("ingest", str(exc)) from None
        _print_ingest_summary(result)
        report(
            f"{len(result.by_status('loaded'))} file(s) loaded, {len(result.by_status('skipped'))} skipped, "
            f"{len(result.by_status('rejected'))} rejected, {result.rows:,} rows"
        )
    return result.exit_code


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


def do_build(info: db.ConnInfo, select: list[str] | None = None) -> None:
    from ingestion.loader import prepare
    from ingestion.quality import ensure_history
    from ingestion.transform import DbtFailed, dbt_build

    with step("build (dbt seed, run, test)") as report:
        prepare(info)  # every raw table and the load ledger exist, even before a first ingestion
        ensure_history(info)  # the quality history the quality marts read
        try:
            summary = dbt_build(info, select=select)
        except DbtFailed as exc:
            raise StepFailed("build", str(exc)) from None
        report(summary)


def do_check(info: db.ConnInfo) -> None:
    from ingestion.quality import run_checks

    with step("check (Great Expectations)") as report:
        outcome = run_checks(info, printer=say)
        report(outcome.summary)
        if outcome.critical_failures:
            raise StepFailed("check", f"{outcome.critical_failures} critical expectation(s) failed")


def do_dashboards_check(info: db.ConnInfo, require_rows: bool = False) -> None:
    """Every card's query must run with its declared columns. A card with nothing to show (a
    source not delivered yet) is reported, and fails only with `require_rows` (the demo, CI)."""
    from ingestion.dashboards import check_cards

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


def do_generate(out: Path, scale: float, seed: int) -> Path:
    from ingestion import demo

    with step(f"demo generate (scale {scale}, seed {seed})") as report:
        summary = demo.generate(out, scale=scale, seed=seed)
        report(f"{len(summary)} file(s), {sum(summary.values()):,} rows written to {out}")
    return out


def demo_inbox(out: Path) -> Path:
    """The folder of delivered files inside a generated demo (the truth lies beside it)."""
    from ingestion import demo

    return out / demo.INBOX


# --------------------------------------------------------------------------- commands


def cmd_db(args: argparse.Namespace) -> int:
    if args.action == "up":
        if os.environ.get("DATABASE_URL"):
            warehouse()
            say("  DATABASE_URL is set: no local cluster started")
        else:
            cluster = db.local_cluster()
            started = cluster.start()
            say(f"  local cluster {'started' if started else 'already running'} in {cluster.root}")
            warehouse()
        say(f"  schemas: {', '.join(db.SCHEMAS)}")
        return 0
    if args.action == "down":
        if os.environ.get("DATABASE_URL"):
            say("DATABASE_URL is set: the external server is not ours to stop")
            return 0
        stopped = db.local_cluster().stop()
        say("local cluster stopped" if stopped else "local cluster was not running")
        return 0
    info, _ = db.resolve(start=False)
    if args.action == "url":
        say(info.url)
    elif args.action == "env":  # eval "$(publics db env)" && dbt build
        for key, value in {**info.dbt_env(), "DBT_PROFILES_DIR": str(project_root())}.items():
            say(f"export {key}={shlex.quote(value)}")
    elif args.action == "status":
        running = bool(os.environ.get("DATABASE_URL")) or db.local_cluster().running()
        say(f"{info.host}:{info.port}/{info.dbname}: {'running' if running else 'stopped'}")
        return 0 if running else 1
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    info = warehouse()
    return do_ingest(Path(args.folder), info, args.quarantine and Path(args.quarantine))


def cmd_build(args: argparse.Namespace) -> int:
    do_build(warehouse(), select=args.select)
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    do_check(warehouse())
    return 0


def cmd_dashboards(args: argparse.Namespace) -> int:
    if args.action == "publish":
        return do_publish(Path(args.exposures) if args.exposures else None)
    if args.action == "render":
        from ingestion.render import render

        out = Path(args.out)
        with step(f"dashboards render → {out}") as report:
            pages = render(warehouse(), out)
            report(f"{len(pages) - 1} dashboard page(s); open {out / 'index.html'}")
        return 0
    do_dashboards_check(warehouse(), require_rows=args.require_rows)
    return 0


def do_publish(exposures: Path | None) -> int:
    """Create or update, idempotently, the dashboards in the Metabase of METABASE_URL."""
    from ingestion import metabase
    from ingestion.dashboards import discover, resolve_latest

    try:
        settings = metabase.Settings.from_env()
    except metabase.MetabaseError as exc:
        raise StepFailed("dashboards publish", f"metabase: {exc}") from None
    definitions = resolve_latest(warehouse(), discover())  # `default: latest` → today's value
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
        from ingestion.transform import DbtFailed, dbt_manifest

        try:
            docs = metabase.push_model_docs(settings, dbt_manifest(warehouse()))
        except (metabase.MetabaseError, DbtFailed) as exc:
            raise StepFailed("dashboards publish", str(exc)) from None
        for problem in docs.problems[:10]:
            say(f"  ! {problem}")
        report(docs.summary())
    return 0


def run_pipeline(folder: Path, strict: bool = False, quarantine_dir: Path | None = None,
                 require_rows: bool = False) -> int:
    t0 = time.monotonic()
    info = warehouse()
    code = do_ingest(folder, info, quarantine_dir)
    if code and strict:
        raise StepFailed("ingest", "some files were rejected (--strict)", code)
    do_build(info)
    do_check(info)
    do_dashboards_check(info, require_rows=require_rows)
    say(f"pipeline finished in {time.monotonic() - t0:.1f} s"
        + (" — with rejected input files, see above" if code else ""))
    say("what you get (schema marts; connection: `publics db url`):")
    for table, rows in db.table_counts(info, "marts"):
        say(f"  marts.{table:<32} {rows:>10,} rows")
    return code


def cmd_run(args: argparse.Namespace) -> int:
    return run_pipeline(Path(args.folder), strict=args.strict,
                        quarantine_dir=args.quarantine and Path(args.quarantine))


def cmd_demo(args: argparse.Namespace) -> int:
    out = Path(args.out or project_root() / ".local" / "demo")
    do_generate(out, args.scale, args.seed)
    if args.demo_action == "generate":
        return 0
    # The demo delivers every source: every card of every dashboard must have something to show.
    return run_pipeline(demo_inbox(out), require_rows=True)


def cmd_glossary(args: argparse.Namespace) -> int:
    from ingestion import glossary

    path = glossary.write(project_root())
    say(f"✔ glossary written to {path}")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from ingestion import bench

    out = project_root() / ".local" / "bench" / f"scale-{args.scale:g}-seed-{args.seed}"
    if not demo_inbox(out).exists():
        do_generate(out, args.scale, args.seed)
    info = warehouse()
    with step(f"bench ingest (scale {args.scale:g})"):
        bench.run(demo_inbox(out), info.with_db("postgres") if not os.environ.get("DATABASE_URL") else info, printer=say)
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="publics", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)

    d = sub.add_parser("db", help="the warehouse: start, stop, show its URL")
    d.add_argument("action", choices=["up", "down", "url", "env", "status"])
    d.set_defaults(func=cmd_db)

    i = sub.add_parser("ingest", help="land the extract files of a folder in the raw schema")
    i.add_argument("folder")
    i.add_argument("--quarantine", help="where rejected files are copied (default .local/quarantine)")
    i.set_defaults(func=cmd_ingest)

    b = sub.add_parser("build", help="dbt build: seeds, models and their tests")
    b.add_argument("--select", nargs="*", help="dbt selection (default: everything)")
    b.set_defaults(func=cmd_build)

    c = sub.add_parser("check", help="run the Great Expectations suites")
    c.set_defaults(func=cmd_check)

    ds = sub.add_parser("dashboards", help="dashboards as code: check every card against the marts")
    ds.add_argument("action", choices=["check", "render", "publish"])
    ds.add_argument("--out", default="target/dashboards", help="render: the folder of the HTML pages")
    ds.add_argument("--exposures", help="publish: also write the dashboards as dbt exposures to this YAML file")
    ds.add_argument("--require-rows", action="store_true",
                    help="a card with nothing to show fails the check (default: reported)")
    ds.set_defaults(func=cmd_dashboards)

    r = sub.add_parser("run", help="ingest, build, check — stopping on the first failed step")
    r.add_argument("folder")
    r.add_argument("--strict", action="store_true", help="stop when any input file is rejected")
    r.add_argument("--quarantine", help="where rejected files are copied (default .local/quarantine)")
    r.set_defaults(func=cmd_run)

    g = sub.add_parser("glossary", help="write the French glossary (docs/glossaire.md) from the dbt docs and seeds")
    g.set_defaults(func=cmd_glossary)

    be = sub.add_parser("bench", help="benchmarks (they measure, they do not pass or fail)")
    be.add_argument("what", choices=["ingest"])
    be.add_argument("--scale", type=float, default=1.0)
    be.add_argument("--seed", type=int, default=42)
    be.set_defaults(func=cmd_bench)

    m = sub.add_parser("demo", help="generate the demo institution's files, then run the pipeline on them")
    m.add_argument("demo_action", nargs="?", choices=["generate"], help="only generate the files")
    m.add_argument("--scale", type=float, default=0.05, help="1 = one season of a 1,000-seat house")
    m.add_argument("--seed", type=int, default=42)
    m.add_argument("--out", help="output folder (default .local/demo)")
    m.set_defaults(func=cmd_demo)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except StepFailed as exc:
        say(f"✘ {exc.step} failed: {exc}")
        say("  the pipeline stopped here; fix the problem above and run again (re-running is safe)")
        return exc.code
    except db.DatabaseError as exc:
        say(f"✘ database: {exc}")
        return 1
    except KeyboardInterrupt:
        say("✘ interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
