"""The quarantine folder: a copy of each rejected file, with its reason beside it."""

from __future__ import annotations

import shutil
from pathlib import Path


def quarantine(path: Path, folder: Path, reason: str) -> Path:
    """Copy `path` into `folder`, its reason in `<name>.reason.txt`; return the copy."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    shutil.copy2(path, target)
    target.with_name(target.name + ".reason.txt").write_text(reason + "\n", encoding="utf-8")
    return target
