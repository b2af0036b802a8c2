"""Each source is described once, in its contract: the tables of docs/sources.md and every
models/staging/<source>/_<source>__sources.yml are its current rendering (regenerate with
`publics sources`)."""

from __future__ import annotations

import yaml

from ingestion import contracts
from publics import source_docs
from tests.conftest import ROOT


def test_committed_source_docs_are_up_to_date() -> None:
    stale = [str(p) for p in source_docs.stale(ROOT)]
    assert not stale, f"{', '.join(stale)}: stale, run `publics sources`"


def test_every_entity_is_documented_with_its_patterns_and_columns() -> None:
    doc = source_docs.render_tables()
    for source in contracts.all_sources():
        assert source.description and source.title, source.name
        declared = yaml.safe_load(source_docs.render_sources_yml(source))["sources"][0]
        tables = {t["name"]: t for t in declared["tables"]}
        for entity in source.entities:
            assert entity.description, entity.label
            assert all(f"`{p}`" in doc for p in entity.files), entity.label
            table = tables[entity.name]
            assert (table["identifier"], table["description"]) == (entity.table, entity.description)
            assert [c["name"] for c in table["columns"]] == list(entity.columns)


def test_hand_written_prose_around_the_generated_section_is_kept() -> None:
    text = "intro\n" + source_docs.BEGIN + "\nold table\n" + source_docs.END + "\noutro\n"
    rendered = source_docs.render_doc(text)
    assert rendered.startswith("intro\n" + source_docs.BEGIN) and rendered.endswith(source_docs.END + "\noutro\n")
    assert "old table" not in rendered and "| contacts | `raw.secutix_contacts` |" in rendered
