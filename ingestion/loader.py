"""Land delivered files in the `raw` schema as delivered, through COPY, one transaction per file.

Every raw row keeps its delivery: `_source_file`, `_file_hash`, `_row_number` (the physical line
in the file), `_batch_id`, `_loaded_at`. The `raw.load_ledger` table records every file seen.
Rules:
- a file whose content (sha256) was already loaded is skipped as an identical re-delivery;
- a file is loaded in one transaction: a failure or a kill mid-file leaves no partial rows;
- a rejected file is copied to the quarantine folder with its reason; the other files still load;
- one ingestion at a time per database (a Postgres advisory lock), a second one is refused.

How a file is loaded (fastest first; every fast path runs in a savepoint and, on any doubt,
rolls back and gives way to the next, so the rows that land, and every rejection message, are
those of the row path):
- plain delimited files: their bytes straight into COPY … FORMAT csv (`_copy_file`), the
  metadata from per-file column defaults, line numbers from a sequence;
- GA4 NDJSON: the lines into COPY, checked, typed and split server-side (`_copy_json`);
- anything else, and the files a fast path refused: the reader's rows, one `write_row` each.

Throughput: files are loaded on two connections at once (`WORKERS`; PostgreSQL parses a COPY on
one core per connection), in lanes — one per raw table, its files one after the other in
discovery order, so overlapping deltas load (and get their `_loaded_at`) in the order they
always did, and the ALTER TABLE of a file never waits for another. Each connection numbers lines
with its own sequence; identical contents are never checked at the same time; a file's sha256
is computed while the previous one of its lane loads. jsonb records are TOASTed with lz4 where
the server has it. `PUBLICS_INGEST_WORKERS=1` loads everything on one connection.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import queue
import shutil
import threading
import time
import uuid
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

from ingestion import contracts
from ingestion.connection import ConnInfo, connect
from ingestion.readers import JsonCopySource, RejectedFile, copy_plan_for, reader_for

RAW = "raw"
LEDGER = "load_ledger"
LOCK_KEY = 0x7075626C6963  # "public" — one ingestion per database at a time
META_COLUMNS = ("_source_file", "_file_hash", "_row_number", "_batch_id", "_loaded_at")
# Connections loading files at once (the files of one raw table: one after the other);
# PUBLICS_INGEST_WORKERS=1 loads everything on one connection.
WORKERS = 2
# Line numbers of the rows PostgreSQL parses itself: one sequence per loading connection.
ROW_SEQUENCES = ("load_row_seq", "load_row_seq_2")


class IngestionBusy(RuntimeError):
    pass


@dataclass
class FileResult:
    path: Path
    entity: str | None
    status: str  # loaded | skipped | rejected
    rows: int = 0
    size_bytes: int = 0
    seconds: float = 0.0
    line: int | None = None
    error: str | None = None
    drift: list[str] = field(default_factory=list)
    quarantined_to: Path | None = None
    method: str | None = None  # copy: PostgreSQL parsed the file itself; rows: parsed here, row by row

    @property
    def source(self) -> str:
        return self.entity.split("/")[0] if self.entity else "(unknown)"


@dataclass
class IngestReport:
    batch_id: str
    folder: Path
    results: list[FileResult]
    seconds: float

    def by_status(self, status: str) -> list[FileResult]:
        return [r for r in self.results if r.status == status]

    @property
    def rows(self) -> int:
        return sum(r.rows for r in self.results)

    @property
    def exit_code(self) -> int:
        """0: everything loaded or skipped; 2: partial (some files rejected)."""
        return 2 if self.by_status("rejected") else 0


def file_hash(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def ensure_ledger(conn: psycopg.Connection) -> None:
    conn.execute(
        f"""
        create schema if not exists {RAW};
        create table if not exists {RAW}.{LEDGER} (
            ledger_id     bigserial primary key,
            batch_id      uuid not null,
            source        text,
            entity        text,
            file_name     text not null,
            file_path     text not null,
            file_hash     text not null,
            size_bytes    bigint not null,
            status        text not null check (status in ('loaded', 'skipped', 'rejected')),
            rows_loaded   bigint not null default 0,
            error_line    integer,
            error         text,
            drift_columns text[],
            quarantined_to text,
            started_at    timestamptz not null,
            finished_at   timestamptz not null default clock_timestamp()
        );
        alter table {RAW}.{LEDGER} add column if not exists load_method text;
        create index if not exists load_ledger_hash_idx on {RAW}.{LEDGER} (file_hash, status);
        """
    )
    for seq in ROW_SEQUENCES:
        # Line numbers of rows COPY parses itself (restarted per file; one ingestion at a time,
        # one sequence per loading connection). Cached: a backend hands out its cached values
        # in order, a tenth of the cost per row.
        conn.execute(f"create sequence if not exists {RAW}.{seq} cache 10000; alter sequence {RAW}.{seq} cache 10000")


def ensure_raw_table(conn: psycopg.Connection, entity: contracts.Entity, extra: list[str] = ()) -> None:
    """The raw table of an entity: every contract column as text, drift columns added on the fly."""
    table = sql.Identifier(RAW, entity.table)
    cols = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(entity.type_of(c))) for c in entity.columns
    )
    conn.execute(
        sql.SQL(
            "create table if not exists {} ({}, _source_file text not null, _file_hash text not null, "
            "_row_number integer not null, _batch_id uuid not null, "
            "_loaded_at timestamptz not null default now())"
        ).format(table, cols)
    )
    for column in extra:
        conn.execute(sql.SQL("alter table {} add column if not exists {} text").format(table, sql.Identifier(column)))


def prepare(info: ConnInfo) -> None:
    """Ledger and one (possibly empty) raw table per contract entity, so dbt always finds its sources."""
    with connect(info) as conn:
        ensure_ledger(conn)
        for entity in contracts.all_entities():
            ensure_raw_table(conn, entity)


def _already_loaded(conn: psycopg.Connection, digest: str) -> str | None:
    row = conn.execute(
        f"select file_name from {RAW}.{LEDGER} where file_hash = %s and status = 'loaded' limit 1", (digest,)
    ).fetchone()
    return row[0] if row else None


def _record(conn: psycopg.Connection, batch_id: str, result: FileResult, digest: str, started: float) -> None:
    conn.execute(
        f"""insert into {RAW}.{LEDGER} (batch_id, source, entity, file_name, file_path, file_hash, size_bytes,
                status, rows_loaded, error_line, error, drift_columns, quarantined_to, started_at, load_method)
            values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, to_timestamp(%s), %s)""",
        (
            batch_id, result.entity and result.source, result.entity and result.entity.split("/")[1],
            result.path.name, str(result.path), digest, result.size_bytes, result.status, result.rows,
            result.line, result.error, result.drift or None,
            str(result.quarantined_to) if result.quarantined_to else None, started, result.method,
        ),
    )


def _copy_rows(conn: psycopg.Connection, entity: contracts.Entity, path: Path, digest: str,
               batch_id: str, seq: str, progress: Callable[[str], None]) -> tuple[int, list[str], str]:
    """Load one file; return (rows, drift columns, method: copy | rows)."""
    plan_of = copy_plan_for(entity.reader)
    plan = plan_of(path, entity) if plan_of else None
    if plan is not None:  # JSON PostgreSQL parses and checks itself; the reader is not run
        ensure_raw_table(conn, entity)
        try:
            with conn.transaction():
                return _copy_json(conn, entity, plan, digest, batch_id, seq, progress), [], "copy"
        except FAST_PATH_REFUSALS:
            pass  # the row path below loads it, or says precisely what is wrong
    parsed = reader_for(entity.reader)(path, entity)
    ensure_raw_table(conn, entity, parsed.drift)
    if parsed.copy_source is not None:
        parsed.rows.close()  # PostgreSQL reads the file itself
        try:
            with conn.transaction():  # a savepoint: a refused fast load leaves nothing behind
                return _copy_file(conn, entity, parsed, digest, batch_id, seq, progress), parsed.drift, "copy"
        except FAST_PATH_REFUSALS:
            # Not a plain file (blank lines, line breaks inside quoted values, a bad line…):
            # the row path below loads it with exact line numbers, or says precisely what is wrong.
            parsed = reader_for(entity.reader)(path, entity)
    target = sql.SQL("copy {} ({}) from stdin").format(
        sql.Identifier(RAW, entity.table),
        sql.SQL(", ").join(sql.Identifier(c) for c in [*parsed.columns, *META_COLUMNS[:4]]),
    )
    meta = [path.name, digest, 0, batch_id]
    rows, next_report = 0, time.monotonic() + 5
    with conn.cursor() as cur, cur.copy(target) as copy:
        for line, values in parsed.rows:
            meta[2] = line
            copy.write_row(values + meta)
            rows += 1
            if rows % 10_000 == 0 and time.monotonic() > next_report:
                progress(f"    … {path.name}: {rows:,} rows")
                next_report = time.monotonic() + 5
    return rows, parsed.drift, "rows"


PG_ENCODINGS = {"cp1252": "WIN1252", "utf-8": "UTF8", "utf-8-sig": "UTF8", "latin-1": "LATIN1"}


class _NotPlain(Exception):
    """The file's physical lines are not one record each: its line numbers need the row path."""


