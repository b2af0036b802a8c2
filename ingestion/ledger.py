"""The load ledger, `raw.load_ledger`: every file an ingestion saw, its content hash, what became
of it (loaded, skipped as an identical re-delivery, rejected with its line and reason), its rows
and how it was loaded. A file whose content was already loaded is skipped on that record."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import psycopg

RAW = "raw"
LEDGER = "load_ledger"
# The columns each loaded file delivered (a column absent from a file is "not delivered", which
# its NULLs in the raw table, the union of every file's columns, cannot tell from an empty value).
COLUMNS = "load_columns"
# Line numbers of the rows PostgreSQL parses itself: one sequence per loading connection.
# What each loaded file says of itself (its report period, read above its header: readers/periods.py),
# by batch and file hash: staging orders the versions of reports without a record timestamp by it.
FILE_DATES = "load_file_dates"
ROW_SEQUENCES = ("load_row_seq", "load_row_seq_2")


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
    folder_source: str | None = None  # the source its folder names, when no entity took the file
    warnings: list[str] = field(default_factory=list)  # loaded, but worth a look (a file cut short?)

    @property
    def source(self) -> str:
        if self.entity:
            return self.entity.split("/")[0]
        return self.folder_source or "(unknown)"


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
        alter table {RAW}.{LEDGER} add column if not exists warnings text[];
        create index if not exists load_ledger_hash_idx on {RAW}.{LEDGER} (file_hash, status);
        create table if not exists {RAW}.{COLUMNS} (
            batch_id          uuid not null,
            file_hash         text not null,
            columns_delivered text[] not null,
            primary key (batch_id, file_hash)
        );
        create table if not exists {RAW}.{FILE_DATES} (
            batch_id      uuid not null,
            file_hash     text not null,
            report_start  date not null,
            report_end    date not null,
            primary key (batch_id, file_hash)
        );
        """
    )
    for seq in ROW_SEQUENCES:
        # Line numbers of rows COPY parses itself (restarted per file; one ingestion at a time,
        # one sequence per loading connection). Cached: a backend hands out its cached values
        # in order, a tenth of the cost per row.
        conn.execute(f"create sequence if not exists {RAW}.{seq} cache 10000; alter sequence {RAW}.{seq} cache 10000")


def already_loaded(conn: psycopg.Connection, digest: str) -> str | None:
    row = conn.execute(
        f"select file_name from {RAW}.{LEDGER} where file_hash = %s and status = 'loaded' limit 1", (digest,)
    ).fetchone()
    return row[0] if row else None


def record(conn: psycopg.Connection, batch_id: str, result: FileResult, digest: str, started: float) -> None:
    conn.execute(
        f"""insert into {RAW}.{LEDGER} (batch_id, source, entity, file_name, file_path, file_hash, size_bytes,
                status, rows_loaded, error_line, error, drift_columns, quarantined_to, started_at, load_method,
                warnings)
            values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, to_timestamp(%s), %s, %s)""",
        (
            batch_id, result.source if result.entity or result.folder_source else None, result.entity and result.entity.split("/")[1],
            result.path.name, str(result.path), digest, result.size_bytes, result.status, result.rows,
            result.line, result.error, result.drift or None,
            str(result.quarantined_to) if result.quarantined_to else None, started, result.method,
            result.warnings or None,
        ),
    )


def record_columns(conn: psycopg.Connection, batch_id: str, digest: str, columns: list[str]) -> None:
    """The raw columns a file delivered (its header, as mapped to the raw table), in the
    transaction that lands its rows. Files without a header of their own (NDJSON: a key may be
    absent from one record only) record nothing: all their columns count as delivered."""
    conn.execute(
        f"insert into {RAW}.{COLUMNS} (batch_id, file_hash, columns_delivered) values (%s, %s, %s) "
        "on conflict (batch_id, file_hash) do update set columns_delivered = excluded.columns_delivered",
        (batch_id, digest, list(columns)),
    )


def record_file_dates(conn: psycopg.Connection, batch_id: str, digest: str, start: date, end: date) -> None:
    """The report period a file states of itself (e.g. a Google Ads UI download's date-range
    line), in the transaction that lands its rows: staging orders versions by its end."""
    conn.execute(
        f"insert into {RAW}.{FILE_DATES} (batch_id, file_hash, report_start, report_end) values (%s, %s, %s, %s) "
        "on conflict (batch_id, file_hash) do update set report_start = excluded.report_start, "
        "report_end = excluded.report_end",
        (batch_id, digest, start, end),
    )
