"""Deterministic demo institution, written in the native export formats of its sources.

    from publics_demo import generate
    summary = generate(Path("demo"), scale=0.05, seed=42)   # {file name: rows}

Layout of `out_dir`:

- `inbox/<source>/` — the deliveries of each source (`out_dir / INBOX` is the folder to ingest):
  secutix, ads, social, spreadsheets, ga4, matomo, emailing;
- `broken/<source>/` — damaged copies of some deliveries, for the error paths (never in the inbox);
- `truth/<source>_truth.json` — the planted truth of each source (duplicates, expected revenue,
  campaigns and spend, invitations, broken files…), never ingested.

Same seed and scale → byte-identical files (no clock: `world.frame.TODAY`). Scale 1 is one
season of a 1,000-seat house per season (≈ 200 performances, ≈ 170–180,000 tickets); three
seasons are generated. The simulated institution is `world/` (it never imports a renderer); one
module per export format in `renderers/` renders it; `files.py`, `defects.py` and `truth.py`
are the helpers they share.
"""

from __future__ import annotations

from pathlib import Path

from publics_demo import defects, truth
from publics_demo.renderers import Renderer, ads, secutix, social, spreadsheets, web
from publics_demo.world.frame import TODAY
from publics_demo.world.model import build_world

# The sources, in generation order: each renders the world with `write(world, out) -> (counts,
# truth)`, then `write_broken(out) -> [broken file]` (`renderers.Renderer`). The web journeys are
# one source: GA4, Matomo and Mailchimp render them in one pass (`renderers/web.py`).
RENDERERS: tuple[Renderer, ...] = (secutix, ads, social, spreadsheets, web)

INBOX = "inbox"  # the delivered files to ingest, one sub-folder per source (the truth lies beside it)
TRUTH = truth.FOLDER
BROKEN = defects.FOLDER  # damaged deliveries, one sub-folder per source
DEFAULT_SCALE = 0.05
DEFAULT_SEED = 42

__all__ = ["DEFAULT_SCALE", "DEFAULT_SEED", "INBOX", "SOURCES", "TODAY", "TRUTH", "generate", "main"]
SOURCES = tuple(r.SOURCE for r in RENDERERS)  # every truth document written


def generate(out_dir: Path, scale: float = DEFAULT_SCALE, seed: int = DEFAULT_SEED) -> dict[str, int]:
    """Write the demo files under `out_dir`; return {file name: data rows} (truth excluded)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    world = build_world(seed=seed, scale=scale)
    counts: dict[str, int] = {}
    for renderer in RENDERERS:
        source_counts, document = renderer.write(world, out_dir)
        document["broken_files"] = renderer.write_broken(out_dir)
        truth.write_truth(out_dir, renderer.SOURCE, document)
        counts.update(source_counts)
    return counts


def main(argv: list[str] | None = None) -> int:
    import argparse
    import time

    p = argparse.ArgumentParser(prog="python -m publics_demo", description=__doc__.split("\n\n")[0])
    p.add_argument("--scale", type=float, default=DEFAULT_SCALE)
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--out", default="demo", help="output folder (default ./demo)")
    args = p.parse_args(argv)
    if args.scale <= 0:
        p.error("--scale must be positive")
    t0 = time.monotonic()
    counts = generate(Path(args.out), scale=args.scale, seed=args.seed)
    for name, n in counts.items():
        print(f"{n:>10,}  {name}")
    print(f"{sum(counts.values()):>10,}  rows in {len(counts)} files, {time.monotonic() - t0:.1f} s -> {args.out}")
    return 0
