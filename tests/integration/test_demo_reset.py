"""`publics demo` refuses a warehouse that already holds other files (another scale or seed, a
house's own deliveries): its figures reconcile with its truth only on its own files. `--reset`
empties the warehouse and the quarantine first."""
from __future__ import annotations

import uuid

from ingestion.connection import connect
from ingestion.ledger import ensure_ledger
from publics_demo.cli import foreign_files, reset_warehouse


def _ledger_row(info, path, size: int) -> None:
    with connect(info, autocommit=True) as conn:
        ensure_ledger(conn)
        conn.execute(
            "insert into raw.load_ledger (batch_id, file_name, file_path, file_hash, size_bytes, status, started_at)"
            " values (%s, %s, %s, 'h', %s, 'loaded', now())", (str(uuid.uuid4()), path.name, str(path), size))


def test_foreign_files_are_those_not_in_the_inbox_by_path_and_size(fresh_db, query, tmp_path, monkeypatch) -> None:
    inbox = tmp_path / "inbox" / "secutix"
    inbox.mkdir(parents=True)
    ours = inbox / "secutix_orders_20260101.csv"
    ours.write_text("a;b\n1;2\n", encoding="utf-8")
    assert foreign_files(fresh_db, tmp_path / "inbox") == []  # no ledger yet: an empty warehouse
    _ledger_row(fresh_db, ours, ours.stat().st_size)
    assert foreign_files(fresh_db, tmp_path / "inbox") == []
    other_scale = inbox / "secutix_orders_20260102.csv"          # not written by this demo
    _ledger_row(fresh_db, other_scale, 10)
    _ledger_row(fresh_db, ours, ours.stat().st_size + 5)          # same name, other content
    assert foreign_files(fresh_db, tmp_path / "inbox") == [str(ours), str(other_scale)]

    quarantine = tmp_path / "quarantine"
    (quarantine / "old").mkdir(parents=True)
    (quarantine / "old" / "bad.csv").write_text("x", encoding="utf-8")
    monkeypatch.setenv("PUBLICS_QUARANTINE", str(quarantine))
    query("create table marts.leftover (n int)")
    reset_warehouse(fresh_db)
    assert foreign_files(fresh_db, tmp_path / "inbox") == []
    assert query("select count(*) from information_schema.tables where table_schema = 'marts'") == [(0,)]
    assert not any(p.is_file() for p in quarantine.rglob("*"))
