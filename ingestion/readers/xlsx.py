"""Excel workbooks (`.xlsx`) kept by teams: invitation lists, campaign budgets, UTM plans.

Read with openpyxl in read-only (streaming) mode, cached values of formulas (`data_only`): memory
stays bounded whatever the number of rows. How teams keep their sheets and what is done with
them (docs/formats.md §4b):

- The sheet: the contract's `options: {sheet: …}`, else the first visible sheet whose header has
  the contract's columns, else the first visible sheet; reported when the workbook has several.
- The header: among the first HEADER_SCAN_ROWS rows (titles above it), the one holding every
  required column and the most of the contract's; its cells normalised like CSV headers
  (`Prénom` → `prenom`), the contract's `aliases` renamed to their column. A header cell left
  empty in the middle becomes `column_<letter>` (reported as drift).
- Merged ranges below the header (read from the sheet's XML in one extra streaming pass, which
  also finds formulas without a saved value): the top-left value belongs to every cell.
- Total, note and sum rows are not data: left out, named in a warning (ParsedFile.warnings).
- Cells become text as the user sees their value: dates `yyyy-mm-dd` (`yyyy-mm-dd HH:MM:SS` when
  there is a time, rounded to the second), times `HH:MM:SS`, integers without `.0`, other numbers
  in plain decimal notation (`0.15`, not the `15 %` display format), booleans `true`/`false`,
  empty cells NULL; text exactly as typed (leading zeros of phone numbers kept).
- Empty rows are skipped; trailing empty rows and columns are ignored. `_row_number` is the
  sheet's row number (what the user sees in Excel).
- Bounds (docs/formats.md §7): at most 100,000 rows and 1,600 header columns, 1 GiB unzipped,
  the header within 30 rows, 10,000 merged ranges.
- Rejected with the row and the problem: a file that is not an xlsx workbook (an old `.xls`, a
  CSV or anything renamed `.xlsx`, a password-protected workbook), an unreadable workbook, a
  missing sheet, an empty sheet, no header row (the rows tried), a duplicate column, a value in
  a column that has no header, a formula with no saved value in a data row (its cell).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import chain
from pathlib import Path

import openpyxl  # this module is imported only when a workbook comes (readers/__init__.py)
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import coordinate_to_tuple, range_boundaries
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import (
    CELL_TAG,
    DATA_TAG,
    DIMENSION_TAG,
    FORMULA_TAG,
    ROW_TAG,
    VALUE_TAG,
)
from openpyxl.worksheet.dimensions import SheetDimension
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.xml.functions import iterparse

from ingestion.contracts import Entity
from ingestion.readers.base import (
    MAX_FIELDS,
    MAX_SHEET_ROWS,
    MAX_XLSX_UNZIPPED,
    ParsedFile,
    RejectedFile,
    contract_columns,
    normalise_header,
)

MERGE_CELL_TAG = f"{{{SHEET_MAIN_NS}}}mergeCell"

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


# How far down the header is looked for: title, subtitle and blank rows above it, never a page.
HEADER_SCAN_ROWS = 30
MAX_MERGES = 10_000  # merged ranges a sheet may hold (a list of invitees has a few dozen)
SHOWN = 10  # rows or cells named in one message
TOTAL_LABEL = re.compile(r"^(sous_)?total(_|$)")  # `Total`, `TOTAL GÉNÉRAL`, `Sous-total` once normalised


@dataclass
class _Scan:
    """What read-only mode does not expose, from one streaming pass over the sheet's XML: its
    merged ranges (min_col, min_row, max_col, max_row) and the cells holding a formula with no
    saved value (`<f>` without `<v>`: a workbook written by a program and never opened)."""

    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    uncached: set[tuple[int, int]] = field(default_factory=set)


def _scan(path: Path, sheet: ReadOnlyWorksheet) -> _Scan:
    found, data = _Scan(), None
    row = col = 0  # `r` attributes are optional: rows and cells without one follow the previous
    source = sheet._get_source()
    try:
        for event, element in iterparse(source, events=("start", "end")):
            tag = element.tag
            if event == "start":
                if tag == DATA_TAG:
                    data = element
                elif tag == ROW_TAG:
                    row, col = int(element.get("r") or row + 1), 0
                continue
            if tag == CELL_TAG:
                ref = element.get("r")
                col = coordinate_to_tuple(ref)[1] if ref else col + 1
                uncached = element.find(FORMULA_TAG) is not None and not (element.findtext(VALUE_TAG) or "")
                if uncached and len(found.uncached) < MAX_SHEET_ROWS:
                    found.uncached.add((row, col))
                element.clear()
            elif tag == ROW_TAG:
                if data is not None:
                    data.remove(element)  # the only child left: memory stays one row deep
                if row > MAX_SHEET_ROWS:
                    break  # the rows themselves are rejected while streaming
            elif tag == MERGE_CELL_TAG:
                if len(found.merges) >= MAX_MERGES:
                    raise RejectedFile(path, None, f"sheet {sheet.title!r}: more than {MAX_MERGES:,} merged "
                                                   "cell ranges, the most a sheet may hold")
                found.merges.append(range_boundaries(element.get("ref")))
    finally:
        source.close()
    return found


@dataclass
class _Header:
    number: int  # the sheet row
    cells: list[str | None]
    columns: list[str]  # contract names
    known: int  # how many are columns of the contract
    missing: list[str]


def _texts(values: tuple) -> list[str | None]:
    texts = [cell_text(v) for v in values]
    return [t if t is None or t.strip() else None for t in texts]


def _header_candidate(number: int, texts: list[str | None], entity: Entity) -> _Header:
    cells = list(texts)
    while cells and cells[-1] is None:
        cells.pop()
    named = contract_columns(cells, entity.aliases)  # aliases as in CSV files (readers/base.py)
    columns = [c if h else f"column_{_letter(i).lower()}" for i, (h, c) in enumerate(zip(cells, named))]
    return _Header(number, cells, columns, sum(c in entity.columns for c in set(columns)),
                   entity.missing_columns(columns))


@dataclass
class _Sheet:
    """A sheet opened for reading: its header (or why none was found) and the rows read past it."""

    sheet: ReadOnlyWorksheet
    cells: Iterator[tuple]
    buffered: list[tuple[int, tuple]]
    header: _Header | None
    problem: tuple[int | None, str] | None  # (line, reason) when no header row matches


def _open_sheet(path: Path, sheet: ReadOnlyWorksheet, entity: Entity) -> _Sheet:
    """Find the header: among the first HEADER_SCAN_ROWS rows, the non-empty one holding every
    required column and the most columns of the contract (the first such); the rows read are
    buffered, not read twice."""
    sheet.reset_dimensions()  # the stored dimension may be wrong: read every cell there is
    cells = sheet.iter_rows(min_row=1, min_col=1, values_only=True)
    buffered: list[tuple[int, tuple]] = []
    tried: list[_Header] = []
    for number, values in enumerate(cells, start=1):
        buffered.append((number, values))
        texts = _texts(values)
        if any(t is not None for t in texts):
            tried.append(_header_candidate(number, texts, entity))
        if number >= HEADER_SCAN_ROWS:
            break
    if not tried:
        return _Sheet(sheet, cells, buffered, None, (None, f"empty sheet {sheet.title!r}: no header row"))
    complete = [h for h in tried if not h.missing]
    if complete:
        header = max(complete, key=lambda h: (h.known, -h.number))
        return _Sheet(sheet, cells, [b for b in buffered if b[0] > header.number], header, None)
    closest = max(tried, key=lambda h: (h.known, -h.number))
    rows = ", ".join(str(h.number) for h in tried[:SHOWN]) + (" …" if len(tried) > SHOWN else "")
    return _Sheet(sheet, cells, buffered, None, (closest.number, (
        f"sheet {sheet.title!r}: no header row with the contract's columns among the first {HEADER_SCAN_ROWS} "
        f"rows (non-empty rows tried: {rows}); the closest, row {closest.number}, has missing required "
        f"column(s): {', '.join(closest.missing)}")))


def _choose_sheet(path: Path, workbook, entity: Entity) -> tuple[_Sheet, str | None]:
    """The sheet read, and a warning saying which when the workbook has several: the contract's
    `options: {sheet: …}`, else the first visible sheet whose header matches the contract, else
    the first visible sheet (whose problem is then the rejection). Hidden sheets are not read
    unless named."""
    sheet_name = dict(entity.options).get("sheet")
    if sheet_name is not None:
        if sheet_name not in workbook.sheetnames:
            raise RejectedFile(path, None, f"no sheet named {sheet_name!r} "
                                           f"(sheets: {', '.join(workbook.sheetnames)})")
        return _open_sheet(path, workbook[sheet_name], entity), None
    visible = [s for s in workbook.worksheets if s.sheet_state == "visible"] or workbook.worksheets[:1]
    hidden = [s.title for s in workbook.worksheets if s not in visible]
    first = None
    for sheet in visible:
        opened = _open_sheet(path, sheet, entity)
        if opened.header is not None:
            break
        first = first or opened
    else:
        opened = first
    if len(workbook.worksheets) == 1:
        return opened, None
    why = ("the first sheet whose header has the contract's columns" if opened.header is not None
           else "no sheet has the contract's columns: the first one")
    others = [f"{s.title!r}" for s in visible if s is not opened.sheet]
    others += [f"{t!r} (hidden, not read)" for t in hidden]
    return opened, f"sheet {opened.sheet.title!r} read ({why}); other sheets: {', '.join(others)}"


def read_xlsx(path: Path, entity: Entity) -> ParsedFile:
    problem = _not_a_workbook(path)
    if problem:
        raise RejectedFile(path, None, problem)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except XLSX_ERRORS as exc:
        raise RejectedFile(path, None, f"unreadable xlsx workbook: {type(exc).__name__}: {exc}") from None
    try:
        opened, which = _choose_sheet(path, workbook, entity)
        if opened.problem:
            raise RejectedFile(path, *opened.problem)
        sheet, header = opened.sheet, opened.header
        if len(header.cells) > MAX_FIELDS:
            raise RejectedFile(path, header.number, f"sheet {sheet.title!r}: {len(header.cells):,} columns in the "
                                                    f"header, more than the {MAX_FIELDS:,} a sheet may have")
        columns = header.columns
        duplicates = sorted({c for c in columns if columns.count(c) > 1})
        if duplicates:
            raise RejectedFile(path, header.number,
                               f"sheet {sheet.title!r}: duplicate column(s) in header: {', '.join(duplicates)}")
        scan = _scan(path, sheet)
    except RejectedFile:
        workbook.close()
        raise
    except XLSX_ERRORS as exc:
        workbook.close()
        raise RejectedFile(path, None, f"unreadable xlsx workbook: {type(exc).__name__}: {exc}") from None

    warnings = [which] if which else []
    width = len(columns)
    keys = [columns.index(k) for k in entity.key if k in columns]
    # Merged ranges below the header: the value of the top-left cell belongs to every cell of the range.
    starts: dict[int, list[tuple[int, int, int, int]]] = {}
    for merge in scan.merges:
        if merge[1] > header.number:
            starts.setdefault(merge[1], []).append(merge)

    def rows() -> Iterator[tuple[int, list[str | None]]]:
        active: list[tuple[int, int, int, str]] = []  # (last row, first col, last col, value)
        dropped: list[str] = []
        try:
            for number, values in chain(opened.buffered, ((n, v) for n, v in enumerate(
                    opened.cells, start=(opened.buffered[-1][0] if opened.buffered else header.number) + 1))):
                if number > MAX_SHEET_ROWS:
                    raise RejectedFile(path, number, f"sheet {sheet.title!r}: more than {MAX_SHEET_ROWS:,} rows, "
                                                     "the most a spreadsheet may hold (export such volumes as CSV)")
                texts = _texts(values)
                active = [m for m in active if m[0] >= number]
                for min_col, _, max_col, max_row in starts.get(number, ()):
                    value = texts[min_col - 1] if min_col <= len(texts) else None
                    if value is not None:
                        active.append((max_row, min_col, max_col, value))
                for _, min_col, max_col, value in active:
                    texts += [None] * (max_col - len(texts))
                    for i in range(min_col - 1, max_col):
                        texts[i] = texts[i] if texts[i] is not None else value
                if not any(t is not None for t in texts):
                    continue
                extra = next((i for i in range(width, len(texts)) if texts[i] is not None), None)
                texts = (texts + [None] * width)[:width]
                why = _not_data(texts, keys, columns)
                if why:
                    dropped.append(f"row {number} ({why})")
                    continue
                if extra is not None:
                    raise RejectedFile(
                        path, number,
                        f"sheet {sheet.title!r}: a value in column {_letter(extra)}, which has no header",
                    )
                stale = next((c for c in range(1, width + 1) if (number, c) in scan.uncached), None)
                if stale is not None:
                    raise RejectedFile(path, number, (
                        f"sheet {sheet.title!r}: cell {_letter(stale - 1)}{number} holds a formula with no saved "
                        "value (a workbook written by a program and never opened): open it in Excel or "
                        "LibreOffice, save it, and deliver it again"))
                yield number, texts
            if dropped:
                shown = "; ".join(dropped[:SHOWN]) + (f"; … {len(dropped) - SHOWN} more" if len(dropped) > SHOWN else "")
                warnings.append(f"sheet {sheet.title!r}: {len(dropped)} row(s) below or inside the table are "
                                f"not data and were not loaded: {shown}")
        except RejectedFile:
            raise
        except XLSX_ERRORS as exc:  # corrupt sheet XML met while streaming
            raise RejectedFile(path, None, f"unreadable xlsx sheet: {type(exc).__name__}: {exc}") from None
        finally:
            workbook.close()

    drift = [c for c in columns if c not in entity.columns]
    return ParsedFile(columns=columns, rows=rows(), encoding="xlsx", drift=drift, warnings=warnings)


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return f"« {text[:60]}{'…' if len(text) > 60 else ''} »"


def _not_data(texts: list[str | None], keys: list[int], columns: list[str]) -> str | None:
    """Why a row of the table is not a data row, or None: a total row (a cell reading `Total`,
    `TOTAL GÉNÉRAL`, `Sous-total`), a note (a single value, in one cell or merged across the
    row), a sum row (every key column empty)."""
    filled = [t for t in texts if t is not None]
    label = next((t for t in filled if TOTAL_LABEL.match(normalise_header(t))), None)
    if label is not None:
        return f"a total row: {_quote(label)}"
    if len(columns) >= 3 and len(set(filled)) == 1 and not filled[0].replace(",", "").replace(".", "").isdigit():
        return f"a note: {_quote(filled[0])}"
    if keys and all(texts[i] is None for i in keys):
        return f"a sum or blank-key row: {', '.join(columns[i] for i in keys)} empty"
    return None
