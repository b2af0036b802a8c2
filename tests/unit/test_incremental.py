"""The incremental models and what rebuilds them whole (publics/incremental.py)."""

from __future__ import annotations

import json

from publics.cli import parser as cli_parser
from publics.incremental import READERS, downstream_of, models_to_refresh


def test_every_incremental_model_and_only_those_are_rebuilt_after_raw_rows_of_its_sources_go(dbt_manifest) -> None:
    """READERS names, for each raw table, exactly the incremental models reading it (dbt's manifest),
    directly or through other models (int_web__sessions reads the staging of the web tables): a
    row removed from raw is gone from the staging rebuilt whole, but stays in an incremental model
    downstream until it is rebuilt whole too. A model kept through full refreshes
    (`full_refresh: false`) is not one to name."""
    nodes = dbt_manifest["nodes"]
    sources = dbt_manifest["sources"]

    def raw_tables(unique_id: str, seen: set[str]) -> set[str]:
        if unique_id.startswith("source."):
            source = sources[unique_id]
            return {source["identifier"]} if source["schema"] == "raw" else set()
        if unique_id in seen or unique_id not in nodes:
            return set()
        seen.add(unique_id)
        return {t for dep in nodes[unique_id].get("depends_on", {}).get("nodes", []) for t in raw_tables(dep, seen)}

    expected: dict[str, set[str]] = {}
    for unique_id, node in nodes.items():
        if node["resource_type"] == "model" and node["config"]["materialized"] == "incremental":
            assert node["config"]["incremental_strategy"] == "delete+insert", node["name"]
            if node["config"].get("full_refresh") is False:
                continue
            for table in raw_tables(unique_id, set()):
                expected.setdefault(table, set()).add(node["name"])
    expected.pop("load_columns", None)  # the ledger's, not a delivery's table
    assert expected, "no incremental model found"
    assert {table: set(models) for table, models in READERS.items()} == expected


def test_the_places_a_purge_or_forget_reports_name_the_models_to_rebuild() -> None:
    assert models_to_refresh(["raw.ga4_events", "raw.secutix_contacts", "quarantine deleted"]) == [
        "base_ga4__deliveries", "int_quality__file_data_dates", "int_web__sessions",
        "stg_emailing__mailchimp_email_activity", "stg_ga4__events"]
    assert models_to_refresh(["raw.matomo_visits", "raw.matomo_visits_csv"]) == [
        "int_quality__file_data_dates", "int_web__sessions", "stg_matomo__visits"]
    # a table only the files' dates read incrementally (brevo_contacts: none)
    assert models_to_refresh(["raw.social_posts", "raw.brevo_contacts"]) == ["int_quality__file_data_dates"]
    assert models_to_refresh(["server log lines"]) == []


def test_build_and_run_take_full_refresh() -> None:
    parser = cli_parser()
    assert parser.parse_args(["build", "--full-refresh"]).full_refresh
    assert not parser.parse_args(["build"]).full_refresh
    assert parser.parse_args(["run", "inbox", "--full-refresh"]).full_refresh


def test_after_a_purge_only_what_reads_the_purged_tables_is_selected(dbt_manifest, tmp_path) -> None:
    """downstream_of: `source:<source>.<table>+` for each raw table named; its descendants hold
    every incremental model to rebuild whole and not the whole project; a table the manifest
    does not know (or no manifest) builds everything (None); no raw table, nothing ([])."""
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps(dbt_manifest))
    places = ["raw.secutix_contacts", "raw.ga4_events", "quarantine files"]
    select = downstream_of(places, manifest)
    assert select == ["source:ga4.events+", "source:secutix.contacts+"]

    children = dbt_manifest["child_map"]
    reached, todo = set(), ["source.publics.ga4.events", "source.publics.secutix.contacts"]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in reached:
                reached.add(child)
                todo.append(child)
    names = {dbt_manifest["nodes"][u]["name"] for u in reached if u in dbt_manifest["nodes"]}
    assert set(models_to_refresh(places)) <= names
    models = {n["name"] for n in dbt_manifest["nodes"].values() if n["resource_type"] == "model"}
    assert names & models != models  # not everything: e.g. the ad spend does not read them
    assert "fct_ad_spend_daily" in models - names

    assert downstream_of(["raw.no_such_table"], manifest) is None
    assert downstream_of(places, tmp_path / "missing.json") is None
    assert downstream_of(["quarantine files", "server log lines"], manifest) == []