def _stream_lines(cur: psycopg.Cursor, statement, fh, name: str, progress: Callable[[str], None],
                  refuse: tuple[bytes, ...] = ()) -> int:
    """Send a file's bytes into a COPY in 1 MB chunks (progress every 5 s); return the records
    COPY made, which must be one per physical line (a last line without its newline counts):
    otherwise, or when a chunk holds a byte of `refuse`, `_NotPlain`."""
    sent, lines, last, next_report = 0, 0, b"\n", time.monotonic() + 5
    with cur.copy(statement) as copy:
        while chunk := fh.read(1 << 20):
            if any(byte in chunk for byte in refuse):
                raise _NotPlain(f"byte(s) {refuse!r} found: not this format")
            copy.write(chunk)
            sent += len(chunk)
            lines += chunk.count(b"\n")
            last = chunk[-1:]
            if time.monotonic() > next_report:
                progress(f"    … {name}: {sent / 1e6:,.0f} MB")
                next_report = time.monotonic() + 5
    if last != b"\n":
        lines += 1  # a last line without its newline
    if cur.rowcount != lines:
        raise _NotPlain(f"{lines} lines, {cur.rowcount} records")
    return cur.rowcount


# What makes a fast load give way to the row path (after a rollback to its savepoint).
FAST_PATH_REFUSALS = (psycopg.errors.DataError, psycopg.errors.ProgramLimitExceeded, _NotPlain)


