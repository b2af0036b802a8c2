"""`publics`: the one entry point users and CI call (argument parsing; the steps run in
`publics.pipeline`).

    publics db up|down|url|env|status   the warehouse (DATABASE_URL, or a local cluster)
    publics ingest <folder>             land extract files in raw
    publics build                       dbt: seeds, models, tests
    publics check                       Great Expectations suites
    publics dashboards check            run every dashboard card's query on the marts
    publics dashboards render --out D   the dashboards as static HTML pages (charts in SVG)
    publics dashboards publish          create or update them in Metabase (METABASE_URL, _API_KEY)
    publics dashboards exposures        write their dbt exposures (models/marts/dashboards/)
    publics score [--retrain]           churn-risk and subscription scores (retrain when an outcome is new)
    publics run <folder>                all of it, in order, stopping on the first failed step
    publics runs [--last N]             the run history (quality.pipeline_runs): steps, durations, status
    publics schedule --at HH:MM <dir>   run the pipeline on <dir> every day at that time (the scheduler)
    publics gdpr purge [--dry-run]      apply the retention policy (seeds/gdpr_retention_rules.csv)
    publics gdpr export --email X       right of access: all held about X, as JSON and CSV
    publics gdpr forget --email X       right to erasure: X removed everywhere, tombstoned
    publics gdpr object --email X --kind profiling|marketing [--withdraw]
                                        right to object: X out of the scores / marketing lists
    publics audiences export <list> --format brevo|mailchimp --purpose "…" --out FILE
                                        a list with its contact details (from `restricted`) in the
                                        tool's contact-import CSV, recorded in the export ledger
    publics audiences exports [--last N]  the export ledger: when, list, purpose, count, format, role
    publics ci [--state D] [--base-results F]   the gate on pull requests (docs/ci.md)
    publics quality export --out F      the quality metrics as JSON (the reference of `publics ci`)
    publics glossary                    write docs/glossaire.md from the dbt docs and the seeds
    publics sources                     write docs/sources.md's tables and the dbt sources files
                                        from the contracts (ingestion/contracts/*.yml)
    publics gdpr register               write the register of processing and the data map
                                        (docs/gdpr/*.md, target/gdpr/registre.html)

Installed packages add commands through the `publics.commands` entry points: the demo
institution adds `publics demo [generate]` and `publics bench …` (package `publics_demo`, which
the product never imports).

Exit codes: 0 success, 1 failure, 2 partial (some input files rejected, the rest loaded),
75 refused: another pipeline step is running on the database (every writing step — ingest, build,
check, dashboards publish, gdpr purge/forget, demo --reset, run — takes the same lock; `--wait
[--wait-timeout S]` queues behind it instead).
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from importlib.metadata import entry_points
from pathlib import Path

from ingestion import locking
from publics import audiences, pipeline, runs, schedule, warehouse
from publics.pipeline import StepFailed, open_warehouse, say
from publics.project import project_root

COMMAND_PLUGINS = "publics.commands"  # entry-point group: `name = "module:register"`


def cmd_db(args: argparse.Namespace) -> int:
    if args.action == "up":
        if os.environ.get("DATABASE_URL"):
            open_warehouse()
            say("  DATABASE_URL is set: no local cluster started")
        else:
            cluster = warehouse.local_cluster()
            started = cluster.start()
            say(f"  local cluster {'started' if started else 'already running'} in {cluster.root}")
            _say_pending_restart(open_warehouse())
        say(f"  schemas: {', '.join(warehouse.SCHEMAS)}")
        return 0
    if args.action == "down":
        if os.environ.get("DATABASE_URL"):
            say("DATABASE_URL is set: the external server is not ours to stop")
            return 0
        stopped = warehouse.local_cluster().stop()
        say("local cluster stopped" if stopped else "local cluster was not running")
        return 0
    info, _ = warehouse.resolve(start=False)
    if args.action == "url":
        say(info.url)
    elif args.action == "env":  # eval "$(publics db env)" && dbt build
        for key, value in {**info.dbt_env(), "DBT_PROFILES_DIR": str(project_root())}.items():
            say(f"export {key}={shlex.quote(value)}")
    elif args.action == "status":
        running = bool(os.environ.get("DATABASE_URL")) or warehouse.local_cluster().running()
        say(f"{info.host}:{info.port}/{info.dbname}: {'running' if running else 'stopped'}")
        return 0 if running else 1
    return 0


def _say_pending_restart(info: warehouse.ConnInfo) -> None:
    """The analytics settings (docs/reglages-postgresql.md) a running cluster applies only once restarted."""
    from publics.pg_settings import pending_restart

    with warehouse.connect(info, autocommit=True) as conn:
        pending = pending_restart(conn)
    if pending:
        say(f"  settings waiting for a restart ({', '.join(pending)}): publics db down && publics db up")


def cmd_ingest(args: argparse.Namespace) -> int:
    return pipeline.do_ingest(Path(args.folder), open_warehouse(), args.quarantine and Path(args.quarantine))


def cmd_build(args: argparse.Namespace) -> int:
    pipeline.do_build(open_warehouse(), select=args.select, full_refresh=args.full_refresh,
                      unit_tests=True if args.unit_tests else None)
    return 0


def cmd_score(args: argparse.Namespace) -> int:
    pipeline.do_score(open_warehouse(), retrain=args.retrain)
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    pipeline.do_check(open_warehouse())
    return 0


def cmd_dashboards(args: argparse.Namespace) -> int:
    if args.action == "publish":
        return pipeline.do_publish(Path(args.exposures) if args.exposures else None)
    if args.action == "render":
        pipeline.do_render(open_warehouse(), Path(args.out))
        return 0
    if args.action == "exposures":
        pipeline.do_exposures()
        return 0
    pipeline.do_dashboards_check(open_warehouse(), require_rows=args.require_rows)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    return pipeline.run_pipeline(Path(args.folder), strict=args.strict, full_refresh=args.full_refresh,
                                 quarantine_dir=args.quarantine and Path(args.quarantine))


def cmd_gdpr(args: argparse.Namespace) -> int:
    if args.action == "register":  # from the metadata: no database
        pipeline.do_gdpr_register(Path(args.html))
        return 0
    info = open_warehouse()
    quarantine = args.quarantine and Path(args.quarantine)
    if args.action == "purge":
        with runs.writing(info, "gdpr purge"):  # the purge and the rebuild it calls for: one run
            if (purged := pipeline.do_gdpr_purge(info, dry_run=args.dry_run, quarantine_dir=quarantine)) is not None:
                pipeline.rebuild_after(info, purged)
        return 0
    if not args.email:
        raise StepFailed(f"gdpr {args.action}", "--email is required")
    if args.action == "object":
        if not args.kind:
            raise StepFailed("gdpr object", "--kind profiling|marketing is required")
        pipeline.do_gdpr_object(info, args.email, args.kind, withdraw=args.withdraw)
    elif args.action == "export":
        pipeline.do_gdpr_export(info, args.email, args.out and Path(args.out))
    else:
        pipeline.do_gdpr_forget(info, args.email, quarantine)
    return 0


def cmd_audiences(args: argparse.Namespace) -> int:
    info, _ = warehouse.resolve(start=True)  # as it is: a role allowed `restricted` is not the owner
    try:
        if args.action == "exports":
            for line in audiences.format_exports(audiences.exports(info, args.last)):
                say(line)
            return 0
        if not args.list or not args.format or not args.out:
            raise StepFailed("audiences export", "give the list, --format and --out "
                                                 f"(lists: {', '.join(audiences.LISTS)})")
        result = audiences.export(info, args.list, args.format, args.purpose or "", Path(args.out))
    except audiences.ExportRefused as exc:
        say(f"✘ audiences {args.action} refused: {exc}")
        return exc.code
    say(f"  {result.contacts} contacts of « {result.list_name} » written to {result.path} ({result.format} import "
        f"format), recorded in the export ledger (role {result.role})")
    return 0


def cmd_runs(args: argparse.Namespace) -> int:
    for line in runs.format_runs(runs.last_runs(open_warehouse(), args.last)):
        say(line)
    return 0


def cmd_schedule(args: argparse.Namespace) -> int:
    return schedule.loop(schedule.parse_time(args.at), Path(args.folder), once=args.once,
                         wait_timeout=args.wait_timeout)


def lock_options(p: argparse.ArgumentParser) -> None:
    """`--wait` / `--wait-timeout` of a command that writes (ingestion.locking)."""
    p.add_argument("--wait", action="store_true",
                   help="when another pipeline step is running, wait for it instead of refusing (exit 75)")
    p.add_argument("--wait-timeout", type=float, default=locking.DEFAULT_WAIT_TIMEOUT,
                   help=f"with --wait: give up after this many seconds (default {locking.DEFAULT_WAIT_TIMEOUT:.0f})")


def cmd_ci(args: argparse.Namespace) -> int:
    from publics import ci

    return ci.run_ci(state=args.state and Path(args.state), base_results=args.base_results and Path(args.base_results),
                     inbox=args.inbox and Path(args.inbox), scale=args.scale, keep=args.keep)


def cmd_quality(args: argparse.Namespace) -> int:
    from publics import ci

    ci.export_quality(open_warehouse(), Path(args.out), args.state_out and Path(args.state_out),
                      args.manifest and Path(args.manifest))
    return 0


def cmd_glossary(args: argparse.Namespace) -> int:
    pipeline.do_glossary()
    return 0


def cmd_sources(args: argparse.Namespace) -> int:
    pipeline.do_sources()
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
    lock_options(i)
    i.set_defaults(func=cmd_ingest)

    b = sub.add_parser("build", help="dbt build: seeds, models and their tests")
    b.add_argument("--select", nargs="*", help="dbt selection (default: everything)")
    lock_options(b)
    b.add_argument("--full-refresh", action="store_true", help="rebuild the incremental models whole")
    b.add_argument("--unit-tests", action="store_true",
                   help="run dbt's unit tests even if they passed on this code already (they run by "
                        "themselves after any change to models, macros or seeds)")
    b.set_defaults(func=cmd_build)

    c = sub.add_parser("check", help="run the Great Expectations suites")
    lock_options(c)
    c.set_defaults(func=cmd_check)

    sc_ = sub.add_parser("score", help="train, evaluate and score: churn risk (attrition) and subscription "
                                       "propensity (abonnement), read by dashboards 5 and 6")
    sc_.add_argument("--retrain", action="store_true", help="retrain even if no new season's outcome is known")
    lock_options(sc_)
    sc_.set_defaults(func=cmd_score)

    ds = sub.add_parser("dashboards", help="dashboards as code: check every card against the marts")
    ds.add_argument("action", choices=["check", "render", "publish", "exposures"])
    ds.add_argument("--out", default="target/dashboards", help="render: the folder of the HTML pages")
    ds.add_argument("--exposures", help="publish: also write the dashboards as dbt exposures to this YAML file")
    ds.add_argument("--require-rows", action="store_true",
                    help="a card with nothing to show fails the check (default: reported)")
    lock_options(ds)
    ds.set_defaults(func=cmd_dashboards)

    r = sub.add_parser("run", help="ingest, build, check — stopping on the first failed step")
    r.add_argument("folder")
    r.add_argument("--strict", action="store_true", help="stop when any input file is rejected")
    r.add_argument("--full-refresh", action="store_true", help="rebuild the incremental models whole")
    r.add_argument("--quarantine", help="where rejected files are copied (default .local/quarantine)")
    lock_options(r)
    r.set_defaults(func=cmd_run)

    gd = sub.add_parser("gdpr", help="GDPR: retention purge, access and erasure of a person's data, "
                                     "the register of processing and the data map")
    gd.add_argument("action", choices=["purge", "export", "forget", "object", "register"])
    gd.add_argument("--html", default="target/gdpr",
                    help="register: the folder of the HTML page (the Markdown goes to docs/gdpr/)")
    gd.add_argument("--dry-run", action="store_true", help="purge: count what is past retention, change nothing")
    gd.add_argument("--email", help="export, forget: the person's e-mail address")
    gd.add_argument("--out", help="export: the folder of the bundle (default .local/gdpr-exports)")
    gd.add_argument("--quarantine", help="the quarantine folder (default .local/quarantine)")
    gd.add_argument("--kind", choices=["profiling", "marketing"], help="object: what the person objects to")
    gd.add_argument("--withdraw", action="store_true", help="object: the person withdraws the objection")
    lock_options(gd)
    gd.set_defaults(func=cmd_gdpr)

    au = sub.add_parser("audiences", help="activation: export a list with its contact details for Brevo or "
                                          "Mailchimp (a role allowed to read restricted), list the exports")
    au.add_argument("action", choices=["export", "exports"])
    au.add_argument("list", nargs="?", choices=list(audiences.LISTS),
                    help="export: the list (prospects near the retention limit, subscribers at risk, subscriber candidates)")
    au.add_argument("--format", choices=list(audiences.FORMATS), help="export: the tool's contact-import CSV")
    au.add_argument("--purpose", help="export: why the list is exported (recorded in the ledger)")
    au.add_argument("--out", help="export: the CSV file to write")
    au.add_argument("--last", type=int, default=20, help="exports: how many (newest first)")
    au.set_defaults(func=cmd_audiences)

    ru = sub.add_parser("runs", help="the pipeline's run history: when, steps, durations, exit code, rejected files")
    ru.add_argument("--last", type=int, default=10, help="how many runs (newest first)")
    ru.set_defaults(func=cmd_runs)

    sc = sub.add_parser("schedule", help="the scheduler: `publics run --wait <folder>` every day at --at")
    sc.add_argument("folder", help="the inbox folder the deliveries land in")
    sc.add_argument("--at", default=schedule.DEFAULT_AT, help="time of day, HH:MM (local time; TZ sets it)")
    sc.add_argument("--once", action="store_true", help="sleep until the next --at, run once, exit")
    sc.add_argument("--wait-timeout", type=float, default=locking.DEFAULT_WAIT_TIMEOUT,
                    help="how long each run waits for a step already running")
    sc.set_defaults(func=cmd_schedule)

    ci = sub.add_parser("ci", help="the gate on pull requests: build what a change touches on a throwaway "
                                   "database, test it, compare its quality with production's (docs/ci.md)")
    ci.add_argument("--state", help="the folder of the production manifest (manifest.json): build state:modified+")
    ci.add_argument("--base-results", help="the production quality export (`publics quality export`)")
    ci.add_argument("--inbox", help="the files to build on (default: the demo institution at --scale)")
    ci.add_argument("--scale", type=float, default=0.01, help="the demo's scale when no --inbox (default 0.01)")
    ci.add_argument("--keep", action="store_true", help="keep the throwaway database (local cluster) to inspect it")
    ci.set_defaults(func=cmd_ci)

    q = sub.add_parser("quality", help="quality metrics: export them as JSON")
    q.add_argument("action", choices=["export"])
    q.add_argument("--out", required=True, help="the JSON file to write")
    q.add_argument("--state-out", help="also copy the last build's dbt manifest into this folder (for --state)")
    q.add_argument("--manifest", help="the manifest --state-out copies (default target/manifest.json)")
    q.set_defaults(func=cmd_quality)

    g = sub.add_parser("glossary", help="write the French glossary (docs/glossaire.md) from the dbt docs and seeds")
    g.set_defaults(func=cmd_glossary)

    so = sub.add_parser("sources", help="write docs/sources.md's tables and models/staging/*/_*__sources.yml "
                                        "from the contracts")
    so.set_defaults(func=cmd_sources)

    for plugin in sorted(entry_points(group=COMMAND_PLUGINS), key=lambda e: e.name):
        plugin.load()(sub)  # register(subparsers): adds its sub-commands, each with a `func`
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if hasattr(args, "wait"):
        locking.set_policy(wait=args.wait, timeout=args.wait_timeout)
    try:
        return args.func(args)
    except locking.PipelineBusy as exc:
        say(f"✘ refused: {exc}")
        return exc.code
    except StepFailed as exc:
        say(f"✘ {exc.step} failed: {exc}")
        say("  the pipeline stopped here; fix the problem above and run again (re-running is safe)")
        return exc.code
    except warehouse.DatabaseError as exc:
        say(f"✘ database: {exc}")
        return 1
    except KeyboardInterrupt:
        say("✘ interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
