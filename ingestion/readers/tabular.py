"""Exports a tool offers both as CSV and as an Excel workbook (Meta Ads Manager: "CSV" or
"Excel (.xlsx)"): one entity, one column mapping, the reader chosen by the file's extension.
"""

from __future__ import annotations

from pathlib import Path

from ingestion.contracts import Entity
from ingestion.readers.base import ParsedFile


def read_csv_or_xlsx(path: Path, entity: Entity) -> ParsedFile:
    if path.suffix.lower() == ".xlsx":
        from ingestion.readers.xlsx import read_xlsx  # openpyxl loads only when a workbook comes

        return read_xlsx(path, entity)
    from ingestion.readers.delimited import read_delimited

    return read_delimited(path, entity)
