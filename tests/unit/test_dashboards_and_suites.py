"""Dashboard definitions and expectation suites are valid files, and their loaders catch mistakes."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from publics import quality
from publics.dashboards import definitions as dashboards
from tests.conftest import ROOT


def test_every_dashboard_definition_is_valid_and_in_french() -> None:
    found = dashboards.discover()
    assert {d.id for d in found} >= {15}
    for d in found:
        assert d.spec["dataset"].startswith("marts.dash_")
        assert (ROOT / "models" / "marts" / "dashboards" / f"{d.spec['dataset'].split('.')[1]}.sql").exists()
        for f in d.filters.values():
            assert f["label"][0].isupper()


def _broken(tmp_path: Path, mutate) -> Path:
    spec = yaml.safe_load((ROOT / "dashboards" / "15_canaux_de_vente.yml").read_text(encoding="utf-8"))
    mutate(spec)
    path = tmp_path / "broken.yml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda s: s["canvas"].pop("refresh"), "canvas lacks refresh"),
        (lambda s: s["cards"][1]["position"].update(s["cards"][0]["position"]), "overlaps card"),
        (lambda s: s["cards"][0].update(display="gauge3d"), "display must be one of"),
        (lambda s: s["filters"].pop(0), "no such filter"),
        (lambda s: s["cards"][0]["position"].update(col=20), "outside the 24-column grid"),
    ],
)
def test_definition_mistakes_are_caught(tmp_path: Path, mutate, message: str) -> None:
    with pytest.raises(dashboards.DefinitionError, match=message):
        dashboards.load(_broken(tmp_path, mutate))


def test_runnable_sql_drops_unset_filters_and_binds_set_ones() -> None:
    d = dashboards.load(ROOT / "dashboards" / "15_canaux_de_vente.yml")
    card = next(c for c in d.cards if c["id"] == "by_channel")
    sql, params = dashboards.runnable_sql(d, card)
    assert "{{" not in sql and "[[" not in sql and params == []
    sql, params = dashboards.runnable_sql(d, card, {"season": "2025-26", "period": ("2025-09-01", "2026-08-31")})
    assert "season = %s" in sql and "sale_date between %s and %s" in sql
    assert "show_name" not in sql.split("where")[1].split("group by")[0]
    assert params == ["2025-26", "2025-09-01", "2026-08-31"]


def test_every_suite_loads_with_known_criteria_and_severities() -> None:
    suites = quality.discover_suites()
    assert suites
    for suite in suites:
        assert suite.schema in {"raw", "staging", "intermediate", "marts", "restricted", "quality"}
        for spec in suite.expectations:
            assert spec.criterion in quality.CRITERIA and spec.severity in quality.SEVERITIES
            assert spec.why, f"{suite.name}: every expectation says why, in French, for the quality report"


def test_suite_mistakes_are_caught(tmp_path: Path) -> None:
    doc = yaml.safe_load((ROOT / "expectations" / "marts" / "dash_15_sales_channels.yml").read_text(encoding="utf-8"))
    bad = copy.deepcopy(doc)
    bad["expectations"][0]["criterion"] = "exactitude"
    path = tmp_path / "bad.yml"
    path.write_text(yaml.safe_dump(bad, allow_unicode=True), encoding="utf-8")
    with pytest.raises(quality.SuiteError, match="criterion must be one of"):
        quality.load_suite(path)
    bad = copy.deepcopy(doc)
    bad["table"] = "dash_15_sales_channels"
    path.write_text(yaml.safe_dump(bad, allow_unicode=True), encoding="utf-8")
    with pytest.raises(quality.SuiteError, match="schema.table"):
        quality.load_suite(path)
    assert quality.ExpectationSpec("column_values_to_not_be_null", {}, "fiabilité", "critical", "").gx_class_name == (
        "ExpectColumnValuesToNotBeNull"
    )


def test_a_filter_default_applies_when_no_value_is_given() -> None:
    """Dashboard 1's model filter defaults to the last non-direct click: without a value the
    cards still filter one model (six models summed would count every sale six times)."""
    d = dashboards.load(ROOT / "dashboards" / "01_attribution_ventes.yml")
    card = next(c for c in d.cards if c["id"] == "by_channel")
    sql, params = dashboards.runnable_sql(d, card)
    assert "attribution_model_label = %s" in sql and params == ["Dernier clic non direct"]
    sql, params = dashboards.runnable_sql(d, card, {"model": "Linéaire"})
    assert params == ["Linéaire"]


def test_the_three_priority_dashboards_are_defined() -> None:
    by_id = {d.id: d for d in dashboards.discover()}
    assert {1, 2, 3} <= set(by_id)
    assert all(by_id[i].spec["priority"] == 1 for i in (1, 2, 3))
