"""Ingestion benchmark: the demo's files, format by format, loaded by `publics ingest` and by
the physical limit (a bare COPY of the same bytes on the same number of connections).

    publics bench ingest --scale 1 [--format delimited --format ga4 …]   (make bench-ingest SCALE=1)

Plain delimited files (`delimited`) are loaded three ways into identical tables:

1. `publics ingest` — contracts, ledger, quarantine, delivery metadata, one transaction a file;
2. bare `COPY … FROM STDIN (FORMAT csv)` of the same bytes into a table of the same data
   columns — the limit;
3. pandas `read_csv` + `to_sql` (chunks, multi-row INSERT) — what a spreadsheet-era analyst writes.

Each way runs in a child process of its own (so its peak memory is its own) on a database of its
own, on the same warehouse. The tables are compared afterwards (rows and a checksum of every
data column); the report prints rows/s, MB/s, the ratio to bare COPY and the peak memory.
Files bare COPY cannot load as they are (JSON, xlsx, reports with summary lines, UTF-16) are
left out of all three.

Web analytics (`ga4`: GA4 NDJSON, `matomo_json`: Matomo's API answer, `matomo_csv`: its CSV/TSV
export) are loaded by `publics ingest` and, as their limit, by a bare COPY of the same bytes —
gunzipped (GA4) or transcoded to UTF-8 (Matomo's UTF-16 exports), as the loader must — each
physical line as one value of a single text column (`web_bench.py`). The ratio is then one of
times (the same bytes), and the same bytes are also copied into a single `json` and a single
`jsonb` column: what the type of `record` alone costs. Every way uses as many connections as
`publics ingest` (WORKERS). A benchmark measures; it asserts nothing about time.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from psycopg import sql

from ingestion import contracts
from ingestion.readers import RejectedFile, reader_for
from ingestion.readers.base import CopySource
from ingestion.routing import discover, route
from publics import warehouse
from publics_demo import web_bench

WAYS = ("publics ingest", "bare COPY", "pandas to_sql")
FORMATS = ("delimited", *web_bench.FORMATS)


def copy_source(path: Path, entity: contracts.Entity) -> CopySource | None:
    """Where a bare COPY can read a plain delimited file as it is (its reader's copy source), or
    None: not a delimited file, rejected, or not readable by COPY as it is."""
    if entity.reader not in ("secutix_csv", "delimited"):
        return None
    try:
        parsed = reader_for(entity.reader)(path, entity)
    except RejectedFile:
        return None
    parsed.rows.close()
    return parsed.copy_source


def _files(inbox: Path) -> list[tuple[Path, contracts.Entity, CopySource]]:
    """The plain delimited files of the inbox (those bare COPY can load as they are)."""
    found = []
    for path in discover(inbox):
        entity = route(path, inbox).entity  # the loader's rule: the source folder first
        if entity is not None and (src := copy_source(path, entity)) is not None:
            found.append((path, entity, src))
    return found


def _one(way: str, fmt: str, inbox: Path, url: str) -> dict:
    """Run one way on one format's files in this process; return rows loaded."""
    info = warehouse.ConnInfo.from_url(url)
    rows = 0
    if way == "publics ingest":
        from ingestion.loader import ingest

        report = ingest(inbox, info, Path(os.environ.get("TMPDIR", "/tmp")) / "bench-quarantine", progress=lambda _: None)
        rows = report.rows
        for r in report.results:  # on stderr: what was not loaded is not a row of the table
            if r.status != "loaded":
                print(f"  ({r.path.name}: {r.status}: {r.error})", file=sys.stderr)
    elif fmt != "delimited":
        rows = web_bench.bare_copy([p for p, _ in web_bench.files_of(inbox, fmt)], info, way, _workers())
    elif way == "bare COPY":
        files = _files(inbox)
        with warehouse.connect(info) as conn:  # the tables first: two connections would race on them
            for path, entity, src in {e.table: (p, e, s) for p, e, s in files}.values():
                copy_delimited(conn, "raw", path, entity, src, rows=False)
            conn.commit()

        def load(conn, item) -> int:
            return copy_delimited(conn, "raw", *item)

        # on as many connections as `publics ingest`, the biggest files first
        rows = web_bench.on_connections(info, sorted(files, key=lambda f: -f[0].stat().st_size), _workers(), load)
    elif way == "pandas to_sql":
        import pandas as pd
        from sqlalchemy import create_engine

        from ingestion.readers.base import normalise_header

        engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        for path, entity, src in _files(inbox):
            frame = pd.read_csv(path, sep=src.delimiter, dtype=str, encoding=src.encoding,
                                skiprows=src.first_line - 2, keep_default_na=False, na_values=[""])
            frame.columns = [normalise_header(c) for c in frame.columns]
            frame.to_sql(entity.table, engine, schema="raw", if_exists="append", index=False,
                         chunksize=60_000 // len(frame.columns), method="multi")  # ≤ 65,535 parameters
            rows += len(frame)
        engine.dispose()
    return {"rows": rows, "peak_mb": _own_peak_mb()}


def copy_delimited(conn, schema: str, path: Path, entity: contracts.Entity, src: CopySource,
                   rows: bool = True) -> int:
    """Bare `COPY … FROM STDIN (FORMAT csv)` of a delimited file's bytes into `schema`.<its raw
    table> (text columns, created if missing): the limit ingestion is compared with. Rows (with
    `rows=False`, only the table is created)."""
    from ingestion.loader import PG_ENCODINGS

    columns = reader_for(entity.reader)(path, entity).columns
    table = sql.Identifier(schema, entity.table)
    conn.execute(sql.SQL("create table if not exists {} ({})").format(
        table, sql.SQL(", ").join(sql.SQL("{} text").format(sql.Identifier(c)) for c in entity.columns)))
    if not rows:
        return 0
    copy_sql = sql.SQL("copy {} ({}) from stdin with (format csv, delimiter {}, encoding {})").format(
        table, sql.SQL(", ").join(map(sql.Identifier, columns)), sql.Literal(src.delimiter),
        sql.Literal(PG_ENCODINGS[src.encoding]))
    with conn.cursor() as cur:
        with cur.copy(copy_sql) as copy, open(path, "rb") as fh:
            fh.seek(src.offset)
            while chunk := fh.read(1 << 20):
                copy.write(chunk)
        return cur.rowcount


def copy_lines(conn, schema: str, table: str, path: Path) -> int:
    """Bare COPY of a JSON file's bytes (gzip undone), one line a row into one text column
    (`format csv` with a quote and a delimiter JSON never holds raw: every byte kept as is).
    The limit the JSON readers are compared with. Rows (lines)."""
    import gzip

    ident = sql.Identifier(schema, table)
    conn.execute(sql.SQL("create table if not exists {} (line text)").format(ident))
    opener = gzip.open if path.name.endswith(".gz") else open
    with conn.cursor() as cur:
        with cur.copy(sql.SQL("copy {} (line) from stdin with (format csv, quote e'\\x01', delimiter e'\\x02')")
                      .format(ident)) as copy, opener(path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                copy.write(chunk)
        return cur.rowcount


def _workers() -> int:
    from ingestion.loader import WORKERS

    return int(os.environ.get("PUBLICS_INGEST_WORKERS") or WORKERS)


def _own_peak_mb() -> float | None:
    """This process's peak resident memory since it started (VmHWM: reset by exec, unlike
    ru_maxrss, which would count the parent's memory the child was forked with)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _checksums(info: warehouse.ConnInfo, tables: list[contracts.Entity]) -> dict[str, tuple[int, str]]:
    """Rows and a checksum of every data column of each table. A contract column no file has is
    not created by pandas (its table has the files' columns): it counts as empty, as it is
    (NULL) in the other ways' tables."""
    out = {}
    with warehouse.connect(info) as conn:
        for entity in tables:
            present = {r[0] for r in conn.execute(
                "select column_name from information_schema.columns where table_schema = 'raw' and table_name = %s",
                (entity.table,))}
            cols = sql.SQL(", ").join(
                sql.SQL("coalesce({}, '')").format(sql.Identifier(c)) if c in present else sql.Literal("")
                for c in entity.columns)
            row = conn.execute(
                sql.SQL("select count(*), md5(string_agg(r, chr(10) order by r)) from "
                        "(select concat_ws('|', {}) as r from {}) t").format(cols, sql.Identifier("raw", entity.table))
            ).fetchone()
            out[entity.table] = (row[0], row[1])
    return out


def _link_folder(inbox: Path, paths: list[Path], workdir: Path | None) -> Path:
    """A folder of links to `paths` (their places under `inbox` kept): what the ways load."""
    folder = Path(tempfile.mkdtemp(prefix="publics-bench-", dir=workdir))
    for path in paths:
        link = folder / path.relative_to(inbox)
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(path.resolve())
    return folder


def _measure(way: str, fmt: str, folder: Path, admin: warehouse.ConnInfo, printer,
             after: Callable[[warehouse.ConnInfo], None] | None = None) -> dict:
    """One way in a child process of its own, on a database of its own; `after` reads the
    database before it is dropped."""
    name = "bench_" + "".join(ch if ch.isalnum() else "_" for ch in way.split()[-1].lower())
    warehouse.drop_database(admin, name)
    warehouse.create_database(admin, name)
    info = admin.with_db(name)
    warehouse.ensure_schemas(info)
    t0 = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "publics_demo.bench", "_one", way, fmt, str(folder), info.url],
        stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.monotonic() - t0
    if status != 0:
        raise RuntimeError(f"{way} failed on {fmt} (status {status})")
    reported = json.loads(out.strip().splitlines()[-1])
    if after is not None:
        after(info)
    warehouse.drop_database(admin, name)
    printer(f"  … {fmt}, {way}: {reported['rows']:,} rows in {seconds:.2f} s")
    return {"format": fmt, "way": way, "rows": reported["rows"], "seconds": seconds,
            "peak_mb": reported["peak_mb"] or usage.ru_maxrss / 1024}


def run(inbox: Path, admin: warehouse.ConnInfo, printer=print, workdir: Path | None = None,
        ways: tuple[str, ...] = WAYS, formats: tuple[str, ...] = FORMATS, variants: bool = True) -> list[dict]:
    results: list[dict] = []
    for fmt in formats:
        if fmt == "delimited":
            results += _run_delimited(inbox, admin, printer, workdir, ways)
        else:
            results += _run_web(inbox, fmt, admin, printer, workdir, variants)
    printer(f"  {'format':<12} {'way':<16} {'files':>5} {'MB':>7} {'rows':>10} {'seconds':>8} {'rows/s':>9} "
            f"{'MB/s':>6} {'× COPY':>7} {'peak MB':>8}")
    for r in results:
        printer(f"  {r['format']:<12} {r['way']:<16} {r['files']:>5} {r['mb']:>7.1f} {r['rows']:>10,} "
                f"{r['seconds']:>8.2f} {r['rows_per_s']:>9,.0f} {r['mb_per_s']:>6.1f} {r['ratio_to_copy']:>7.2f} "
                f"{r['peak_mb']:>8.0f}")
    printer(f"  (× COPY: the bare COPY's time over the way's, the same bytes; {_workers()} connection(s) each; "
            "web rows/s: the records `publics ingest` loaded over each way's time)")
    return results


def _run_delimited(inbox: Path, admin: warehouse.ConnInfo, printer, workdir: Path | None,
                   ways: tuple[str, ...]) -> list[dict]:
    files = _files(inbox)
    if not files:
        raise RuntimeError(f"no plain delimited file to benchmark in {inbox}")
    bench_inbox = _link_folder(inbox, [p for p, _, _ in files], workdir)  # the three ways load the same files
    size = sum(p.stat().st_size for p, _, _ in files)
    entities = sorted({e.table: e for _, e, _ in files}.values(), key=lambda e: e.table)
    results, sums = [], {}
    for way in ways:
        results.append(_measure(way, "delimited", bench_inbox, admin, printer,
                                after=lambda info, way=way: sums.__setitem__(way, _checksums(info, entities))))
    shutil.rmtree(bench_inbox, ignore_errors=True)
    printer(f"delimited: {len(files)} plain delimited files, {size / 1e6:,.1f} MB "
            f"({', '.join(e.table for e in entities)})")
    limit = next(r for r in results if r["way"] == "bare COPY")["seconds"]
    for r in results:
        r.update(files=len(files), mb=size / 1e6, rows_per_s=r["rows"] / r["seconds"],
                 mb_per_s=size / 1e6 / r["seconds"], ratio_to_copy=limit / r["seconds"])
    reference = sums["bare COPY"]
    same = all(s == reference for s in sums.values())
    printer("  identical tables (rows and checksum of every data column): " + ("yes" if same else f"NO: {sums}"))
    if not same:
        raise RuntimeError("the three ways did not load the same rows")
    return results


def _run_web(inbox: Path, fmt: str, admin: warehouse.ConnInfo, printer, workdir: Path | None,
             variants: bool = True) -> list[dict]:
    files = [p for p, _ in web_bench.files_of(inbox, fmt)]
    if not files:
        printer(f"{fmt}: no file in {inbox}")
        return []
    folder = _link_folder(inbox, files, workdir)
    size = sum(web_bench.content_bytes(p) for p in files)
    ways = web_bench.WAYS if fmt != "matomo_csv" and variants else web_bench.WAYS[:2]  # a CSV line is not JSON
    results = [_measure(way, fmt, folder, admin, printer) for way in ways]
    shutil.rmtree(folder, ignore_errors=True)
    printer(f"{fmt}: {len(files)} files, {size / 1e6:,.1f} MB of content")
    records = results[0]["rows"]  # what `publics ingest` loaded: events, visits
    limit = next(r for r in results if r["way"] == "bare COPY")["seconds"]
    for r in results:
        r.update(files=len(files), mb=size / 1e6, rows_per_s=records / r["seconds"], mb_per_s=size / 1e6 / r["seconds"],
                 ratio_to_copy=limit / r["seconds"])
    return results


if __name__ == "__main__" and len(sys.argv) == 6 and sys.argv[1] == "_one":
    print(json.dumps(_one(sys.argv[2], sys.argv[3], Path(sys.argv[4]), sys.argv[5])))
