"""Delimited text exports: SecuTix flat files, ad-platform reports, emailing and social exports.

`read_delimited(path, entity)` takes its settings from the contract (`entity.options`):

- `delimiter`: `;` (default), `,`, `\\t` (or `tab`), or `auto`: the one of those three that splits
  the header line into the most fields (ties: `;`, then `,`, then tab);
- `encodings`: the accepted encodings, among `utf-8`, `utf-8-sig`, `cp1252`, `utf-16` (default:
  `utf-8 utf-8-sig cp1252`). The encoding is detected from the bytes: a UTF-16 BOM means UTF-16
  (rejected unless allowed), a UTF-8 BOM or valid UTF-8 means UTF-8, anything else Windows-1252;
- `skip_lines`: preamble lines before the header (default 0), or `auto`: the header is the first
  of the first 20 lines with the most fields (a title line and a date-range line above the
  header, as in Google Ads UI reports, have fewer fields than the header);
- `footer_prefixes`: a row whose first non-empty field starts with one of these strings (e.g.
  `Total:`) is a summary line, not data: it and the lines after it are not loaded, and a data
  line after it is rejected (data must not hide below a summary).

A list option may be a YAML list or a whitespace-separated string. Values stay text exactly as
delivered (decimal commas, `--` placeholders…): typing is dbt's job. Line numbers are physical
lines of the file (preamble included); a record spanning lines (a quoted line break) is numbered
by its first line. Header cells are normalised (`Nom de la campagne` → `nom_de_la_campagne`) and
the display names the contract lists as `aliases` renamed to their column (`Amount spent (EUR)`
→ `spend`). An empty last header cell (every line ending with the delimiter) is no column: the
empty field it leaves on each line is dropped, and a value there is rejected. Plain files (one record per line, an encoding PostgreSQL converts, no summary
lines) also carry a `copy_source`: the loader then lets COPY parse them (see landing.py). SecuTix writes `;`-separated files, Windows-1252 by
default, UTF-8 (with or without BOM) when the institution asks for it; `read_secutix_csv` reads
them with the defaults above.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ingestion.contracts import Entity
from ingestion.readers.base import (
    MAX_FIELDS,
    CopySource,
    ParsedFile,
    RejectedFile,
    bounded_lines,
    contract_columns,
)
from ingestion.readers.periods import report_period

SNIFF_BYTES = 1 << 16
DEFAULT_ENCODINGS = ("utf-8", "utf-8-sig", "cp1252")
KNOWN_ENCODINGS = ("utf-8", "utf-8-sig", "cp1252", "utf-16")
UTF8 = {"utf-8", "utf-8-sig"}
DELIMITER_NAMES = {";": "semicolon", ",": "comma", "\t": "tab", "|": "pipe"}
AUTO_DELIMITERS = (";", ",", "\t")
MAX_PREAMBLE = 20
COPY_ENCODINGS = {"utf-8", "utf-8-sig", "cp1252"}  # what PostgreSQL's COPY converts itself


@dataclass(frozen=True)
class DelimitedOptions:
    delimiter: str = ";"  # or "auto"
    encodings: tuple[str, ...] = DEFAULT_ENCODINGS
    skip_lines: int | None = 0  # None: detected (skip_lines: auto)
    footer_prefixes: tuple[str, ...] = ()


def _as_list(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(value.split())
    return tuple(str(v) for v in value)


def options_of(entity: Entity) -> DelimitedOptions:
    """The contract's reader options, checked (a wrong option is a contract bug: ValueError)."""
    raw = dict(entity.options)
    delimiter = str(raw.get("delimiter", ";"))
    delimiter = {"tab": "\t", "\\t": "\t"}.get(delimiter, delimiter)
    if delimiter != "auto" and delimiter not in AUTO_DELIMITERS:
        raise ValueError(f"{entity.label}: delimiter must be ';', ',', '\\t' or auto, not {delimiter!r}")
    encodings = _as_list(raw.get("encodings")) or DEFAULT_ENCODINGS
    unknown = [e for e in encodings if e not in KNOWN_ENCODINGS]
    if unknown:
        raise ValueError(f"{entity.label}: encodings must be among {KNOWN_ENCODINGS}, not {unknown}")
    skip = raw.get("skip_lines", 0)
    if skip == "auto":
        skip_lines = None
    elif isinstance(skip, int) and not isinstance(skip, bool) and 0 <= skip <= MAX_PREAMBLE:
        skip_lines = skip
    else:
        raise ValueError(f"{entity.label}: skip_lines must be auto or 0..{MAX_PREAMBLE}, not {skip!r}")
    return DelimitedOptions(delimiter, encodings, skip_lines, _as_list(raw.get("footer_prefixes")))


def _expected(encodings: tuple[str, ...]) -> str:
    labels = []
    if "cp1252" in encodings:
        labels.append("Windows-1252")
    if UTF8 & set(encodings):
        labels.append("UTF-8")
    if "utf-16" in encodings:
        labels.append("UTF-16")
    return " or ".join(labels)


