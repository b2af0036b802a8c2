"""GDPR metadata on every column, and the register and data map generated from it.

The metadata are read from the manifest a fresh `dbt parse` writes (no database: the profile
points at a closed port); the hand-made manifests below test the resolution and the checks on
their own. The committed docs/gdpr/*.md must be their current rendering (regenerate with
`publics gdpr register`), as for the glossary and the sources."""

from __future__ import annotations

import re

import pytest

from ingestion import contracts
from publics.gdpr import metadata, register
from publics.gdpr.metadata import Column, Vocabulary
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def manifest(dbt_manifest: dict) -> dict:
    return dbt_manifest


@pytest.fixture(scope="module")
def vocab() -> Vocabulary:
    return Vocabulary.load(ROOT)


def model(name: str, path: str, meta: dict, cols: dict[str, dict]) -> dict:
    return {"unique_id": f"model.publics.{name}", "resource_type": "model", "name": name,
            "original_file_path": path, "meta": {}, "config": {"meta": meta},
            "columns": {c: {"name": c, "meta": m, "config": {"meta": m}} for c, m in cols.items()}}


def hand_manifest(*nodes: dict) -> dict:
    return {"nodes": {n["unique_id"]: n for n in nodes}, "sources": {}}


def test_every_column_of_every_layer_has_a_known_category_purpose_and_retention(manifest, vocab) -> None:
    cols = metadata.columns(manifest)
    assert {c.layer for c in cols} == set(metadata.LAYERS)
    assert len(cols) > 1000, "too few columns: is the project parsed?"
    assert metadata.problems(cols, vocab) == []


def test_a_column_inherits_its_model_defaults_and_overrides_them() -> None:
    m = hand_manifest(model("fct_x", "models/marts/x.yml",
                            {"category": "transaction", "purpose": "billetterie", "retention": "client"},
                            {"order_id": {}, "buyer_person_key": {"category": "identité"}}))
    got = {c.column: (c.layer, c.category, c.purpose, c.retention) for c in metadata.columns(m)}
    assert got == {"order_id": ("marts", "transaction", "billetterie", "client"),
                   "buyer_person_key": ("marts", "identité", "billetterie", "client")}


def test_a_column_without_metadata_or_outside_the_vocabulary_is_named(vocab) -> None:
    m = hand_manifest(model("stg_y", "models/staging/y/_y__models.yml", {"category": "identité"},
                            {"email_key": {"purpose": "billetterie", "retention": "client"},
                             "mood": {"category": "humeur", "purpose": "billetterie", "retention": "forever"},
                             "phone_key": {"purpose": "billetterie", "retention": "no_personal_data"},
                             "name_key": {"retention": "client"}}))
    where = "models/staging/y/_y__models.yml: stg_y"
    assert metadata.problems(metadata.columns(m), vocab) == [
        f"{where}.mood: category 'humeur' is not in the vocabulary (seed gdpr_data_categories)",
        f"{where}.mood: retention 'forever' is not in the vocabulary (seed gdpr_retention_rules)",
        f"{where}.phone_key: category 'identité' is personal data, yet retention is 'no_personal_data'",
        f"{where}.name_key: no purpose in its meta (nor in its model's config meta)",
    ]


def test_every_score_or_segment_column_of_the_marts_is_flagged_as_profiling(manifest, vocab) -> None:
    scoring = [c for c in metadata.columns(manifest)
               if c.layer == "marts" and re.search(r"(^|_)(score|segment)s?($|_)", c.column)
               and c.column != "score_kind"]  # the name of a kind of score (the models' evaluations), not a person's
    assert {c.column for c in scoring} >= {"recency_score", "rfm_segment"}
    assert [f"{c.relation}.{c.column}" for c in scoring if not vocab.requires_aipd(c.purpose)] == []