def _copy_file(conn: psycopg.Connection, entity: contracts.Entity, parsed, digest: str, batch_id: str,
               seq: str, progress: Callable[[str], None]) -> int:
    """Stream a delimited file's bytes into COPY … FORMAT csv: PostgreSQL parses the lines and
    converts the encoding, the delivery metadata come from column defaults set for the file.

    Line numbers come from a sequence started at the first data line, so they are exact only if
    every physical line is one record: the newlines sent are counted and, if they do not match
    the rows COPY made, `_NotPlain` is raised (the caller rolls back and takes the row path).
    Empty values land as NULL, quoted or not, as on the row path (FORCE_NULL)."""
    src = parsed.copy_source
    table = sql.Identifier(RAW, entity.table)
    # The delivery metadata as column defaults for the time of this transaction: constants that
    # COPY fills in for free (the table stays locked until the file is committed, which the
    # one-ingestion-at-a-time lock implies anyway), and line numbers from a sequence.
    conn.execute("select setval(%s, %s, false)", (f"{RAW}.{seq}", src.first_line))
    conn.execute(sql.SQL(
        "alter table {t} alter column _source_file set default {file}, alter column _file_hash set default {hash}, "
        "alter column _batch_id set default {batch}, alter column _row_number set default nextval({seq})"
    ).format(t=table, file=sql.Literal(src.path.name), hash=sql.Literal(digest),
             batch=sql.Literal(batch_id), seq=sql.Literal(f"{RAW}.{seq}")))
    columns = sql.SQL(", ").join(sql.Identifier(c) for c in parsed.columns)
    target = sql.SQL(
        "copy {} ({}) from stdin with (format csv, delimiter {}, quote '\"', encoding {}, force_null ({}))"
    ).format(
        sql.Identifier(RAW, entity.table), columns, sql.Literal(src.delimiter),
        sql.Literal(PG_ENCODINGS[src.encoding]), columns,
    )
    with conn.cursor() as cur, open(src.path, "rb") as fh:
        fh.seek(src.offset)
        rows = _stream_lines(cur, target, fh, src.path.name, progress)
    conn.execute(sql.SQL(
        "alter table {} alter column _source_file drop default, alter column _file_hash drop default, "
        "alter column _batch_id drop default, alter column _row_number drop default").format(table))
    return rows


