"""Pipeline benchmark: the demo's files to dashboards, step by step, beside the machine's limit.

    publics bench pipeline --scale 0.25 [--daily]        (make bench SCALE=1)

1. The demo is generated once per scale and seed (not timed, in a child process: its memory is
   not the pipeline's), under `.local/bench/scale-S-seed-N/`.
2. On a fresh database of the same warehouse, timed step by step: ingest, build (dbt), score (scikit-learn), check
   (Great Expectations), dashboards check and render. The 15 slowest models come from dbt's
   run_results.json; rows/s per source format from the ingestion's own per-file results.
3. Peak memory: this Python process and its children (`resource.getrusage`), and the Postgres
   cluster's processes, sampled from /proc every half second (the largest backend's RSS and the
   peak of the sum of their proportional set sizes, shared buffers counted once).
4. The physical limit, in the same run on the same machine: a bare `COPY` of the same files'
   bytes (delimited files as bench ingest loads them; JSON one line a row into one text column)
   on as many connections as the loader uses, and `CREATE TABLE AS SELECT *` of the largest raw
   tables (the input of the largest staging models).
5. `--daily`: the last delivery of every source (the newest day of GA4 and Matomo, the SecuTix
   contacts delta, the newest e-mailing, ads and social exports) is held back from the full run
   and delivered after it: `publics run` on that folder, timed, on the up-to-date warehouse.

Prints a Markdown table and writes target/bench/pipeline-<scale>.json. A benchmark measures; it
asserts nothing about time.
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

from publics import pg_settings, runs, warehouse
from publics.project import environment, project_root
from publics_demo import INBOX, TODAY, bench, web_bench

BENCH_DB = "publics_bench"
STEPS = ("ingest", "build", "score", "check", "dashboards check", "dashboards render")  # as `publics run` orders them
SLOWEST = 15
SAMPLE_EVERY = 0.5  # seconds between two samples of the cluster's memory
# The daily delivery: the files of each source's newest stamp (…_20260714…, …_2026-07…); for
# SecuTix, whose full exports share the day's stamp, its delta only. Spreadsheets are not daily.
DAILY_RULES = {"secutix": re.compile(r"_delta_"), "spreadsheets": None}
_STAMP = re.compile(r"(20\d\d)-?(\d\d)(?:-?(\d\d))?")


# --------------------------------------------------------------------------- the files


def demo_folder(scale: float, seed: int) -> Path:
    return project_root() / ".local" / "bench" / f"scale-{scale:g}-seed-{seed}"


def ensure_demo(scale: float, seed: int, printer=print) -> tuple[Path, float | None]:
    """The generated demo of this scale and seed (made once, in a child process). Returns its
    folder and the generation's seconds (None when it was there already)."""
    out = demo_folder(scale, seed)
    if (out / INBOX).exists() and (out / ".complete").exists():
        return out, None
    shutil.rmtree(out, ignore_errors=True)
    printer(f"  generating the demo (scale {scale:g}, seed {seed}) → {out} (once, not timed)")
    t0 = time.monotonic()
    subprocess.run([sys.executable, "-m", "publics_demo", "--scale", str(scale), "--seed", str(seed),
                    "--out", str(out)], check=True, stdout=subprocess.DEVNULL)
    (out / ".complete").touch()
    return out, time.monotonic() - t0


def _stamp(name: str) -> str | None:
    m = _STAMP.search(name)
    return m and m.group(1) + m.group(2) + (m.group(3) or "")


def split_daily(inbox: Path) -> tuple[list[Path], list[Path]]:
    """The inbox's files as (the full run's, the daily delivery's): per source folder, the
    files of its newest stamp (`DAILY_RULES` for the exceptions) are the daily delivery."""
    full, daily = [], []
    for folder in sorted(p for p in inbox.iterdir() if p.is_dir()):
        files = sorted(p for p in folder.rglob("*") if p.is_file())
        rule = DAILY_RULES.get(folder.name, "newest")
        if rule is None:
            held = set()
        elif rule == "newest":
            stamps = {p: _stamp(p.name) for p in files}
            newest = max((s for s in stamps.values() if s), default=None)
            held = {p for p, s in stamps.items() if newest and s == newest}
        else:
            held = {p for p in files if rule.search(p.name)}
        daily += [p for p in files if p in held]
        full += [p for p in files if p not in held]
    return full, daily