def test_a_model_carrying_a_profiling_purpose_needs_an_impact_assessment(vocab) -> None:
    def col(relation: str, purpose: str) -> Column:
        return Column("marts", relation, "x", "models/marts/m.yml", "suivi de la relation commerciale", purpose, "client")
    flagged = register.aipd_models([col("dim_scores", "profilage"), col("dim_counts", "connaissance_publics")], vocab)
    assert flagged == {"dim_scores": ["x"]}


def test_every_contract_has_a_family_of_the_data_map_and_every_raw_entity_a_processor() -> None:
    settings = register.load_settings(ROOT)
    assert {s.name: s.family for s in contracts.all_sources() if s.family not in register.FAMILIES} == {}
    assert [e.label for e in contracts.all_entities() if register.processor_of(settings, e.label) is None] == []


def test_a_contract_gdpr_block_naming_an_unknown_column_or_key_is_an_error(tmp_path) -> None:
    base = ("source: s\nreader: delimited\nentities:\n  e:\n    table: s_e\n    files: ['*e*.csv']\n"
            "    required: [a]\ngdpr:\n  family: tableurs\n  entities:\n    e:\n")
    (tmp_path / "s.yml").write_text(base + "      columns: {b: {category: identité}}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"s.yml, e: gdpr names column\(s\) \['b'\]"):
        contracts._load(tmp_path / "s.yml")
    (tmp_path / "s.yml").write_text(base + "      categorie: identité\n", encoding="utf-8")
    with pytest.raises(ValueError, match="gdpr keys must be among"):
        contracts._load(tmp_path / "s.yml")
    (tmp_path / "s.yml").write_text(base + "      category: identité\n      columns: {a: {purpose: invitations}}\n",
                                    encoding="utf-8")
    (entity,) = contracts._load(tmp_path / "s.yml").entities
    assert entity.gdpr_of("a") == {"category": "identité", "purpose": "invitations"}


def test_the_committed_register_and_data_map_are_current(manifest) -> None:
    for path, text in register.renderings(ROOT, manifest).items():
        assert (ROOT / path).read_text(encoding="utf-8") == text, f"{path} is stale: run `publics gdpr register`"


def record(register_text: str, purpose_id: str) -> str:
    """The register's record of one purpose (its section)."""
    (section,) = [part for part in register_text.split("\n## ") if part.startswith("Traitement : ")
                  and part.split("\n", 1)[0].endswith(f"(`{purpose_id}`)")]
    return section


def test_the_register_names_the_controller_the_retention_the_transfers_and_the_aipd(manifest) -> None:
    text = register.renderings(ROOT, manifest)[register.REGISTER]
    settings = register.load_settings(ROOT)
    assert f"Responsable du traitement : {settings['controller']['name']}" in text
    assert f"(DPO) : {settings['dpo']['name']} — {settings['dpo']['contact']}" in text
    assert "- Activité 1 : Gestion de la billetterie et de la relation avec les spectateurs (`billetterie`)" in text
    assert "(`qualite_donnees`)" not in text.split("## Activités de traitement", 1)[1].split("\n## ", 1)[0]
    assert "- AIPD requise : `dim_persons` (`recency_score`, `frequency_score`, `monetary_score`, `rfm_segment`)" in text
    emailing = record(text, "prospection_email")
    assert "Prospects : 3 ans à compter du dernier contact émanant de la personne (36 mois, à compter de : dernier contact" in emailing
    assert "Mailchimp (The Rocket Science Group LLC (Intuit), États-Unis) : hors UE" in emailing
    assert "Catégories de personnes concernées : prospects, clients abonnés aux lettres" in emailing
    web = record(text, "mesure_audience")
    assert "Mesure d'audience : 25 mois à compter de la collecte" in web
    assert "Analyse d'impact (AIPD) : non requise pour cette finalité" in web
    profiling = record(text, "profilage")
    # the marketing list shows the RFM segment: a profiling output too
    assert ("Analyse d'impact (AIPD) : requise (`dash_05_subscriber_candidates`, `dash_06_subscriber_churn`, "
            "`dim_marketing_audience`, `dim_persons`, `fct_audience_scores`, `fct_person_season_features`)") in profiling
    # A purpose whose columns are all aggregates has no record, only a line among the aggregates.
    assert "## Traitement : Qualité et traçabilité" not in text
    assert "- Qualité et traçabilité des données (`qualite_donnees`) : " in text
    # The staff named in the marketing workbooks make that purpose a processing of its own.
    marketing = record(text, "pilotage_marketing")
    assert "vie professionnelle (2 colonne(s), p. ex. `responsable`)" in marketing
    assert "Collaborateurs cités dans les tableurs de pilotage" in marketing


def test_the_data_map_crosses_categories_and_source_families(manifest) -> None:
    text = register.renderings(ROOT, manifest)[register.DATA_MAP]
    header = "| Catégorie | Billetterie | CRM | Site web et analytics | Plateforme marketing | Réseaux sociaux | Tableurs |"
    assert header in text
    rows = {line.split(" | ")[0].lstrip("| "): line.strip("|").split("|")[1:]
            for line in text.split(header, 1)[1].split("\n\n", 1)[0].splitlines()[2:]}
    billetterie, crm, web, marketing, social, sheets = ([cell.strip() for cell in row] for row in zip(*rows.values()))
    categories = list(rows)
    assert categories[0] == "identité" and "aucune donnée personnelle" not in categories
    assert billetterie[categories.index("identité")].startswith("X (")
    assert billetterie[categories.index("règlement/paiement")] == "X (1)"  # orders.payment_state
    assert web[categories.index("règlement/paiement")] == ""
    assert social == [""] * len(categories)  # aggregates of the page only
    assert crm == [""] * len(categories)  # no CRM among the contracts
    assert marketing[categories.index("identité")].startswith("X (")  # Brevo contacts, Mailchimp activity
    assert sheets[categories.index("vie professionnelle")].startswith("X (")
    assert "`secutix.contacts.email`" in text


def test_a_new_raw_column_of_a_category_shows_in_its_cell(vocab) -> None:
    cols = [Column("raw", "spreadsheets.reviews", "pseudonym", "models/staging/x.yml", "avis", "invitations",
                   "invitation_list", source="spreadsheets")]
    text = register.markdown(register.data_map_blocks(cols, vocab))
    assert "| avis |  |  |  |  |  | X (1) |" in text


def test_the_html_page_holds_both_documents_escaped(manifest, vocab) -> None:
    cols = metadata.columns(manifest)
    page = register.html_page([register.register_blocks(cols, vocab, register.load_settings(ROOT)),
                               register.data_map_blocks(cols, vocab)])
    assert page.startswith("<!DOCTYPE html>") and page.count("<section>") == 2
    assert "<h1>Registre des activités de traitement</h1>" in page
    assert "<h1>Cartographie des données personnelles</h1>" in page
    assert "AIPD requise : <code>dim_persons</code>" in page
    assert "<script" not in page


def test_settings_without_a_dpo_contact_are_refused(tmp_path) -> None:
    (tmp_path / "gdpr").mkdir()
    text = (ROOT / register.SETTINGS).read_text(encoding="utf-8").replace("  contact: dpo@theatre-demo.example\n", "")
    (tmp_path / register.SETTINGS).write_text(text, encoding="utf-8")
    with pytest.raises(register.SettingsError, match="gdpr/register.yml: dpo lacks contact"):
        register.load_settings(tmp_path)


def test_publics_gdpr_register_is_a_command_of_the_gdpr_group() -> None:
    from publics import cli

    args = cli.parser().parse_args(["gdpr", "register", "--html", "out"])
    assert args.func is cli.cmd_gdpr and args.action == "register" and args.html == "out"
    with pytest.raises(SystemExit):
        cli.parser().parse_args(["gdpr"])  # an action is required
