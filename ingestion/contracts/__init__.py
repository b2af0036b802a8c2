"""Declarative contracts: which files each source entity takes and which columns it needs.

One YAML file per source in this folder (see secutix.yml for the format).
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

CONTRACT_DIR = Path(__file__).parent


@dataclass(frozen=True)
class Entity:
    source: str
    name: str
    reader: str
    table: str  # in the raw schema
    files: tuple[str, ...]
    key: tuple[str, ...]
    required: tuple[str, ...]
    optional: tuple[str, ...]
    # Column → Postgres type for the few columns that are not text (e.g. a JSON record: jsonb).
    types: tuple[tuple[str, str], ...] = ()
    # Reader options from the contract (e.g. delimiter, encoding), passed to the reader as is.
    options: tuple[tuple[str, object], ...] = ()

    def type_of(self, column: str) -> str:
        return dict(self.types).get(column, "text")

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + tuple(c for c in self.optional if c not in self.required)

    def matches(self, path: Path) -> bool:
        name = path.name.lower()
        return any(fnmatch.fnmatchcase(name, pattern) for pattern in self.files)

    @property
    def label(self) -> str:
        return f"{self.source}/{self.name}"


RAW_TYPES = {"text", "jsonb"}  # raw lands as delivered: text, or jsonb for nested records


def _load(path: Path) -> list[Entity]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    entities = []
    for name, spec in doc["entities"].items():
        bad = {t for t in (spec.get("types") or {}).values() if t not in RAW_TYPES}
        if bad:
            raise ValueError(f"{path.name}, {name}: raw column types must be among {sorted(RAW_TYPES)}, not {sorted(bad)}")
        entities.append(
            Entity(
                source=doc["source"],
                name=name,
                reader=spec.get("reader", doc["reader"]),
                table=spec["table"],
                files=tuple(spec["files"]),
                key=tuple(spec.get("key", ())),
                required=tuple(spec["required"]),
                optional=tuple(spec.get("optional", ())),
                types=tuple((spec.get("types") or {}).items()),
                options=tuple({**(doc.get("options") or {}), **(spec.get("options") or {})}.items()),
            )
        )
    return entities


@cache
def all_entities() -> tuple[Entity, ...]:
    found: list[Entity] = []
    for path in sorted(CONTRACT_DIR.glob("*.yml")):
        found.extend(_load(path))
    return tuple(found)


def entity_for(path: Path) -> Entity | None:
    """The first entity whose file patterns match the file name."""
    return next((e for e in all_entities() if e.matches(path)), None)