def _first_non_ascii(path: Path, size: int = 1 << 16) -> bytes | None:
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            if not chunk.isascii():
                start = next(i for i, b in enumerate(chunk) if b > 127)
                return chunk[max(0, start - 16): start + size]
    return None


UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _mostly_utf8(sample: bytes) -> bool:
    """More non-ASCII bytes of the sample belong to valid UTF-8 characters than not (Windows-1252
    text almost never forms one: an accent is followed by an ASCII letter)."""
    in_utf8 = sum(len(m) for m in UTF8_SEQUENCE.findall(sample))
    non_ascii = sum(1 for b in sample if b > 127)
    return in_utf8 >= 2 and in_utf8 > non_ascii - in_utf8


def detect_encoding(path: Path, head: bytes, encodings: tuple[str, ...] = DEFAULT_ENCODINGS) -> str:
    if not head:
        raise RejectedFile(path, None, "empty file (0 bytes): no header row")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        if "utf-16" in encodings:
            return "utf-16"
        raise RejectedFile(
            path, 1, f"encoded in UTF-16: expected {_expected(encodings)} (re-export the file as CSV)"
        )
    nul = head.find(b"\x00")
    if nul >= 0:
        line = head.count(b"\n", 0, nul) + 1
        raise RejectedFile(path, line, "binary content (NUL byte): not a text export")
    utf8 = bool(UTF8 & set(encodings))
    if head.startswith(codecs.BOM_UTF8) and utf8:
        return "utf-8-sig"
    if head.isascii():
        # An ASCII head says nothing: judge on the first stretch of the file that is not ASCII
        # (a Windows-1252 export may have its first accent megabytes in).
        head = _first_non_ascii(path) or head
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=False)  # a character cut at the sniff boundary is fine
        if utf8:
            return "utf-8"
    except UnicodeDecodeError as exc:
        if "cp1252" not in encodings or (utf8 and _mostly_utf8(head)):
            # Valid UTF-8 characters around an invalid byte: a UTF-8 export with a damaged byte,
            # not Windows-1252 (which it would silently turn into mojibake).
            line = head.count(b"\n", 0, exc.start) + 1
            column = exc.start - head.rfind(b"\n", 0, exc.start)
            damaged = " (the rest of the file is UTF-8: a damaged byte?)" if "cp1252" in encodings else ""
            raise RejectedFile(path, line, f"not valid UTF-8: expected {_expected(encodings)} (byte "
                                           f"0x{head[exc.start]:02X} at column {column}{damaged})") from None
    if "cp1252" in encodings:
        return "cp1252"
    raise RejectedFile(path, 1, f"unsupported encoding: expected {_expected(encodings)}")


def _fields(line: str, delimiter: str) -> int:
    line = line.rstrip("\r\n")
    if not line.strip():
        return 0
    try:
        return len(next(csv.reader([line], delimiter=delimiter, quotechar='"')))
    except (csv.Error, StopIteration):
        return 1


def _best_delimiter(line: str, candidates: tuple[str, ...]) -> tuple[str, int]:
    """The candidate splitting the line into the most fields (first one on a tie)."""
    best = max(candidates, key=lambda d: (_fields(line, d), -candidates.index(d)))
    return best, _fields(line, best)


def _head_lines(head: bytes, encoding: str) -> list[str]:
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(head, final=False)
    stream = io.StringIO(text, newline="")
    return [line for line in iter(stream.readline, "")][: MAX_PREAMBLE + 1]


def _layout(head: bytes, encoding: str, opts: DelimitedOptions) -> tuple[int, str]:
    """How many lines precede the header, and the delimiter."""
    candidates = AUTO_DELIMITERS if opts.delimiter == "auto" else (opts.delimiter,)
    if opts.skip_lines is not None and opts.delimiter != "auto":
        return opts.skip_lines, opts.delimiter
    lines = _head_lines(head, encoding)
    if opts.skip_lines is not None:
        header = lines[opts.skip_lines] if opts.skip_lines < len(lines) else ""
        return opts.skip_lines, _best_delimiter(header, candidates)[0]
    scored = [_best_delimiter(line, candidates) for line in lines[:MAX_PREAMBLE]]
    if not scored:
        return 0, candidates[0]
    most = max(n for _d, n in scored)
    index = next(i for i, (_d, n) in enumerate(scored) if n == most)
    return index, scored[index][0]


def _wrong_delimiter(header: list[str], delimiter: str) -> str | None:
    if len(header) != 1:
        return None
    for other, label in DELIMITER_NAMES.items():
        if other != delimiter and header[0].count(other) >= 1:
            shown = "tab" if delimiter == "\t" else f"'{delimiter}'"
            return f"wrong delimiter: expected {shown}, the header is {label}-separated"
    return None


