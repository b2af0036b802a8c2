"""One reader per file format. A reader opens a file, checks its header against the entity's
contract and yields its rows as lists of strings (a generator: memory stays bounded)."""

from __future__ import annotations

from collections.abc import Callable

from ingestion.readers.base import ParsedFile, RejectedFile, normalise_header
from ingestion.readers.delimited import read_secutix_csv

READERS: dict[str, Callable] = {
    "secutix_csv": read_secutix_csv,
}

__all__ = ["READERS", "ParsedFile", "RejectedFile", "normalise_header"]
