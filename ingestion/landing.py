"""Land one file's rows in its raw table, inside the caller's transaction.

Every raw row keeps its delivery: `_source_file`, `_file_hash`, `_row_number` (the physical line
in the file), `_batch_id`, `_loaded_at`. How a file is loaded (fastest first; every fast path
runs in a savepoint and, on any doubt, rolls back and gives way to the next, so the rows that
land, and every rejection message, are those of the row path):
- plain delimited files: their bytes straight into COPY … FORMAT csv (`_copy_file`), the
  metadata from per-file column defaults, line numbers from a sequence;
- GA4 NDJSON: the lines into COPY, checked, typed and split server-side (`_copy_json`);
- anything else, and the files a fast path refused: the reader's rows, one `write_row` each.

Columns a file brings beyond its contract (drift) land in one `_extra` jsonb column (column name →
value as delivered), never as new table columns: a wide delivery cannot widen the raw table for
good. Such files take the row path. The bounds of a delivery (readers/base.py, docs/formats.md)
are the same on every path: a fast path gives way to the row path whenever a line is longer than
a value may be, and the row path says which line crossed which bound.
"""

from __future__ import annotations

import gzip
import json
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import psycopg
from psycopg import sql

from ingestion import contracts
from ingestion.ledger import RAW, record_columns, record_file_dates
from ingestion.readers import JsonCopySource, copy_plan_for, reader_for
from ingestion.readers.base import MAX_FILE_BYTES, MAX_JSON_DEPTH, MAX_LINE_CHARS

META_COLUMNS = ("_source_file", "_file_hash", "_row_number", "_batch_id", "_loaded_at")
EXTRA = "_extra"  # jsonb: the columns a file brings beyond its contract, name → value as delivered
DELIMITED_READERS = {"secutix_csv", "delimited", "matomo_csv"}
__all__ = ["EXTRA", "MAX_FILE_BYTES", "META_COLUMNS", "PG_ENCODINGS", "copy_rows", "ensure_raw_table"]


def ensure_raw_table(conn: psycopg.Connection, entity: contracts.Entity) -> None:
    """The raw table of an entity: every contract column as text, `_extra` for drift."""
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
    present = {row[0] for row in conn.execute(
        "select attname from pg_attribute where attrelid = %s::regclass and attnum > 0 and not attisdropped",
        (f"{RAW}.{entity.table}",))}
    # A table made by an earlier version: the columns its contract gained since (and `_extra`, for
    # a table made before drift went there) are added once; nothing is locked when none is missing.
    missing = [sql.SQL("add column {} {}").format(sql.Identifier(c), sql.SQL(entity.type_of(c)))
               for c in entity.columns if c not in present]
    if EXTRA not in present:
        missing.append(sql.SQL("add column {} jsonb").format(sql.Identifier(EXTRA)))
    if missing:
        conn.execute(sql.SQL("alter table {} {}").format(table, sql.SQL(", ").join(missing)))


def copy_rows(conn: psycopg.Connection, entity: contracts.Entity, path: Path, digest: str,
               batch_id: str, seq: str, progress: Callable[[str], None]) -> tuple[int, list[str], str, list[str]]:
    """Load one file; return (rows, drift columns, method: copy | rows, warnings). The columns the
    file delivered are recorded beside the ledger (`raw.load_columns`), for staging's per-field
    latest version, and the report period it states of itself (`raw.load_file_dates`), for the
    order of versions."""
    warnings = _cut_short(path) if entity.reader in DELIMITED_READERS else []
    rows, drift, method, columns, period = _land(conn, entity, path, digest, batch_id, seq, progress, warnings)
    if columns is not None:
        record_columns(conn, batch_id, digest, columns)
    if period is not None:
        record_file_dates(conn, batch_id, digest, *period)
    return rows, drift, method, warnings


