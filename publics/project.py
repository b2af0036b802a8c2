"""Where the project lives: the folder holding `dbt_project.yml`."""

from __future__ import annotations

import os
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
