"""Excel workbooks (`.xlsx`) kept by teams: invitation lists, campaign budgets, UTM plans.

Read with openpyxl in read-only (streaming) mode, cached values of formulas (`data_only`): memory
stays bounded whatever the number of rows. Contract options: `sheet` (a sheet name; default the
first sheet).

- The header is the first non-empty row; its cells are normalised like CSV headers (`Prénom` →
  `prenom`), the contract's `aliases` renamed to their column. A header cell left empty in the middle becomes `column_<letter>` (reported as drift).
- Cells become text as the user sees their value: dates `yyyy-mm-dd` (`yyyy-mm-dd HH:MM:SS` when
  there is a time, rounded to the second), times `HH:MM:SS`, integers without `.0`, other numbers
  in plain decimal notation (`0.15`, not the `15 %` display format), booleans `true`/`false`,
  empty cells NULL; text exactly as typed (leading zeros of phone numbers kept).
- Empty rows are skipped; trailing empty rows and columns are ignored. `_row_number` is the
  sheet's row number (what the user sees in Excel).
- Bounds (docs/formats.md): at most 100,000 rows and 1,600 header columns, 1 GiB unzipped.
- Rejected with the row and the problem: a file that is not an xlsx workbook (an old `.xls`, a
  CSV or anything renamed `.xlsx`, a password-protected workbook), an unreadable workbook, a
  missing sheet, an empty sheet, a missing required or duplicate column, a value in a column
  that has no header.
"""

from __future__ import annotations

import datetime as dt
import math
import zipfile
import zlib
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import openpyxl  # this module is imported only when a workbook comes (readers/__init__.py)
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import DATA_TAG, DIMENSION_TAG
from openpyxl.worksheet.dimensions import SheetDimension
from openpyxl.xml.functions import iterparse

from ingestion.contracts import Entity
from ingestion.readers.base import (
    MAX_FIELDS,
    MAX_SHEET_ROWS,
    MAX_XLSX_UNZIPPED,
    ParsedFile,
    RejectedFile,
    contract_columns,
)

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls (Excel 97-2003) and encrypted workbooks
# What openpyxl raises on a zip that is not a sound workbook (missing part, corrupt XML — an
# xml ParseError is a SyntaxError —, bad deflate stream, unexpected values…).
# Anything else a damaged zip can raise (an unknown zip version or compression method is a
# NotImplementedError, an encrypted entry a RuntimeError): `Exception`, below, for a third-party
# parser of untrusted files — the workbook is unreadable whatever the exception.
XLSX_ERRORS = (InvalidFileException, zipfile.BadZipFile, zlib.error, KeyError, ValueError,
               TypeError, IndexError, AttributeError, SyntaxError, OSError, EOFError, Exception)


def _sheet_size(self: ReadOnlyWorksheet) -> None:
    """openpyxl's ReadOnlyWorksheet._get_size, reading the sheet only up to its data: the original
    parses every row of a sheet that has no <dimension> (a million rows: minutes) before a single
    row is read. Same result otherwise (<dimension> precedes <sheetData> in every sheet)."""
    source = self._get_source()
    try:
        for _event, element in iterparse(source, events=("start",)):
            if element.tag == DIMENSION_TAG:
                self._min_column, self._min_row, self._max_column, self._max_row = (
                    SheetDimension.from_tree(element).boundaries)
                return
            if element.tag == DATA_TAG:
                return
    finally:
        source.close()


ReadOnlyWorksheet._get_size = _sheet_size