def link_folder(files: list[Path], inbox: Path, dest: Path) -> Path:
    """A folder of links to `files`, laid out as in `inbox` (the source folders route them)."""
    shutil.rmtree(dest, ignore_errors=True)
    for path in files:
        link = dest / path.relative_to(inbox)
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(path.resolve())
    dest.mkdir(parents=True, exist_ok=True)
    return dest


# --------------------------------------------------------------------------- memory


class ClusterMemory:
    """Samples the memory of the local cluster's processes (the postmaster and its children)
    from /proc while the benchmark runs. Nothing to sample on a server of DATABASE_URL's."""

    def __init__(self, data_dir: Path | None):
        self.postmaster = None
        if data_dir and (data_dir / "postmaster.pid").exists():
            self.postmaster = int((data_dir / "postmaster.pid").read_text().split()[0])
        self.peak_backend_rss_kb = 0
        self.peak_total_pss_kb = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _pids(self) -> list[int]:
        pids = [self.postmaster]
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
                if ppid == self.postmaster:
                    pids.append(int(entry.name))
        return pids

    @staticmethod
    def _field(path: Path, name: str) -> int | None:
        try:
            for line in path.read_text().splitlines():
                if line.startswith(name + ":"):
                    return int(line.split()[1])
        except OSError:
            return None
        return None

    def sample(self) -> None:
        total = 0
        for pid in self._pids():
            rss = self._field(Path(f"/proc/{pid}/status"), "VmRSS") or 0
            pss = self._field(Path(f"/proc/{pid}/smaps_rollup"), "Pss")
            total += rss if pss is None else pss
            if pid != self.postmaster:
                self.peak_backend_rss_kb = max(self.peak_backend_rss_kb, rss)
        self.peak_total_pss_kb = max(self.peak_total_pss_kb, total)
        self.samples += 1

    def _loop(self) -> None:
        while not self._stop.wait(SAMPLE_EVERY):
            self.sample()

    def __enter__(self):
        if self.postmaster:
            self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        if self.postmaster:
            self._thread.join()
            self.sample()

    def report(self) -> dict:
        if not self.postmaster:
            return {"sampled": False}
        return {"sampled": True, "samples": self.samples,
                "peak_backend_rss_mb": self.peak_backend_rss_kb / 1024,
                "peak_cluster_pss_mb": self.peak_total_pss_kb / 1024}


def python_peak() -> dict:
    """Peak resident memory of this process and of its (waited-for) children, MB."""
    return {"self_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "children_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}


# --------------------------------------------------------------------------- the steps


def _pointed_at(info: warehouse.ConnInfo):
    """The pipeline's commands, run in this process, use the bench database (DATABASE_URL; the
    keys' secret is then the local cluster's, as the tests do), and read the demo's world."""
    values = {"DATABASE_URL": info.url,
              "PUBLICS_TODAY": os.environ.get("PUBLICS_TODAY", TODAY.isoformat()),  # as `publics demo` does
              "PUBLICS_GDPR_PURGE": os.environ.get("PUBLICS_GDPR_PURGE", "dry-run")}
    if not os.environ.get("DATABASE_URL"):
        values["PUBLICS_KEY_SECRET"] = (os.environ.get("PUBLICS_KEY_SECRET")
                                        or warehouse.local_cluster().key_secret().decode())
    return environment(values)


def _model_seconds(run_results: Path) -> dict[str, float]:
    """Every model's seconds in that dbt run (what a model rebuilt whole costs)."""
    results = json.loads(run_results.read_text())["results"]
    return {r["unique_id"].split(".")[-1]: r["execution_time"] for r in results if r["unique_id"].startswith("model.")}


