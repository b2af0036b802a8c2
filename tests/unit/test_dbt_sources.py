"""Every raw table the ingestion lands is declared as a dbt source, in the schema it lands in,
so staging models reach raw data only through `source()` (lineage, freshness, docs)."""

from __future__ import annotations

import yaml

from ingestion import contracts
from ingestion.loader import RAW
from tests.conftest import ROOT

# Sources that are the platform's own tables (load ledger, quality history, the data subjects'
# objections), not deliveries.
PLATFORM_SOURCES = {"ingestion", "quality", "gdpr", "scores", "model_quality"}  # tables the platform writes itself


def declared_sources() -> dict[str, tuple[str, str]]:
    """raw table → (source name, schema) from models/**/_*__sources.yml."""
    found = {}
    for path in sorted((ROOT / "models").rglob("*sources.yml")):
        for source in yaml.safe_load(path.read_text(encoding="utf-8")).get("sources", []):
            for table in source["tables"]:
                found[table.get("identifier", table["name"])] = (source["name"], source.get("schema"))
    return found


def test_every_contract_table_is_a_dbt_source_in_raw() -> None:
    sources = declared_sources()
    tables = {e.table: e.source for e in contracts.all_entities()}
    missing = sorted(set(tables) - set(sources))
    assert not missing, f"raw tables without a dbt source: {missing}"
    for table, source in tables.items():
        assert sources[table] == (source, RAW), f"{table}: declared as {sources[table]}, expected ({source}, raw)"
    landed_by_contracts = {t for t, (source, _) in sources.items() if source not in PLATFORM_SOURCES}
    assert not landed_by_contracts - set(tables), "a dbt source names a raw table no contract lands"
