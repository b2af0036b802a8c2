"""`publics db`: the embedded default cluster, idempotent start, stop, and DATABASE_URL."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest

from publics import warehouse
from tests.conftest import ROOT, run_cli


@pytest.fixture
def home():
    """A project home of its own (PUBLICS_HOME) so the test owns the cluster it starts. It lives
    under the project's .local/ because the `postgres` system user must be able to reach it."""
    path = ROOT / ".local" / "test-homes" / uuid.uuid4().hex[:8]
    path.mkdir(parents=True)
    (path / "dbt_project.yml").write_text("name: test_home\n")
    yield path
    cluster = warehouse.LocalCluster(path / ".local" / "pg")
    if cluster.initialised:
        cluster.stop()
    shutil.rmtree(path, ignore_errors=True)


def postmasters_for(data_dir: Path) -> int:
    """How many running postgres server processes serve this data directory."""
    count = 0
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if cmdline and cmdline[0].endswith(b"postgres") and str(data_dir).encode() in cmdline:
            count += 1
    return count


def test_db_up_twice_leaves_one_cluster_and_down_stops_it(home: Path) -> None:
    env = {"PUBLICS_HOME": str(home)}
    first = run_cli("db", "up", env=env)
    assert first.code == 0, first
    assert "local cluster started" in first.out
    data = home / ".local" / "pg" / "data"
    pid = (data / "postmaster.pid").read_text().split()[0]

    second = run_cli("db", "up", env=env)
    assert second.code == 0, second
    assert "already running" in second.out
    assert (data / "postmaster.pid").read_text().split()[0] == pid
    assert postmasters_for(data) == 1

    url = run_cli("db", "url", env=env).out.strip()
    info = warehouse.ConnInfo.from_url(url)
    with warehouse.connect(info) as conn:
        schemas = {r[0] for r in conn.execute("select nspname from pg_namespace")}
        listen = conn.execute("show listen_addresses").fetchone()[0]
    assert set(warehouse.SCHEMAS) <= schemas
    assert listen == "127.0.0.1"

    assert run_cli("db", "status", env=env).code == 0
    down = run_cli("db", "down", env=env)
    assert down.code == 0 and "stopped" in down.out, down
    assert postmasters_for(data) == 0
    assert run_cli("db", "status", env=env).code == 1
    assert "was not running" in run_cli("db", "down", env=env).out


def test_database_url_is_honoured(home: Path, fresh_db: warehouse.ConnInfo, query) -> None:
    query("drop schema marts cascade")
    result = run_cli("db", "up", env={"PUBLICS_HOME": str(home), "DATABASE_URL": fresh_db.url})
    assert result.code == 0, result
    assert "DATABASE_URL" in result.out
    assert not (home / ".local" / "pg").exists(), "no local cluster may be created when DATABASE_URL is set"
    schemas = {r[0] for r in query("select nspname from pg_namespace")}
    assert set(warehouse.SCHEMAS) <= schemas
    assert run_cli("db", "url", env={"DATABASE_URL": fresh_db.url}).out.strip() == fresh_db.url


def test_unreachable_database_url_is_a_clear_error(home: Path) -> None:
    result = run_cli("db", "up", env={"PUBLICS_HOME": str(home), "DATABASE_URL": "postgresql://x:y@127.0.0.1:1/nope"})
    assert result.code == 1
    assert "✘ database: cannot connect to 127.0.0.1:1/nope" in result.out
    assert "Traceback" not in result.out


def test_reader_role_sees_marts_only(fresh_db: warehouse.ConnInfo, query) -> None:
    query("create table marts.example (x int)")
    query("create table restricted.identities (email text)")
    privileges = dict(
        query(
            "select schema, has_schema_privilege(%s, schema, 'USAGE') from unnest(%s::text[]) as schema",
            (warehouse.READER_ROLE, list(warehouse.SCHEMAS)),
        )
    )
    assert privileges == {s: s == "marts" for s in warehouse.SCHEMAS}
    assert query("select has_table_privilege(%s, 'marts.example', 'SELECT')", (warehouse.READER_ROLE,))[0][0]


def test_the_pgserver_wheel_runs_the_cluster_where_the_machine_has_no_postgresql(home: Path) -> None:
    """The fallback for machines without system binaries: the PostgreSQL shipped in the wheel."""
    bindir = warehouse.pgserver_bindir()
    assert bindir is not None, "pgserver is in requirements.lock"
    env = {"PUBLICS_HOME": str(home), "PUBLICS_PG_BIN": str(bindir)}
    up = run_cli("db", "up", env=env)
    assert up.code == 0, up
    info = warehouse.ConnInfo.from_url(run_cli("db", "url", env=env).out.strip())
    with warehouse.connect(info) as conn:
        version = conn.execute("show server_version").fetchone()[0]
    data = home / ".local" / "pg" / "data"
    binary = Path(f"/proc/{(data / 'postmaster.pid').read_text().split()[0]}/exe").resolve()
    assert binary == (bindir / "postgres").resolve(), binary
    assert version.split(".")[0].isdigit()
    assert run_cli("db", "down", env=env).code == 0


def test_a_rejected_file_leaves_no_row_in_the_server_log(home: Path, tmp_path: Path) -> None:
    """A COPY that fails logs an ERROR; with the cluster's log settings its CONTEXT line (which
    quotes the offending row) and its statement stay out of the log: no e-mail in it."""
    from ingestion import loader

    env = {"PUBLICS_HOME": str(home)}
    assert run_cli("db", "up", env=env).code == 0
    info = warehouse.ConnInfo.from_url(run_cli("db", "url", env=env).out.strip())
    with warehouse.connect(info) as conn:
        settings = dict(conn.execute(
            "select name, setting from pg_settings where name in ('log_error_verbosity', 'log_min_error_statement')"))
    assert settings == {"log_error_verbosity": "terse", "log_min_error_statement": "panic"}
    warehouse.ensure_schemas(info, secret=b"log test")
    inbox = tmp_path / "in"
    inbox.mkdir()
    header = "CONTACT_NUMBER;CONTACT_TYPE;FIRSTNAME;LASTNAME;EMAIL;ZIPCODE;COMMENT;LAST_UPDATE"
    rows = ["1000001;INDIVIDUAL;Hélène;Dupré;helene.dupre@example.fr;75011;;01/02/2026 10:00:00",
            "1000002;INDIVIDUAL;Jean;Martin;jean.martin@example.fr;75012;;01/02/2026 10:00:00;surplus"]
    (inbox / "secutix_contacts_20260201.csv").write_bytes("\r\n".join([header, *rows, ""]).encode("cp1252"))
    report = loader.ingest(inbox, info, tmp_path / "q", progress=lambda _: None)
    assert [r.status for r in report.results] == ["rejected"]
    log = (home / ".local" / "pg" / "postgres.log").read_text(errors="replace")
    assert "extra data after last expected column" in log  # the COPY did fail, and was logged
    assert "@" not in log and "Martin" not in log and "CONTEXT" not in log and "STATEMENT" not in log, log
