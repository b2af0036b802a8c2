"""The glossary is generated from the dbt docs blocks and the nomenclature seeds, and the
committed docs/glossaire.md is the current rendering (regenerate with `publics glossary`)."""

from __future__ import annotations

import csv

import pytest

from publics import glossary
from tests.conftest import ROOT


def test_committed_glossary_is_up_to_date() -> None:
    committed = (ROOT / glossary.OUTPUT).read_text(encoding="utf-8")
    assert committed == glossary.render(ROOT), "docs/glossaire.md is stale: run `publics glossary`"


def test_every_definition_and_status_is_in_the_glossary() -> None:
    text = glossary.render(ROOT)
    blocks = glossary.docs_blocks(ROOT)
    assert {"kpi_revenue_eur", "status_rules", "person_key", "season"} <= set(blocks)
    for name, definition in blocks.items():
        assert definition in text, name
    with open(ROOT / "seeds" / "lifecycle_statuses.csv", encoding="utf-8") as fh:
        statuses = list(csv.DictReader(fh))
    assert len(statuses) == 8
    for row in statuses:
        assert f"| {row['status_label']} | {row['status']} |" in text


def test_a_docs_block_defined_twice_is_an_error(tmp_path) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "a.md").write_text("{% docs x %}one{% enddocs %}\n{% docs x %}two{% enddocs %}")
    with pytest.raises(ValueError, match="defined twice"):
        glossary.docs_blocks(tmp_path)


def test_every_kpi_of_the_library_is_in_the_glossary_with_its_terms() -> None:
    from publics import kpis

    text = glossary.render(ROOT)
    library = kpis.library(ROOT)
    assert {"roas", "ctr", "cpc", "retention", "first_time_share"} <= set(library)
    for k in library.values():
        section = text.split(f"### {k.label} (`{k.id}`)", 1)[1].split("\n### ", 1)[0]
        for line in (f"- Numérateur : {k.numerator} — en {kpis.UNITS[k.numerator_unit].label}",
                     f"- Dénominateur : {k.denominator} — en {kpis.UNITS[k.denominator_unit].label}",
                     f"- Unité : {k.unit_label} (`{k.unit}`)", f"- Formule : `{k.formula}`"):
            assert line in section, (k.id, line)
        assert "nullif(" in k.formula and not k.formula.startswith("avg(")