def cell_text(value: object) -> str | None:
    """A cell's value as text, as the user reads it (see the module docstring)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return repr(value)
        if value.is_integer():
            return str(int(value))
        text = repr(value)
        return format(Decimal(text), "f") if "e" in text else text
    if isinstance(value, dt.datetime):
        if value.microsecond >= 500_000:
            value += dt.timedelta(microseconds=1_000_000 - value.microsecond)
        value = value.replace(microsecond=0, tzinfo=None)
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, dt.timedelta):
        seconds = round(value.total_seconds())
        sign, seconds = ("-", -seconds) if seconds < 0 else ("", seconds)
        return f"{sign}{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    return str(value)


def _not_a_workbook(path: Path) -> str | None:
    with open(path, "rb") as fh:
        head = fh.read(512)
    if not head:
        return "empty file (0 bytes): not an xlsx workbook"
    if zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as archive:
                unzipped = sum(item.file_size for item in archive.infolist())
        except Exception as exc:  # noqa: BLE001 — a damaged central directory, whatever the error
            return f"not a readable xlsx workbook (damaged zip archive: {type(exc).__name__}: {exc})"
        if unzipped > MAX_XLSX_UNZIPPED:
            return (f"a workbook of {unzipped:,} bytes once unzipped, more than the {MAX_XLSX_UNZIPPED:,} a "
                    "spreadsheet may hold (export such volumes as CSV)")
        return None
    if head.startswith(OLE2_MAGIC):
        return ("not an xlsx workbook: an Excel 97-2003 (.xls) or password-protected file "
                "(save it as an unprotected .xlsx workbook)")
    if b"\x00" not in head:
        return "not an xlsx workbook (an xlsx is a zip archive): a text file (a CSV renamed .xlsx?)"
    return "not an xlsx workbook (not a readable zip archive: damaged or truncated file?)"


def _letter(index: int) -> str:
    return get_column_letter(index + 1)


def read_xlsx(path: Path, entity: Entity) -> ParsedFile:
    problem = _not_a_workbook(path)
    if problem:
        raise RejectedFile(path, None, problem)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except XLSX_ERRORS as exc:
        raise RejectedFile(path, None, f"unreadable xlsx workbook: {type(exc).__name__}: {exc}") from None
    try:
        sheet_name = dict(entity.options).get("sheet")
        if sheet_name is not None and sheet_name not in workbook.sheetnames:
            raise RejectedFile(path, None, f"no sheet named {sheet_name!r} "
                                           f"(sheets: {', '.join(workbook.sheetnames)})")
        sheet = workbook[sheet_name] if sheet_name is not None else workbook.worksheets[0]
        sheet.reset_dimensions()  # the stored dimension may be wrong: read every cell there is
        cells = sheet.iter_rows(min_row=1, min_col=1, values_only=True)
        header_row, header = _header(path, sheet.title, cells)
    except RejectedFile:
        workbook.close()
        raise
    except XLSX_ERRORS as exc:
        workbook.close()
        raise RejectedFile(path, None, f"unreadable xlsx workbook: {type(exc).__name__}: {exc}") from None

    if len(header) > MAX_FIELDS:
        workbook.close()
        raise RejectedFile(path, header_row, f"sheet {sheet.title!r}: {len(header):,} columns in the header, more "
                                             f"than the {MAX_FIELDS:,} a sheet may have")
    named = contract_columns(header, entity.aliases)  # aliases as in CSV files (readers/base.py)
    columns = [c if h else f"column_{_letter(i).lower()}" for i, (h, c) in enumerate(zip(header, named))]
    duplicates = sorted({c for c in columns if columns.count(c) > 1})
    missing = entity.missing_columns(columns)
    problem = None
    if duplicates:
        problem = f"duplicate column(s) in header: {', '.join(duplicates)}"
    elif missing:
        problem = f"missing required column(s): {', '.join(missing)}"
    if problem:
        workbook.close()
        raise RejectedFile(path, header_row, f"sheet {sheet.title!r}: {problem}")

    def rows() -> Iterator[tuple[int, list[str | None]]]:
        width = len(columns)
        try:
            for number, values in enumerate(cells, start=header_row + 1):
                if number > MAX_SHEET_ROWS:
                    raise RejectedFile(path, number, f"sheet {sheet.title!r}: more than {MAX_SHEET_ROWS:,} rows, "
                                                     "the most a spreadsheet may hold (export such volumes as CSV)")
                texts = [cell_text(v) for v in values]
                if not any(t is not None for t in texts):
                    continue
                extra = next((i for i in range(width, len(texts)) if texts[i] is not None), None)
                if extra is not None:
                    raise RejectedFile(
                        path, number,
                        f"sheet {sheet.title!r}: a value in column {_letter(extra)}, which has no header",
                    )
                yield number, (texts + [None] * width)[:width]
        except RejectedFile:
            raise
        except XLSX_ERRORS as exc:  # corrupt sheet XML met while streaming
            raise RejectedFile(path, None, f"unreadable xlsx sheet: {type(exc).__name__}: {exc}") from None
        finally:
            workbook.close()

    drift = [c for c in columns if c not in entity.columns]
    return ParsedFile(columns=columns, rows=rows(), encoding="xlsx", drift=drift)


def _header(path: Path, title: str, cells: Iterator[tuple]) -> tuple[int, list[str | None]]:
    """The first non-empty row: its number and its cells as text, trailing empty cells dropped."""
    for number, values in enumerate(cells, start=1):
        if number > MAX_SHEET_ROWS:
            break
        texts = [cell_text(v) for v in values]
        if any(t is not None and t.strip() for t in texts):
            while texts and (texts[-1] is None or not texts[-1].strip()):
                texts.pop()
            return number, [t if t and t.strip() else None for t in texts]
    raise RejectedFile(path, None, f"empty sheet {title!r}: no header row")
