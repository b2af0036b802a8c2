"""Personal data in files: the quarantine folder (rejected deliveries, kept whole, and their
reasons, which may quote a line) and the local cluster's server log.

A text file holding a value to erase is rewritten without the lines that hold it (a delimited
file keeps its header; a file left with its header only is deleted); a workbook (.xlsx, a zip
of XML) that holds it is deleted, as it cannot be rewritten line by line. The server log also
loses its lines older than the `technical_log` rule. Nothing here records the values."""

from __future__ import annotations

import os
import re
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

TEXT_SUFFIXES = {".csv", ".tsv", ".txt", ".json", ".ndjson", ".jsonl", ".log"}
LOG_LINE = re.compile(r"^(\d{4}-\d{2}-\d{2}) \d{2}:\d{2}:\d{2}")  # log_line_prefix '%m …'


@dataclass
class FileChange:
    path: Path
    action: str  # rewritten | deleted
    lines: int  # lines removed (0 for a deleted workbook)


def _write(path: Path, text: str) -> None:
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".purge-")
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)
    os.replace(temporary, path)


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _holds(text: str, needles: list[str]) -> bool:
    low = text.lower()
    return any(n in low for n in needles)


def scrub_file(path: Path, values: list[str], dry_run: bool = False) -> FileChange | None:
    """Remove from one file the lines holding any of `values` (case-insensitive)."""
    needles = [v.strip().lower() for v in values if v and v.strip()]
    if not needles or not path.is_file():
        return None
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        with zipfile.ZipFile(path) as z:
            held = any(_holds(z.read(n).decode("utf-8", errors="replace"), needles)
                       for n in z.namelist() if n.endswith(".xml"))
        if not held:
            return None
        if not dry_run:
            path.unlink()
        return FileChange(path, "deleted", 0)
    if suffix not in TEXT_SUFFIXES and not path.name.endswith(".reason.txt"):
        return None
    lines = _read_text(path).splitlines(keepends=True)
    kept = [line for line in lines if not _holds(line, needles)]
    removed = len(lines) - len(kept)
    if not removed:
        return None
    header_only = suffix in {".csv", ".tsv"} and len(kept) <= 1 and removed
    if header_only or not kept:
        if not dry_run:
            path.unlink()
        return FileChange(path, "deleted", removed)
    if not dry_run:
        _write(path, "".join(kept))
    return FileChange(path, "rewritten", removed)


def scrub_folder(folder: Path | None, values: list[str], dry_run: bool = False) -> list[FileChange]:
    if not folder or not folder.is_dir() or not values:
        return []
    changes = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")):
        change = scrub_file(path, values, dry_run)
        if change:
            changes.append(change)
    return changes


def trim_log(path: Path, before: date, values: list[str], dry_run: bool = False) -> FileChange | None:
    """The server log without its entries dated before `before` and those holding `values` (an
    entry is its dated line and the continuation lines that follow it)."""
    if not path.is_file():
        return None
    needles = [v.strip().lower() for v in values if v and v.strip()]
    entries: list[list[str]] = []
    for line in _read_text(path).splitlines(keepends=True):
        if LOG_LINE.match(line) or not entries:
            entries.append([line])
        else:
            entries[-1].append(line)

    def drop(entry: list[str]) -> bool:
        m = LOG_LINE.match(entry[0])
        too_old = bool(m) and date.fromisoformat(m.group(1)) < before
        return too_old or (bool(needles) and _holds("".join(entry), needles))

    kept = [e for e in entries if not drop(e)]
    removed = sum(len(e) for e in entries) - sum(len(e) for e in kept)
    if not removed:
        return None
    if not dry_run:
        _write(path, "".join("".join(e) for e in kept))
    return FileChange(path, "rewritten", removed)
