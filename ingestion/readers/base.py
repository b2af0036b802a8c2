"""What every reader shares: the rejection value, header normalisation, the parsed-file shape."""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

# The bounds of a delivery, the same whichever path loads it (docs/formats.md, "Bounds"): what a
# real export never reaches, and what keeps memory and time bounded whatever the file.
MAX_FILE_BYTES = 32 << 30  # a delivered file: 32 GiB
MAX_LINE_CHARS = 16 << 20  # a physical line, a cell, a JSON record: 16 Mi characters
MAX_FIELDS = 1_600  # header fields of a CSV or a sheet (PostgreSQL's limit of columns per table)
MAX_JSON_DEPTH = 100  # JSON nesting: a value at most 100 levels below its record
MAX_SHEET_ROWS = 100_000  # rows of a spreadsheet (the header's included)
MAX_XLSX_UNZIPPED = 1 << 30  # a workbook's parts, uncompressed: 1 GiB (a zip bomb is not a workbook)


def too_deep(value: object, text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """A value nested more than `limit` levels below the record (the record itself at level 0)?
    Only a text with more than `limit` opening brackets can be: the others are not walked."""
    if text.count("[") + text.count("{") <= limit:
        return False
    return _deeper(value, limit)


def _deeper(value: object, limit: int) -> bool:
    if not isinstance(value, dict | list):
        return False
    if limit == 0:
        return len(value) > 0  # its members sit one level below the limit
    members = value.values() if isinstance(value, dict) else value
    return any(_deeper(member, limit - 1) for member in members)


csv.field_size_limit(MAX_LINE_CHARS)  # a quoted value spanning lines: the same bound as a line


def bounded_lines(path: Path, text, skipped: int = 0) -> Iterator[str]:
    """The physical lines of a text file for csv.reader, each at most MAX_LINE_CHARS long (memory
    stays bounded by one line, whatever the file); `skipped`: lines already read before."""
    number = skipped
    while line := text.readline(MAX_LINE_CHARS + 1):
        number += 1
        if len(line) > MAX_LINE_CHARS and not line.endswith("\n"):
            raise RejectedFile(path, number, f"a line longer than {MAX_LINE_CHARS:,} characters "
                                             "(the most a line or a value may hold)")
        yield line


DEPTH_PROBLEM = f"JSON nested more than {MAX_JSON_DEPTH} levels deep (the most a record may be)"


class RejectedFile(Exception):
    """A file that cannot be loaded as delivered: where and why, in words the user can act on."""

    def __init__(self, path: Path, line: int | None, reason: str):
        self.path, self.line, self.reason = Path(path), line, reason
        where = f"{self.path.name}, line {line}" if line else self.path.name
        super().__init__(f"{where}: {reason}")


LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})


def normalise_header(name: str) -> str:
    """`Numéro de contact ` -> `numero_de_contact`: lower case, no accents, `_` for the rest."""
    text = name.strip().lstrip("\ufeff").translate(LIGATURES)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = re.sub(r"[^a-z0-9]+", "_", text).strip("_")
    return text or "column"


def contract_columns(header: list[str | None], aliases: tuple[tuple[str, str], ...]) -> list[str]:
    """Header cells → column names: normalised, then a display name the contract lists as an
    alias (`Montant dépensé (EUR)` → `montant_depense_eur` → `spend`) becomes its column."""
    renamed = {normalise_header(display): column for display, column in aliases}
    names = [normalise_header(h or "") for h in header]
    return [renamed.get(name, name) for name in names]


@dataclass(frozen=True)
class CopySource:
    """A delimited file PostgreSQL can parse itself (COPY … FORMAT csv), at COPY speed: its data
    starts at byte `offset` (after the header) on physical line `first_line`."""

    path: Path
    offset: int
    encoding: str  # Python codec name of the file
    delimiter: str
    first_line: int


@dataclass(frozen=True)
class JsonCopySource:
    """An NDJSON file PostgreSQL can check and load itself (landing.py, `_copy_json`): one JSON
    object per physical line (blank lines allowed), its bytes from `offset` (after a UTF-8 BOM),
    gunzipped if `gzip`. `scalars` are the (column, top-level key) pairs landed as text besides
    `record`; `required` keys must be present and not null or "", unless in `nullable` (then null,
    "" or absent: exporters leave NULL fields out); a key
    not in `known` is drift (None: an open schema)."""

    path: Path
    gzip: bool
    offset: int
    scalars: tuple[tuple[str, str], ...]
    required: tuple[str, ...]
    nullable: tuple[str, ...] = ()
    known: tuple[str, ...] | None = None


@dataclass
class ParsedFile:
    """A file accepted by its reader: its columns (normalised) and a generator of
    `(line_number, values)` that may still raise RejectedFile while streaming."""

    columns: list[str]
    rows: Iterator[tuple[int, list[str | None]]]
    encoding: str
    drift: list[str] = field(default_factory=list)  # columns the contract does not know
    # Set by readers of plain delimited files: the loader then streams the bytes straight into
    # COPY and lets PostgreSQL check every line (the `rows` generator is not consumed).
    copy_source: CopySource | None = None
    # Loaded, but worth a look (rows a reader left out, which sheet it read…): filled by the reader,
    # possibly while `rows` streams; the loader reads it once the rows are consumed.
    warnings: list[str] = field(default_factory=list)
    # What the file says of itself above its header: its report period (start, end), when its
    # preamble states one (readers/periods.py). Recorded in `raw.load_file_dates` for staging.
    period: tuple[date, date] | None = None
