"""A load killed mid-file leaves nothing behind, and the next run gives the same raw content as an
uninterrupted load."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from publics import warehouse
from tests.conftest import PUBLICS, querier, run_cli

HEADER = "TICKET_ID;FILE_NUMBER;PERFORMANCE_ID;AUDIENCE_SUB_CATEGORY;PRICE;VAT_RATE;TICKET_STATE;CULTURAL_CONTACT_NUMBER;LAST_UPDATE"
ROWS = 400_000

CONTENT = (
    "select count(*), md5(string_agg(ticket_id || '|' || price || '|' || coalesce(cultural_contact_number, '') "
    "|| '|' || _row_number, ',' order by ticket_id)) from raw.secutix_tickets"
)


def big_tickets_file(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "secutix_tickets_20260301.csv"
    with open(path, "w", encoding="cp1252", newline="") as fh:
        fh.write(HEADER + "\r\n")
        for i in range(ROWS):
            holder = "" if i % 17 == 0 else str(1_000_000 + i % 5000)
            fh.write(f"T{i};O{i // 3};P{i % 200};PLEIN;{45000 + i % 7 * 500};5,5;VALID;{holder};01/03/2026 05:30:00\r\n")
    return path


def wait_for_copy(info: warehouse.ConnInfo, timeout: float = 60) -> None:
    """Until the ingestion's COPY has started streaming rows."""
    deadline = time.monotonic() + timeout
    with warehouse.connect(info, autocommit=True) as conn:
        while time.monotonic() < deadline:
            if conn.execute(
                "select 1 from pg_stat_progress_copy p join pg_stat_activity a using (pid) "
                "where a.datname = current_database() and p.tuples_processed > 1000"
            ).fetchone():
                return
            time.sleep(0.05)
    raise AssertionError("the COPY never started")


def test_killed_load_leaves_no_rows_and_rerun_equals_a_clean_load(fresh_db, cluster, tmp_path) -> None:
    folder = tmp_path / "inbox"
    big_tickets_file(folder)
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {"DATABASE_URL": fresh_db.url}
    proc = subprocess.Popen([str(PUBLICS), "ingest", str(folder), "--quarantine", str(tmp_path / "q")],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_for_copy(fresh_db)
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    query = querier(fresh_db)
    deadline = time.monotonic() + 30  # the server notices the dead client and rolls back
    while query("select count(*) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() "
                "and state <> 'idle'")[0][0] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert query("select count(*) from raw.secutix_tickets") == [(0,)]
    assert query("select count(*) from raw.load_ledger where status = 'loaded'") == [(0,)]

    again = run_cli("ingest", str(folder), "--quarantine", str(tmp_path / "q"), env={"DATABASE_URL": fresh_db.url})
    assert again.code == 0, again
    assert query("select load_method from raw.load_ledger where status = 'loaded'") == [("copy",)]  # the fast path
    killed_then_rerun = query(CONTENT)

    admin = cluster.admin_info.with_db("postgres")
    clean_name = fresh_db.dbname + "_clean"
    warehouse.create_database(admin, clean_name, owner=warehouse.OWNER_ROLE)
    try:
        clean = cluster.info.with_db(clean_name)
        warehouse.ensure_schemas(clean)
        assert run_cli("ingest", str(folder), "--quarantine", str(tmp_path / "q"), env={"DATABASE_URL": clean.url}).code == 0
        assert querier(clean)(CONTENT) == killed_then_rerun
    finally:
        warehouse.drop_database(admin, clean_name)
    assert killed_then_rerun[0][0] == ROWS