def _land(conn: psycopg.Connection, entity: contracts.Entity, path: Path, digest: str, batch_id: str, seq: str,
          progress: Callable[[str], None], warnings: list[str]):
    """Land one file: (rows, drift, method, columns delivered, report period); `warnings` receives the reader's own (ParsedFile.warnings) once its rows are loaded."""
    plan_of = copy_plan_for(entity.reader)
    plan = plan_of(path, entity) if plan_of else None
    if plan is not None:  # JSON PostgreSQL parses and checks itself; the reader is not run
        ensure_raw_table(conn, entity)
        try:
            with conn.transaction():
                return _copy_json(conn, entity, plan, digest, batch_id, seq, progress), [], "copy", None, None
        except (psycopg.Error, _NotPlain) as exc:
            if not _refused(exc):
                raise
            # the row path below loads it, or says precisely what is wrong
    parsed = reader_for(entity.reader)(path, entity)
    ensure_raw_table(conn, entity)
    if parsed.copy_source is not None and not parsed.drift:
        parsed.rows.close()  # PostgreSQL reads the file itself
        try:
            with conn.transaction():  # a savepoint: a refused fast load leaves nothing behind
                rows = _copy_file(conn, entity, parsed, digest, batch_id, seq, progress)
                return rows, parsed.drift, "copy", _delivered(entity, parsed), parsed.period
        except (psycopg.Error, _NotPlain) as exc:
            if not _refused(exc):
                raise
            # Not a plain file (blank lines, line breaks inside quoted values, a bad line…):
            # the row path below loads it with exact line numbers, or says precisely what is wrong.
            parsed = reader_for(entity.reader)(path, entity)
    known = [i for i, c in enumerate(parsed.columns) if c in entity.columns]
    extras = [(i, c) for i, c in enumerate(parsed.columns) if c not in entity.columns]
    names = [parsed.columns[i] for i in known] + ([EXTRA] if extras else [])
    target = sql.SQL("copy {} ({}) from stdin").format(
        sql.Identifier(RAW, entity.table),
        sql.SQL(", ").join(sql.Identifier(c) for c in [*names, *META_COLUMNS[:4]]),
    )
    meta = [path.name, digest, 0, batch_id]
    rows, next_report = 0, time.monotonic() + 5
    with conn.cursor() as cur, cur.copy(target) as copy:
        for line, values in parsed.rows:
            meta[2] = line
            if extras:
                given = {c: values[i] for i, c in extras if values[i] is not None}
                values = [values[i] for i in known] + [json.dumps(given, ensure_ascii=False) if given else None]
            copy.write_row(values + meta)
            rows += 1
            if rows % 10_000 == 0 and time.monotonic() > next_report:
                progress(f"    … {path.name}: {rows:,} rows")
                next_report = time.monotonic() + 5
    warnings.extend(parsed.warnings)
    return rows, parsed.drift, "rows", _delivered(entity, parsed), parsed.period


def _delivered(entity: contracts.Entity, parsed) -> list[str] | None:
    """The raw columns a file delivered; None for JSON records (a key may be absent from one record)."""
    return None if "json" in entity.reader else list(parsed.columns)


def _cut_short(path: Path) -> list[str]:
    """A text export whose last line has no line break may have been cut in transfer, inside its
    last value (`15/09/2024 20:5`): loaded, with a warning naming that line."""
    with open(path, "rb") as fh:
        head = fh.read(2)
        fh.seek(0, 2)
        size = fh.tell()
        if size < 2:
            return []
        fh.seek(size - 2)
        tail = fh.read(2)
        if head in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16
            if tail in (b"\n\x00", b"\x00\n"):
                return []
            where = "the last line"
        else:
            if tail.endswith(b"\n"):
                return []
            fh.seek(0)
            lines = 1
            while chunk := fh.read(1 << 20):
                lines += chunk.count(b"\n")
            where = f"line {lines:,}, the last one,"
    return [f"{where} has no line break at its end: the file may have been cut short (check its last value)"]


PG_ENCODINGS = {"cp1252": "WIN1252", "utf-8": "UTF8", "utf-8-sig": "UTF8", "latin-1": "LATIN1"}


class _NotPlain(Exception):
    """The file's physical lines are not one record each: its line numbers need the row path."""


def _stream_lines(cur: psycopg.Cursor, statement, fh, name: str, progress: Callable[[str], None],
                  refuse: tuple[bytes, ...] = (), inspect: Callable[[bytes], None] | None = None) -> int:
    """Send a file's bytes into a COPY in 1 MB chunks (progress every 5 s); return the records
    COPY made, which must be one per physical line (a last line without its newline counts):
    otherwise, or when a chunk holds a byte of `refuse`, `_NotPlain`."""
    sent, lines, last, next_report = 0, 0, b"\n", time.monotonic() + 5
    run = 0  # bytes since the last line break: a line longer than a value may be takes the row path
    with cur.copy(statement) as copy:
        while chunk := fh.read(CHUNK):
            if any(byte in chunk for byte in refuse):
                raise _NotPlain(f"byte(s) {refuse!r} found: not this format")
            first = chunk.find(b"\n")
            if first < 0:
                run += len(chunk)
            else:  # lines wholly inside a chunk are shorter than CHUNK <= MAX_LINE_CHARS
                run, longest = len(chunk) - chunk.rfind(b"\n") - 1, run + first
                if longest > MAX_LINE_CHARS:
                    raise _NotPlain("a line longer than a value may be")
            if run > MAX_LINE_CHARS:
                raise _NotPlain("a line longer than a value may be")
            if inspect is not None:
                inspect(chunk)
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


