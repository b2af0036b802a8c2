"""Land delivered files in the `raw` schema as delivered, through COPY, one transaction per file.

Rules:
- a file is routed to its contract entity by its folder and name (`routing`); a file no entity,
  or several, take is rejected;
- a file whose content (sha256) was already loaded is skipped as an identical re-delivery
  (`ledger`: `raw.load_ledger` records every file seen);
- a file is loaded in one transaction: a failure or a kill mid-file leaves no partial rows
  (`landing`: the COPY fast paths and the row path);
- a rejected file is copied to the quarantine folder with its reason; the other files still load;
- one pipeline step at a time per database (`locking`: the advisory lock every writing step
  takes), a second one is refused or, with --wait, queued.

Throughput: files are loaded on two connections at once (`WORKERS`; PostgreSQL parses a COPY on
one core per connection), in lanes — one per raw table, its files one after the other in
discovery order, so overlapping deltas load (and get their `_loaded_at`) in the order they
always did, and the ALTER TABLE of a file never waits for another; the web analytics tables'
lanes (whose loads alter nothing) are shared by both connections, each file's transaction
started in the lane's order (`SharedLane`). Each connection numbers lines
with its own sequence; identical contents are never checked at the same time; a file's sha256
is computed while the previous one of its lane loads. jsonb records are TOASTed with lz4 where
the server has it. `PUBLICS_INGEST_WORKERS=1` loads everything on one connection.
"""

from __future__ import annotations

import os
import queue
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg

from ingestion import contracts
from ingestion.connection import ConnInfo, connect
from ingestion.landing import (
    MAX_FILE_BYTES,
    META_COLUMNS,
    PG_ENCODINGS,
    copy_rows,
    ensure_raw_table,
)
from ingestion.ledger import (
    LEDGER,
    RAW,
    ROW_SEQUENCES,
    FileResult,
    IngestReport,
    already_loaded,
    ensure_ledger,
    file_hash,
    record,
)
from ingestion.locking import LOCK_KEY, PipelineBusy, pipeline_lock
from ingestion.quarantine import quarantine
from ingestion.readers import RejectedFile
from ingestion.routing import Route, discover, route

__all__ = [
    "LEDGER",
    "LOCK_KEY",
    "META_COLUMNS",
    "PG_ENCODINGS",
    "RAW",
    "WORKERS",
    "DatabaseFault",
    "FileResult",
    "IngestReport",
    "IngestionBusy",
    "discover",
    "ensure_ledger",
    "ensure_raw_table",
    "ingest",
    "prepare",
    "quarantine",
]

# Connections loading files at once (the files of one raw table: one after the other);
# PUBLICS_INGEST_WORKERS=1 loads everything on one connection.
WORKERS = 2


IngestionBusy = PipelineBusy  # the name callers knew: the lock is now every writing step's


def prepare(info: ConnInfo) -> None:
    """Ledger and one (possibly empty) raw table per contract entity, so dbt always finds its sources."""
    with connect(info) as conn:
        ensure_ledger(conn)
        for entity in contracts.all_entities():
            ensure_raw_table(conn, entity)


def ingest(folder: Path, info: ConnInfo, quarantine_dir: Path,
           progress: Callable[[str], None] = print, workers: int | None = None) -> IngestReport:
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"no such folder: {folder}")
    batch_id = str(uuid.uuid4())
    t0 = time.monotonic()
    with pipeline_lock(info, "ingest", progress=progress):
        try:
            prepare(info)
        except Exception as exc:
            if is_database_fault(exc):
                raise DatabaseFault(describe_fault(exc, None)) from None
            raise
        workers = workers or int(os.environ.get("PUBLICS_INGEST_WORKERS") or WORKERS)
        results = _load_all(folder, discover(folder), info, batch_id, quarantine_dir, progress, workers)
    return IngestReport(batch_id, folder, results, time.monotonic() - t0)


