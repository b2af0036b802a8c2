"""The COPY fast path: plain delimited files are parsed by PostgreSQL itself, and land exactly as
the row-by-row path lands them (same values, NULLs, line numbers); files whose physical lines are
not one record each (blank lines, line breaks inside quoted values) or that are damaged fall back
to the row path, which gives exact line numbers or the precise problem."""

from __future__ import annotations

from pathlib import Path

from ingestion import loader
from tests.conftest import FIXTURES

HEADER = "CONTACT_NUMBER;CONTACT_TYPE;FIRSTNAME;LASTNAME;EMAIL;ZIPCODE;COMMENT;LAST_UPDATE"


def write(folder: Path, name: str, lines: list[str], encoding: str = "cp1252") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes("\r\n".join(lines).encode(encoding) + b"\r\n")
    return path


def landed(query, source_file: str) -> list[tuple]:
    return query(
        "select _row_number, contact_number, firstname, lastname, email, zipcode, comment "
        "from raw.secutix_contacts where _source_file = %s order by _row_number", (source_file,))


def methods(query) -> dict[str, str]:
    return dict(query("select file_name, load_method from raw.load_ledger where status = 'loaded'"))


def test_plain_file_takes_copy_and_lands_like_the_row_path(tmp_path, fresh_db, query):
    rows = ["1000001;INDIVIDUAL;Hélène;Dupré;helene@example.fr;75011;;01/02/2026 10:00:00",
            '1000002;INDIVIDUAL;Jean;"Martin; fils";;"";"a ""quoted"" word";01/02/2026 10:00:00',
            "1000003;INDIVIDUAL;Zoé;Œuvray;zoe@example.fr;;;01/02/2026 10:00:00"]
    plain = write(tmp_path / "a", "secutix_contacts_20260201.csv", [HEADER, *rows])
    # the same rows, made non-plain by a quoted line break in a comment → row path
    multiline = write(tmp_path / "b", "secutix_contacts_20260202.csv",
                      [HEADER, rows[0], rows[1].replace('"a ""quoted"" word"', '"two\r\nlines"'), rows[2]])

    for folder in (plain.parent, multiline.parent):
        report = loader.ingest(folder, fresh_db, tmp_path / "q", progress=lambda _: None)
        assert report.exit_code == 0, [r.error for r in report.results]

    assert methods(query) == {plain.name: "copy", multiline.name: "rows"}
    fast, slow = landed(query, plain.name), landed(query, multiline.name)
    assert [r[0] for r in fast] == [2, 3, 4]  # physical lines, header on line 1
    assert [r[0] for r in slow] == [2, 3, 5]  # the quoted line break takes line 4
    assert fast[1][1:6] == ("1000002", "Jean", "Martin; fils", None, None)  # quoted empty → NULL too
    assert fast[1][6] == 'a "quoted" word'
    assert fast[0][2:4] == ("Hélène", "Dupré") and fast[2][3] == "Œuvray"  # Windows-1252 converted
    assert [r[1:6] for r in fast] == [r[1:6] for r in slow]


def test_blank_line_falls_back_to_rows_with_physical_line_numbers(tmp_path, fresh_db, query):
    path = write(tmp_path / "in", "secutix_contacts_20260203.csv",
                 [HEADER, "1000001;INDIVIDUAL;A;B;;;;01/02/2026 10:00:00", "", "1000002;INDIVIDUAL;C;D;;;;01/02/2026 10:00:00"],
                 encoding="utf-8")
    report = loader.ingest(path.parent, fresh_db, tmp_path / "q", progress=lambda _: None)
    assert report.exit_code == 0
    assert methods(query) == {path.name: "rows"}
    assert [r[0] for r in landed(query, path.name)] == [2, 4]


def test_damaged_file_is_rejected_with_the_row_path_message_and_leaves_nothing(tmp_path, fresh_db, query):
    folder = tmp_path / "in"
    folder.mkdir()
    source = (FIXTURES / "secutix" / "bad" / "secutix_tickets_truncated_line.csv")
    (folder / source.name).write_bytes(source.read_bytes())
    report = loader.ingest(folder, fresh_db, tmp_path / "q", progress=lambda _: None)
    [result] = report.results
    assert result.status == "rejected"
    assert "fields where the header has" in result.error and ", line " in result.error
    assert query("select count(*) from raw.secutix_tickets")[0][0] == 0


# every column of a raw row but its batch id and load time
TICKETS = ("select to_jsonb(t) - '_batch_id' - '_loaded_at' from raw.secutix_tickets t "
           "order by _source_file, _row_number")


def test_good_fixtures_land_identically_through_either_path(tmp_path, fresh_db, query, monkeypatch):
    """Every good SecuTix fixture loaded twice, once with the fast path switched off: the raw
    rows (data columns and line numbers) are the same."""
    good = FIXTURES / "secutix" / "good"
    loader.ingest(good, fresh_db, tmp_path / "q", progress=lambda _: None)
    assert set(methods(query).values()) == {"copy"}
    fast = query(TICKETS)

    query("truncate raw.secutix_tickets; delete from raw.load_ledger")
    from ingestion.readers.base import ParsedFile
    original = ParsedFile.__init__

    def without_copy(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.copy_source = None

    monkeypatch.setattr(ParsedFile, "__init__", without_copy)
    loader.ingest(good, fresh_db, tmp_path / "q", progress=lambda _: None)
    assert set(methods(query).values()) == {"rows"}
    slow = query(TICKETS)
    assert len(fast) > 0 and fast == slow


def test_two_connections_land_what_one_lands(tmp_path, fresh_db, query):
    """Files of several tables (and a re-delivery under another name) loaded on two connections at
    once, then on one: same raw rows, line numbers included, same ledger outcomes."""
    folder = tmp_path / "in"
    for source in ("secutix", "ga4", "matomo", "emailing", "ads"):
        for path in sorted((FIXTURES / source).rglob("*")):
            if path.is_file():
                target = folder / source / path.parent.name / path.name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(path.read_bytes())
    first = next(iter(sorted((folder / "secutix" / "good").glob("*tickets*.csv"))))
    (folder / "secutix" / "good" / ("again_" + first.name)).write_bytes(first.read_bytes())

    def run(workers: int):
        report = loader.ingest(folder, fresh_db, tmp_path / f"q{workers}", progress=lambda _: None, workers=workers)
        # The data tables (the ledger's own tables, load_ledger and load_columns, hold batch ids).
        names = [r[0] for r in query("select table_name from information_schema.tables "
                                     "where table_schema = 'raw' and left(table_name, 5) <> 'load_' order by 1")]
        rows = {t: query(f"select to_jsonb(t) - '_batch_id' - '_loaded_at' from raw.{t} t "
                         "order by _source_file, _row_number, to_jsonb(t)::text") for t in names}
        # files of the same name in two folders: every column orders the rows, not the name alone
        ledger = query("select file_name, status, rows_loaded, error_line, load_method from raw.load_ledger "
                       "order by file_name, status, rows_loaded, error_line, load_method")
        outcome = [(r.path.name, r.status, r.rows, r.line) for r in report.results]
        for t in names:
            query(f"truncate raw.{t}")
        query("delete from raw.load_ledger")
        return outcome, rows, ledger

    two, one = run(2), run(1)
    assert two == one
    assert sum(len(v) for v in one[1].values()) > 0
    statuses = {name: status for name, status, *_ in one[0]}
    assert sorted([statuses["again_" + first.name], statuses[first.name]]) == ["loaded", "skipped"]
