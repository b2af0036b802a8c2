"""The renderers: one module per export format, each writing the shared world in a tool's own
shape (which real export each file imitates is written in the module's docstring):

- `secutix.py` — SecuTix flat files (contacts, performances, orders and tickets deliveries);
- `ads.py` — Meta Ads and Google Ads reports;
- `social.py` — Facebook, Instagram and LinkedIn page exports;
- `spreadsheets.py` — the teams' workbooks (budgets, UTM plans, invitation lists);
- `web.py` — the web journeys, rendered in one pass by `ga4.py` (BigQuery export), `matomo.py`
  (Live API) and `emailing.py` (Mailchimp reports and activity).

Every source module of `publics_demo.SOURCES` follows one protocol (`Renderer`): `SOURCE`, its
truth document's name; `write(world, out_dir)` writes its deliveries into the inbox and returns
({file name: data rows}, truth document); `write_broken(out_dir)`, run after `write`, writes the
damaged copies (`publics_demo.defects`) and returns their list for the truth.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from publics_demo.world.model import World


class Renderer(Protocol):
    SOURCE: str

    def write(self, world: World, out_dir: Path) -> tuple[dict[str, int], dict]: ...

    def write_broken(self, out_dir: Path) -> list[dict]: ...
