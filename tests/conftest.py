"""Shared fixtures: the throwaway PostgreSQL cluster, fresh databases, the CLI as users run it."""

from __future__ import annotations

import codecs
import gzip
import hashlib
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from publics import warehouse

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
REFERENCE = FIXTURES / "reference"  # real public samples (PROVENANCE.md there)
PUBLICS = Path(sys.executable).parent / "publics"


def decoded_text(path: Path) -> str:
    """The text of a delivered file (gzip, UTF-16 or UTF-8 with or without BOM), decoded by the
    tests themselves, independently of the readers they check."""
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return data.decode("utf-16")
    return data.decode("utf-8-sig")


@pytest.fixture(scope="session")
def dbt_manifest(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The manifest a fresh `dbt parse` writes (parsing needs no database connection: the
    profile points at a closed port to prove it), parsed once per test session."""
    import json

    target = tmp_path_factory.mktemp("dbt_target")
    env = {**os.environ, "PUBLICS_DB_HOST": "127.0.0.1", "PUBLICS_DB_PORT": "9",
           "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    result = subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), "parse", "--project-dir", str(ROOT), "--profiles-dir", str(ROOT),
         "--target-path", str(target), "--log-path", str(target / "logs"), "--no-partial-parse"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, f"dbt parse failed:\n{result.stdout}\n{result.stderr}"
    return json.loads((target / "manifest.json").read_text(encoding="utf-8"))


@dataclass
class CliResult:
    code: int
    out: str

    def __str__(self) -> str:  # shown by pytest when an assertion on it fails
        return f"exit {self.code}\n{self.out}"


def cli_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment `publics` runs in for a test: ours without PUBLICS_* and DATABASE_URL, plus `env`."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("PUBLICS_") and k != "DATABASE_URL"}
    if env and "DATABASE_URL" in env and "PUBLICS_KEY_SECRET" not in env:
        # A server named by DATABASE_URL requires the keys' secret, as production does: the
        # test databases live on the project's local cluster, so they share its secret.
        full_env["PUBLICS_KEY_SECRET"] = warehouse.local_cluster().key_secret().decode()
    full_env.update(env or {})
    return full_env


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path = ROOT, timeout: int = 900) -> CliResult:
    """`publics …` in a subprocess, as a user would run it (stdout and stderr together)."""
    full_env = cli_env(env)
    proc = subprocess.run(
        [str(PUBLICS), *args], cwd=cwd, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, timeout=timeout, check=False,
    )
    return CliResult(proc.returncode, proc.stdout)


@pytest.fixture(scope="session")
def cluster() -> warehouse.LocalCluster:
    """The project's local cluster (the embedded default), started once for the whole run."""
    if os.environ.get("DATABASE_URL"):
        pytest.fail("unset DATABASE_URL: the tests start their own throwaway cluster")
    cluster = warehouse.local_cluster()
    cluster.start()
    # The test databases live on this cluster and share its keys' secret; a test that runs the
    # CLI in process with DATABASE_URL (which then requires the secret, as production does)
    # finds it in the environment, as run_cli passes it to a subprocess.
    os.environ.setdefault("PUBLICS_KEY_SECRET", cluster.key_secret().decode())
    return cluster


def _new_database(cluster: warehouse.LocalCluster):
    """A database the superuser creates for the owner role, which the test then connects as (as
    the pipeline does: the superuser only sets up the cluster, its roles and databases)."""
    admin = cluster.admin_info.with_db("postgres")
    name = f"publics_test_{uuid.uuid4().hex[:10]}"
    warehouse.create_database(admin, name, owner=warehouse.OWNER_ROLE)
    info = cluster.info.with_db(name)
    warehouse.ensure_schemas(info)
    yield info
    warehouse.drop_database(admin, name)


@pytest.fixture
def fresh_db(cluster: warehouse.LocalCluster):
    """A new, empty database on the throwaway cluster, dropped after the test."""
    yield from _new_database(cluster)


@pytest.fixture(scope="module")
def module_db(cluster: warehouse.LocalCluster):
    """A new database shared by the tests of one module (for read-only tests of a costly build)."""
    yield from _new_database(cluster)


@dataclass(frozen=True)
class DemoWarehouse:
    result: CliResult  # what `publics demo` printed
    out: Path  # its folder: inbox/, broken/, truth/
    env: dict[str, str]  # the environment that reaches its database (DATABASE_URL)
    info: warehouse.ConnInfo
    query: object  # querier(info)


DEMO_SCALE, DEMO_SEED = "0.02", "7"


@pytest.fixture(scope="session")
def demo_warehouse(cluster: warehouse.LocalCluster, tmp_path_factory) -> DemoWarehouse:
    """`publics demo --scale 0.02 --seed 7` run once for the whole test run, in its own database:
    the demo institution ingested, built and checked. Shared by the tests that read its marts,
    cards and pages against the planted truth (they must not change its data). Its retention
    purge is a dry run: the truth counts every record the generator wrote, the purge would
    remove its first season's prospects and invitation lists (test_demo_purge applies it on a
    copy)."""
    out = tmp_path_factory.mktemp("demo")
    for info in _new_database(cluster):
        env = {"DATABASE_URL": info.url, "PUBLICS_GDPR_PURGE": "dry-run"}
        result = run_cli("demo", "--scale", DEMO_SCALE, "--seed", DEMO_SEED, "--out", str(out), env=env)
        assert result.code == 0, result
        yield DemoWarehouse(result, out, env, info, querier(info))


def querier(info: warehouse.ConnInfo):
    """A function running one SQL query on `info` and returning its rows."""
    def run(sql: str, params: tuple = ()) -> list[tuple]:
        with warehouse.connect(info, autocommit=True) as conn:
            cur = conn.execute(sql, params)
            return cur.fetchall() if cur.description else []
    return run


@pytest.fixture
def query(fresh_db: warehouse.ConnInfo):
    return querier(fresh_db)


def assert_broken_files_reported(result: CliResult, planted: list[dict], quarantine: Path) -> None:
    """An ingestion of planted broken files: partial exit, no traceback, each file reported on
    its own ✘ line with its file, line and expected problem, and quarantined with its reason."""
    assert result.code == 2, result
    assert "Traceback" not in result.out
    reported = [line for line in result.out.splitlines() if line.strip().startswith("✘")]
    assert len(reported) == len(planted), result
    for item in planted:
        name = item["file"].rsplit("/", 1)[1]
        line = next((r for r in reported if name in r), None)
        assert line is not None, f"{name} not reported:\n{result}"
        where = f"{name}, line {item['line']}:" if item["line"] else f"{name}:"
        assert where in line and item["expected_problem"] in line, (line, item)
        assert (quarantine / name).exists() and (quarantine / f"{name}.reason.txt").exists()


def tree_digest(folder: Path) -> dict[str, str]:
    """Every file under `folder` and the sha256 of its bytes (byte-identical trees compare equal)."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_inbox_loaded_whole(query, counts: dict[str, int], table_of: dict[str, str]) -> None:
    """After an ingestion of a generated inbox: each raw table holds the rows written to the files
    it recognises (`table_of`: file-name prefix → raw table), none empty, and the ledger records
    each file with the rows written to it."""
    expected = dict.fromkeys(table_of.values(), 0)
    for name, n in counts.items():
        expected[next(t for prefix, t in table_of.items() if name.startswith(prefix))] += n
    got = {t: query(f"select count(*) from raw.{t}")[0][0] for t in expected}
    print(f"\nraw rows: {got}")
    assert got == expected and all(n > 0 for n in got.values())
    per_file = dict(query("select file_name, rows_loaded from raw.load_ledger where status = 'loaded'"))
    assert per_file == counts
