"""The keys in SQL: the dbt macros (keyed_hash, pseudonymise) give exactly what the Python twin
(ingestion.keys, which the erasure tombstones call) gives; the secret comes from the environment
or the local cluster, and a server named by DATABASE_URL without it is a clear error."""

from __future__ import annotations

from pathlib import Path

from ingestion import keys
from publics import dbt_runner, warehouse
from tests.conftest import run_cli

EMAILS = ["  Anne.Dupont@Exemple.FR ", "helene.dupre@example.fr", "ZOE@EXAMPLE.FR"]


def compiled(info: warehouse.ConnInfo, inline: str) -> str:
    res = dbt_runner.invoke(info, ["compile", "--quiet", "--inline", inline])
    assert res.success, res.exception
    return res.result.results[0].node.compiled_code


def test_the_sql_macros_agree_with_the_python_keys(fresh_db: warehouse.ConnInfo, query) -> None:
    emails = ", ".join(f"('{e}')" for e in EMAILS)
    code = compiled(fresh_db, (
        "select e, {{ publics.pseudonymise('e') }} as email_key, {{ publics.keyed_hash(\"'1000001'\") }} as person_key "
        f"from (values {emails}) as t(e)"))
    assert "key_material" in code and keys.SECRET_ENV not in code
    secret = warehouse.key_secret()
    rows = query(code)
    assert {e: k for e, k, _ in rows} == {e: keys.email_key(e, secret) for e in EMAILS}
    assert {p for _, _, p in rows} == {keys.person_key("1000001", secret)}
    assert rows[0][1] != query("select md5('anne.dupont@exemple.fr')")[0][0]


def test_a_new_secret_replaces_the_key_material(fresh_db: warehouse.ConnInfo, query) -> None:
    before = query("select fingerprint from restricted.key_material")
    warehouse.ensure_schemas(fresh_db, secret=b"rotated")
    after = query("select fingerprint from restricted.key_material")
    assert before != after == [(keys.fingerprint(b"rotated"),)]
    assert query("select encode(sha256(outer_pad || sha256(inner_pad || convert_to('x', 'UTF8'))), 'hex') "
                 "from restricted.key_material")[0][0] == keys.keyed_hash("x", b"rotated")


def test_dbt_stops_without_key_material(fresh_db: warehouse.ConnInfo, query) -> None:
    query("drop table restricted.key_material")
    res = dbt_runner.invoke(fresh_db, ["run", "--select", "stg_social__posts"])
    assert not res.success
    assert "restricted.key_material is missing" in str(res.exception or res.result)


def test_a_database_url_without_the_secret_is_a_clear_error(fresh_db: warehouse.ConnInfo, tmp_path: Path) -> None:
    (tmp_path / "dbt_project.yml").write_text("name: test_home\n")
    result = run_cli("db", "up", env={"PUBLICS_HOME": str(tmp_path), "DATABASE_URL": fresh_db.url,
                                      "PUBLICS_KEY_SECRET": ""})
    assert result.code == 1, result
    assert "✘ database: PUBLICS_KEY_SECRET is not set" in result.out and "Traceback" not in result.out
