"""The quarantine folder: a copy of each rejected file, with its reason beside it.

Every rejected delivery is kept: a file is copied under its own name, unless a different file
(other bytes) is already there under that name; it is then named by its content hash
(`orders.3f2a9c1b7d4e.csv`), so two rejected files of the same name never overwrite each other
and each ledger row points to its own copy. Copies are written whole, then renamed into place.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import threading
from pathlib import Path

_LOCK = threading.Lock()  # the two loading connections may quarantine files of the same name at once


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def quarantine(path: Path, folder: Path, reason: str, digest: str | None = None) -> Path:
    """Copy `path` into `folder`, its reason in `<copy>.reason.txt`; return the copy."""
    folder.mkdir(parents=True, exist_ok=True)
    digest = digest or _digest(path)
    with _LOCK:
        target = folder / path.name
        if target.exists() and _digest(target) != digest:
            stem, dot, suffixes = path.name.partition(".")
            target = folder / f"{stem}.{digest[:12]}{dot}{suffixes}"
        fd, temporary = tempfile.mkstemp(dir=folder, prefix=".incoming-")
        os.close(fd)
        try:
            shutil.copy2(path, temporary)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        target.with_name(target.name + ".reason.txt").write_text(reason + "\n", encoding="utf-8")
    return target
