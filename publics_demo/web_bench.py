"""The web analytics part of `publics bench ingest`: GA4 NDJSON and Matomo's JSON and CSV/TSV
files, loaded by `publics ingest` and by their physical limit.

The limit is a bare COPY of the same bytes, as the loader must read them (gunzipped; Matomo's
UTF-16 exports transcoded to UTF-8), each physical line one value of a single column, on as many
connections as `publics ingest` uses (files one transaction each, the biggest first). The column
is `text` (the limit), and, to measure what the type of `record` alone costs, `json` (checked,
stored as text) and `jsonb` (parsed and stored as a tree; NDJSON only: a Matomo CSV line is not
JSON). No Python parsing anywhere on this side: COPY's CSV format with a quote and a delimiter
no JSON text or Matomo export contains raw (\\x01, \\x02) lands each line whole.
"""

from __future__ import annotations

import codecs
import gzip
import queue
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
from psycopg import sql

from ingestion import contracts
from ingestion.routing import discover, route
from publics import warehouse

# bench format → the contract readers whose files it takes
FORMATS: dict[str, tuple[str, ...]] = {
    "ga4": ("ga4_ndjson",),
    "matomo_json": ("matomo_json",),
    "matomo_csv": ("matomo_csv",),
}
# the ways of the web formats: `publics ingest`, then the bare COPY into one column of each type
WAYS = ("publics ingest", "bare COPY", "COPY → json", "COPY → jsonb")
COLUMN_TYPE = {"bare COPY": "text", "COPY → json": "json", "COPY → jsonb": "jsonb"}
ONE_VALUE_A_LINE = "with (format csv, quote e'\\x01', delimiter e'\\x02', encoding 'UTF8')"
CHUNK = 1 << 20


def files_of(inbox: Path, fmt: str) -> list[tuple[Path, contracts.Entity]]:
    """The inbox's files of one web format (routed as the loader routes them)."""
    readers = FORMATS[fmt]
    found = []
    for path in discover(inbox):
        entity = route(path, inbox).entity
        if entity is not None and entity.reader in readers:
            found.append((path, entity))
    return found


def utf8_chunks(path: Path) -> Iterator[bytes]:
    """The file's content as UTF-8 bytes, as the loader must read it: gunzipped, UTF-16
    transcoded, a BOM dropped."""
    with open(path, "rb") as fh:
        head = fh.read(4)
    opener = gzip.open if head.startswith(b"\x1f\x8b") else open
    with opener(path, "rb") as fh:
        first = fh.read(CHUNK)
        if first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            decoder = codecs.getincrementaldecoder("utf-16")()
            chunk = first
            while chunk:
                yield decoder.decode(chunk).encode("utf-8")
                chunk = fh.read(CHUNK)
            yield decoder.decode(b"", final=True).encode("utf-8")
            return
        if first.startswith(codecs.BOM_UTF8):
            first = first[3:]
        chunk = first
        while chunk:
            yield chunk
            chunk = fh.read(CHUNK)


def content_bytes(path: Path) -> int:
    return sum(len(c) for c in utf8_chunks(path))


def on_connections(info: warehouse.ConnInfo, items: list, workers: int,
                   load: Callable[[psycopg.Connection, object], int]) -> int:
    """`load(conn, item)` for every item, on `workers` connections at once (each item one
    transaction, committed); the biggest items should come first. Returns the sum of loads."""
    todo: queue.SimpleQueue = queue.SimpleQueue()
    for item in items:
        todo.put(item)
    totals, failures = [], []

    def work() -> None:
        total = 0
        try:
            with warehouse.connect(info) as conn:
                while True:
                    try:
                        item = todo.get_nowait()
                    except queue.Empty:
                        break
                    total += load(conn, item)
                    conn.commit()
        except BaseException as exc:  # noqa: BLE001 — re-raised below
            failures.append(exc)
        totals.append(total)

    threads = [threading.Thread(target=work, name=f"bench-copy-{n}") for n in range(max(1, workers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    return sum(totals)


def bare_copy(files: list[Path], info: warehouse.ConnInfo, way: str, workers: int) -> int:
    """Each physical line of the files as one value of `raw.bench_lines (line <type>)`; returns
    the values COPY made (blank lines are NULLs)."""
    table = sql.Identifier("raw", "bench_lines")
    with warehouse.connect(info) as conn:
        conn.execute(sql.SQL("create table if not exists {} (line {})").format(table, sql.SQL(COLUMN_TYPE[way])))
        conn.commit()
    statement = sql.SQL("copy {} (line) from stdin " + ONE_VALUE_A_LINE).format(table)

    def load(conn: psycopg.Connection, path: Path) -> int:
        with conn.cursor() as cur:
            with cur.copy(statement) as copy:
                for chunk in utf8_chunks(path):
                    copy.write(chunk)
            return cur.rowcount

    return on_connections(info, sorted(files, key=lambda p: -p.stat().st_size), workers, load)
