"""Matomo `Live.getLastVisitsDetails` outputs: the JSON API answer, and Matomo's CSV export.

JSON (`format=JSON`): an array of visit objects, each with its nested `actionDetails`. It is
parsed element by element (`json.JSONDecoder.raw_decode` over a buffered text stream), so memory
stays bounded by one visit however long the file. One visit object per line (NDJSON), or
objects simply following one another, are accepted too. What lands (contracts/matomo.yml): a
few visit fields as text, exactly as delivered, and `record` (jsonb) = the visit's JSON text
as delivered. `_row_number` is the visit's position in the file (1 = first visit).
Rejected with the record number and line: Matomo's error payload (`{"result": "error",
"message": …}`, quoted), a file that is not JSON (an XML export saved as .json…), a truncated
array, a visit without idSite/idVisit, a value PostgreSQL jsonb refuses (NaN, \\u0000).

CSV (`format=CSV`): UTF-16LE with a BOM (UTF-8 accepted too), comma-separated, nested fields
flattened into columns (`actionDetails_0_type`, `pluginsIcons_1_pluginName`…). Their number
grows with the longest visit (tens of fields per action), past PostgreSQL's 1,600 columns per
table, so the row lands as `record` (jsonb: header name → cell, empty cells left out) plus the
contract's columns taken from the header; header names are snake_cased (`idSite` → `id_site`).
TSV (`format=TSV`, Matomo's `Tsv` renderer: the CSV renderer with a tab separator, same UTF-16
and same `.csv` download name): a header line with more tabs than commas is tab-separated.

No COPY fast path here (unlike GA4's NDJSON): letting PostgreSQL split the array and extract
the columns measured slower than this reader, whose parsing runs on the client's core while
the server casts and stores the previous visits.
"""

from __future__ import annotations

import codecs
import csv
import json
import re
import zlib
from collections.abc import Iterator
from itertools import chain
from pathlib import Path
from typing import IO

from ingestion.contracts import Entity
from ingestion.readers.base import (
    DEPTH_PROBLEM,
    MAX_LINE_CHARS,
    ParsedFile,
    RejectedFile,
    bounded_lines,
    normalise_header,
    too_deep,
)
from ingestion.readers.ndjson import (
    DECODER,
    NUL_ESCAPE,
    RECORD,
    as_text,
    json_encoding,
    open_json_text,
)

CHUNK = 1 << 16
MAX_RECORD_CHARS = MAX_LINE_CHARS  # one visit larger than this is not a Matomo visit
WHITESPACE = re.compile(r"[ \t\r\n]*")
UPPER_AFTER_LOWER = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def snake_case(name: str) -> str:
    """Matomo's camelCase field → column name: `idSite` → `id_site`, `actionDetails_0_type` →
    `action_details_0_type`."""
    return normalise_header(UPPER_AFTER_LOWER.sub("_", name.strip().lstrip("\ufeff")))


def matomo_key(column: str) -> str:
    """Column name → Matomo's field: `id_site` → `idSite`, `last_action_date_time` → …DateTime."""
    first, *rest = column.split("_")
    return first + "".join(part.capitalize() for part in rest)


def _kind(value: object) -> str:
    return {dict: "an object", list: "an array", str: "a string"}.get(type(value), repr(value))


