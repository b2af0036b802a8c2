"""The dbt DAG runs one way: sources and seeds → staging → intermediate → marts. Checked on the
manifest a fresh `dbt parse` writes (parsing needs no database connection: the profile's
variables all have defaults, and nothing is sent to the server).

A model's layer is its folder: models/staging/<source>/base/ (base_, shared raw shapes),
models/staging/, models/restricted/ (direct identifiers, beside staging), models/intermediate/,
models/marts/."""

from __future__ import annotations

import pytest

# What each layer may read: node types (source, seed) and model layers.
ALLOWED: dict[str, set[str]] = {
    "base": {"source", "seed"},
    "staging": {"source", "seed", "base"},
    # The identifiers' side of staging: reads the same base shapes, nothing downstream.
    "restricted": {"seed", "base"},
    # The identity rules compare e-mails and birth dates (read from restricted, left as ids).
    "intermediate": {"seed", "staging", "restricted", "intermediate"},
    "marts": {"seed", "staging", "intermediate", "marts"},
}

# Marts allowed to read a source directly, and why. The quality marts measure the raw
# deliveries themselves (rows before staging types and deduplicates them, the load ledger,
# the Great Expectations history), which no staging model keeps; int_quality__file_data_dates
# groups the raw batches for them and for the purge (incrementally, once for both). The purge's targets name raw
# rows by their coordinates (_file_hash, _row_number), which staging does not keep either.
# The scores' views read the tables `publics score` writes after the build, so that new scores
# show without a second dbt run (DECISIONLOG « Scores »).
SOURCE_READERS_ALLOWED = ("models/marts/quality/", "models/intermediate/gdpr/int_gdpr__purge_targets.sql",
                          "models/intermediate/quality/int_quality__file_data_dates.sql",
                          "models/marts/scores/fct_audience_scores.sql",
                          "models/marts/scores/quality_model_calibration.sql",
                          "models/marts/scores/quality_model_evaluations.sql")


def layer_of(node: dict) -> str:
    if node["resource_type"] in ("source", "seed"):
        return node["resource_type"]
    path = node["original_file_path"]
    if path.startswith("models/staging/"):
        return "base" if "/base/" in path else "staging"
    for layer in ("restricted", "intermediate", "marts"):
        if path.startswith(f"models/{layer}/"):
            return layer
    raise AssertionError(f"{node['unique_id']} ({path}) is in no known layer folder")


@pytest.fixture(scope="module")
def manifest(dbt_manifest: dict) -> dict:
    return dbt_manifest


def model_edges(manifest: dict) -> list[tuple[dict, dict]]:
    """(parent, model) for every model of the project and every node it reads."""
    nodes = {**manifest["nodes"], **manifest["sources"]}
    edges = []
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model" or node["package_name"] != "publics":
            continue
        for parent_id in node["depends_on"]["nodes"]:
            edges.append((nodes[parent_id], node))
    return edges


def forbidden_edges(manifest: dict) -> list[str]:
    bad = []
    for parent, child in model_edges(manifest):
        child_layer, parent_layer = layer_of(child), layer_of(parent)
        if parent_layer in ALLOWED[child_layer]:
            continue
        if parent_layer == "source" and child["original_file_path"].startswith(SOURCE_READERS_ALLOWED):
            continue
        bad.append(f"{child['name']} ({child_layer}) reads {parent['name']} ({parent_layer})")
    return sorted(bad)


def test_the_dag_runs_from_sources_to_marts(manifest: dict) -> None:
    assert len(model_edges(manifest)) > 50, "the manifest lists too few edges: is the project parsed?"
    bad = forbidden_edges(manifest)
    assert not bad, "edges against the layers' direction:\n  " + "\n  ".join(bad)


def test_no_intermediate_model_reads_a_mart(manifest: dict) -> None:
    readers = sorted(
        f"{child['name']} reads {parent['name']}"
        for parent, child in model_edges(manifest)
        if layer_of(child) == "intermediate" and layer_of(parent) == "marts"
    )
    assert not readers, "intermediate models reading marts:\n  " + "\n  ".join(readers)


def test_base_models_holding_identifiers_never_materialise(manifest: dict) -> None:
    """A base_ model is a shape shared by several models; one reading the contacts export holds
    direct identifiers and must be inlined (ephemeral), never a relation outside restricted."""
    for node in manifest["nodes"].values():
        if node["resource_type"] == "model" and layer_of(node) == "base" and "contacts" in node["name"]:
            assert node["config"]["materialized"] == "ephemeral", f"{node['name']} is {node['config']['materialized']}"