def read_delimited(path: Path, entity: Entity, delimiter: str | None = None) -> ParsedFile:
    opts = options_of(entity)
    if delimiter is not None:
        opts = DelimitedOptions(delimiter, opts.encodings, opts.skip_lines, opts.footer_prefixes)
    with open(path, "rb") as fh:
        head = fh.read(SNIFF_BYTES)
    encoding = detect_encoding(path, head, opts.encodings)
    skip, sep = _layout(head, encoding, opts)
    # Closed by the row generator when it ends (or here on a header problem).
    text = open(path, encoding=encoding, newline="", errors="strict")  # noqa: SIM115
    header_line = skip + 1
    lines = bounded_lines(path, text)
    preamble: list[str] = []
    try:
        for _ in range(skip):
            preamble.append(next(lines, ""))
    except UnicodeDecodeError as exc:
        text.close()
        raise RejectedFile(path, 1, f"unreadable preamble ({encoding}): {exc.reason}") from None
    except RejectedFile:
        text.close()
        raise
    reader = csv.reader(lines, delimiter=sep, quotechar='"', strict=True)
    try:
        raw_header = next(reader)
    except StopIteration:
        text.close()
        raise RejectedFile(path, header_line, "no header row") from None
    except (csv.Error, UnicodeDecodeError) as exc:
        text.close()
        raise RejectedFile(path, header_line, f"unreadable header ({encoding}): {exc}") from None
    except RejectedFile:
        text.close()
        raise
    if len(raw_header) > MAX_FIELDS:
        text.close()
        raise RejectedFile(path, header_line, f"{len(raw_header):,} fields in the header, more than the "
                                              f"{MAX_FIELDS:,} a file may have (PostgreSQL's limit of columns)")

    problem = _wrong_delimiter(raw_header, sep) if opts.delimiter != "auto" else None
    # A delimiter closing every line (`a;b;c;`, as SecuTix writes them) makes an empty last
    # header cell: that is no column, and the empty field it leaves on each line is dropped.
    trailing = len(raw_header) > 1 and not raw_header[-1].strip()
    if trailing:
        raw_header = raw_header[:-1]
    columns = contract_columns(raw_header, entity.aliases)
    if problem is None:
        duplicates = sorted({c for c in columns if columns.count(c) > 1})
        missing = entity.missing_columns(columns)
        if duplicates:
            problem = f"duplicate column(s) in header: {', '.join(duplicates)}"
        elif missing:
            problem = f"missing required column(s): {', '.join(missing)}"
            if opts.delimiter == "auto" and len(columns) == 1:
                problem += " (the header has one field: not ';', ',' or tab-separated?)"
    if problem:
        text.close()
        raise RejectedFile(path, header_line, problem)

    footers = opts.footer_prefixes

    def is_footer(values: list[str]) -> bool:
        first = next((v.strip() for v in values if v.strip()), "")
        return any(first.startswith(prefix) for prefix in footers)

    def rows() -> Iterator[tuple[int, list[str | None]]]:
        width = len(columns)
        footer_at = None
        try:
            while True:
                start = skip + reader.line_num + 1  # a record may span lines: it is named by its first
                try:
                    values = next(reader)
                except StopIteration:
                    return
                except UnicodeDecodeError as exc:
                    raise RejectedFile(
                        path, skip + reader.line_num + 1, f"invalid bytes for {encoding}: {exc.reason}"
                    ) from None
                except csv.Error as exc:
                    raise RejectedFile(path, skip + reader.line_num, f"malformed CSV: {exc}") from None
                line = start
                if not values:  # blank line
                    continue
                if footers and is_footer(values):
                    footer_at = footer_at or line
                    continue
                if footer_at is not None:
                    if not any(v.strip() for v in values):
                        continue
                    raise RejectedFile(
                        path, line, f"data line after the summary line {footer_at} (a 'Total' row?)"
                    )
                if trailing and len(values) == width + 1:
                    if values[-1].strip():
                        raise RejectedFile(path, line, f"a value after the last column ({values[-1]!r}): "
                                                       "the header ends with an empty field")
                    values = values[:-1]
                if len(values) != width:
                    hint = " (truncated line?)" if len(values) < width else ""
                    raise RejectedFile(
                        path, line, f"{len(values)} fields where the header has {width}{hint}",
                    )
                yield line, [v if v != "" else None for v in values]
        finally:
            text.close()

    drift = [c for c in columns if c not in entity.columns]
    copy_source = None
    if encoding in COPY_ENCODINGS and not footers and not trailing:
        offset = _data_offset(head, header_line)
        if offset is not None:
            copy_source = CopySource(path, offset, encoding, sep, header_line + 1)
    return ParsedFile(columns=columns, rows=rows(), encoding=encoding, drift=drift, copy_source=copy_source,
                      period=report_period(preamble))


def _data_offset(head: bytes, header_line: int) -> int | None:
    """Byte offset just after physical line `header_line`, if it ends within `head`."""
    offset = 0
    for _ in range(header_line):
        end = head.find(b"\n", offset)
        if end < 0:
            return None
        offset = end + 1
    return offset


def read_secutix_csv(path: Path, entity: Entity) -> ParsedFile:
    return read_delimited(path, entity, delimiter=";")
