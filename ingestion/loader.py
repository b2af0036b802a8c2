"""Land delivered files in the `raw` schema as delivered, through COPY, one transaction per file.

Every raw row keeps its delivery: `_source_file`, `_file_hash`, `_row_number` (the physical line
in the file), `_batch_id`, `_loaded_at`. The `raw.load_ledger` table records every file seen.
Rules:
- a file whose content (sha256) was already loaded is skipped as an identical re-delivery;
- a file is loaded in one transaction: a failure or a kill mid-file leaves no partial rows;
- a rejected file is copied to the quarantine folder with its reason; the other files still load;
- one ingestion at a time per database (a Postgres advisory lock), a second one is refused.
"""

from __future__ import annotations

import hashlib
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

from ingestion import contracts
from ingestion.db import ConnInfo, connect
from ingestion.readers import RejectedFile, reader_for

RAW = "raw"
LEDGER = "load_ledger"
LOCK_KEY = 0x7075626C6963  # "public" — one ingestion per database at a time
META_COLUMNS = ("_source_file", "_file_hash", "_row_number", "_batch_id", "_loaded_at")


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
        -- Line numbers of rows COPY parses itself (restarted per file; one ingestion at a time).
        -- Cached: a backend hands out its cached values in order, a tenth of the cost per row.
        create sequence if not exists {RAW}.load_row_seq cache 10000;
        alter sequence {RAW}.load_row_seq cache 10000;
        """
    )


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
               batch_id: str, progress: Callable[[str], None]) -> tuple[int, list[str], str]:
    """Load one file; return (rows, drift columns, method: copy | rows)."""
    parsed = reader_for(entity.reader)(path, entity)
    ensure_raw_table(conn, entity, parsed.drift)
    if parsed.copy_source is not None:
        parsed.rows.close()  # PostgreSQL reads the file itself
        try:
            with conn.transaction():  # a savepoint: a refused fast load leaves nothing behind
                return _copy_file(conn, entity, parsed, digest, batch_id, progress), parsed.drift, "copy"
        except (psycopg.errors.DataError, _NotPlain):
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


def _copy_file(conn: psycopg.Connection, entity: contracts.Entity, parsed, digest: str, batch_id: str,
               progress: Callable[[str], None]) -> int:
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
    conn.execute("select setval(%s, %s, false)", (f"{RAW}.load_row_seq", src.first_line))
    conn.execute(sql.SQL(
        "alter table {t} alter column _source_file set default {file}, alter column _file_hash set default {hash}, "
        "alter column _batch_id set default {batch}, alter column _row_number set default nextval({seq})"
    ).format(t=table, file=sql.Literal(src.path.name), hash=sql.Literal(digest),
             batch=sql.Literal(batch_id), seq=sql.Literal(f"{RAW}.load_row_seq")))
    columns = sql.SQL(", ").join(sql.Identifier(c) for c in parsed.columns)
    target = sql.SQL(
        "copy {} ({}) from stdin with (format csv, delimiter {}, quote '\"', encoding {}, force_null ({}))"
    ).format(
        sql.Identifier(RAW, entity.table), columns, sql.Literal(src.delimiter),
        sql.Literal(PG_ENCODINGS[src.encoding]), columns,
    )
    sent, lines, last, next_report = 0, 0, b"\n", time.monotonic() + 5
    with conn.cursor() as cur:
        with cur.copy(target) as copy, open(src.path, "rb") as fh:
            fh.seek(src.offset)
            while chunk := fh.read(1 << 20):
                copy.write(chunk)
                sent += len(chunk)
                lines += chunk.count(b"\n")
                last = chunk[-1:]
                if time.monotonic() > next_report:
                    progress(f"    … {src.path.name}: {sent / 1e6:,.0f} MB")
                    next_report = time.monotonic() + 5
        if last != b"\n":
            lines += 1  # a last line without its newline
        if cur.rowcount != lines:
            raise _NotPlain(f"{lines} lines, {cur.rowcount} records")
        rows = cur.rowcount
    conn.execute(sql.SQL(
        "alter table {} alter column _source_file drop default, alter column _file_hash drop default, "
        "alter column _batch_id drop default, alter column _row_number drop default").format(table))
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
           progress: Callable[[str], None] = print) -> IngestReport:
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"no such folder: {folder}")
    batch_id = str(uuid.uuid4())
    t0 = time.monotonic()
    results: list[FileResult] = []
    with connect(info, autocommit=True) as lock_conn:
        if not lock_conn.execute("select pg_try_advisory_lock(%s)", (LOCK_KEY,)).fetchone()[0]:
            raise IngestionBusy("another ingestion is running on this database; try again when it ends")
        try:
            prepare(info)
            files = discover(folder)
            for index, path in enumerate(files, 1):
                progress(f"  [{index}/{len(files)}] {path.relative_to(folder)}")
                result = _ingest_file(path, info, batch_id, quarantine_dir, progress)
                results.append(result)
                progress(f"      {_describe(result)}")
        finally:
            lock_conn.execute("select pg_advisory_unlock(%s)", (LOCK_KEY,))
    return IngestReport(batch_id, folder, results, time.monotonic() - t0)


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


def _ingest_file(path: Path, info: ConnInfo, batch_id: str, quarantine_dir: Path,
                 progress: Callable[[str], None]) -> FileResult:
    started, t0 = time.time(), time.monotonic()
    digest, size = file_hash(path)
    entity = contracts.entity_for(path)
    result = FileResult(path=path, entity=entity.label if entity else None, status="loaded", size_bytes=size)
    with connect(info) as conn:
        previous = _already_loaded(conn, digest)
        if previous:
            result.status, result.error = "skipped", f"identical to {previous}, already loaded"
        elif entity is None:
            result.status = "rejected"
            result.error = f"{path.name}: no source contract recognises this file name"
        else:
            try:
                with conn.transaction():
                    result.rows, result.drift, result.method = _copy_rows(conn, entity, path, digest, batch_id, progress)
                    result.seconds = time.monotonic() - t0
                    _record(conn, batch_id, result, digest, started)
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
    return result
