"""Declarative contracts: which files each source entity takes and which columns it needs.

One YAML file per source in this folder (see secutix.yml for the format). A contract is the one
description of its source: the loader routes and checks files with it, and `publics sources`
renders from it the tables of docs/sources.md and the dbt `_<source>__sources.yml` files.

Routing never depends on the order of the contracts: `entity_for` returns the one entity whose
patterns match a file name, None when none does, and raises `AmbiguousFile` when several do.
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
    # What the raw table holds, in French: the dbt source table's description.
    description: str = ""
    # Column → what its values look like (`- column: note` in the contract).
    notes: tuple[tuple[str, str], ...] = ()
    # Groups of columns of which a file must have at least one (`required_one_of`), e.g. a UI
    # export without the campaign ID column still names the campaign.
    required_one_of: tuple[tuple[str, ...], ...] = ()
    # (display name, contract column) pairs (`aliases` in the contract): the headers a tool's
    # user interface writes, in each language, for a column of the contract. The readers match
    # them once normalised like every header (readers/base.py, `contract_columns`).
    aliases: tuple[tuple[str, str], ...] = ()
    # GDPR metadata (the `gdpr:` section of the contract): the entity's default
    # (category, purpose, retention) and the columns that override some of them.
    gdpr: tuple[tuple[str, str], ...] = ()
    gdpr_columns: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()

    def gdpr_of(self, column: str) -> dict[str, str]:
        """The column's GDPR metadata: the entity's defaults, overridden by the column's own."""
        return {**dict(self.gdpr), **dict(dict(self.gdpr_columns).get(column, ()))}

    def missing_columns(self, columns: list[str]) -> list[str]:
        """What a header lacks: required columns, and `one of (a, b)` for each group absent."""
        missing = [c for c in self.required if c not in columns]
        missing += [f"one of ({', '.join(group)})" for group in self.required_one_of
                    if not any(c in columns for c in group)]
        return missing

    def type_of(self, column: str) -> str:
        return dict(self.types).get(column, "text")

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + tuple(c for c in self.optional if c not in self.required)

    def patterns_matching(self, path: Path) -> tuple[str, ...]:
        name = path.name.lower()
        return tuple(pattern for pattern in self.files if fnmatch.fnmatchcase(name, pattern))

    def matches(self, path: Path) -> bool:
        return bool(self.patterns_matching(path))

    @property
    def label(self) -> str:
        return f"{self.source}/{self.name}"


@dataclass(frozen=True)
class Source:
    """A contract file: the source, how its files are shaped, its dbt source settings."""

    name: str
    title: str
    format: str  # the shape of its files, in one line (the details: docs/formats.md)
    description: str  # French: the dbt source's description
    freshness: tuple[tuple[str, object], ...]  # dbt freshness (warn_after, error_after), or ()
    entities: tuple[Entity, ...]
    family: str = ""  # the data map's source family (`gdpr: family:`), e.g. billetterie


class AmbiguousFile(ValueError):
    """A file name that the patterns of two or more entities match: never decided by order."""

    def __init__(self, path: Path, candidates: list[Entity], source: str | None = None) -> None:
        self.path, self.candidates, self.source = path, candidates, source
        where = f"in folder {source}/, " if source else ""
        named = " and ".join(
            f"{e.source}.{e.name} ({', '.join(e.patterns_matching(path))})" for e in candidates)
        hint = "rename the file" if source else "rename the file or put it in the folder of its source"
        super().__init__(f"{path.name}: {where}{len(candidates)} entities recognise this file name, "
                         f"{named}; {hint}")


