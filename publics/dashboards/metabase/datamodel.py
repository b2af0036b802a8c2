"""`push_model_docs(settings, manifest)` then runs dbt-metabase (`export_models`, the marts schema
only): every mart's and column's description from the dbt YAML, and the semantic types declared
there (`meta: {metabase.semantic_type: type/Currency}`, primary keys, foreign keys from the
`relationships` tests) become Metabase's data model, so a column reads the same in dbt docs and
in Metabase. Endpoints it uses: GET /api/database, POST /api/database/:id/sync_schema,
GET /api/database/:id/metadata?include_hidden=true, PUT /api/table/:id, PUT /api/field/:id.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from publics.dashboards.metabase.client import MetabaseError, Settings


@dataclass
class DocsReport:
    """What dbt-metabase changed in Metabase's data model."""

    tables: int = 0  # tables whose description (or other metadata) was updated
    fields: int = 0  # fields whose description or semantic type was updated
    problems: list[str] = field(default_factory=list)  # dbt-metabase's warnings and errors

    def summary(self) -> str:
        text = f"data model: {self.tables} table(s), {self.fields} field(s) updated from the dbt docs"
        return text + (f"; {len(self.problems)} warning(s)" if self.problems else "")


class _Collect(logging.Handler):
    """Counts dbt-metabase's updates and keeps its warnings (its only report is its log)."""

    UPDATED = re.compile(r"^(Table|Field) '.*' updated successfully")

    def __init__(self, report: DocsReport):
        super().__init__(logging.INFO)
        self.report = report

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.levelno >= logging.WARNING:
            self.report.problems.append(message)
        elif match := self.UPDATED.match(message):
            if match.group(1) == "Table":
                self.report.tables += 1
            else:
                self.report.fields += 1


# The project's column naming convention, read as Metabase semantic types (glossary: a column
# ending in _eur is in euros, _share/_rate a proportion between 0 and 1). A column's own
# `meta: {metabase.semantic_type: …}` in the dbt YAML wins over these rules.
SEMANTIC_SUFFIXES = (("_eur", {"metabase.semantic_type": "type/Currency", "metabase.currency": "EUR"}),
                     ("_share", {"metabase.semantic_type": "type/Percentage"}),
                     ("_rate", {"metabase.semantic_type": "type/Percentage"}),
                     ("_label", {"metabase.semantic_type": "type/Category"}))
CATEGORY_COLUMNS = {"season", "status", "channel_group", "attribution_model", "platform", "buyer_type",
                    "sales_channel", "segment", "source", "medium", "campaign", "geo_zone", "age_band"}


def semantic_meta(column: str, *, is_primary_key: bool = False) -> dict:
    """The dbt-metabase meta keys the naming convention gives a column (empty when none)."""
    if is_primary_key:
        return {"metabase.semantic_type": "type/PK"}
    for suffix, meta in SEMANTIC_SUFFIXES:
        if column.endswith(suffix):
            return dict(meta)
    return {"metabase.semantic_type": "type/Category"} if column in CATEGORY_COLUMNS else {}


def with_semantic_types(manifest: Path, out: Path, *, schema: str = "marts") -> Path:
    """A copy of the dbt manifest where the `schema` models' columns carry the semantic types of
    the naming convention (unless their YAML sets one), and a column with a `unique` test that
    names a key (`*_key`, `*_id`) is the primary key; foreign keys come from the `relationships`
    tests, which dbt-metabase reads itself."""
    doc = json.loads(Path(manifest).read_text(encoding="utf-8"))
    unique = {(n["attached_node"], n.get("column_name")) for n in doc["nodes"].values()
              if n.get("resource_type") == "test" and (n.get("test_metadata") or {}).get("name") == "unique"}
    for uid, node in doc["nodes"].items():
        if node.get("resource_type") != "model" or node.get("schema") != schema:
            continue
        for name, column in node.get("columns", {}).items():
            meta = column.setdefault("meta", {})
            if "metabase.semantic_type" in meta:
                continue
            key = (uid, name) in unique and name.endswith(("_key", "_id"))
            meta.update(semantic_meta(name, is_primary_key=key))
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc), encoding="utf-8")
    return out


def push_model_docs(settings: Settings, manifest: Path, *, schema: str = "marts") -> DocsReport:
    """Push the dbt documentation of the `schema` models (descriptions, semantic types, keys) to
    Metabase's data model with dbt-metabase; idempotent (what already matches is not written)."""
    import requests
    from dbtmetabase import DbtMetabase, Filter
    from dbtmetabase.errors import MetabaseStateError

    report = DocsReport()
    handler = _Collect(report)
    logger = logging.getLogger("dbtmetabase")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    typed = with_semantic_types(manifest, Path(manifest).with_name("manifest_metabase.json"), schema=schema)
    try:
        dbm = DbtMetabase(
            manifest_path=typed, metabase_url=settings.url, metabase_api_key=settings.api_key,
            metabase_username=None if settings.api_key else settings.user,
            metabase_password=None if settings.api_key else settings.password,
            http_timeout=int(settings.http_timeout),
        )
        dbm.export_models(
            metabase_database=settings.database_name, schema_filter=Filter(include=[schema]),
            skip_sources=True, sync_timeout=max(1, int(settings.sync_timeout)),
        )
    except MetabaseStateError as exc:
        detail = "; ".join(p for p in report.problems if "does not exist" in p or "not in" in p)[:500]
        raise MetabaseError(f"dbt-metabase: {exc}" + (f" ({detail})" if detail else "")) from None
    except requests.RequestException as exc:
        raise MetabaseError(f"dbt-metabase could not talk to Metabase: {exc}") from None
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    return report