def _load_all(folder: Path, files: list[Path], info: ConnInfo, batch_id: str, quarantine_dir: Path,
              progress: Callable[[str], None], workers: int) -> list[FileResult]:
    """Every file, one transaction each, on up to `workers` connections at once.

    Files go in lanes, one per raw table, each file after the previous one of its lane in
    discovery order (overlapping deltas of a table load in the order they always did; the
    table is locked by its file's transaction anyway); a connection takes the biggest lane
    left. Each connection numbers lines with its own sequence. Files with the same content
    are checked and loaded one after the other whatever their lanes, so the second one sees
    the first in the ledger and is skipped. The next file of a lane is hashed while the
    current one loads. The lane of a table whose loads never alter it (SHARED_READERS: web
    analytics) is shared: every connection takes its next file, started in the lane's order."""
    routes = [route(p, folder) for p in files]
    lanes: dict[str, list[int]] = {}
    for index, where in enumerate(routes):
        lanes.setdefault(where.entity.table if where.entity else "", []).append(index)
    workers = max(1, min(workers, len(ROW_SEQUENCES)))
    todo = queue.SimpleQueue()
    for lane in sorted(lanes.values(), key=lambda lane: -sum(_size(files[i]) for i in lane)):
        entity = routes[lane[0]].entity
        if workers > 1 and len(lane) > 1 and entity is not None and entity.reader in SHARED_READERS:
            shared = SharedLane(lane)
            for _ in range(workers):  # every connection may take its next file
                todo.put(shared)
        else:
            todo.put(lane)
    workers = min(workers, todo.qsize())
    results: list[FileResult | None] = [None] * len(files)
    guard, by_digest, failures, stop = threading.Lock(), {}, [], threading.Event()

    def say(text: str) -> None:
        with guard:
            progress(text)

    def same_content(digest: str) -> threading.Lock:
        with guard:
            return by_digest.setdefault(digest, threading.Lock())

    def load(conn: psycopg.Connection, index: int, digest: str | OSError, size: int, seq: str) -> None:
        path = files[index]
        name = path.relative_to(folder)
        say(f"  [{index + 1}/{len(files)}] {name}")
        if isinstance(digest, OSError):  # vanished, or not readable by this user
            result = FileResult(path, None, "rejected", error=f"{name}: unreadable: {digest}",
                                folder_source=routes[index].source)
        else:
            with same_content(digest):
                result = _ingest_file(conn, routes[index], digest, size, seq, batch_id, quarantine_dir, say)
        results[index] = result
        say(f"      {name}: {_describe(result)}" if workers > 1 else f"      {_describe(result)}")

    def work(seq: str, hashing: ThreadPoolExecutor) -> None:
        try:
            with connect(info) as conn:
                _fast_toast(conn)
                while True:
                    try:
                        lane = todo.get_nowait()
                    except queue.Empty:
                        return
                    if isinstance(lane, SharedLane):
                        while not stop.is_set() and (index := lane.start(conn)) is not None:
                            load(conn, index, *_hash_or_error(files[index]), seq)
                        continue
                    pending = hashing.submit(_hash_or_error, files[lane[0]])
                    for k, index in enumerate(lane):
                        if stop.is_set():
                            return
                        digest, size = pending.result()
                        if k + 1 < len(lane):
                            pending = hashing.submit(_hash_or_error, files[lane[k + 1]])
                        load(conn, index, digest, size, seq)
        except BaseException as exc:  # noqa: BLE001 — re-raised by the caller's thread
            if isinstance(exc, Exception) and is_database_fault(exc):
                exc = DatabaseFault(describe_fault(exc, None))
            failures.append(exc)
            stop.set()  # as on one connection: an unexpected error ends the run

    with ThreadPoolExecutor(workers, thread_name_prefix="publics-hash") as hashing:
        if workers == 1:
            work(ROW_SEQUENCES[0], hashing)
        else:
            threads = [threading.Thread(target=work, args=(seq, hashing), name=f"publics-load-{n}", daemon=True)
                       for n, seq in enumerate(ROW_SEQUENCES[:workers])]
            for thread in threads:
                thread.start()
            try:
                for thread in threads:
                    thread.join()
            except BaseException:  # Ctrl-C: the files being loaded finish or roll back, no other starts
                stop.set()
                raise
    if failures:
        raise failures[0]
    return [r for r in results if r is not None]


