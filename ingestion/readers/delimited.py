"""Delimited text exports (SecuTix flat files and their kin).

SecuTix writes `;`-separated files, Windows-1252 by default, UTF-8 (with or without BOM) when
the institution asks for it. The encoding is detected from the bytes; a file in another
encoding (UTF-16, binary) or with another separator is rejected with the line and the problem.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from pathlib import Path

from ingestion.contracts import Entity
from ingestion.readers.base import ParsedFile, RejectedFile, normalise_header

SNIFF_BYTES = 1 << 16


def detect_encoding(path: Path, head: bytes) -> str:
    if not head:
        raise RejectedFile(path, None, "empty file (0 bytes): no header row")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise RejectedFile(
            path, 1, "encoded in UTF-16: expected Windows-1252 or UTF-8 (re-export the file as CSV)"
        )
    nul = head.find(b"\x00")
    if nul >= 0:
        line = head.count(b"\n", 0, nul) + 1
        raise RejectedFile(path, line, "binary content (NUL byte): not a text export")
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=False)  # a character cut at the sniff boundary is fine
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1252"


def _wrong_delimiter(header: list[str], delimiter: str) -> str | None:
    if len(header) != 1:
        return None
    for other, label in ((",", "comma"), ("\t", "tab"), ("|", "pipe")):
        if header[0].count(other) >= 1:
            return f"wrong delimiter: expected '{delimiter}', the header is {label}-separated"
    return None


def read_delimited(path: Path, entity: Entity, delimiter: str = ";") -> ParsedFile:
    with open(path, "rb") as fh:
        head = fh.read(SNIFF_BYTES)
    encoding = detect_encoding(path, head)
    # Closed by the row generator when it ends (or here on a header problem).
    text = open(path, encoding=encoding, newline="", errors="strict")  # noqa: SIM115
    reader = csv.reader(text, delimiter=delimiter, quotechar='"', strict=True)
    try:
        raw_header = next(reader)
    except StopIteration:
        text.close()
        raise RejectedFile(path, 1, "no header row") from None
    except (csv.Error, UnicodeDecodeError) as exc:
        text.close()
        raise RejectedFile(path, 1, f"unreadable header ({encoding}): {exc}") from None

    problem = _wrong_delimiter(raw_header, delimiter)
    columns = [normalise_header(h) for h in raw_header]
    if problem is None:
        duplicates = sorted({c for c in columns if columns.count(c) > 1})
        missing = [c for c in entity.required if c not in columns]
        if duplicates:
            problem = f"duplicate column(s) in header: {', '.join(duplicates)}"
        elif missing:
            problem = f"missing required column(s): {', '.join(missing)}"
    if problem:
        text.close()
        raise RejectedFile(path, 1, problem)

    def rows() -> Iterator[tuple[int, list[str | None]]]:
        width = len(columns)
        try:
            while True:
                try:
                    values = next(reader)
                except StopIteration:
                    return
                except UnicodeDecodeError as exc:
                    raise RejectedFile(
                        path, reader.line_num + 1, f"invalid bytes for {encoding}: {exc.reason}"
                    ) from None
                except csv.Error as exc:
                    raise RejectedFile(path, reader.line_num, f"malformed CSV: {exc}") from None
                if not values:  # blank line
                    continue
                if len(values) != width:
                    hint = " (truncated line?)" if len(values) < width else ""
                    raise RejectedFile(
                        path, reader.line_num,
                        f"{len(values)} fields where the header has {width}{hint}",
                    )
                yield reader.line_num, [v if v != "" else None for v in values]
        finally:
            text.close()

    drift = [c for c in columns if c not in entity.columns]
    return ParsedFile(columns=columns, rows=rows(), encoding=encoding, drift=drift)


def read_secutix_csv(path: Path, entity: Entity) -> ParsedFile:
    return read_delimited(path, entity, delimiter=";")

