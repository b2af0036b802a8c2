"""Google Analytics 4 BigQuery export rows, written to files as newline-delimited JSON.

One event object per line, exactly as `bq extract --destination_format NEWLINE_DELIMITED_JSON`
(or an export to Cloud Storage) writes it: nested fields stay nested (event_params, items,
device…) and INT64 values arrive as JSON strings ("event_timestamp": "1702651559604143").

What lands (see contracts/ga4.yml): a few top-level scalars as text, exactly as delivered, for
convenience and indexing, and `record` (jsonb) = the line itself, untouched; dbt flattens it.

- gzip is detected from the magic bytes, not from the name; UTF-8, a BOM is tolerated;
- blank lines are skipped; `_row_number` is the physical line of the event;
- a line that is not a JSON object, a required key missing or without a value (the keys the
  contract declares `nullable` may be null or absent: exporters leave NULL fields out), a value
  PostgreSQL jsonb cannot hold (NaN, \\u0000), an empty file: the file is rejected with its line,
  the key and the problem;
- top-level keys the export schema does not know (contract option `known_fields`) are schema
  drift: reported, and loaded in the raw table's `_extra` jsonb (nested values as JSON text)
  besides being in `record`. Drift must be known before the first row is written (the columns
  are named first), so the file is read twice: a checking pass (keys, required values; memory bounded by
  one line) then the loading pass.
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from ingestion.contracts import Entity
from ingestion.readers.base import (
    DEPTH_PROBLEM,
    MAX_LINE_CHARS,
    JsonCopySource,
    ParsedFile,
    RejectedFile,
    too_deep,
)

GZIP_MAGIC = b"\x1f\x8b"
RECORD = "record"  # the jsonb column holding the whole delivered object
# A \u0000 escape that is not itself escaped: PostgreSQL jsonb refuses it.
NUL_ESCAPE = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")


def open_json_text(path: Path) -> IO[str]:
    """The file as UTF-8 text, gunzipped if its bytes say gzip; an empty file or UTF-16 (a JSON
    export is UTF-8) is rejected."""
    with open(path, "rb") as fh:
        head = fh.read(4)
    if not head:
        raise RejectedFile(path, None, "empty file (0 bytes)")
    binary: IO[bytes] = gzip.open(path, "rb") if head.startswith(GZIP_MAGIC) else open(path, "rb")  # noqa: SIM115
    try:
        inner = binary.peek(4)[:4] if hasattr(binary, "peek") else b""
    except (OSError, EOFError, zlib.error) as exc:
        binary.close()
        raise RejectedFile(path, None, f"unreadable gzip data: {exc}") from None
    if inner.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        binary.close()
        raise RejectedFile(path, 1, "encoded in UTF-16: a JSON export is expected in UTF-8")
    return io.TextIOWrapper(binary, encoding="utf-8-sig", errors="strict", newline=None)


def json_encoding(path: Path) -> str:
    with open(path, "rb") as fh:
        return "utf-8 (gzip)" if fh.read(2) == GZIP_MAGIC else "utf-8"


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not valid JSON (PostgreSQL jsonb refuses it)")


# json, refusing NaN/Infinity (ValueError) as PostgreSQL does.
DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def as_text(value: object) -> str | None:
    """A JSON value as raw text: strings as delivered, null as NULL, anything else as JSON."""
    if value is None or isinstance(value, str):
        return value
    if type(value) is int:  # not bool; what json.dumps writes, without its overhead
        return str(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _words(entity: Entity, option: str) -> set[str]:
    return set(str(dict(entity.options).get(option) or "").split())


def _required_problem(event: dict, required: tuple[str, ...] | list[str], nullable: set[str]) -> str | None:
    """What is wrong with an event's required keys, in words naming them; None: nothing.

    A key the contract declares `nullable` may be null, "" or absent: `bq extract` and most
    exporters leave NULL fields out of the JSON, so an absent nullable key is a null (a Consent
    Mode cookieless ping has no `user_pseudo_id` key at all). The other required keys must be
    present with a value."""
    absent = [k for k in required if k not in nullable and k not in event]
    empty = [k for k in required if k not in nullable and k in event and event[k] in (None, "")]
    parts = []
    if absent:
        parts.append(f"required key(s) missing: {', '.join(absent)}")
    if empty:
        parts.append(f"required key(s) without a value (null or \"\"): {', '.join(empty)}")
    return "; ".join(parts) or None


def _events(path: Path, entity: Entity) -> Iterator[tuple[int, str, dict]]:
    """(line number, line text, event) for every non-blank line, checked."""
    nullable = _words(entity, "nullable")
    text = open_json_text(path)
    line_no, seen = 0, False
    try:
        while True:
            try:
                raw = text.readline(MAX_LINE_CHARS + 1)
            except UnicodeDecodeError as exc:
                raise RejectedFile(path, line_no + 1, f"invalid UTF-8 bytes: {exc.reason}") from None
            except (OSError, EOFError, zlib.error) as exc:  # corrupt or cut gzip stream
                raise RejectedFile(path, line_no + 1, f"unreadable gzip data: {exc}") from None
            if not raw:
                break
            line_no += 1
            if len(raw) > MAX_LINE_CHARS:
                raise RejectedFile(path, line_no, f"a line longer than {MAX_LINE_CHARS:,} characters "
                                                  "(the most a record may hold)")
            line = raw.strip()
            if not line:
                continue
            cut = "" if raw.endswith("\n") else " (truncated last line?)"
            try:
                event = DECODER.decode(line)
            except json.JSONDecodeError as exc:
                raise RejectedFile(
                    path, line_no, f"not valid JSON: {exc.msg.removesuffix(' at')} at column {exc.colno}{cut}"
                ) from None
            except ValueError as exc:
                raise RejectedFile(path, line_no, str(exc)) from None
            except RecursionError:
                raise RejectedFile(path, line_no, DEPTH_PROBLEM) from None
            if too_deep(event, line):
                raise RejectedFile(path, line_no, DEPTH_PROBLEM)
            if not isinstance(event, dict):
                kind = type(event).__name__.replace("dict", "object").replace("list", "array")
                raise RejectedFile(path, line_no, f"expected one JSON object per line, found {kind}")
            problem = _required_problem(event, entity.required, nullable)
            if problem:
                raise RejectedFile(path, line_no, problem)
            if "\\u0000" in line and NUL_ESCAPE.search(line):
                raise RejectedFile(path, line_no, "\\u0000 (NUL) in a value: PostgreSQL jsonb refuses it")
            seen = True
            yield line_no, line, event
    finally:
        text.close()
    if not seen:
        raise RejectedFile(path, None, "empty file: no event (only blank lines)")


def read_json_lines(path: Path, entity: Entity) -> ParsedFile:
    """Any contract of one JSON object per line: its non-record columns are top-level keys."""
    known = set(entity.columns) | _words(entity, "known_fields")
    drift: list[str] = []
    for _line, _text, event in _events(path, entity):  # checking pass: rejects before loading
        drift.extend(k for k in event if k not in known and k not in drift)
    columns = [*entity.columns, *drift]
    scalars = [c for c in columns if c != RECORD]

    def rows() -> Iterator[tuple[int, list[str | None]]]:
        for line, text, event in _events(path, entity):
            values = {c: as_text(event.get(c)) for c in scalars}
            values[RECORD] = text
            yield line, [values[c] for c in columns]

    return ParsedFile(columns=columns, rows=rows(), encoding=json_encoding(path), drift=drift)


def read_ga4_ndjson(path: Path, entity: Entity) -> ParsedFile:
    return read_json_lines(path, entity)


def json_head(path: Path, size: int = 4) -> tuple[bool, bytes] | None:
    """(gzip?, the first `size` bytes of the content, gunzipped); None if unreadable or empty."""
    with open(path, "rb") as fh:
        head = fh.read(size)
    if not head:
        return None
    gz = head.startswith(GZIP_MAGIC)
    if gz:
        try:
            with gzip.open(path, "rb") as inner:
                head = inner.read(size)
        except (OSError, EOFError, zlib.error):
            return None
    return gz, head


def copy_plan(path: Path, entity: Entity) -> JsonCopySource | None:
    """How PostgreSQL can load the file itself (landing.py); None: the row path only."""
    head = json_head(path)
    if head is None or RECORD not in entity.columns:
        return None
    gz, first = head
    if first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None  # rejected by the row path, with its message
    return JsonCopySource(
        path=path, gzip=gz, offset=3 if first.startswith(codecs.BOM_UTF8) else 0,
        scalars=tuple((c, c) for c in entity.columns if c != RECORD),
        required=tuple(entity.required), nullable=tuple(sorted(_words(entity, "nullable"))),
        known=tuple(sorted(set(entity.columns) | _words(entity, "known_fields"))),
    )