# Readers whose files load without altering their raw table (JSON fast path, row path): the
# files of one such table can load on several connections at once, started in their lane's order.
SHARED_READERS = frozenset({"ga4_ndjson", "matomo_json", "matomo_csv"})


class SharedLane:
    """The files of one raw table that every connection takes from, one at a time, each file's
    transaction started in the lane's order (discovery order) under the lane's lock: the rows'
    `_loaded_at` (the transaction's start) keep the order staging's version rule relies on, while
    two files of the table load at once (their INSERT/COPY take no lock against each other)."""

    def __init__(self, indexes: list[int]):
        self.left, self.lock = list(reversed(indexes)), threading.Lock()

    def start(self, conn: psycopg.Connection) -> int | None:
        with self.lock:
            if not self.left:
                return None
            conn.rollback()  # nothing is pending; the next statement starts the file's transaction
            conn.execute("select now()")
            return self.left.pop()


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _hash_or_error(path: Path) -> tuple[str | OSError, int]:
    try:
        return file_hash(path)
    except OSError as exc:
        return exc, 0


def _describe(r: FileResult) -> str:
    if r.status == "loaded":
        text = f"loaded into raw as {r.entity}: {r.rows:,} rows, {r.size_bytes / 1e6:.2f} MB, {r.seconds:.2f} s"
        if r.method == "copy":
            text += " (parsed by COPY)"
        if r.drift:
            text += f" — new column(s) not in the contract, loaded anyway: {', '.join(r.drift)}"
        for warning in r.warnings:
            text += f" — warning: {warning}"
        return text
    if r.status == "skipped":
        return f"skipped: {r.error}"
    return f"REJECTED: {r.error} (quarantined to {r.quarantined_to})"


def _fast_toast(conn: psycopg.Connection) -> None:
    """Compress the large values this connection stores (jsonb records) with lz4 rather than
    pglz, several times faster: a storage detail, the values read back are the same. Servers
    without lz4 (before PostgreSQL 14, or built without it) keep their default."""
    try:
        conn.execute("set default_toast_compression = 'lz4'")
        conn.commit()
    except psycopg.Error:
        conn.rollback()


def _ingest_file(conn: psycopg.Connection, where: Route, digest: str, size: int,
                 seq: str, batch_id: str, quarantine_dir: Path, progress: Callable[[str], None]) -> FileResult:
    """One file in one transaction of `conn` (committed here), its ledger row included.

    Whatever goes wrong inside the file is that file's rejection (quarantined, in the ledger, the
    run goes on); a fault of the database itself (disk full, a timeout, the connection lost) is a
    `DatabaseFault` naming the file in progress: its transaction is rolled back, the run stops."""
    path, entity = where.path, where.entity
    started, t0 = time.time(), time.monotonic()
    result = FileResult(path=path, entity=entity.label if entity else None, status="loaded", size_bytes=size,
                        folder_source=where.source)
    try:
        previous = already_loaded(conn, digest)
        if previous:
            result.status, result.error = "skipped", f"identical to {previous}, already loaded"
        elif entity is None:
            result.status = "rejected"
            result.error = where.error
        elif size > MAX_FILE_BYTES:
            result.status = "rejected"
            result.error = (f"{path.name}: {size:,} bytes, more than the {MAX_FILE_BYTES:,} a delivered file may "
                            "hold (split the export)")
        else:
            try:
                with conn.transaction():
                    result.rows, result.drift, result.method, result.warnings = copy_rows(
                        conn, entity, path, digest, batch_id, seq, progress)
                    result.seconds = time.monotonic() - t0
                    record(conn, batch_id, result, digest, started)
                conn.commit()
                return result
            except RejectedFile as exc:
                result.status, result.line, result.error = "rejected", exc.line, str(exc)
            except Exception as exc:  # whatever else the file caused is its rejection
                if is_database_fault(exc):
                    raise
                result.status, result.error = "rejected", _file_error(path, exc)
        if result.status == "rejected":
            result.quarantined_to = quarantine(path, quarantine_dir, result.error, digest)
        result.seconds = time.monotonic() - t0
        record(conn, batch_id, result, digest, started)
        conn.commit()
    except BaseException as exc:
        _rollback(conn)
        if isinstance(exc, Exception) and is_database_fault(exc):
            raise DatabaseFault(describe_fault(exc, path)) from None
        raise
    return result


