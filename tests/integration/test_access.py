"""Who may do what in the warehouse: the reader role Metabase connects as reads `marts` and
nothing else, creates nothing anywhere, and cannot reach the `postgres` database. Each grant and
each refusal is tried for real, connected as the reader."""

from __future__ import annotations

import secrets

import psycopg
import pytest

from publics import warehouse


@pytest.fixture
def reader(fresh_db: warehouse.ConnInfo, query):
    """A warehouse with one table in every schema, and the reader's connection to it."""
    password = secrets.token_urlsafe(12)
    warehouse.ensure_schemas(fresh_db, reader_password=password)
    for schema in warehouse.SCHEMAS:
        query(f"create table {schema}.example (email text)")
        query(f"insert into {schema}.example values ('anne@example.fr')")
    info = warehouse.ConnInfo(fresh_db.host, fresh_db.port, warehouse.READER_ROLE, password, fresh_db.dbname)
    with warehouse.connect(info, autocommit=True) as conn:
        yield conn, info


def refused(conn, statement: str) -> bool:
    try:
        conn.execute(statement)
    except psycopg.errors.InsufficientPrivilege:
        return True
    return False


def test_the_reader_reads_the_marts(reader) -> None:
    conn, _ = reader
    assert conn.execute("select email from marts.example").fetchall() == [("anne@example.fr",)]
    assert conn.execute("select current_user").fetchone()[0] == warehouse.READER_ROLE


@pytest.mark.parametrize("schema", [s for s in warehouse.SCHEMAS if s != "marts"])
def test_the_reader_reads_no_other_schema(reader, schema: str) -> None:
    conn, _ = reader
    assert refused(conn, f"select * from {schema}.example")


def test_dashboard_18_needs_no_quality_grant(reader) -> None:
    """Decision: dashboard 18 reads marts.dash_18_data_quality (a mart over the quality history),
    so the reader has nothing in `quality`."""
    import yaml

    from tests.conftest import ROOT

    definition = yaml.safe_load((ROOT / "dashboards" / "18_qualite_des_donnees.yml").read_text(encoding="utf-8"))
    assert definition["dataset"].startswith("marts.")
    assert refused(reader[0], "select * from quality.example")


@pytest.mark.parametrize("statement", [
    "create table marts.mine (x int)",
    "create table public.mine (x int)",
    "create temporary table mine (x int)",
    "create schema mine",
    "create view marts.mine as select 1 as x",
])
def test_the_reader_creates_nothing(reader, statement: str) -> None:
    assert refused(reader[0], statement)


def test_the_reader_cannot_connect_to_the_postgres_database(reader) -> None:
    _, info = reader
    with pytest.raises(warehouse.DatabaseError, match="permission denied for database"):
        warehouse.connect(info.with_db("postgres"))


def test_the_reader_lists_no_column_outside_the_marts(reader) -> None:
    conn, _ = reader
    schemas = {r[0] for r in conn.execute("select distinct table_schema from information_schema.columns "
                                          "where table_schema = any(%s)", (list(warehouse.SCHEMAS),))}
    assert schemas == {"marts"}


def test_the_reader_cannot_read_the_key_material(reader) -> None:
    assert refused(reader[0], "select * from restricted.key_material")