CHUNK = 1 << 20
assert CHUNK <= MAX_LINE_CHARS  # the long-line check above relies on it

def _refused(exc: Exception) -> bool:
    """What makes a fast load give way to the row path (after a rollback to its savepoint): a
    doubt of ours, or PostgreSQL refusing the content — a value (SQLSTATE class 22) or a limit
    (54: a line too long, nesting too deep for its stack); not a fault of the server itself."""
    return isinstance(exc, _NotPlain) or (isinstance(exc, psycopg.Error) and (exc.sqlstate or "")[:2] in ("22", "54"))


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
    otherwise: not an object, a required key absent, null or "" (a nullable one may be), a
    scalar column holding an object, an array or a number Python would rewrite (1.50, 1E2), a
    top-level key the contract does not know (drift: the row path adds its column). Any such
    row, a line count that differs from the rows COPY made, invalid JSON or UTF-8, a value jsonb
    refuses (\\u0000…), a file without any record: `_NotPlain` or a DataError, and the caller
    rolls back to its savepoint and takes the row path (same rows, or the same rejection).
    The checks a file cannot fail are left out of its INSERT (`_json_insert`): nesting when no
    line has more brackets than a record may nest, the numbers' text when no scalar is a number."""
    conn.execute(sql.SQL("create temp table publics_json (doc text, line integer default nextval({})) on commit drop"
                         ).format(sql.Literal(f"{RAW}.{seq}")))
    conn.execute("select setval(%s, 1, false)", (f"{RAW}.{seq}",))
    brackets = _Brackets()
    with conn.cursor() as cur:
        try:
            with gzip.open(plan.path, "rb") if plan.gzip else open(plan.path, "rb") as fh:
                fh.read(plan.offset)  # a UTF-8 BOM
                _stream_lines(cur, JSON_COPY, fh, plan.path.name, progress, refuse=(b"\x01", b"\x02"),
                              inspect=brackets)
        except (OSError, EOFError, zlib.error) as exc:  # a corrupt or cut gzip stream
            raise _NotPlain(f"unreadable: {exc}") from None
    # Most files have no number in a scalar column (bq extract writes INT64 as strings) and no line
    # with more brackets than a record may nest: their INSERT takes the scalars from the jsonb and
    # skips both checks. A file with a number there is inserted again (after a rollback to the
    # savepoint below) the exact way: the number as written in the line.
    try:
        with conn.transaction():
            rows, doubtful, numbers = conn.execute(_json_insert(entity, plan, digest, batch_id, False,
                                                                brackets.most > MAX_JSON_DEPTH)).fetchone()
            if numbers and not doubtful:
                raise _Numbers
    except _Numbers:
        rows, doubtful, numbers = conn.execute(_json_insert(entity, plan, digest, batch_id, True,
                                                            brackets.most > MAX_JSON_DEPTH)).fetchone()
    if doubtful or not rows:
        raise _NotPlain(f"{doubtful} of {rows} records need the row path")
    return rows


class _Numbers(Exception):
    """A scalar column holds a JSON number: the file's INSERT takes it from the line's text."""


class _Brackets:
    """The most `[` and `{` one line of the streamed chunks holds: a line with no more than
    MAX_JSON_DEPTH cannot nest deeper (the row path's `too_deep` counts the same way)."""

    def __init__(self):
        self.run, self.max = 0, 0

    def __call__(self, chunk: bytes) -> None:
        parts = chunk.split(b"\n")
        for k, part in enumerate(parts):
            count = part.count(b"[") + part.count(b"{") + (self.run if k == 0 else 0)
            if k + 1 < len(parts):
                self.max = max(self.max, count)
            else:
                self.run = count

    @property
    def most(self) -> int:
        return max(self.max, self.run)