class _JsonStream:
    """A text stream read in chunks, parsed one JSON value at a time, lines counted."""

    def __init__(self, path: Path, text: IO[str]):
        self.path, self.text = path, text
        self.buf, self.pos, self.eof = "", 0, False
        self.line, self.counted = 1, 0  # line number at buffer position `counted`

    def fill(self, size: int | None = None) -> bool:
        if self.pos > CHUNK:  # drop what was consumed
            self.line_at(self.pos, advance=True)
            self.buf, self.counted, self.pos = self.buf[self.pos:], 0, 0
        try:
            chunk = self.text.read(size or CHUNK)
        except UnicodeDecodeError as exc:
            where = self.line_at(len(self.buf))
            raise RejectedFile(self.path, where, f"invalid UTF-8 bytes at or after this line: {exc.reason}") from None
        except (OSError, EOFError, zlib.error) as exc:
            raise RejectedFile(self.path, None, f"unreadable gzip data: {exc}") from None
        self.buf += chunk
        self.eof = not chunk
        return bool(chunk)

    def line_at(self, index: int, advance: bool = False) -> int:
        line = self.line + self.buf.count("\n", self.counted, index)
        if advance:
            self.line, self.counted = line, index
        return line

    def peek(self) -> str:
        """The next non-blank character ('' at the end of the file)."""
        while True:
            self.pos = WHITESPACE.match(self.buf, self.pos).end()
            if self.pos < len(self.buf) or self.eof or not self.fill():
                return self.buf[self.pos:self.pos + 1]

    def decode(self, record: int) -> tuple[object, str, int]:
        """The next JSON value, its text as delivered and the line where it starts."""
        size = CHUNK
        while True:
            start = self.pos
            line = self.line_at(start, advance=True)
            try:
                value, end = DECODER.raw_decode(self.buf, start)
            except json.JSONDecodeError as exc:
                near_end = exc.pos + 32 >= len(self.buf) or exc.msg.startswith("Unterminated string")
                if not self.eof and near_end and len(self.buf) - start < MAX_RECORD_CHARS:
                    self.fill(size)  # the value may simply continue in the next chunk
                    size = min(size * 2, 1 << 24)
                    continue
                if not self.eof and near_end:
                    raise RejectedFile(self.path, line, f"record {record}: longer than {MAX_RECORD_CHARS:,} "
                                                        "characters (the most a record may hold)") from None
                hint = " (truncated file?)" if self.eof and near_end else ""
                column = exc.pos - self.buf.rfind("\n", 0, exc.pos)
                raise RejectedFile(
                    self.path, self.line_at(exc.pos),
                    f"record {record}: not valid JSON: {exc.msg.removesuffix(' at')} at column {column}{hint}",
                ) from None
            except ValueError as exc:
                raise RejectedFile(self.path, line, f"record {record}: {exc}") from None
            except RecursionError:
                raise RejectedFile(self.path, line, f"record {record}: {DEPTH_PROBLEM}") from None
            if end - start > MAX_RECORD_CHARS:
                raise RejectedFile(self.path, line, f"record {record}: longer than {MAX_RECORD_CHARS:,} "
                                                    "characters (the most a record may hold)")
            if end == len(self.buf) and not self.eof and not isinstance(value, dict | list | str):
                self.fill(size)  # a number or literal cut by the chunk boundary
                continue
            self.pos = end
            return value, self.buf[start:end], line


def _visits(path: Path, stream: _JsonStream) -> Iterator[tuple[int, int, object, str]]:
    """(record number, line, value, text) of each top-level value or array element."""
    first = stream.peek()
    if first == "":
        raise RejectedFile(path, None, "empty file: no JSON (only blanks)")
    if first not in "[{":
        what = "XML, not JSON (export with format=JSON)" if first == "<" else "not JSON"
        raise RejectedFile(path, stream.line_at(stream.pos), f"{what}: expected an array of visits")
    record = 0
    if first == "{":  # one visit per line (NDJSON), or Matomo's error payload
        while stream.peek():
            record += 1
            yield record, *_with_line(stream.decode(record))
        return
    stream.pos += 1  # the opening '['
    sep = "]" if stream.peek() == "]" else ","
    if sep == "]":
        stream.pos += 1
    while sep == "," and stream.peek():
        record += 1
        yield record, *_with_line(stream.decode(record))
        sep = stream.peek()
        if sep and sep not in ",]":
            raise RejectedFile(
                path, stream.line_at(stream.pos),
                f"after record {record}: expected ',' or ']', found {sep!r}",
            )
        stream.pos += len(sep)
    if sep != "]":
        raise RejectedFile(
            path, stream.line_at(stream.pos),
            f"truncated file: the array of visits is not closed after record {record}",
        )
    if stream.peek():
        raise RejectedFile(path, stream.line_at(stream.pos), "data after the end of the array")


def _with_line(decoded: tuple[object, str, int]) -> tuple[int, object, str]:
    value, text, line = decoded
    return line, value, text


