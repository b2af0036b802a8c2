"""Dashboard definitions and expectation suites are valid files, and their loaders catch mistakes."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from publics import kpis as kpi_library
from publics import quality
from publics.dashboards import definitions as dashboards
from publics.dashboards import exposures
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


# --------------------------------------------------------------------------- placeholders and KPIs


KPIS = {"roas": kpi_library.Kpi("roas", "ROAS", "recette", "dépense", "ratio", "eur", "eur", "sum(revenue_eur)",
                                "sum(spend_eur)", definition="Recette par euro dépensé.",
                                per="€ de recette par € dépensé"),
        "renewal": kpi_library.Kpi("renewal", "Réabonnement", "Abonnés réabonnés", "Abonnés la saison précédente",
                                   "share", "count", "count", "sum(renewed)::numeric", "sum(subscribers_before)",
                                   definition="Abonnés réabonnés sur les abonnés de la saison précédente.")}


def test_placeholders_expand_to_the_dataset_and_the_kpi_formula() -> None:
    sql = dashboards.expand_query("select round({kpi:roas}, 2) as roas from {dataset} where true [[and {{season}}]]",
                                  dataset="marts.dash_02_acquisition_budgets", kpis=KPIS, where="x.yml, card roas")
    assert sql == ("select round((sum(revenue_eur) / nullif(sum(spend_eur), 0)), 2) as roas "
                   "from marts.dash_02_acquisition_budgets where true [[and {{season}}]]")


@pytest.mark.parametrize(("query", "dataset", "message"), [
    ("select {kpi:roi} from {dataset}", "marts.x", r"dashboards/15_x\.yml, card c: unknown KPI \{kpi:roi\}.*roas"),
    ("select 1 from {dataset}", None, r"dashboards/15_x\.yml, card c: the query uses \{dataset\} but the .* no `dataset`"),
    ("select 1 from {table}", "marts.x", r"card c: unknown placeholder \{table\}"),
])
def test_an_unknown_kpi_or_a_missing_dataset_names_the_dashboard_and_the_card(query, dataset, message) -> None:
    with pytest.raises(dashboards.DefinitionError, match=message):
        dashboards.expand_query(query, dataset=dataset, kpis=KPIS, where="dashboards/15_x.yml, card c")


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda s: s["cards"][0].update(query="select sum(revenue_eur) as recette_eur from marts.dash_15_sales_channels"),
     r"15_canaux_de_vente\.yml, card revenue_total: write \{dataset\} rather than its name"),
    (lambda s: s["cards"][0].update(query="select sum(a) / nullif(sum(b), 0) as recette_eur from {dataset}"),
     r"card revenue_total: the query computes a ratio itself \(nullif\): use a KPI of dashboards/kpis\.yml"),
    (lambda s: s["cards"][0].update(query="select {kpi:nope} as recette_eur from {dataset}"),
     r"15_canaux_de_vente\.yml, card revenue_total: unknown KPI \{kpi:nope\}"),
    (lambda s: (s.pop("dataset"), s["cards"][0].update(query="select 1 as recette_eur from {dataset}")),
     r"15_canaux_de_vente\.yml, card revenue_total: the query uses \{dataset\} but the definition has no"),
])
def test_a_definition_repeating_its_dataset_or_a_ratio_is_caught(tmp_path: Path, mutate, message: str) -> None:
    spec = yaml.safe_load((ROOT / "dashboards" / "15_canaux_de_vente.yml").read_text(encoding="utf-8"))
    mutate(spec)
    path = tmp_path / "15_canaux_de_vente.yml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    with pytest.raises(dashboards.DefinitionError, match=message):
        dashboards.load(path)


def test_every_card_runs_expanded_sql_and_the_library_covers_every_ratio() -> None:
    """No card of the committed definitions keeps a placeholder or repeats its table; every KPI
    of the library is used by a card (an unused one would be a definition nobody checks)."""
    library = kpi_library.library()
    used = set()
    for d in dashboards.discover():
        written = yaml.safe_load(d.path.read_text(encoding="utf-8"))
        for card, as_written in zip(d.cards, written["cards"], strict=True):
            assert dashboards.PLACEHOLDER.search(card["query"]) is None, card["id"]
            assert d.spec["dataset"] not in as_written["query"], card["id"]
            used |= {m["arg"] for m in dashboards.PLACEHOLDER.finditer(as_written["query"]) if m["name"] == "kpi"}
    assert used == set(library), sorted(set(library) ^ used)
    assert len(library) >= 14


@pytest.mark.parametrize(("entry", "message"), [
    ({"sql": {"numerator": "avg(x)", "denominator": "sum(y)"}}, r"sql\.numerator must be an aggregate"),
    ({"sql": {"numerator": "sum(x)", "denominator": "nullif(sum(y), 0)"}}, r"sql\.denominator must be an aggregate"),
    ({"doc": "kpi_x"}, "either a `definition` or the `doc`"),
    ({"unit": None}, "missing unit"),
    ({"sources": ["ga4"]}, "sources must be a list among secutix, web, ads, emailing"),
    ({"history": "yes"}, "history is true or false"),
    ({"unit": "part"}, r"KPI k, unit: unknown unit 'part', use one of eur, share, count, ratio, relative_error, days"),
    ({"denominator_unit": "euros"}, r"KPI k, denominator_unit: unknown unit 'euros'"),
    ({"numerator_unit": "eur"}, r"a share divides two sums of one unit \(eur / count\)"),
    ({"per": "par personne"}, r"a share is per nothing"),
    ({"unit": "ratio"}, r"a ratio KPI says what it is per"),
    ({"numerator_unit": None}, "missing numerator_unit"),
])
def test_kpi_library_mistakes_are_caught(tmp_path: Path, entry: dict, message: str) -> None:
    kpi = {"id": "k", "label": "K", "definition": "d", "numerator": "n", "denominator": "d", "unit": "share",
           "numerator_unit": "count", "denominator_unit": "count",
           "sql": {"numerator": "sum(x)", "denominator": "sum(y)"}, **entry}
    path = tmp_path / "kpis.yml"
    path.write_text(yaml.safe_dump({"kpis": [kpi]}), encoding="utf-8")
    with pytest.raises(kpi_library.KpiError, match=message):
        kpi_library.load(path)


def test_every_dashboard_opens_on_the_current_season_named_in_its_definition() -> None:
    """Each season filter's default is `current_season` (marts.dim_current_season: today's season
    in Paris, else the latest with sales), not the latest season of the data, and a card runs it."""
    for d in dashboards.discover():
        season = d.filters.get("season")
        if season is None:
            continue
        assert season.get("default") == dashboards.CURRENT_SEASON, d.where
        card = next(c for c in d.cards if "{{season}}" in c["query"])
        sql, _ = dashboards.runnable_sql(d, card)
        assert "season = (select season from marts.dim_current_season)" in sql, d.where
        assert "select max(season)" not in sql, d.where


def test_measured_kpis_carry_their_scope_and_their_sources() -> None:
    """The KPIs of the web say where they were measured ({coverage}), the history-dependent ones
    from which season the data start ({history_start}); a scalar card leaving either out is an
    error; the ROAS rests on the spend of measured days and names its attribution model."""
    library = kpi_library.library()
    assert library["roas"].sources == ("ads", "web") and library["roas"].denominator_sql == "sum(spend_measured_eur)"
    assert "dernier clic non direct" in library["roas"].label
    assert "is_web_measured" in library["attributed_online_share"].denominator_sql
    assert {k for k, v in library.items() if v.history} == {
        "first_time_share", "retention", "first_year_renewal", "long_time_renewal", "new_buyer_share",
        "second_purchase_rate",
        "subscriber_conversion_rate", "subscriber_renewal_rate", "renewed_to_date_share",
        "prospect_conversion", "prospect_conversion_delay",
        "pace_index", "forecast_mape", "baseline_mape"}  # dashboard 4: comparables of earlier seasons
    d2 = dashboards.load(ROOT / "dashboards" / "02_acquisition_budgets.yml")
    roas = next(c for c in d2.cards if c["id"] == "roas")
    assert dashboards.COVERAGE_SQL in roas["query"] and roas["column_sources"] == {"roas": ("ads", "web")}
    d3 = dashboards.load(ROOT / "dashboards" / "03_publics_fidelisation.yml")
    primo = next(c for c in d3.cards if c["id"] == "first_time_share")
    assert "('depuis ' || (select min(season) from marts.dash_03_audiences_loyalty)" in primo["query"]


@pytest.mark.parametrize(("card_id", "query", "message"), [
    ("roas", "select round({kpi:roas}, 2) as roas, 'x' as mesure from {dataset}", r"card roas: a KPI measured from the web needs \{coverage\}"),
])
def test_a_scalar_without_its_scope_is_caught(tmp_path: Path, card_id: str, query: str, message: str) -> None:
    spec = yaml.safe_load((ROOT / "dashboards" / "02_acquisition_budgets.yml").read_text(encoding="utf-8"))
    next(c for c in spec["cards"] if c["id"] == card_id)["query"] = query
    path = tmp_path / "02_acquisition_budgets.yml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    with pytest.raises(dashboards.DefinitionError, match=message):
        dashboards.load(path)


def test_a_scalar_of_the_history_without_its_first_season_is_caught(tmp_path: Path) -> None:
    spec = yaml.safe_load((ROOT / "dashboards" / "03_publics_fidelisation.yml").read_text(encoding="utf-8"))
    next(c for c in spec["cards"] if c["id"] == "retention")["query"] = (
        "select {kpi:retention} as fidelisation, {denominator:retention} as base, 'x' as donnees from {dataset}")
    path = tmp_path / "03_publics_fidelisation.yml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    with pytest.raises(dashboards.DefinitionError, match=r"card retention: a KPI that depends on the history needs"):
        dashboards.load(path)


# --------------------------------------------------------------------------- units and bases


def test_every_kpi_has_a_unit_of_the_closed_list_and_its_sums_theirs() -> None:
    library = kpi_library.library()
    for k in library.values():
        assert {k.unit, k.numerator_unit, k.denominator_unit} <= set(kpi_library.UNITS), k.id
        assert (k.unit == "share") == (k.per is None) == k.is_rate, k.id
    assert library["roas"].unit_label == "rapport (nombre sans unité) — € de recette par € dépensé"
    assert library["cpc"].unit == "eur" and library["cpc"].denominator_unit == "count"
    assert library["online_share"].numerator_unit == library["online_share"].denominator_unit == "eur"


def test_numerator_and_denominator_expand_like_the_kpi() -> None:
    sql = dashboards.expand_query(
        "select {kpi:renewal} as r, {numerator:renewal} as n, {denominator:renewal} as d from {dataset}",
        dataset="marts.x", kpis=KPIS, where="x.yml, card c")
    assert sql == ("select (sum(renewed)::numeric / nullif(sum(subscribers_before), 0)) as r, "
                   "(sum(renewed)::numeric) as n, (sum(subscribers_before)) as d from marts.x")
    with pytest.raises(dashboards.DefinitionError, match=r"card c: unknown KPI \{denominator:roi\}"):
        dashboards.expand_query("select {denominator:roi} from t", dataset="marts.x", kpis=KPIS, where="x.yml, card c")


def _card_of(tmp_path: Path, name: str, card_id: str, **changes) -> Path:
    spec = yaml.safe_load((ROOT / "dashboards" / name).read_text(encoding="utf-8"))
    next(c for c in spec["cards"] if c["id"] == card_id).update(changes)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(("name", "card_id", "query"), [
    ("03_publics_fidelisation.yml", "renewal",  # a table: the renewal rate without its 130 subscribers
     ("select season as saison, sum(subscribers) as abonnes, {kpi:first_year_renewal} as r1,"
     " {kpi:long_time_renewal} as r2, {denominator:long_time_renewal} as b2, {history_start} as donnees"
     " from {dataset} group by season")),
    ("15_canaux_de_vente.yml", "online_share", "select {kpi:online_share} as part_en_ligne from {dataset}"),
])
def test_a_rate_card_without_its_base_is_caught(tmp_path: Path, name: str, card_id: str, query: str) -> None:
    path = _card_of(tmp_path, name, card_id, query=query)
    with pytest.raises(dashboards.DefinitionError, match=rf"card {card_id}: a rate needs its base beside it: add "
                                                         r"\{denominator:(first_year_renewal|online_share)\}"):
        dashboards.load(path)


def test_every_column_carries_its_unit() -> None:
    d3 = dashboards.load(ROOT / "dashboards" / "03_publics_fidelisation.yml")
    renewal = next(c for c in d3.cards if c["id"] == "renewal")
    assert renewal["column_units"] == {"abonnes": "count", "reabonnement_premiere_annee": "share",
                                       "sur_abonnes_premiere_annee": "count", "reabonnement_fideles": "share",
                                       "sur_abonnes_fideles": "count"}
    assert renewal["column_bases"]["sur_abonnes_premiere_annee"] == "Abonnés de première année la saison précédente"
    assert renewal["base_of"] == {"sur_abonnes_premiere_annee": "reabonnement_premiere_annee",
                                  "sur_abonnes_fideles": "reabonnement_fideles"}
    d15 = dashboards.load(ROOT / "dashboards" / "15_canaux_de_vente.yml")
    online = next(c for c in d15.cards if c["id"] == "online_share")
    assert online["column_units"] == {"part_en_ligne": "share", "recette_eur": "eur"}
    d2 = dashboards.load(ROOT / "dashboards" / "02_acquisition_budgets.yml")
    roas = next(c for c in d2.cards if c["id"] == "roas")
    assert roas["column_units"] == {"roas": "ratio", "depense_mesuree_eur": "eur"}


@pytest.mark.parametrize(("changes", "message"), [
    ({"column_units": {"billets": "tickets"}}, r"card tickets_total, column billets: unknown unit 'tickets'"),
    ({"column_units": {"recette": "eur"}}, r"card tickets_total: column_units names 'recette', not a declared column"),
    ({"format": "percent"}, r"card tickets_total: `format` is gone"),
    ({"colors": {"billets": "green"}}, r"card tickets_total: colors maps a declared column to an outcome among passed"),
])
def test_a_wrong_column_unit_is_caught(tmp_path: Path, changes: dict, message: str) -> None:
    with pytest.raises(dashboards.DefinitionError, match=message):
        dashboards.load(_card_of(tmp_path, "15_canaux_de_vente.yml", "tickets_total", **changes))


def test_a_column_unit_against_its_kpi_is_caught(tmp_path: Path) -> None:
    path = _card_of(tmp_path, "15_canaux_de_vente.yml", "online_share", column_units={"part_en_ligne": "count"})
    with pytest.raises(dashboards.DefinitionError, match=r"column part_en_ligne is in share .*, not count"):
        dashboards.load(path)


# --------------------------------------------------------------------------- dbt exposures


def test_committed_exposures_are_current() -> None:
    path = ROOT / exposures.OUTPUT
    assert path.exists(), "no dbt exposures of the dashboards: run `publics dashboards exposures`"
    expected = exposures.render(dashboards.discover(), exposures.links_in(path))
    assert path.read_text(encoding="utf-8") == expected, (
        f"{exposures.OUTPUT} is stale: run `publics dashboards exposures`")


def test_exposures_name_each_dashboard_its_dataset_model_and_owner() -> None:
    import dbt.cli.main  # noqa: F401 — loads dbt in the order its modules expect
    from dbt.contracts.graph.unparsed import UnparsedExposure

    doc = yaml.safe_load((ROOT / exposures.OUTPUT).read_text(encoding="utf-8"))
    found = dashboards.discover()
    by_name = {e["name"]: e for e in doc["exposures"]}
    assert len(by_name) == len(found)
    for d in found:
        e = by_name[f"dashboard_{d.slug}"]
        UnparsedExposure.validate(e)  # dbt's own schema for an exposure
        assert (e["label"], e["type"], e["owner"]["name"]) == (d.title, "dashboard", "Équipe data")
        assert e["depends_on"][0] == f"ref('{d.dataset_table[1]}')"
        assert e["description"] == " ".join(d.spec["canvas"]["objective"].split())


def test_a_number_without_a_unit_is_a_card_problem() -> None:
    """`publics dashboards check` reports a column holding numbers with no unit; a `value_unit`
    after a column gives it its rows' units, and text or dates need none."""
    import datetime as dt
    from decimal import Decimal

    card = {"column_units": {"billets": "count"}}
    columns = ["canal", "billets", "commandes", "valeur", "value_unit", "le"]
    rows = [("Web", 3, Decimal("1.5"), Decimal("0.0041"), "share", dt.date(2026, 1, 1)), ("Guichet", 2, None, None, None, None)]
    assert dashboards.numbers_without_unit(card, columns, rows) == ["commandes"]
    assert dashboards.numbers_without_unit({"column_units": {"billets": "count", "commandes": "count"}}, columns, rows) == []