def purge_consequence(info: warehouse.ConnInfo, full_seconds: dict[str, float]) -> dict:
    """What the retention purge would remove now (a dry run: the bench keeps the history whole),
    and the incremental models an applied purge rebuilds whole because raw rows were removed
    (publics/incremental.py), with what each took in the full build: the daily run's cost on a
    day the purge removes anything."""
    from publics.gdpr.purge import purge
    from publics.incremental import models_to_refresh

    report = purge(info, dry_run=True)
    places = report.places()
    models = models_to_refresh(places)
    return {"rows_by_rule": report.by_rule(), "places": places,
            "rebuilt_whole": {m: full_seconds.get(m) for m in models},
            "rebuilt_whole_seconds": sum(full_seconds.get(m) or 0.0 for m in models)}


def _slowest_models(run_results: Path, n: int = SLOWEST) -> list[dict]:
    results = json.loads(run_results.read_text())["results"]
    models = [{"model": r["unique_id"].split(".")[-1], "seconds": r["execution_time"], "status": r["status"]}
              for r in results if r["unique_id"].startswith("model.")]
    return sorted(models, key=lambda m: -m["seconds"])[:n]


def _per_format(results, only: set[Path] | None = None) -> list[dict]:
    """Per source format (the contract's reader): files, rows, bytes and per-file seconds of the
    loaded files (`only`: those among these resolved paths)."""
    from ingestion import contracts

    reader_of = {e.label: e.reader for e in contracts.all_entities()}
    acc: dict[str, dict] = defaultdict(lambda: {"files": 0, "rows": 0, "bytes": 0, "file_seconds": 0.0})
    for r in results:
        if r.status != "loaded" or (only is not None and Path(r.path).resolve() not in only):
            continue
        a = acc[reader_of.get(r.entity, "?")]
        a["files"] += 1
        a["rows"] += r.rows
        a["bytes"] += r.size_bytes
        a["file_seconds"] += r.seconds
    out = []
    for fmt, a in sorted(acc.items(), key=lambda kv: -kv[1]["bytes"]):
        s = a["file_seconds"] or float("nan")
        out.append({"format": fmt, **a, "rows_per_s": a["rows"] / s, "mb_per_s": a["bytes"] / 1e6 / s})
    return out


def run_pipeline_steps(folder: Path, info: warehouse.ConnInfo, workdir: Path, printer=print) -> dict:
    """ingest → build → score → check → dashboards check → render on `info`, each step timed."""
    from ingestion.loader import ingest
    from publics import pipeline

    steps, formats = [], []
    for name in STEPS:
        printer(f"  … {name}")
        t0 = time.monotonic()
        if name == "ingest":
            report = ingest(folder, info, workdir / "quarantine", progress=lambda _: None)
            pipeline.drop_forgotten(info)
            formats = _per_format(report.results)
            extra = {"rows": report.rows, "files": len(report.by_status("loaded")),
                     "rejected": len(report.by_status("rejected"))}
        elif name == "build":
            pipeline.do_build(info)
            extra = {}
        elif name == "score":
            pipeline.do_score(info)
            extra = {}
        elif name == "check":
            pipeline.do_check(info)
            extra = {}
        elif name == "dashboards check":
            pipeline.do_dashboards_check(info)
            extra = {}
        else:
            pipeline.do_render(info, workdir / "dashboards")
            extra = {}
        steps.append({"step": name, "seconds": time.monotonic() - t0, **extra})
    run_results = project_root() / "target" / "run_results.json"
    return {"steps": steps, "formats": formats, "_ingested": report.results,
            "models": _slowest_models(run_results), "model_seconds": _model_seconds(run_results)}


# --------------------------------------------------------------------------- the limit


