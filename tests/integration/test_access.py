"""Who may do what in the warehouse: the reader role Metabase connects as reads `marts` and
nothing else, creates nothing anywhere, and cannot reach the `postgres` database. Each grant and
each refusal is tried for real, connected as the reader."""

from __future__ import annotations

import secrets

import psycopg
import pytest

from publics import warehouse


@pytest.fixture
def reader(cluster: warehouse.LocalCluster, fresh_db: warehouse.ConnInfo, query):
    """A warehouse with one table in every schema, and the reader's connection to it (its
    password is set by the superuser, at `publics db up`: the owner role may not)."""
    password = secrets.token_urlsafe(12)
    cluster.ensure_roles(reader_password=password)
    warehouse.ensure_schemas(fresh_db)
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


# --------------------------------------------------------------------------- the owner role
# The pipeline, dbt and the tests connect as the owner role on the local cluster; the superuser
# only sets up the cluster, its roles and databases (issue 15).


@pytest.fixture
def superuser_database(cluster: warehouse.LocalCluster):
    """A database the superuser made and filled the way the pipeline did before the owner role:
    schemas, a table with a serial, a view, a function, all the superuser's."""
    import uuid

    admin = cluster.admin_info.with_db("postgres")
    name = f"publics_test_{uuid.uuid4().hex[:10]}"
    warehouse.create_database(admin, name)
    info = cluster.admin_info.with_db(name)
    with warehouse.connect(info, autocommit=True) as conn:
        for schema in warehouse.SCHEMAS:
            conn.execute(f"create schema {schema}")
        conn.execute("create table raw.example (id serial primary key, email text)")
        conn.execute("insert into raw.example (email) values ('anne@example.fr')")
        conn.execute("create view marts.example_view as select id from raw.example")
        conn.execute("create function staging.one() returns int language sql as 'select 1'")
    yield name
    warehouse.drop_database(admin, name)


def test_the_pipeline_connects_as_the_owner_not_the_superuser(cluster, fresh_db) -> None:
    assert cluster.info.user == warehouse.OWNER_ROLE == fresh_db.user
    with warehouse.connect(fresh_db, autocommit=True) as conn:
        assert conn.execute("select rolsuper, rolcreaterole, rolcreatedb from pg_roles "
                            "where rolname = current_user").fetchone() == (False, False, False)
        owners = dict(conn.execute("select nspname, pg_get_userbyid(nspowner) from pg_namespace "
                                   "where nspname = any(%s)", (list(warehouse.SCHEMAS),)).fetchall())
        assert owners == dict.fromkeys(warehouse.SCHEMAS, warehouse.OWNER_ROLE)
    with warehouse.connect(cluster.admin_info, autocommit=True) as conn:
        assert conn.execute("select pg_get_userbyid(datdba) from pg_database where datname = %s",
                            (warehouse.DB_NAME,)).fetchone() == (warehouse.OWNER_ROLE,)


@pytest.mark.parametrize("statement", ["create role intruder", "create database intruder",
                                       "alter role publics_reader password 'x'"])
def test_the_owner_cannot_create_roles_or_databases(fresh_db, statement: str) -> None:
    with warehouse.connect(fresh_db, autocommit=True) as conn:
        assert refused(conn, statement)


def test_the_owner_cannot_reach_the_postgres_database(fresh_db) -> None:
    with pytest.raises(warehouse.DatabaseError, match="permission denied for database"):
        warehouse.connect(fresh_db.with_db("postgres"))


def test_the_owner_reads_nothing_in_a_database_it_does_not_own(cluster, superuser_database) -> None:
    with warehouse.connect(cluster.info.with_db(superuser_database), autocommit=True) as conn:
        assert refused(conn, "select * from raw.example")
        assert refused(conn, "create table marts.intruder (x int)")


def test_an_older_database_is_adopted_by_the_owner(cluster, superuser_database) -> None:
    admin = cluster.admin_info.with_db(superuser_database)
    assert warehouse.adopt_database(admin, warehouse.OWNER_ROLE) >= 1 + len(warehouse.SCHEMAS) + 3
    assert warehouse.adopt_database(admin, warehouse.OWNER_ROLE) == 0  # idempotent
    with warehouse.connect(cluster.info.with_db(superuser_database), autocommit=True) as conn:
        owned_by_others = conn.execute(
            "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace "
            "where n.nspname = any(%s) and pg_get_userbyid(c.relowner) <> current_user",
            (list(warehouse.SCHEMAS),)).fetchall()
        assert owned_by_others == []
        assert conn.execute("select email from raw.example").fetchall() == [("anne@example.fr",)]
        conn.execute("insert into raw.example (email) values ('bob@example.fr')")  # the serial is its too
        assert conn.execute("select staging.one(), count(*) from marts.example_view").fetchone() == (1, 2)
        conn.execute("drop schema raw cascade")