# NDJSON in COPY's CSV format: quote and delimiter are bytes valid JSON never contains raw (control
# characters must be escaped inside strings and are not whitespace outside), so each line arrives
# whole in one text value, as delivered (validated by the cast to jsonb that follows).
JSON_COPY = ("copy pg_temp.publics_json (doc) from stdin "
             "with (format csv, quote e'\\x01', delimiter e'\\x02', encoding 'UTF8')")
PLAIN_INTEGER = "^(0|-?[1-9][0-9]*)$"  # a JSON number Python writes back as it is written


def _copy_json(conn: psycopg.Connection, entity: contracts.Entity, plan: JsonCopySource, digest: str,
               batch_id: str, seq: str, progress: Callable[[str], None]) -> int:
    """Load an NDJSON file without parsing it in Python, landing what the row path lands.

    The bytes (gunzipped, without a BOM) go through COPY into a temporary text column, one
    value per physical line (blank lines are NULL rows: the numbering stays the file's). One
    INSERT … SELECT then casts each line to jsonb (`record`), takes the scalar columns (a string
    as its decoded text, true/false, null as NULL, a number as written in the line — what the
    row path's `as_text` gives) and, per row, says whether the row path would have done
    otherwise: not an object, a required key absent (or null or "" where not nullable), a
    scalar column holding an object, an array or a number Python would rewrite (1.50, 1E2), a
    top-level key the contract does not know (drift: the row path adds its column). Any such
    row, a line count that differs from the rows COPY made, invalid JSON or UTF-8, a value jsonb
    refuses (\\u0000…), a file without any record: `_NotPlain` or a DataError, and the caller
    rolls back to its savepoint and takes the row path (same rows, or the same rejection)."""
    table = sql.Identifier(RAW, entity.table)
    conn.execute(sql.SQL("create temp table publics_json (doc text, line integer default nextval({})) on commit drop"
                         ).format(sql.Literal(f"{RAW}.{seq}")))
    conn.execute("select setval(%s, 1, false)", (f"{RAW}.{seq}",))
    with conn.cursor() as cur:
        try:
            with gzip.open(plan.path, "rb") if plan.gzip else open(plan.path, "rb") as fh:
                fh.read(plan.offset)  # a UTF-8 BOM
                _stream_lines(cur, JSON_COPY, fh, plan.path.name, progress, refuse=(b"\x01", b"\x02"))
        except (OSError, EOFError, zlib.error) as exc:  # a corrupt or cut gzip stream
            raise _NotPlain(f"unreadable: {exc}") from None

    keys = list(dict.fromkeys(key for _column, key in plan.scalars))
    fields = sql.SQL(", ").join(sql.SQL("{} json").format(sql.Identifier(k)) for k in keys)
    # A scalar from the jsonb (decoded string, true/false, NULL), but a number as written in the
    # line (jsonb would print 1E2 as 100): json_to_record parses the text again, only for the
    # rows that have a number in one of those columns.
    number = sql.SQL(" or ").join(
        sql.SQL("jsonb_typeof(s.j -> {}) = 'number'").format(sql.Literal(k)) for k in keys) if keys else sql.SQL("false")
    values = sql.SQL(", ").join(
        sql.SQL("case when jsonb_typeof(s.j -> {k}) = 'number' then x.{i} #>> '{{}}' else s.j ->> {k} end").format(
            k=sql.Literal(k), i=sql.Identifier(k)) for _c, k in plan.scalars)
    # offset 0: the subquery is not flattened, each line is cast to jsonb once, not per use
    source = sql.SQL(
        "(select e.doc, e.line, e.doc::jsonb as j from pg_temp.publics_json e where e.doc is not null offset 0) s "
        "cross join lateral json_to_record(case when {} then s.doc::json else '{{}}' end) as x({})"
    ).format(number, fields)
    doubts = [sql.SQL("jsonb_typeof(record) <> 'object'")]
    for key in plan.required:
        if key in plan.nullable:
            doubts.append(sql.SQL("not record ? {k}").format(k=sql.Literal(key)))
        else:
            doubts.append(sql.SQL("coalesce(record -> {k}, 'null') in ('null', '\"\"')").format(k=sql.Literal(key)))
    for column, key in plan.scalars:
        doubts.append(sql.SQL(
            "jsonb_typeof(record -> {k}) in ('object', 'array') "
            "or (jsonb_typeof(record -> {k}) = 'number' and {c} !~ {integer})"
        ).format(k=sql.Literal(key), c=sql.Identifier(column), integer=sql.Literal(PLAIN_INTEGER)))
    if plan.known is not None:
        doubts.append(sql.SQL(
            "jsonb_typeof(record) = 'object' and exists "
            "(select from jsonb_object_keys(record) k where k <> all({known}))"
        ).format(known=sql.Literal(list(plan.known))))
    columns = [c for c, _k in plan.scalars]
    query = sql.SQL(
        "with landed as (insert into {table} ({columns}, record, _source_file, _file_hash, _row_number, _batch_id) "
        "select {values}, s.j, {file}, {hash}, s.line, {batch} from {source} "
        "returning coalesce(({doubt}), false) as doubt) "
        "select count(*), count(*) filter (where doubt) from landed"
    ).format(
        table=table, columns=sql.SQL(", ").join(map(sql.Identifier, columns)), values=values,
        file=sql.Literal(plan.path.name), hash=sql.Literal(digest), batch=sql.Literal(batch_id),
        source=source, doubt=sql.SQL(") or (").join(doubts),
    )
    rows, doubtful = conn.execute(query).fetchone()
    if doubtful or not rows:
        raise _NotPlain(f"{doubtful} of {rows} records need the row path")
    return rows


