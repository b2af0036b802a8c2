"""Broken deliveries, in a folder of their own (`<out>/broken/<source>/`), for the error paths.

Each is made from a good file of the inbox, damaged in one way real deliveries get damaged:
cut mid-line by an interrupted transfer, re-saved with commas by a spreadsheet, re-encoded in
UTF-16, stripped of a required column, or empty. The list, with the problem the ingestion must
report, is part of the planted truth (`broken_files`).
"""

from __future__ import annotations

import codecs
from pathlib import Path

FOLDER = "broken"


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\r\n")


def write_broken(out_dir: Path, source: str, inbox: Path) -> list[dict]:
    """Damage copies of `inbox`'s files; return [{file, defect, expected_problem, line}]."""
    folder = Path(out_dir) / FOLDER / source
    folder.mkdir(parents=True, exist_ok=True)
    files = {p.name: p.read_bytes() for p in sorted(inbox.glob("*.csv"))}
    contacts = next(n for n in files if "contacts" in n)
    orders = next(n for n in files if "orders" in n)
    tickets = next(n for n in files if "tickets" in n)
    performances = next(n for n in files if "performances" in n)
    made = []

    def emit(name: str, data: bytes, defect: str, problem: str, line: int | None) -> None:
        (folder / name).write_bytes(data)
        made.append({"file": f"{FOLDER}/{source}/{name}", "defect": defect, "expected_problem": problem, "line": line})

    # An interrupted transfer: the file stops in the middle of a line.
    lines = _lines(files[tickets])
    keep = min(len(lines) - 2, 40)
    cut = lines[keep][: len(lines[keep]) // 2]
    emit(tickets.replace(".csv", "_truncated.csv"), b"\r\n".join(lines[:keep] + [cut]),
         "truncated", "truncated line", keep + 1)
    # Opened and saved again by a spreadsheet set to commas.
    text = files[orders].decode("cp1252")
    emit(orders.replace(".csv", "_resaved_with_commas.csv"),
         text.replace(",", ".").replace(";", ",").encode("cp1252"), "wrong_delimiter", "wrong delimiter", 1)
    # Re-exported in UTF-16 ("Unicode text" in a spreadsheet's save dialog).
    emit(contacts.replace(".csv", "_utf16.csv"),
         codecs.BOM_UTF16_LE + files[contacts].decode("cp1252").encode("utf-16-le"),
         "wrong_encoding", "UTF-16", 1)
    # A required column removed by hand.
    rows = [line.split(b";") for line in _lines(files[performances]) if line]
    emit(performances.replace(".csv", "_without_capacity.csv"),
         b"\r\n".join(b";".join(r[:11] + r[12:]) for r in rows) + b"\r\n",
         "missing_column", "missing required column(s): capacity", 1)
    # An export that produced nothing.
    emit(orders.replace(".csv", "_empty.csv"), b"", "empty", "empty file", None)
    return made
