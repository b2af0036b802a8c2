"""Bad input never crashes, never blocks the next run: an error no reader foresaw is that file's
rejection (quarantined, in the ledger, the others load); a fault of the database is one line
naming the file in progress, exit 1, nothing partial; the quarantine keeps every rejected file;
the bounds of a delivery give the same answer on every path."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ingestion import landing
from ingestion.loader import prepare
from ingestion.readers import delimited
from publics import cli, warehouse
from tests.conftest import FIXTURES, run_cli

SECUTIX = FIXTURES / "secutix" / "good"
HEADER = "CONTACT_NUMBER;CONTACT_TYPE;FIRSTNAME;LASTNAME;EMAIL;ZIPCODE;COMMENT;LAST_UPDATE"


def inbox(tmp_path: Path, *names: str) -> Path:
    folder = tmp_path / "inbox" / "secutix"
    folder.mkdir(parents=True)
    for name in names:
        shutil.copy(SECUTIX / name, folder / name)
    return folder.parent


def ingest_in_process(folder: Path, quarantine: Path, db, monkeypatch, capsys) -> tuple[int, str]:
    monkeypatch.setenv("DATABASE_URL", db.url)
    code = cli.main(["ingest", str(folder), "--quarantine", str(quarantine)])
    return code, capsys.readouterr().out


def test_an_unforeseen_reader_error_is_that_files_rejection_and_the_run_goes_on(
        fresh_db, query, tmp_path, monkeypatch, capsys) -> None:
    folder = inbox(tmp_path, "secutix_contacts_20260101.csv", "secutix_orders_20260101.csv")
    real = delimited.read_secutix_csv

    def broken(path, entity):
        if "contacts" in path.name:
            raise RuntimeError("the reader tripped")
        return real(path, entity)

    monkeypatch.setattr(delimited, "read_secutix_csv", broken)
    quarantine = tmp_path / "q"
    for run in (1, 2):  # the re-run does not stop on it either
        code, out = ingest_in_process(folder, quarantine, fresh_db, monkeypatch, capsys)
        assert code == 2 and "Traceback" not in out, out
        assert ("✘ secutix_contacts_20260101.csv: could not be read (unexpected error: RuntimeError: "
                "the reader tripped)") in out, out
        assert "(unknown)" not in out
    ledger = query("select file_name, status, source, quarantined_to from raw.load_ledger order by ledger_id")
    assert {src for _n, _s, src, _q in ledger} == {"secutix"}
    assert sorted((n, s) for n, s, _src, _q in ledger) == [
        ("secutix_contacts_20260101.csv", "rejected"), ("secutix_contacts_20260101.csv", "rejected"),
        ("secutix_orders_20260101.csv", "loaded"), ("secutix_orders_20260101.csv", "skipped")]
    copies = {q for _n, s, _src, q in ledger if s == "rejected"}
    assert copies == {str(quarantine / "secutix_contacts_20260101.csv")}
    assert query("select count(*) > 0 from raw.secutix_orders") == [(True,)]


def test_a_rejected_file_of_an_unknown_name_shows_the_source_of_its_folder(fresh_db, tmp_path) -> None:
    folder = tmp_path / "inbox" / "secutix"
    folder.mkdir(parents=True)
    (folder / "export_du_jour.csv").write_text(HEADER + "\n", encoding="utf-8")
    result = run_cli("ingest", str(folder.parent), "--quarantine", str(tmp_path / "q"),
                     env={"DATABASE_URL": fresh_db.url})
    assert result.code == 2, result
    assert "(unknown)" not in result.out and "  secutix " in result.out, result


def test_a_lock_timeout_is_one_line_naming_the_file_and_exit_1_and_nothing_partial(fresh_db, query, tmp_path) -> None:
    folder = inbox(tmp_path, "secutix_contacts_20260101.csv")
    env = {"DATABASE_URL": fresh_db.url, "PGOPTIONS": "-c lock_timeout=300"}
    prepare(fresh_db)
    with warehouse.connect(fresh_db) as holder:
        holder.execute("lock table raw.secutix_contacts in access exclusive mode")
        result = run_cli("ingest", str(folder), "--quarantine", str(tmp_path / "q"), env=env)
        holder.rollback()
    assert result.code == 1 and "Traceback" not in result.out, result
    line = next(x for x in result.out.splitlines() if "database fault" in x)
    assert "while loading secutix_contacts_20260101.csv: a table lock could not be obtained in time" in line
    assert "then run the ingestion again" in line
    assert query("select count(*) from raw.secutix_contacts") == [(0,)]
    assert query("select count(*) from raw.load_ledger") == [(0,)]
    assert not (tmp_path / "q").exists()
    again = run_cli("ingest", str(folder), "--quarantine", str(tmp_path / "q"), env=env)
    assert again.code == 0, again


def test_a_statement_timeout_is_one_line_and_exit_1(fresh_db, query, tmp_path, monkeypatch, capsys) -> None:
    folder = inbox(tmp_path, "secutix_contacts_20260101.csv", "secutix_orders_20260101.csv")

    def slow(conn, entity, *args):
        conn.execute("set local statement_timeout = '50ms'")
        conn.execute("select pg_sleep(2)")

    monkeypatch.setattr(landing, "_copy_file", slow)
    monkeypatch.setenv("PUBLICS_INGEST_WORKERS", "1")
    code, out = ingest_in_process(folder, tmp_path / "q", fresh_db, monkeypatch, capsys)
    assert code == 1 and "Traceback" not in out, out
    assert "database fault while loading secutix_" in out and "cancelled the statement" in out, out
    assert query("select count(*) from raw.load_ledger where status = 'loaded'") == [(0,)]


def test_the_quarantine_keeps_two_rejected_files_of_the_same_name(fresh_db, query, tmp_path) -> None:
    root = tmp_path / "inbox" / "secutix"
    for sub, header in (("monday", "CONTACT_NUMBER;FIRSTNAME"), ("tuesday", "CONTACT_TYPE;LASTNAME")):
        (root / sub).mkdir(parents=True)
        (root / sub / "secutix_contacts_20260301.csv").write_text(header + "\n1;x\n", encoding="utf-8")
    quarantine = tmp_path / "q"
    result = run_cli("ingest", str(tmp_path / "inbox"), "--quarantine", str(quarantine),
                     env={"DATABASE_URL": fresh_db.url})
    assert result.code == 2, result
    ledger = query("select file_path, quarantined_to from raw.load_ledger where status = 'rejected'")
    copies = [Path(q) for _p, q in ledger]
    assert len(set(copies)) == 2 and all(c.exists() for c in copies)
    for path, copy in ledger:
        assert Path(copy).read_bytes() == Path(path).read_bytes()
        assert Path(copy + ".reason.txt").exists()


def test_bounds_give_the_same_answer_on_every_path(fresh_db, query, tmp_path) -> None:
    folder = tmp_path / "inbox" / "secutix"
    folder.mkdir(parents=True)
    row = "10{n};INDIVIDUAL;{first};Dupré;a@example.fr;75011;;01/02/2026 10:00:00"
    big = "é" * 200_000  # a 200 KB cell: loads, through COPY and through the row path alike
    (folder / "secutix_contacts_a_big_cell.csv").write_text(
        "\n".join([HEADER, row.format(n=1, first=big), row.format(n=2, first="Zoé")]) + "\n", encoding="utf-8")
    (folder / "secutix_contacts_b_big_cell_blank_line.csv").write_text(
        "\n".join([HEADER, row.format(n=3, first=big), "", row.format(n=4, first="Zoé")]) + "\n", encoding="utf-8")
    wide = HEADER + "".join(f";EXTRA_{i}" for i in range(1_700))
    (folder / "secutix_contacts_c_1700_columns.csv").write_text(wide + "\n", encoding="utf-8")
    long_names = HEADER + ";" + "L" * 70 + "_a;" + "L" * 70 + "_b"
    (folder / "secutix_contacts_d_long_names.csv").write_text(
        long_names + "\n" + row.format(n=5, first="Ana") + ";x;y\n", encoding="utf-8")
    (folder / "secutix_contacts_e_cut.csv").write_text(HEADER + "\n" + row.format(n=6, first="Léa")[:-3],
                                                       encoding="utf-8")
    utf8 = (HEADER + "\n" + row.format(n=7, first="Hélène") + "\n").encode("utf-8")
    (folder / "secutix_contacts_f_bad_byte.csv").write_bytes(utf8.replace(b"Dupr\xc3\xa9", b"Dupr\xc3\x28", 1))
    ga4 = tmp_path / "inbox" / "ga4"
    ga4.mkdir()
    event = json.loads((FIXTURES / "ga4" / "good" / "events_20240315.ndjson").read_text().splitlines()[0])
    event["event_params"] = [{"key": "deep", "value": json.loads("[" * 150 + "1" + "]" * 150)}]
    (ga4 / "events_20240401_deep.ndjson").write_text(json.dumps(event) + "\n", encoding="utf-8")
    event["event_params"] = [{"key": "deep", "value": json.loads("[" * 50 + "1" + "]" * 50)}]
    (ga4 / "events_20240402_nested_50.ndjson").write_text(json.dumps(event) + "\n", encoding="utf-8")

    result = run_cli("ingest", str(tmp_path / "inbox"), "--quarantine", str(tmp_path / "q"),
                     env={"DATABASE_URL": fresh_db.url})
    assert result.code == 2 and "Traceback" not in result.out, result
    ledger = {n: (s, m, e, w) for n, s, m, e, w in query(
        "select file_name, status, load_method, error, warnings from raw.load_ledger")}
    assert ledger["secutix_contacts_a_big_cell.csv"][:2] == ("loaded", "copy")
    assert ledger["secutix_contacts_b_big_cell_blank_line.csv"][:2] == ("loaded", "rows")
    assert query("select count(*) from raw.secutix_contacts where firstname = %s", (big,)) == [(2,)]
    status, _m, error, _w = ledger["secutix_contacts_c_1700_columns.csv"]
    assert status == "rejected" and error == (
        "secutix_contacts_c_1700_columns.csv, line 1: 1,708 fields in the header, more than the 1,600 a file "
        "may have (PostgreSQL's limit of columns)")
    assert ledger["secutix_contacts_d_long_names.csv"][0] == "loaded"
    assert query("select _extra from raw.secutix_contacts where contact_number = '105'") == [
        ({"l" * 70 + "_a": "x", "l" * 70 + "_b": "y"},)]
    status, _m, _e, warnings = ledger["secutix_contacts_e_cut.csv"]
    assert status == "loaded" and warnings == [
        "line 2, the last one, has no line break at its end: the file may have been cut short (check its last value)"]
    status, _m, error, _w = ledger["secutix_contacts_f_bad_byte.csv"]
    assert status == "rejected" and error.startswith("secutix_contacts_f_bad_byte.csv, line 2: not valid UTF-8"), error
    assert "damaged byte" in error
    status, _m, error, _w = ledger["events_20240401_deep.ndjson"]
    assert status == "rejected" and error == (
        "events_20240401_deep.ndjson, line 1: JSON nested more than 100 levels deep (the most a record may be)")
    assert ledger["events_20240402_nested_50.ndjson"][:2] == ("loaded", "copy")
    columns = query("select count(*) from information_schema.columns where table_schema = 'raw' "
                    "and table_name = 'secutix_contacts'")[0][0]
    assert columns < 40  # drift went to _extra: the table did not widen


@pytest.mark.parametrize("depth", [101, 5_000])
def test_deep_json_is_rejected_alike_in_ga4_and_matomo(fresh_db, tmp_path, depth) -> None:
    nested = "[" * depth + "1" + "]" * depth
    (tmp_path / "inbox" / "ga4").mkdir(parents=True)
    (tmp_path / "inbox" / "matomo").mkdir(parents=True)
    line = (FIXTURES / "ga4" / "good" / "events_20240315.ndjson").read_text().splitlines()[0]
    (tmp_path / "inbox" / "ga4" / "events_20240401.ndjson").write_text(
        line[:-1] + f', "deep": {nested}}}\n', encoding="utf-8")
    (tmp_path / "inbox" / "matomo" / "matomo_visits_20240401.json").write_text(
        f'[{{"idSite": "1", "idVisit": "2", "deep": {nested}}}]', encoding="utf-8")
    result = run_cli("ingest", str(tmp_path / "inbox"), "--quarantine", str(tmp_path / "q"),
                     env={"DATABASE_URL": fresh_db.url})
    assert result.code == 2 and "Traceback" not in result.out, result
    assert "✘ events_20240401.ndjson, line 1: JSON nested more than 100 levels deep" in result.out, result
    assert "✘ matomo_visits_20240401.json, line 1: record 1: JSON nested more than 100 levels deep" in result.out


def test_a_raw_table_made_by_an_earlier_version_gains_the_columns_its_contract_gained(fresh_db, query) -> None:
    """An institution upgrading publics keeps its raw tables: a column the contract gained since
    (here Google Ads' UI cost) is added by `prepare`, so dbt finds it; the rows stay."""
    prepare(fresh_db)
    query("alter table raw.google_ads_campaigns drop column metrics_cost, drop column _extra")
    query("insert into raw.google_ads_campaigns (campaign_id, segments_date, metrics_cost_micros, metrics_impressions,"
          " _source_file, _file_hash, _row_number, _batch_id)"
          " values ('1', '2026-03-01', '1990000', '10', 'old.csv', 'h', 2, gen_random_uuid())")
    prepare(fresh_db)
    columns = {r[0] for r in query("select column_name from information_schema.columns"
                                   " where table_schema = 'raw' and table_name = 'google_ads_campaigns'")}
    assert {"metrics_cost", "_extra"} <= columns
    assert query("select count(*) from raw.google_ads_campaigns")[0][0] == 1
