"""`publics audiences export|exports` on hand-made tables of the marts' and restricted's shapes
(the scores, `marts.fct_audience_scores`, are another branch's: a table of their interface here):
who is exported, the ledger, and who may export."""

from __future__ import annotations

import csv
import secrets

import pytest

from publics import warehouse
from tests.conftest import run_cli

SCORES = """create table marts.fct_audience_scores (person_key text, season text, score_kind text,
    probability numeric, decile int, top_features text, scored_at timestamptz, model_version text)"""


@pytest.fixture
def lists(fresh_db, query):
    """p1–p5 with contacts; p4 is not in dim_marketing_contacts (it objected, or gave no consent:
    dbt decides, unit test exported_lists_hold_no_objector_and_no_one_without_consent)."""
    query("create table restricted.restricted_contact_identities (contact_id text, first_name text, "
          "last_name text, structure_name text, email text, updated_at timestamp)")
    query("insert into restricted.restricted_contact_identities values "
          "('C1', 'Anne', 'Dupont', null, 'anne@example.fr', now()), ('C2', 'Bob', 'Martin', null, 'bob@example.fr', now()), "
          "('C3', null, null, 'Lycée Molière', 'ce.075@ac-paris.fr', now()), ('C4', 'Oscar', 'Opposé', null, 'oscar@example.fr', now()), "
          "('C5', 'Eve', 'Durand', null, 'eve@example.fr', now())")
    query("create table marts.dim_marketing_contacts (person_key text, contact_id text, email_key text)")
    query("insert into marts.dim_marketing_contacts values ('p1', 'C1', 'k1'), ('p2', 'C2', 'k2'), "
          "('p3', 'C3', 'k3'), ('p5', 'C5', 'k5')")
    query("create table marts.dim_prospects (person_key text, is_near_retention_limit boolean)")
    query("insert into marts.dim_prospects values ('p1', true), ('p2', false), ('p3', true), ('p4', true)")
    return {"DATABASE_URL": fresh_db.url}


def rows_of(path, delimiter):
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh, delimiter=delimiter))


def test_prospects_near_the_limit_exported_for_brevo_and_recorded(lists, query, tmp_path) -> None:
    out = tmp_path / "relance.csv"
    result = run_cli("audiences", "export", "prospects-a-relancer", "--format", "brevo",
                     "--purpose", "relance avant purge", "--out", str(out), env=lists)
    assert result.code == 0, result
    rows = rows_of(out, ";")
    assert rows[0] == ["EMAIL", "FIRSTNAME", "LASTNAME"]
    # p4 is near the limit but not exportable (objection or no consent); p2 is not near it
    assert rows[1:] == [["anne@example.fr", "Anne", "Dupont"], ["ce.075@ac-paris.fr", "", "Lycée Molière"]]
    ledger = query("select list_name, purpose, contacts, format, role, file_name from restricted.audience_export_ledger")
    assert ledger == [("prospects-a-relancer", "relance avant purge", 2, "brevo", warehouse.OWNER_ROLE, "relance.csv")]
    listing = run_cli("audiences", "exports", env=lists)
    assert listing.code == 0 and "prospects-a-relancer" in listing.out and "relance avant purge" in listing.out, listing


def test_scored_list_reads_deciles_one_and_two_of_the_latest_season(lists, query, tmp_path) -> None:
    query(SCORES)
    query("insert into marts.fct_audience_scores (person_key, season, score_kind, probability, decile) values "
          "('p1', '2025-26', 'attrition', 0.9, 1), ('p2', '2025-26', 'attrition', 0.7, 2), "
          "('p3', '2025-26', 'attrition', 0.2, 3), ('p4', '2025-26', 'attrition', 0.95, 1), "
          "('p5', '2024-25', 'attrition', 0.9, 1), ('p5', '2025-26', 'abonnement', 0.9, 1)")
    out = tmp_path / "risque.csv"
    result = run_cli("audiences", "export", "abonnes-a-risque", "--format", "mailchimp",
                     "--purpose", "campagne de réabonnement", "--out", str(out), env=lists)
    assert result.code == 0, result
    rows = rows_of(out, ",")
    assert rows[0] == ["Email Address", "First Name", "Last Name", "Tags"]
    assert [r[0] for r in rows[1:]] == ["anne@example.fr", "bob@example.fr"]
    assert query("select contacts, format from restricted.audience_export_ledger") == [(2, "mailchimp")]


def test_scored_list_without_scores_says_to_score_first(lists, query, tmp_path) -> None:
    out = tmp_path / "candidats.csv"
    result = run_cli("audiences", "export", "candidats-abonnement", "--format", "brevo",
                     "--purpose", "x", "--out", str(out), env=lists)
    assert result.code == 1 and "lancez d'abord `publics score`" in result.out, result
    assert not out.exists()


def test_a_role_without_restricted_is_refused(cluster, fresh_db, lists, query, tmp_path) -> None:
    password = secrets.token_urlsafe(12)
    cluster.ensure_roles(reader_password=password)
    warehouse.ensure_schemas(fresh_db)
    reader = warehouse.ConnInfo(fresh_db.host, fresh_db.port, warehouse.READER_ROLE, password, fresh_db.dbname)
    out = tmp_path / "refused.csv"
    result = run_cli("audiences", "export", "prospects-a-relancer", "--format", "brevo",
                     "--purpose", "essai", "--out", str(out), env={"DATABASE_URL": reader.url})
    assert result.code == 2, result
    assert f"the role {warehouse.READER_ROLE} may not read the schema restricted" in result.out
    assert not out.exists()
    assert query("select to_regclass('restricted.audience_export_ledger')") == [(None,)]
    assert run_cli("audiences", "exports", env={"DATABASE_URL": reader.url}).code == 2