def _rollback(conn: psycopg.Connection) -> None:
    try:
        conn.rollback()
    except psycopg.Error:
        pass  # the connection is gone: the server rolls the transaction back itself


def _file_error(path: Path, exc: Exception) -> str:
    """The rejection message of an error no reader foresaw."""
    if isinstance(exc, psycopg.errors.DataError):  # e.g. a NUL byte deep in the file
        return f"{path.name}: invalid data for Postgres: {exc}".strip()
    if isinstance(exc, psycopg.Error):
        detail = (exc.diag.message_primary or str(exc)).strip()
        return f"{path.name}: refused by PostgreSQL (unexpected error {exc.sqlstate}: {detail})"
    if isinstance(exc, RecursionError):
        return f"{path.name}: nested too deeply to be read (unexpected error: RecursionError)"
    if isinstance(exc, MemoryError):
        return f"{path.name}: too large to be read in memory (unexpected error: MemoryError)"
    text = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
    return f"{path.name}: could not be read (unexpected error: {type(exc).__name__}{': ' + text if text else ''})"


# SQLSTATE classes of the server's own faults: connection (08), transaction rollback (40),
# insufficient resources (53: disk full…), object not in prerequisite state (55: lock not
# available), operator intervention (57: statement timeout, shutdown), system error (58), config
# file (F0). Every other error (22 data, 42 rules, 54 program limits: too many columns, stack
# depth…) is the file's.
SERVER_FAULT_CLASSES = frozenset({"08", "40", "53", "55", "57", "58", "F0"})


class DatabaseFault(RuntimeError):
    """The database failed while a file was loading (not the file's fault): one line naming the
    file, what happened and what to do. Nothing of the file was kept; the run stops (exit 1)."""


def is_database_fault(exc: BaseException) -> bool:
    """The database server or the connection failed — as opposed to an error the file's content
    caused (a value, a limit: too many columns, nesting too deep — ProgramLimitExceeded)."""
    if isinstance(exc, psycopg.InterfaceError):
        return True
    if not isinstance(exc, psycopg.Error):
        return False
    if exc.sqlstate is None:  # no answer from the server: the connection is gone
        return isinstance(exc, psycopg.OperationalError)
    return exc.sqlstate[:2] in SERVER_FAULT_CLASSES


def describe_fault(exc: BaseException, path: Path | None) -> str:
    where = f"while loading {path.name}" if path is not None else "while preparing the raw schema"
    detail = (getattr(getattr(exc, "diag", None), "message_primary", None) or str(exc) or type(exc).__name__).strip()
    detail = detail.splitlines()[0]
    if isinstance(exc, psycopg.errors.DiskFull):
        what, todo = "the database server's disk is full", "free disk space on the database server"
    elif isinstance(exc, psycopg.errors.InsufficientResources):
        what, todo = f"the database server ran out of resources ({detail})", "check the server's memory and limits"
    elif isinstance(exc, psycopg.errors.LockNotAvailable):
        what = f"a table lock could not be obtained in time (lock_timeout: {detail})"
        todo = "end the session that holds the raw table (or raise lock_timeout)"
    elif isinstance(exc, psycopg.errors.QueryCanceled):
        what = f"the database cancelled the statement ({detail}: statement_timeout?)"
        todo = "raise the statement_timeout of the ingestion's role, or load at a quieter time"
    elif isinstance(exc, psycopg.errors.AdminShutdown | psycopg.errors.CrashShutdown | psycopg.errors.CannotConnectNow):
        what, todo = f"the database server shut down ({detail})", "restart the database server"
    else:
        what, todo = f"the connection to the database failed ({detail})", "check that the database server is up"
    return (f"database fault {where}: {what}; nothing of this file was kept. {todo.capitalize()}, then run "
            "the ingestion again (re-running is safe)")