def _json_insert(entity: contracts.Entity, plan: JsonCopySource, digest: str, batch_id: str,
                 numbers: bool, deep: bool) -> sql.Composed:
    """The INSERT … SELECT of `_copy_json`, returning (rows, doubtful rows, rows with a number in a
    scalar column). `numbers`: a number in a scalar column is taken as written in the line (else
    from the jsonb: only right when there is none, which the third count tells); `deep`: some line
    has more brackets than a record may nest, the nesting is checked."""
    table = sql.Identifier(RAW, entity.table)

    keys = list(dict.fromkeys(key for _column, key in plan.scalars))
    fields = sql.SQL(", ").join(sql.SQL("{} json").format(sql.Identifier(k)) for k in keys)
    # A scalar from the jsonb (decoded string, true/false, NULL), but a number as written in the
    # line (jsonb would print 1E2 as 100): json_to_record parses the text again, only for the
    # rows that have a number in one of those columns.
    number = sql.SQL(" or ").join(
        sql.SQL("jsonb_typeof(s.j -> {}) = 'number'").format(sql.Literal(k)) for k in keys) if keys else sql.SQL("false")
    # offset 0: the subquery is not flattened, each line is cast to jsonb once, not per use
    source = sql.SQL(
        "(select e.doc, e.line, e.doc::jsonb as j from pg_temp.publics_json e where e.doc is not null offset 0) s")
    if numbers:
        values = sql.SQL(", ").join(
            sql.SQL("case when jsonb_typeof(s.j -> {k}) = 'number' then x.{i} #>> '{{}}' else s.j ->> {k} end").format(
                k=sql.Literal(k), i=sql.Identifier(k)) for _c, k in plan.scalars)
        source = sql.SQL("{} cross join lateral json_to_record(case when {} then s.doc::json else '{{}}' end) as x({})"
                         ).format(source, number, fields)
    else:
        values = sql.SQL(", ").join(sql.SQL("s.j ->> {}").format(sql.Literal(k)) for _c, k in plan.scalars)
    with_number = sql.SQL(" or ").join(
        sql.SQL("jsonb_typeof(record -> {}) = 'number'").format(sql.Literal(k)) for k in keys) if keys else sql.SQL("false")
    doubts = [sql.SQL("jsonb_typeof(record) <> 'object'")]
    for key in plan.required:
        if key not in plan.nullable:  # a nullable key may be null or absent (exporters leave NULLs out)
            doubts.append(sql.SQL("coalesce(record -> {k}, 'null') in ('null', '\"\"')").format(k=sql.Literal(key)))
    for column, key in plan.scalars:
        doubts.append(sql.SQL(
            "jsonb_typeof(record -> {k}) in ('object', 'array') "
            "or (jsonb_typeof(record -> {k}) = 'number' and {c} !~ {integer})"
        ).format(k=sql.Literal(key), c=sql.Identifier(column), integer=sql.Literal(PLAIN_INTEGER)))
    # Nesting deeper than a record may be: the row path rejects it (PostgreSQL itself would take
    # thousands of levels, Python's parser fewer: the bound is ours, the same on both paths).
    if deep:
        doubts.append(sql.SQL("jsonb_path_exists(record, {})").format(
            sql.Literal(f"strict $.**{{{MAX_JSON_DEPTH + 1}}}")))
    if plan.known is not None:  # a key left once the known ones are removed
        doubts.append(sql.SQL("jsonb_typeof(record) = 'object' and (record - {known}::text[]) <> '{{}}'::jsonb"
                              ).format(known=sql.Literal(list(plan.known))))
    columns = [c for c, _k in plan.scalars]
    query = sql.SQL(
        "with landed as (insert into {table} ({columns}, record, _source_file, _file_hash, _row_number, _batch_id) "
        "select {values}, s.j, {file}, {hash}, s.line, {batch} from {source} "
        "returning coalesce(({doubt}), false) as doubt, coalesce({with_number}, false) as with_number) "
        "select count(*), count(*) filter (where doubt), count(*) filter (where with_number) from landed"
    ).format(
        table=table, columns=sql.SQL(", ").join(map(sql.Identifier, columns)), values=values,
        file=sql.Literal(plan.path.name), hash=sql.Literal(digest), batch=sql.Literal(batch_id),
        source=source, doubt=sql.SQL(") or (").join(doubts), with_number=with_number,
    )
    return query
