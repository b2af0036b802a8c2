"""Where the project lives: the folder holding `dbt_project.yml`."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path


def project_root() -> Path:
    """$PUBLICS_HOME, else the nearest parent of the working directory with a dbt_project.yml,
    else the checkout this package was imported from."""
    env = os.environ.get("PUBLICS_HOME")
    if env:
        return Path(env).resolve()
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "dbt_project.yml").exists():
            return folder
    checkout = Path(__file__).resolve().parents[1]
    if (checkout / "dbt_project.yml").exists():
        return checkout
    raise RuntimeError("cannot find the publics project (no dbt_project.yml): set PUBLICS_HOME")


@contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """These environment variables set for the duration, then put back as they were (those
    that were unset, unset again)."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