def _aliases(path: Path, name: str, spec: dict, columns: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """`aliases: {column: [display name, …]}` → ((display name, column), …)."""
    found: dict[str, str] = {}
    for column, names in (spec.get("aliases") or {}).items():
        if column not in columns:
            raise ValueError(f"{path.name}, {name}: alias target {column!r} is not a column of the contract")
        for display in names:
            if found.get(str(display), column) != column:
                raise ValueError(f"{path.name}, {name}: {display!r} is an alias of two columns")
            found[str(display)] = column
    return tuple(found.items())


GDPR_KEYS = ("category", "purpose", "retention")


def _gdpr(path: Path, name: str, spec: dict | None, columns: tuple[str, ...]):
    """An entity's `gdpr:` block → (defaults, column overrides); the values are checked against
    the vocabulary by the GDPR metadata test (publics/gdpr), not here."""
    spec = dict(spec or {})
    overrides = spec.pop("columns", None) or {}
    unknown = [key for key in spec if key not in GDPR_KEYS]
    unknown += [f"{c}.{key}" for c, meta in overrides.items() for key in meta if key not in GDPR_KEYS]
    if unknown:
        raise ValueError(f"{path.name}, {name}: gdpr keys must be among {GDPR_KEYS}, not {unknown}")
    strangers = [c for c in overrides if c not in columns]
    if strangers:
        raise ValueError(f"{path.name}, {name}: gdpr names column(s) {strangers} that are not in the contract")
    return (tuple((k, str(v)) for k, v in spec.items()),
            tuple((c, tuple((k, str(v)) for k, v in meta.items())) for c, meta in overrides.items()))


RAW_TYPES = {"text", "jsonb"}  # raw lands as delivered: text, or jsonb for nested records


def _columns(items: list) -> tuple[tuple[str, ...], list[tuple[str, str]]]:
    """`[a, {b: note}]` → ((a, b), [(b, note)])."""
    names, notes = [], []
    for item in items or ():
        if isinstance(item, dict):
            ((column, note),) = item.items()
            names.append(column)
            notes.append((column, str(note)))
        else:
            names.append(item)
    return tuple(names), notes


def _load(path: Path) -> Source:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    gdpr = doc.get("gdpr") or {}
    entities = []
    for name, spec in doc["entities"].items():
        bad = {t for t in (spec.get("types") or {}).values() if t not in RAW_TYPES}
        if bad:
            raise ValueError(f"{path.name}, {name}: raw column types must be among {sorted(RAW_TYPES)}, not {sorted(bad)}")
        required, required_notes = _columns(spec["required"])
        optional, optional_notes = _columns(spec.get("optional", ()))
        one_of = tuple(tuple(group) for group in spec.get("required_one_of") or ())
        gdpr_defaults, gdpr_columns = _gdpr(path, name, (gdpr.get("entities") or {}).get(name), required + optional)
        unknown = [c for group in one_of for c in group if c not in required + optional]
        if unknown:
            raise ValueError(f"{path.name}, {name}: required_one_of names unknown column(s) {unknown}")
        entities.append(
            Entity(
                source=doc["source"],
                name=name,
                reader=spec.get("reader", doc["reader"]),
                table=spec["table"],
                files=tuple(spec["files"]),
                key=tuple(spec.get("key", ())),
                required=required,
                optional=optional,
                types=tuple((spec.get("types") or {}).items()),
                options=tuple({**(doc.get("options") or {}), **(spec.get("options") or {})}.items()),
                description=" ".join(str(spec.get("description", "")).split()),
                notes=tuple(dict(required_notes + optional_notes).items()),
                required_one_of=one_of,
                aliases=_aliases(path, name, spec, required + optional),
                gdpr=gdpr_defaults,
                gdpr_columns=gdpr_columns,
            )
        )
    dbt = doc.get("dbt") or {}
    return Source(
        name=doc["source"],
        title=doc.get("title", doc["source"]),
        format=" ".join(str(doc.get("format", "")).split()),
        description=" ".join(str(dbt.get("description", "")).split()),
        freshness=tuple((dbt.get("freshness") or {}).items()),
        entities=tuple(entities),
        family=str(gdpr.get("family", "")),
    )


@cache
def all_sources() -> tuple[Source, ...]:
    return tuple(_load(path) for path in sorted(CONTRACT_DIR.glob("*.yml")))


@cache
def all_entities() -> tuple[Entity, ...]:
    return tuple(e for source in all_sources() for e in source.entities)


def source_names() -> frozenset[str]:
    return frozenset(s.name for s in all_sources())


def entity_for(path: Path, source: str | None = None) -> Entity | None:
    """The entity whose file patterns match the file name — among the entities of `source` when
    given (the file is in that source's folder), else among all. None when no pattern matches;
    `AmbiguousFile` when the patterns of several entities do."""
    candidates = [e for e in all_entities() if (source is None or e.source == source) and e.matches(path)]
    if len(candidates) > 1:
        raise AmbiguousFile(path, candidates, source)
    return candidates[0] if candidates else None