def copy_limit(files: list[Path], inbox: Path, info: warehouse.ConnInfo, workers: int) -> dict:
    """Bare COPY of the same files on `workers` connections into a schema of their own; per
    format, the rows, bytes and the per-file seconds summed (as the ingestion's are)."""
    from ingestion.loader import WORKERS
    from ingestion.routing import route

    workers = workers or WORKERS
    items = []
    for path in files:
        entity = route(path, inbox).entity
        if entity is None:
            continue
        if entity.reader in ("ga4_ndjson", "matomo_json"):
            items.append((path, entity, None))
        elif (src := bench.copy_source(path, entity)) is not None:
            items.append((path, entity, src))
    acc: dict[str, dict] = defaultdict(lambda: {"files": 0, "rows": 0, "bytes": 0, "file_seconds": 0.0})
    lock = threading.Lock()
    copied: set[Path] = set()

    def load(conn, item) -> int:
        path, entity, src = item
        t0 = time.monotonic()
        if src is None:
            rows = bench.copy_lines(conn, "bench_limit", entity.table, path)
        else:
            rows = bench.copy_delimited(conn, "bench_limit", path, entity, src)
        with lock:
            a = acc[entity.reader]
            a["files"] += 1
            a["rows"] += rows
            a["bytes"] += path.stat().st_size
            a["file_seconds"] += time.monotonic() - t0
            copied.add(path.resolve())
        return rows

    with warehouse.connect(info, autocommit=True) as conn:
        conn.execute("drop schema if exists bench_limit cascade")
        conn.execute("create schema bench_limit")
        # the tables first, on one connection: two workers never race to create one
        for path, entity, src in items:
            cols = ["line"] if src is None else list(entity.columns)
            conn.execute(f'create table if not exists bench_limit."{entity.table}" ('
                         + ", ".join(f'"{c}" text' for c in cols) + ")")
    t0 = time.monotonic()
    web_bench.on_connections(info, items, workers, load)  # (each file one transaction, committed)
    wall = time.monotonic() - t0
    with warehouse.connect(info, autocommit=True) as conn:  # a second raw's size: freed at once
        conn.execute("drop schema bench_limit cascade")
        conn.execute("create schema bench_limit")
    out = []
    for fmt, a in sorted(acc.items(), key=lambda kv: -kv[1]["bytes"]):
        s = a["file_seconds"] or float("nan")
        out.append({"format": fmt, **a, "rows_per_s": a["rows"] / s, "mb_per_s": a["bytes"] / 1e6 / s})
    total = sum(a["bytes"] for a in acc.values())
    return {"connections": workers, "seconds": wall, "bytes": total, "mb_per_s": total / 1e6 / wall if wall else 0,
            "formats": out, "_copied": copied}


def ctas_limit(info: warehouse.ConnInfo, n: int = 3) -> list[dict]:
    """`CREATE TABLE AS SELECT *` of the `n` largest raw tables: the cost of merely writing a
    staging model's input again, the floor under its build time."""
    out = []
    with warehouse.connect(info, autocommit=True) as conn:
        tables = conn.execute(
            "select c.relname, pg_total_relation_size(c.oid) from pg_class c join pg_namespace n on n.oid = c.relnamespace "
            "where n.nspname = 'raw' and c.relkind = 'r' order by 2 desc limit %s", (n,)).fetchall()
        for table, size in tables:
            t0 = time.monotonic()
            cur = conn.execute(f'create table bench_limit."ctas_{table}" as select * from raw."{table}"')
            out.append({"table": f"raw.{table}", "rows": cur.rowcount, "mb": size / 1e6,
                        "seconds": time.monotonic() - t0})
            conn.execute(f'drop table bench_limit."ctas_{table}"')  # the disk it took, back at once
        conn.execute("drop schema if exists bench_limit cascade")
    return out


# --------------------------------------------------------------------------- the run


def current_settings(info: warehouse.ConnInfo) -> dict[str, str]:
    names = sorted(pg_settings.recommended(8 * pg_settings.GB, 2))
    with warehouse.connect(info, autocommit=True) as conn:
        return dict(conn.execute("select name, current_setting(name) from pg_settings where name = any(%s) "
                                 "order by name", (names,)).fetchall())


