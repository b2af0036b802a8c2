"""What every reader shares: the rejection value, header normalisation, the parsed-file shape."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path


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
    `record`; `required` keys must be present, and not null or "" unless in `nullable`; a key
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
