"""One pipeline at a time, whatever the step; the warehouse set up twice at once; the run history
and its card on dashboard 18. Small: one model built (`--select quality_pipeline_runs`), a
one-file delivery ingested."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import uuid

import psycopg

from ingestion.locking import BUSY_EXIT, holder, pipeline_lock
from publics import pipeline, runs, warehouse
from publics.dashboards.definitions import discover, runnable_sql
from tests.conftest import FIXTURES, PUBLICS, ROOT, cli_env, querier, run_cli

GOOD = FIXTURES / "secutix" / "good"
BAD_FILE = FIXTURES / "secutix" / "bad" / "secutix_orders_wrong_delimiter.csv"
SMALL_BUILD = ["build", "--select", "quality_pipeline_runs"]


def popen_cli(*args: str, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([str(PUBLICS), *args], cwd=ROOT, env=cli_env(env), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def d18_runs_card(info: warehouse.ConnInfo) -> tuple[list[str], list[tuple]]:
    d18 = next(d for d in discover() if d.id == 18)
    card = next(c for c in d18.cards if c["id"] == "pipeline_runs")
    sql, params = runnable_sql(d18, card)
    with warehouse.connect(info, autocommit=True) as conn:
        cur = conn.execute(sql, params)
        return [c.name for c in cur.description], cur.fetchall()


def test_a_second_build_is_refused_naming_the_first_then_queues_with_wait(fresh_db, tmp_path):
    """Refused while a step holds the lock (exit 75, naming it); with --wait, two builds queue
    behind it and then behind each other: both succeed, neither collides with the other."""
    env = {"DATABASE_URL": fresh_db.url}
    query = querier(fresh_db)
    # A failing run first: a delivery folder that is not there.
    failed = run_cli("ingest", str(tmp_path / "missing"), env=env)
    assert failed.code == 1, failed

    with pipeline_lock(fresh_db, "build"):  # this process is "the first build"
        refused = run_cli(*SMALL_BUILD, env=env)
        assert refused.code == BUSY_EXIT, refused
        assert "build: another pipeline step is running on this database: build pid " \
               f"{os.getpid()}@" in refused.out, refused
        assert "--wait" in refused.out and "Traceback" not in refused.out
        queued = [popen_cli(*SMALL_BUILD, "--wait", "--wait-timeout", "600", env=env) for _ in range(2)]
        seen: list[list[str]] = []
        for proc in queued:
            lines = []
            for line in proc.stdout:
                lines.append(line)
                if "waiting" in line:
                    break
            assert "waiting" in lines[-1] and f"build pid {os.getpid()}@" in lines[-1], "".join(lines)
            seen.append(lines)
    outs = ["".join(lines) + proc.stdout.read() for lines, proc in zip(seen, queued, strict=True)]
    assert [proc.wait(timeout=600) for proc in queued] == [0, 0], outs
    assert all("lock obtained" in out for out in outs) and not any("already exists" in out for out in outs)

    history = query("select command, status, exit_code, message from quality.pipeline_runs order by started_at")
    assert [(c, s, e) for c, s, e, _ in history] == [  # the refusal is not a run
        ("ingest", "failed", 1), ("build", "ok", 0), ("build", "ok", 0)]
    assert "no such folder" in history[0][3]

    columns, rows = d18_runs_card(fresh_db)
    assert columns[:5] == ["debut", "commande", "declenchement", "statut", "a_verifier"]
    shown = sorted((r[1], r[3], r[4]) for r in rows)
    assert shown == [("build", "réussie", ""), ("build", "réussie", ""), ("ingest", "échec", "✘ à vérifier")]
    message = next(r[-1] for r in rows if r[1] == "ingest")
    assert "missing" in message and str(tmp_path) not in message  # the folder, not its path
    listed = run_cli("runs", "--last", "5", env=env)
    assert listed.code == 0 and "ingest" in listed.out and "failed" in listed.out, listed


def test_run_inside_run_is_reentrant_and_a_partial_run_is_recorded(fresh_db, tmp_path):
    folder = tmp_path / "inbox"
    shutil.copytree(GOOD, folder)
    shutil.copy(BAD_FILE, folder)
    with runs.writing(fresh_db, "run") as run:
        with pipeline_lock(fresh_db, "ingest"), warehouse.connect(fresh_db, autocommit=True) as other:
            assert holder(other).startswith(f"run > ingest pid {os.getpid()}@")  # re-entered, not deadlocked
        run.code = pipeline.do_ingest(folder, fresh_db, tmp_path / "q")  # takes the lock again
        with warehouse.connect(fresh_db, autocommit=True) as other:
            assert holder(other).startswith("run pid ")
    query = querier(fresh_db)
    assert query("select command, status, exit_code, rejected_files from quality.pipeline_runs") == [
        ("run", "partial", 2, 1)]
    steps = query("select step, status from quality.pipeline_run_steps order by step_no")
    assert steps == [(f"ingest {folder}", "ok")]
    with warehouse.connect(fresh_db, autocommit=True) as other:
        assert holder(other) is None  # released


def test_parallel_db_up_on_a_fresh_database_all_succeed(cluster):
    admin = cluster.admin_info.with_db("postgres")
    name = f"publics_test_{uuid.uuid4().hex[:10]}"
    warehouse.create_database(admin, name, owner=warehouse.OWNER_ROLE)  # nothing set up: no schema, no key material
    try:
        env = {"DATABASE_URL": cluster.info.with_db(name).url}
        procs = [popen_cli("db", "up", env=env) for _ in range(6)]
        outs = [p.communicate(timeout=300)[0] for p in procs]
        assert [p.returncode for p in procs] == [0] * 6, outs
        schemas = querier(cluster.info.with_db(name))(
            "select nspname from pg_namespace where nspname = any(%s) order by 1", (list(warehouse.SCHEMAS),))
        assert [s for (s,) in schemas] == sorted(warehouse.SCHEMAS)
        assert querier(cluster.info.with_db(name))("select count(*) from restricted.key_material") == [(1,)]
    finally:
        warehouse.drop_database(admin, name)


def test_parallel_starts_of_a_fresh_local_cluster_all_succeed():
    # Under the project's .local (as the real one): run as root, the cluster belongs to the
    # `postgres` user, who cannot enter pytest's private temporary folders.
    local = warehouse.LocalCluster(ROOT / ".local" / f"test-cluster-{uuid.uuid4().hex[:8]}")
    results: list[object] = []

    def start() -> None:
        try:
            results.append(warehouse.LocalCluster(local.root).start())
        except Exception as exc:  # noqa: BLE001 — collected, asserted below
            results.append(exc)

    threads = [threading.Thread(target=start) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    try:
        assert sorted(results, key=str) == [False, False, True], results  # one initialised and started it
        with psycopg.connect(host="127.0.0.1", port=local.info.port, user=local.info.user,
                             password=local.info.password, dbname=local.info.dbname) as conn:
            assert conn.execute("select 1").fetchone() == (1,)
    finally:
        local.stop()
        shutil.rmtree(local.root, ignore_errors=True)


def test_simultaneous_set_ups_of_fresh_databases_all_succeed(cluster):
    """The race itself, tight: set-ups released together by a barrier, on connections of their
    own, on fresh databases (the `CREATE SCHEMA IF NOT EXISTS` of two sessions collide on the
    catalog's unique index when nothing serialises them)."""
    admin = cluster.admin_info.with_db("postgres")
    secret = cluster.key_secret()
    names = [f"publics_test_{uuid.uuid4().hex[:10]}" for _ in range(3)]
    try:
        for name in names:
            warehouse.create_database(admin, name, owner=warehouse.OWNER_ROLE)
            info, barrier = cluster.info.with_db(name), threading.Barrier(8)
            errors: list[Exception] = []

            def set_up(info=info, barrier=barrier, errors=errors) -> None:
                barrier.wait()
                try:
                    warehouse.ensure_schemas(info, secret=secret)
                except Exception as exc:  # noqa: BLE001 — collected, asserted below
                    errors.append(exc)

            threads = [threading.Thread(target=set_up) for _ in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=120)
            assert errors == [], f"{name}: {errors}"
    finally:
        for name in names:
            warehouse.drop_database(admin, name)