def run(scale: float, seed: int, admin: warehouse.ConnInfo, daily: bool = False, printer=print,
        out_dir: Path | None = None, keep: bool = False) -> dict:
    from ingestion.loader import WORKERS
    from publics import pipeline

    folder, generated = ensure_demo(scale, seed, printer)
    inbox = folder / INBOX
    work = project_root() / ".local" / "bench" / "work"
    shutil.rmtree(work, ignore_errors=True)
    full_files, daily_files = split_daily(inbox)
    if not daily:
        full_files, daily_files = full_files + daily_files, []
    full_inbox = link_folder(full_files, inbox, work / "inbox")
    warehouse.drop_database(admin, BENCH_DB)
    info, _ = warehouse.scratch_database(BENCH_DB)
    data_dir = None if os.environ.get("DATABASE_URL") else warehouse.local_cluster().data
    ram, cores = pg_settings.machine()
    result: dict = {"scale": scale, "seed": seed, "generated_seconds": generated,
                    "machine": {"cores": cores, "ram_gb": ram / 2**30, "load_avg_before": os.getloadavg()},
                    "files": len(full_files), "bytes": sum(p.stat().st_size for p in full_files)}
    with _pointed_at(info):
        warehouse.ensure_schemas(info)
        result["settings"] = current_settings(info)
        with ClusterMemory(data_dir) as memory:
            t0 = time.monotonic()
            result.update(run_pipeline_steps(full_inbox, info, work, printer))
            result["total_seconds"] = time.monotonic() - t0
        result["memory"] = {"python": python_peak(), "postgres": memory.report(),
                            "python_children_include_generation": generated is not None}
        printer("  … limit: bare COPY of the same bytes, CREATE TABLE AS of the largest raw tables")
        result["limit"] = {"copy": copy_limit(full_files, inbox, info, WORKERS), "ctas": ctas_limit(info)}
        # the ingestion of the very files the bare COPY took, format by format: the ratio's numerator
        result["formats_comparable"] = _per_format(result.pop("_ingested"), only=result["limit"]["copy"].pop("_copied"))
        if daily_files:
            daily_inbox = link_folder(daily_files, inbox, work / "daily")
            printer(f"  … daily delivery: publics run on {len(daily_files)} file(s)")
            t0 = time.monotonic()
            code = pipeline.run_pipeline(daily_inbox, quarantine_dir=work / "quarantine")
            result["daily"] = {"files": len(daily_files), "bytes": sum(p.stat().st_size for p in daily_files),
                               "seconds": time.monotonic() - t0, "exit_code": code,
                               "names": sorted(str(p.relative_to(inbox)) for p in daily_files),
                               "steps": [{"step": name, "seconds": float(secs), "status": status}
                                         for name, secs, status, _ in runs.last_runs(info, 1)[0]["steps"]],
                               "models": _slowest_models(project_root() / "target" / "run_results.json")}
            printer("  … what an applied retention purge would rebuild whole (dry run)")
            result["daily"]["purge"] = purge_consequence(info, result["model_seconds"])
    result["machine"]["load_avg_after"] = os.getloadavg()
    if keep:
        printer(f"  the benchmark's database is kept: {info.url}")
    else:
        warehouse.drop_database(admin, BENCH_DB)
    out_dir = out_dir or project_root() / "target" / "bench"
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"pipeline-{scale:g}.json"
    path.write_text(json.dumps(result, indent=2, default=str) + "\n")
    result["json"] = str(path)
    for line in markdown(result):
        printer(line)
    printer(f"  written to {path}")
    return result