def read_matomo_json(path: Path, entity: Entity) -> ParsedFile:
    columns = list(entity.columns)
    keys = {c: matomo_key(c) for c in columns if c != RECORD}
    fields = [keys.get(c) for c in columns]  # None: the record itself
    stream = _JsonStream(path, open_json_text(path))

    def rows() -> Iterator[tuple[int, list[str | None]]]:
        try:
            for record, line, visit, text in _visits(path, stream):
                if isinstance(visit, dict) and visit.get("result") == "error":
                    message = visit.get("message")
                    raise RejectedFile(path, line, f"Matomo answered an error: {message!r}")
                problem = None
                if not isinstance(visit, dict):
                    problem = f"expected a visit object, found {_kind(visit)}"
                elif missing := [keys[c] for c in entity.required if visit.get(keys[c]) in (None, "")]:
                    problem = f"missing required field(s) {', '.join(missing)}"
                elif too_deep(visit, text):
                    problem = DEPTH_PROBLEM
                elif "\\u0000" in text and NUL_ESCAPE.search(text):
                    problem = "\\u0000 (NUL) in a value: PostgreSQL jsonb refuses it"
                if problem:
                    raise RejectedFile(path, line, f"record {record}: {problem}")
                # in the columns' order; strings and nulls (most values) as they are
                yield record, [text if k is None else v if (v := visit.get(k)) is None or type(v) is str
                               else as_text(v) for k in fields]
        finally:
            stream.text.close()

    generator = rows()
    try:  # the first visit now: an error payload or a non-JSON file is rejected before loading
        head = [next(generator)]
    except StopIteration:
        head = []
    return ParsedFile(columns=columns, rows=chain(head, generator), encoding=json_encoding(path))


def _csv_or_tsv(path: Path, encoding: str, sample: int = 1 << 16) -> str:
    """`\t` when the header line (within its first 64 Ki characters) has more tabs than commas."""
    with open(path, encoding=encoding, newline="", errors="replace") as fh:
        header = fh.read(sample).split("\n", 1)[0]
    return "\t" if header.count("\t") > header.count(",") else ","


def read_matomo_csv(path: Path, entity: Entity) -> ParsedFile:
    with open(path, "rb") as fh:
        head = fh.read(4)
    if not head:
        raise RejectedFile(path, None, "empty file (0 bytes): no header row")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        encoding = "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
    delimiter = _csv_or_tsv(path, encoding)
    text = open(path, encoding=encoding, newline="", errors="strict")  # noqa: SIM115
    reader = csv.reader(bounded_lines(path, text), delimiter=delimiter, quotechar='"', strict=True)
    try:
        names = [h.lstrip("\ufeff") for h in next(reader)]
    except (StopIteration, csv.Error, UnicodeDecodeError) as exc:
        text.close()
        raise RejectedFile(path, 1, f"no readable header row ({encoding}): {exc}") from None
    header = [snake_case(h) for h in names]
    duplicates = sorted({c for c in header if header.count(c) > 1})
    missing = [matomo_key(c) for c in entity.required if c not in header]
    if duplicates or missing or len(names) < 2:
        text.close()
        problem = (f"duplicate column(s) in header: {', '.join(duplicates)}" if duplicates
                   else f"missing required column(s): {', '.join(missing)}" if missing
                   else "one column only: expected a comma- or tab-separated Matomo export")
        raise RejectedFile(path, 1, problem)
    columns, index = list(entity.columns), {c: i for i, c in enumerate(header)}

    def rows() -> Iterator[tuple[int, list[str | None]]]:
        try:
            while True:
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except (csv.Error, UnicodeDecodeError) as exc:
                    problem = f"malformed CSV ({encoding}): {exc}"
                    raise RejectedFile(path, reader.line_num, problem) from None
                if not cells:
                    continue
                if len(cells) != len(names):
                    problem = f"{len(cells)} fields where the header has {len(names)}"
                    raise RejectedFile(path, reader.line_num, problem)
                values = {c: cells[index[c]] or None if c in index else None for c in columns}
                cells_given = {n: v for n, v in zip(names, cells, strict=True) if v != ""}
                values[RECORD] = json.dumps(cells_given, ensure_ascii=False)
                yield reader.line_num, [values[c] for c in columns]
        finally:
            text.close()

    return ParsedFile(columns=columns, rows=rows(), encoding=encoding)
