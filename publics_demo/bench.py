"""Ingestion benchmark: the demo's plain delimited files loaded three ways into identical tables.

    publics bench ingest --scale 1        (make bench-ingest SCALE=1)

1. `publics ingest` — contracts, ledger, quarantine, delivery metadata, one transaction a file;
2. bare `COPY … FROM STDIN (FORMAT csv)` of the same bytes into a table of the same data
   columns — the limit;
3. pandas `read_csv` + `to_sql` (chunks, multi-row INSERT) — what a spreadsheet-era analyst writes.

Each way runs in a child process of its own (so its peak memory is its own) on a database of its
own, on the same warehouse. The tables are compared afterwards (rows and a checksum of every
data column); the report prints rows/s, MB/s, the ratio to bare COPY and the peak memory.
Files bare COPY cannot load as they are (JSON, xlsx, reports with summary lines, UTF-16) are
left out of all three. A benchmark measures; it asserts nothing about time.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from psycopg import sql

from ingestion import contracts
from ingestion.readers import RejectedFile, reader_for
from ingestion.readers.base import CopySource
from ingestion.routing import discover, route
from publics import warehouse

WAYS = ("publics ingest", "bare COPY", "pandas to_sql")


def _files(inbox: Path) -> list[tuple[Path, contracts.Entity, CopySource]]:
    """The plain delimited files of the inbox (those bare COPY can load as they are)."""
    found = []
    for path in discover(inbox):
        entity = route(path, inbox).entity  # the loader's rule: the source folder first
        if entity is None or entity.reader not in ("secutix_csv", "delimited"):
            continue
        try:
            parsed = reader_for(entity.reader)(path, entity)
        except RejectedFile:
            continue
        parsed.rows.close()
        if parsed.copy_source is not None:
            found.append((path, entity, parsed.copy_source))
    return found


def _one(way: str, inbox: Path, url: str) -> dict:
    """Run one way in this process; return rows loaded."""
    info = warehouse.ConnInfo.from_url(url)
    rows = 0
    if way == "publics ingest":
        from ingestion.loader import ingest

        report = ingest(inbox, info, Path(os.environ.get("TMPDIR", "/tmp")) / "bench-quarantine", progress=lambda _: None)
        rows = report.rows
    elif way == "bare COPY":
        with warehouse.connect(info) as conn:
            for path, entity, src in _files(inbox):
                rows += copy_delimited(conn, "raw", path, entity, src)
                conn.commit()
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


def copy_delimited(conn, schema: str, path: Path, entity: contracts.Entity, src: CopySource) -> int:
    """Bare `COPY … FROM STDIN (FORMAT csv)` of a delimited file's bytes into `schema`.<its raw
    table> (text columns, created if missing): the limit ingestion is compared with. Rows."""
    from ingestion.loader import PG_ENCODINGS

    columns = reader_for(entity.reader)(path, entity).columns
    table = sql.Identifier(schema, entity.table)
    conn.execute(sql.SQL("create table if not exists {} ({})").format(
        table, sql.SQL(", ").join(sql.SQL("{} text").format(sql.Identifier(c)) for c in entity.columns)))
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


def run(inbox: Path, admin: warehouse.ConnInfo, printer=print, workdir: Path | None = None,
        ways: tuple[str, ...] = WAYS) -> list[dict]:
    files = _files(inbox)
    if not files:
        raise RuntimeError(f"no plain delimited file to benchmark in {inbox}")
    # The three ways load the same files: `publics ingest` gets a folder of links to them only.
    bench_inbox = Path(tempfile.mkdtemp(prefix="publics-bench-", dir=workdir))
    for path, _, _ in files:
        link = bench_inbox / path.relative_to(inbox)
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(path.resolve())
    size = sum(p.stat().st_size for p, _, _ in files)
    entities = sorted({e.table: e for _, e, _ in files}.values(), key=lambda e: e.table)
    results = []
    sums = {}
    for way in ways:
        name = "bench_" + way.split()[0].lower().replace(" ", "_")
        warehouse.drop_database(admin, name)
        warehouse.create_database(admin, name)
        info = admin.with_db(name)
        warehouse.ensure_schemas(info)
        t0 = time.monotonic()
        proc = subprocess.Popen(
            [sys.executable, "-m", "publics_demo.bench", "_one", way, str(bench_inbox), info.url], stdout=subprocess.PIPE, text=True)
        out = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.monotonic() - t0
        if status != 0:
            raise RuntimeError(f"{way} failed (status {status})")
        reported = json.loads(out.strip().splitlines()[-1])
        rows = reported["rows"]
        sums[way] = _checksums(info, entities)
        results.append({"way": way, "rows": rows, "seconds": seconds, "rows_per_s": rows / seconds,
                        "mb_per_s": size / 1e6 / seconds,
                        "peak_mb": reported["peak_mb"] or usage.ru_maxrss / 1024})
        printer(f"  … {way}: {rows:,} rows in {seconds:.2f} s")
        warehouse.drop_database(admin, name)
    limit = next(r for r in results if r["way"] == "bare COPY")["rows_per_s"]
    shutil.rmtree(bench_inbox, ignore_errors=True)
    printer(f"ingestion benchmark: {len(files)} plain delimited files, {size / 1e6:,.1f} MB "
            f"({', '.join(e.table for e in entities)})")
    printer(f"  {'way':<16} {'rows':>10} {'seconds':>8} {'rows/s':>10} {'MB/s':>7} {'× COPY':>7} {'peak MB':>8}")
    for r in results:
        r["ratio_to_copy"] = r["rows_per_s"] / limit
        printer(f"  {r['way']:<16} {r['rows']:>10,} {r['seconds']:>8.2f} {r['rows_per_s']:>10,.0f} "
                f"{r['mb_per_s']:>7.1f} {r['ratio_to_copy']:>7.2f} {r['peak_mb']:>8.0f}")
    reference = sums["bare COPY"]
    same = all(s == reference for s in sums.values())
    printer("  identical tables (rows and checksum of every data column): " + ("yes" if same else f"NO: {sums}"))
    if not same:
        raise RuntimeError("the three ways did not load the same rows")
    return results


if __name__ == "__main__" and len(sys.argv) == 5 and sys.argv[1] == "_one":
    print(json.dumps(_one(sys.argv[2], Path(sys.argv[3]), sys.argv[4])))