def markdown(r: dict) -> list[str]:
    m = r["machine"]
    lines = [(f"Scale {r['scale']:g} (seed {r['seed']}), {r['files']:,} files, {r['bytes'] / 1e6:,.1f} MB; "
             f"{m['cores']} cores, {m['ram_gb']:.0f} GB RAM, load {m['load_avg_before'][0]:.1f} before; "
             f"jit {r['settings'].get('jit')}, shared_buffers {r['settings'].get('shared_buffers')}, "
             f"work_mem {r['settings'].get('work_mem')}"), "",
             "| step | seconds |", "|---|---:|"]
    lines += [f"| {s['step']} | {s['seconds']:.1f} |" for s in r["steps"]]
    lines.append(f"| **total** | **{r['total_seconds']:.1f}** |")
    if "daily" in r:
        d = r["daily"]
        lines.append(f"| daily delivery (`publics run`, {d['files']} files) | {d['seconds']:.1f} |")
        lines += ["", "| daily delivery: step | seconds |", "|---|---:|"]
        lines += [f"| {s['step']} | {s['seconds']:.1f} |" for s in d.get("steps", [])]
        lines += ["", f"| daily delivery: slowest models (of {SLOWEST}) | seconds |", "|---|---:|"]
        lines += [f"| {x['model']} | {x['seconds']:.1f} |" for x in d.get("models", [])]
        if purge := d.get("purge"):
            rules = ", ".join(f"{rule} {n:,}" for rule, n in purge["rows_by_rule"].items()) or "nothing"
            models = ", ".join(f"{m} {s or 0:.0f} s" for m, s in purge["rebuilt_whole"].items()) or "none"
            lines.append(f"\nRetention purge (dry run, the bench keeps the history): {rules}; applied, it would "
                         f"rebuild whole {models} (their full-build times: {purge['rebuilt_whole_seconds']:.0f} s).")
    copy = {f["format"]: f for f in r["limit"]["copy"]["formats"]}
    same = {f["format"]: f for f in r["formats_comparable"]}
    lines += ["", "| format | files | rows | MB | ingest rows/s | ingest MB/s | bare COPY MB/s | × COPY |",
              "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for f in r["formats"]:
        c = copy.get(f["format"])
        lines.append(f"| {f['format']} | {f['files']} | {f['rows']:,} | {f['bytes'] / 1e6:.1f} | {f['rows_per_s']:,.0f} "
                     f"| {f['mb_per_s']:.1f} | {c['mb_per_s']:.1f} | {same[f['format']]['mb_per_s'] / c['mb_per_s']:.2f} |"
                     if c and f["format"] in same else
                     f"| {f['format']} | {f['files']} | {f['rows']:,} | {f['bytes'] / 1e6:.1f} | {f['rows_per_s']:,.0f} "
                     f"| {f['mb_per_s']:.1f} | – | – |")
    lines.append(f"\nRates per connection (per-file seconds summed; the loader and the bare COPY both use "
                 f"{r['limit']['copy']['connections']} connections); × COPY compares the same files (those "
                 f"a bare COPY can read as they are). Bare COPY of them all: "
                 f"{r['limit']['copy']['seconds']:.1f} s wall.")
    lines += ["", "| CREATE TABLE AS SELECT * | rows | MB | seconds |", "|---|---:|---:|---:|"]
    lines += [f"| {c['table']} | {c['rows']:,} | {c['mb']:.0f} | {c['seconds']:.1f} |" for c in r["limit"]["ctas"]]
    lines += ["", f"| slowest models (of {SLOWEST}) | seconds |", "|---|---:|"]
    lines += [f"| {x['model']} | {x['seconds']:.1f} |" for x in r["models"]]
    py, pg = r["memory"]["python"], r["memory"]["postgres"]
    lines.append(f"\nPeak memory: Python {py['self_mb']:,.0f} MB (children {py['children_mb']:,.0f} MB)"
                 + (f"; Postgres largest backend {pg['peak_backend_rss_mb']:,.0f} MB RSS, cluster "
                    f"{pg['peak_cluster_pss_mb']:,.0f} MB PSS ({pg['samples']} samples)" if pg.get("sampled") else ""))
    return lines
