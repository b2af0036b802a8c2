"""Shared file helpers of the renderers: delimited exports written and read back, workbooks with
deterministic bytes, gzip text files, a background writer thread, and the inbox's files.

Every helper writes the same bytes for the same content (no clock, no random): that is what
makes the demo byte-identical for a seed and a scale.
"""

from __future__ import annotations

import csv
import gzip
import io
import zipfile
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import openpyxl
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook
from openpyxl.writer.excel import ExcelWriter

from publics_demo.world.frame import EXPORT_TIME

# --------------------------------------------------------------------------- delimited files

def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_end(month: str) -> date:
    year, mon = int(month[:4]), int(month[5:])
    return date(year + mon // 12, mon % 12 + 1, 1) - timedelta(days=1)


def write_csv(path: Path, header: list[str], rows: Iterable[list[str]], *, delimiter: str = ",",
              encoding: str = "utf-8", newline: str = "\n", preamble: Iterable[list[str]] = (),
              footer: Iterable[list[str]] = (), errors: str = "strict") -> int:
    """Write one delimited export (`encoding="utf-8-sig"` for a BOM; `errors="replace"` to lose
    what a legacy code page cannot hold, as Excel does); return the number of data rows."""
    count = 0
    with open(path, "w", encoding=encoding, errors=errors, newline="") as fh:
        out = csv.writer(fh, delimiter=delimiter, quotechar='"', quoting=csv.QUOTE_MINIMAL, lineterminator=newline)
        out.writerows(preamble)
        out.writerow(header)
        for row in rows:
            out.writerow(row)
            count += 1
        out.writerows(footer)
    return count


def read_csv(data: bytes, encoding: str = "utf-8-sig", delimiter: str = ",") -> list[list[str]]:
    """The records of a delivered file (for the broken copies made from it)."""
    return list(csv.reader(io.StringIO(data.decode(encoding), newline=""), delimiter=delimiter))


def csv_bytes(records: list[list[str]], encoding: str = "utf-8-sig", delimiter: str = ",",
              newline: str = "\n") -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, quotechar='"', lineterminator=newline).writerows(records)
    return buffer.getvalue().encode(encoding)


def inbox_files(out_dir: Path, folder: str, pattern: str) -> list[Path]:
    found = sorted((Path(out_dir) / folder).glob(pattern))
    if not found:
        raise FileNotFoundError(f"no {pattern} in {Path(out_dir) / folder}: write() the deliveries first")
    return found


# --------------------------------------------------------------------------- deterministic workbooks

ZIP_TIME = EXPORT_TIME.timetuple()[:6]


def workbook_bytes(wb: Workbook, author: str = "Opéra Favart") -> bytes:
    """The workbook as .xlsx bytes, identical for identical content: openpyxl's `save` stamps the
    modification time and its zip entries carry the clock, so the properties are set to
    `EXPORT_TIME`, the parts written by openpyxl's own writer, then re-zipped with fixed dates."""
    wb.properties.created = wb.properties.modified = EXPORT_TIME
    wb.properties.creator = wb.properties.lastModifiedBy = author
    raw = io.BytesIO()
    ExcelWriter(wb, zipfile.ZipFile(raw, "w", zipfile.ZIP_STORED)).save()  # closes the archive
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            fixed = zipfile.ZipInfo(item.filename, date_time=ZIP_TIME)
            fixed.compress_type, fixed.create_system, fixed.external_attr = zipfile.ZIP_DEFLATED, 0, 0
            dst.writestr(fixed, src.read(item.filename))
    return out.getvalue()


def new_sheet(title: str, header: list[str], widths: list[int] | None = None) -> tuple[Workbook, object]:
    """A workbook with one sheet titled `title`, the header in bold on row 1."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for i, width in enumerate(widths or []):
        ws.column_dimensions[get_column_letter(i + 1)].width = width
    return wb, ws


def xlsx_bytes(sheets: dict[str, list[list]]) -> bytes:
    """A plain workbook (no styling) holding `sheets` ({title: rows})."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    return workbook_bytes(wb)


def sheet_rows(path: Path) -> list[list]:
    """Every row of a workbook's first sheet, as values."""
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
    finally:
        wb.close()


# --------------------------------------------------------------------------- gzip, in a background thread

class Writers:
    """Files written by a background thread, in submission order (at most `depth` pending)."""

    def __init__(self, depth: int = 8):
        self._pool = ThreadPoolExecutor(max_workers=1)
        self._pending: list[Future] = []
        self._depth = depth

    def submit(self, fn, *args) -> None:
        self._pending.append(self._pool.submit(fn, *args))
        while len(self._pending) > self._depth:
            self._pending.pop(0).result()

    def close(self) -> None:
        for f in self._pending:
            f.result()
        self._pool.shutdown()


class GzipLines:
    """A gzip text file written by `Writers` (header without time: deterministic bytes)."""

    def __init__(self, path: Path, header: str):
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = gzip.GzipFile(path, "wb", compresslevel=6, mtime=0)
        self._file.write(header.encode())

    def write(self, text: str) -> None:
        self._file.write(text.encode())

    def close(self) -> None:
        self._file.close()
