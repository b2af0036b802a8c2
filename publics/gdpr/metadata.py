"""The GDPR metadata of every column: its data category, purpose and retention rule.

Where it is declared: the raw tables' columns in the contracts (`gdpr:` section of
ingestion/contracts/<source>.yml, rendered by `publics sources` into the dbt sources as `meta`);
every model's in its YAML — the model's `config: meta:` gives the defaults of its columns, a
column's `config: meta:` overrides some of them. dbt merges a node's `meta` hierarchically
(dbt_project.yml, then the YAML `config`, then `config()` in the SQL) but a column's `meta` does
not inherit its model's (dbt 1.11 manifest: `columns.<c>.meta` holds the column's own keys
only), so the column's value is resolved here: {**model meta, **column meta}.

The vocabulary lives in seeds: `gdpr_data_categories` (the TMNlab guide's categories),
`gdpr_purposes` and `gdpr_retention_rules`. `problems` lists every column without a category,
purpose or retention rule, or with a value outside the vocabulary, naming the model and column.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

KEYS = ("category", "purpose", "retention")
NO_PERSONAL_DATA = "aucune donnée personnelle"
NO_LIMIT_RULE = "no_personal_data"
# The layers whose columns carry the metadata: raw (the contracts' sources) and every model.
LAYERS = ("raw", "restricted", "staging", "intermediate", "marts")


@dataclass(frozen=True)
class Vocabulary:
    categories: dict[str, dict[str, str]]  # category → seed row
    purposes: dict[str, dict[str, str]]  # purpose_id → seed row
    retention: dict[str, dict[str, str]]  # rule_id → seed row

    @classmethod
    def load(cls, root: Path) -> Vocabulary:
        def rows(seed: str, key: str) -> dict[str, dict[str, str]]:
            with open(root / "seeds" / f"{seed}.csv", encoding="utf-8", newline="") as fh:
                return {row[key]: row for row in csv.DictReader(fh)}
        return cls(rows("gdpr_data_categories", "category"), rows("gdpr_purposes", "purpose_id"),
                   rows("gdpr_retention_rules", "rule_id"))

    def requires_aipd(self, purpose: str) -> bool:
        return self.purposes.get(purpose, {}).get("requires_aipd") == "true"


@dataclass(frozen=True)
class Column:
    layer: str  # raw, restricted, staging, intermediate, marts
    relation: str  # schema-less name: the model, or <source>.<table> for raw
    column: str
    path: str  # the YAML file that declares it
    category: str | None
    purpose: str | None
    retention: str | None
    source: str = ""  # raw only: the source (contract) name

    @property
    def is_personal(self) -> bool:
        return self.category is not None and self.category != NO_PERSONAL_DATA


def _layer(path: str) -> str:
    for layer in ("restricted", "intermediate", "marts"):
        if path.startswith(f"models/{layer}/"):
            return layer
    return "staging"


def _meta(node: dict) -> dict:
    return {**(node.get("meta") or {}), **((node.get("config") or {}).get("meta") or {})}


def columns(manifest: dict) -> list[Column]:
    """Every documented column of the models and of the raw sources, its metadata resolved."""
    found = []
    items = [(n, "model") for n in manifest["nodes"].values() if n["resource_type"] == "model"]
    items += [(s, "source") for s in manifest["sources"].values() if s.get("schema") == "raw"]
    for node, kind in sorted(items, key=lambda item: item[0]["unique_id"]):
        defaults = _meta(node)
        layer = "raw" if kind == "source" else _layer(node["original_file_path"])
        relation = f"{node['source_name']}.{node['name']}" if kind == "source" else node["name"]
        for name, column in node["columns"].items():
            meta = {**defaults, **_meta(column)}
            found.append(Column(layer, relation, name, node["original_file_path"],
                                *(meta.get(k) for k in KEYS),
                                source=node.get("source_name", "") if kind == "source" else ""))
    return found


def load_manifest(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def problems(cols: list[Column], vocab: Vocabulary) -> list[str]:
    """What is missing or wrong, one line per column: `<file>: <model>.<column>: …`."""
    known = {"category": vocab.categories, "purpose": vocab.purposes, "retention": vocab.retention}
    out = []
    for c in cols:
        where = f"{c.path}: {c.relation}.{c.column}"
        for key in KEYS:
            value = getattr(c, key)
            if value is None:
                out.append(f"{where}: no {key} in its meta (nor in its model's config meta)")
            elif value not in known[key]:
                out.append(f"{where}: {key} {value!r} is not in the vocabulary (seed {_seed(key)})")
        if c.is_personal and c.retention == NO_LIMIT_RULE:
            out.append(f"{where}: category {c.category!r} is personal data, yet retention is {NO_LIMIT_RULE!r}")
    return out


def _seed(key: str) -> str:
    return {"category": "gdpr_data_categories", "purpose": "gdpr_purposes", "retention": "gdpr_retention_rules"}[key]
