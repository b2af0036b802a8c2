"""Broken deliveries, in a folder of their own (`<out>/broken/<source>/`), for the error paths.

Each is made from a good file of the inbox, damaged in one way real deliveries get damaged:
cut mid-line by an interrupted transfer, re-saved with commas by a spreadsheet, re-encoded in
UTF-16, stripped of a required column, or empty. Each renderer's `write_broken` makes its own
(after its deliveries are written); the list, with the problem the ingestion must report, is part
of the planted truth (`broken_files`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

FOLDER = "broken"


@dataclass
class BrokenFolder:
    """Damaged deliveries of one source, in `<out>/broken/<source>/`, listed as the truth lists
    them: {file, defect, expected_problem, line}."""
    out_dir: Path
    source: str
    made: list[dict] = field(default_factory=list)

    @property
    def folder(self) -> Path:
        return Path(self.out_dir) / FOLDER / self.source

    def emit(self, name: str, data: bytes, defect: str, problem: str, line: int | None) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / name).write_bytes(data)
        self.made.append({"file": f"{FOLDER}/{self.source}/{name}", "defect": defect,
                          "expected_problem": problem, "line": line})