def quarantine(path: Path, folder: Path, reason: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    shutil.copy2(path, target)
    target.with_name(target.name + ".reason.txt").write_text(reason + "\n", encoding="utf-8")
    return target


def discover(folder: Path) -> list[Path]:
    """Every file under the folder, in a stable order; hidden files are not deliveries."""
    return sorted(
        p for p in folder.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )


def ingest(folder: Path, info: ConnInfo, quarantine_dir: Path,
           progress: Callable[[str], None] = print, workers: int | None = None) -> IngestReport:
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"no such folder: {folder}")
    batch_id = str(uuid.uuid4())
    t0 = time.monotonic()
    with connect(info, autocommit=True) as lock_conn:
        if not lock_conn.execute("select pg_try_advisory_lock(%s)", (LOCK_KEY,)).fetchone()[0]:
            raise IngestionBusy("another ingestion is running on this database; try again when it ends")
        try:
            prepare(info)
            workers = workers or int(os.environ.get("PUBLICS_INGEST_WORKERS") or WORKERS)
            results = _load_all(folder, discover(folder), info, batch_id, quarantine_dir, progress, workers)
        finally:
            lock_conn.execute("select pg_advisory_unlock(%s)", (LOCK_KEY,))
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
    current one loads."""
    entities = [contracts.entity_for(p) for p in files]
    lanes: dict[str, list[int]] = {}
    for index, entity in enumerate(entities):
        lanes.setdefault(entity.table if entity else "", []).append(index)
    todo = queue.SimpleQueue()
    for lane in sorted(lanes.values(), key=lambda lane: -sum(files[i].stat().st_size for i in lane)):
        todo.put(lane)
    workers = max(1, min(workers, len(lanes), len(ROW_SEQUENCES)))
    results: list[FileResult | None] = [None] * len(files)
    guard, by_digest, failures, stop = threading.Lock(), {}, [], threading.Event()

    def say(text: str) -> None:
        with guard:
            progress(text)

    def same_content(digest: str) -> threading.Lock:
        with guard:
            return by_digest.setdefault(digest, threading.Lock())

    def work(seq: str, hashing: ThreadPoolExecutor) -> None:
        try:
            with connect(info) as conn:
                _fast_toast(conn)
                while True:
                    try:
                        lane = todo.get_nowait()
                    except queue.Empty:
                        return
                    pending = hashing.submit(file_hash, files[lane[0]])
                    for k, index in enumerate(lane):
                        if stop.is_set():
                            return
                        digest, size = pending.result()
                        if k + 1 < len(lane):
                            pending = hashing.submit(file_hash, files[lane[k + 1]])
                        path = files[index]
                        name = path.relative_to(folder)
                        say(f"  [{index + 1}/{len(files)}] {name}")
                        with same_content(digest):
                            result = _ingest_file(conn, path, entities[index], digest, size, seq, batch_id,
                                                  quarantine_dir, say)
                        results[index] = result
                        say(f"      {name}: {_describe(result)}" if workers > 1 else f"      {_describe(result)}")
        except BaseException as exc:  # noqa: BLE001 — re-raised by the caller's thread
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


def _describe(r: FileResult) -> str:
    if r.status == "loaded":
        text = f"loaded into raw as {r.entity}: {r.rows:,} rows, {r.size_bytes / 1e6:.2f} MB, {r.seconds:.2f} s"
        if r.method == "copy":
            text += " (parsed by COPY)"
        if r.drift:
            text += f" — new column(s) not in the contract, loaded anyway: {', '.join(r.drift)}"
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


def _ingest_file(conn: psycopg.Connection, path: Path, entity: contracts.Entity | None, digest: str, size: int,
                 seq: str, batch_id: str, quarantine_dir: Path, progress: Callable[[str], None]) -> FileResult:
    """One file in one transaction of `conn` (committed here), its ledger row included."""
    started, t0 = time.time(), time.monotonic()
    result = FileResult(path=path, entity=entity.label if entity else None, status="loaded", size_bytes=size)
    try:
        previous = _already_loaded(conn, digest)
        if previous:
            result.status, result.error = "skipped", f"identical to {previous}, already loaded"
        elif entity is None:
            result.status = "rejected"
            result.error = f"{path.name}: no source contract recognises this file name"
        else:
            try:
                with conn.transaction():
                    result.rows, result.drift, result.method = _copy_rows(
                        conn, entity, path, digest, batch_id, seq, progress)
                    result.seconds = time.monotonic() - t0
                    _record(conn, batch_id, result, digest, started)
                conn.commit()
                return result
            except RejectedFile as exc:
                result.status, result.line, result.error = "rejected", exc.line, str(exc)
            except psycopg.errors.DataError as exc:  # e.g. a NUL byte deep in the file
                result.status, result.error = "rejected", f"{path.name}: invalid data for Postgres: {exc}".strip()
        if result.status == "rejected":
            result.quarantined_to = quarantine(path, quarantine_dir, result.error)
        result.seconds = time.monotonic() - t0
        _record(conn, batch_id, result, digest, started)
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    return result
