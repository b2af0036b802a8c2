"""The `World`: what the institution *is* (seasons, shows, performances, people), built once
from a seed and a scale by `build_world`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from publics_demo.world.catalogue import Performance, Show, build_catalogue
from publics_demo.world.frame import SEASONS
from publics_demo.world.people import ContactRecord, Person, build_people
from publics_demo.world.traits import Outcome, plant_traits


@dataclass
class World:
    seed: int
    scale: float
    seasons: tuple[str, ...]
    shows: list[Show]
    performances: list[Performance]
    people: list[Person]
    outcomes: list[Outcome] = field(default_factory=list)  # next-season outcomes (traits.py)

    def rng(self, label: str) -> random.Random:
        return random.Random(f"publics-demo/{self.seed}/{label}")

    @property
    def contacts(self) -> list[ContactRecord]:
        """Every contact row, by contact number."""
        rows = [p.record for p in self.people] + [d for p in self.people for d in p.duplicates]
        return sorted(rows, key=lambda r: int(r.number))

    def performances_of(self, season: str) -> list[Performance]:
        return [p for p in self.performances if p.show.season == season]


def build_world(seed: int = 42, scale: float = 0.05) -> World:
    if scale <= 0:
        raise ValueError("scale must be positive")
    world = World(seed=seed, scale=scale, seasons=SEASONS, shows=[], performances=[], people=[])
    world.shows, world.performances = build_catalogue(world.rng("catalogue"), scale, world.seasons)
    world.people = build_people(world.rng("people"), scale, world.seasons)
    world.outcomes = plant_traits(world.rng("traits"), world.people, world.seasons)
    return world
