"""The demo's commands, added to `publics` through the `publics.commands` entry point:

    publics demo [generate]      generate the demo institution (then run the pipeline on it)
    publics bench ingest         the ingestion benchmark on the demo's files
    publics bench pipeline       files to dashboards, step by step, beside a bare COPY (--daily)

The demo depends on the product (it runs its pipeline); the product never imports the demo.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import publics_demo as demo
from ingestion.connection import connect
from ingestion.locking import pipeline_lock
from publics import warehouse
from publics.pipeline import default_quarantine, open_warehouse, run_pipeline, say, step
from publics.project import project_root


def do_generate(out: Path, scale: float, seed: int) -> Path:
    with step(f"demo generate (scale {scale}, seed {seed})") as report:
        summary = demo.generate(out, scale=scale, seed=seed)
        report(f"{len(summary)} file(s), {sum(summary.values()):,} rows written to {out}")
    return out


def demo_inbox(out: Path) -> Path:
    """The folder of delivered files inside a generated demo (the truth lies beside it)."""
    return out / demo.INBOX


def cmd_demo(args: argparse.Namespace) -> int:
    out = Path(args.out or project_root() / ".local" / "demo")
    do_generate(out, args.scale, args.seed)
    if args.demo_action == "generate":
        return 0
    info = open_warehouse()
    if args.reset:
        reset_warehouse(info)
    foreign = foreign_files(info, demo_inbox(out))
    if foreign:
        say(f"publics demo: the warehouse already holds {len(foreign)} file(s) that are not this demo's "
            f"(e.g. {foreign[0]}). The demo's figures reconcile with its truth only on its own files: "
            "run `publics demo --reset` to empty the warehouse first (every layer, the load ledger and "
            "the quarantine), or point DATABASE_URL at another database.")
        return 1
    # The demo's world has no clock (frame.TODAY): its dashboards open on the season of that day.
    os.environ.setdefault("PUBLICS_TODAY", demo.TODAY.isoformat())
    # Its history starts in September 2023: read on that day, prospects, a client and the
    # invitation lists of its first season are past retention. The purge applies, as it does in
    # a house's nightly run, so the retention check passes (docs/gdpr.md, « La démo »).
    # PUBLICS_GDPR_PURGE=dry-run keeps the whole history: the tests compare the marts with the
    # truth the generator planted, which counts every record it wrote.
    # The demo delivers every source: every card of every dashboard must have something to show.
    return run_pipeline(demo_inbox(out), require_rows=True)


def foreign_files(info: warehouse.ConnInfo, inbox: Path) -> list[str]:
    """Files the load ledger holds as loaded that are not, by path and size, among this demo's
    files (another scale or seed written to the same folder, or a house's own deliveries)."""
    with connect(info, autocommit=True) as conn:
        exists = conn.execute("select to_regclass('raw.load_ledger') is not null").fetchone()[0]
        if not exists:
            return []
        loaded = conn.execute("select distinct file_path, size_bytes from raw.load_ledger "
                              "where status = 'loaded' order by file_path").fetchall()
    ours = {str(p.resolve()): p.stat().st_size for p in inbox.rglob("*") if p.is_file()}
    return [path for path, size in loaded if ours.get(str(Path(path).resolve())) != size]


def reset_warehouse(info: warehouse.ConnInfo) -> None:
    """Empty the warehouse (every layer's schema, the load ledger with raw) and the quarantine."""
    # The pipeline lock, not a run of the history: the history's own schema is emptied too.
    with pipeline_lock(info, "demo reset", progress=say), step("demo reset") as report:
        with connect(info, autocommit=True) as conn:
            for schema in warehouse.SCHEMAS:
                conn.execute(f'drop schema if exists "{schema}" cascade')
        warehouse.ensure_schemas(info, reader_password=os.environ.get("PUBLICS_READER_PASSWORD"))
        quarantine = default_quarantine()
        removed = 0
        if quarantine.exists():
            for path in sorted(quarantine.rglob("*"), reverse=True):
                if path.is_file():
                    path.unlink()
                    removed += 1
        report(f"schemas {', '.join(warehouse.SCHEMAS)} emptied, {removed} quarantined file(s) removed")


def cmd_bench(args: argparse.Namespace) -> int:
    from publics_demo import bench

    if args.what == "pipeline":
        from publics_demo import bench_pipeline

        info = open_warehouse()
        # the bench drops and creates its database: the local cluster's superuser does
        admin = info if os.environ.get("DATABASE_URL") else warehouse.local_cluster().admin_info.with_db("postgres")
        with step(f"bench pipeline (scale {args.scale:g}{', daily' if args.daily else ''})"):
            bench_pipeline.run(args.scale, args.seed, admin, daily=args.daily, printer=say, keep=args.keep)
        return 0
    out = project_root() / ".local" / "bench" / f"scale-{args.scale:g}-seed-{args.seed}"
    if not demo_inbox(out).exists():
        do_generate(out, args.scale, args.seed)
    info = open_warehouse()
    with step(f"bench ingest (scale {args.scale:g})"):
        # the bench creates and drops its databases: the local cluster's superuser does
        admin = info if os.environ.get("DATABASE_URL") else warehouse.local_cluster().admin_info.with_db("postgres")
        bench.run(demo_inbox(out), admin, printer=say, formats=tuple(args.format or bench.FORMATS),
                  variants=not args.limit_only)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    from publics.cli import lock_options  # (the CLI is loading this plugin: it is imported already)

    be = sub.add_parser("bench", help="benchmarks (they measure, they do not pass or fail)")
    be.add_argument("what", choices=["ingest", "pipeline"])
    be.add_argument("--keep", action="store_true",
                    help="(pipeline) leave the benchmark's database in place afterwards, to look into it")
    be.add_argument("--daily", action="store_true",
                    help="pipeline: then deliver one more day of every source and time `publics run` on it")
    be.add_argument("--scale", type=float, default=1.0)
    be.add_argument("--seed", type=int, default=42)
    be.add_argument("--format", action="append", choices=["delimited", "ga4", "matomo_json", "matomo_csv"],
                    help="only these formats (repeatable; default: all)")
    be.add_argument("--limit-only", action="store_true",
                    help="web formats: the bare COPY into text only, not the json and jsonb variants")
    be.set_defaults(func=cmd_bench)

    m = sub.add_parser("demo", help="generate the demo institution's files, then run the pipeline on them")
    m.add_argument("demo_action", nargs="?", choices=["generate"], help="only generate the files")
    m.add_argument("--scale", type=float, default=demo.DEFAULT_SCALE, help="1 = one season of a 1,000-seat house")
    m.add_argument("--seed", type=int, default=demo.DEFAULT_SEED)
    m.add_argument("--out", help="output folder (default .local/demo)")
    m.add_argument("--reset", action="store_true",
                   help="empty the warehouse (every layer and the load ledger) and the quarantine first")
    lock_options(m)
    m.set_defaults(func=cmd_demo)
