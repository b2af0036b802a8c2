"""The planted truth, written beside the deliveries so tests can measure what the pipeline recovers.

`<out>/truth/<source>_truth.json`: one document per source (every renderer returns its own). It
is not a delivery: it lives outside the inbox and must never be ingested.
"""

from __future__ import annotations

import json
from pathlib import Path

from publics_demo.world.frame import EXPORT_TIME
from publics_demo.world.model import World

FOLDER = "truth"


def truth_header(world: World, source: str) -> dict:
    """The first keys of every truth document: which source, seed, scale, day of extraction."""
    return {"source": source, "seed": world.seed, "scale": world.scale, "today": EXPORT_TIME.date().isoformat()}


def write_truth(out_dir: Path, source: str, document: dict) -> Path:
    folder = Path(out_dir) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{source}_truth.json"
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def read_truth(out_dir: Path, source: str) -> dict:
    return json.loads((Path(out_dir) / FOLDER / f"{source}_truth.json").read_text(encoding="utf-8"))
