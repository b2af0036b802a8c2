"""The web-analytics readers (GA4 BigQuery export NDJSON, Matomo Live.getLastVisitsDetails JSON
and CSV) on hand-made fixtures and on the real public samples of tests/fixtures/reference/.

Fixtures (tests/fixtures/{ga4,matomo}/{good,bad}/ hold only delivery files; the defect each
exercises is in its name):

GA4, good
- events_20240315.ndjson: a visit from a newsletter (utm) to a purchase (page_view, view_item,
  begin_checkout, purchase with items and transaction_id), logged-in user_id on the purchase.
- events_20240316.ndjson.gz: gzip; the third event is a Consent Mode cookieless ping
  (user_pseudo_id null: allowed by the contract's `nullable` option; an absent key too, see
  test_readers_ga4_deliveries.py).
- events_20240317-000000000000_gzip_without_gz_suffix.json: gzip recognised from the bytes although
  the name says .json (as `bq extract` names shards).
- events_20240318_bom_crlf_blank_lines.ndjson: UTF-8 BOM, CRLF, blank lines (events on lines 2, 4).
- ga4_events_20240319_new_top_level_keys.ndjson: two top-level keys unknown to the export schema
  (consent_state, export_note): schema drift, loaded in `_extra` (landing) and kept in `record`.
GA4, bad: truncated last line (line 4), a CSV line pasted in (line 3), event_name missing
(line 2), empty file (0 bytes), a JSON array instead of one object per line (line 1).

Matomo, good
- matomo_visits_20240315.json: the API answer, pretty-printed array of 3 visits (campaign visit,
  search visit with an ecommerceOrder action and itemDetails, direct visit).
- matomo_visits_20240316_one_visit_per_line.ndjson: 2 visits, one per line.
- matomo_visits_20240317_no_visit_that_day.json: `[]` (a day without visits: 0 rows, not an error).
- matomo_visits_20240318_utf16.csv: Matomo's CSV export, UTF-16LE + BOM, actionDetails flattened.
- "Export _ Visits Log _ Monday, March 18, 2024.csv": the same visits as Matomo's TSV export
  (format=TSV: the CSV renderer with tabs, plugins/API/Renderer/Tsv.php), under the download name
  the CSV renderer sends (core/DataTable/Renderer/Csv.php `renderHeader`: "Export _ <report> _
  <period>.csv"; the report's name and the date's wording assumed), no final line break (the
  renderer strips the last one).
Matomo, bad: Matomo's error payload, an array cut at 70 %, a visit without idVisit (record 3),
empty file, an XML answer saved as .json, a CSV without the idVisit column.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from ingestion import contracts
from ingestion.readers import RejectedFile
from ingestion.readers import matomo as matomo_reader
from ingestion.readers.matomo import matomo_key, read_matomo_csv, read_matomo_json, snake_case
from ingestion.readers.ndjson import read_ga4_ndjson
from ingestion.routing import route
from tests.conftest import FIXTURES, REFERENCE, decoded_text

GA4 = FIXTURES / "ga4"
MATOMO = FIXTURES / "matomo"
EVENTS = next(e for e in contracts.all_entities() if e.label == "ga4/events")
VISITS = next(e for e in contracts.all_entities() if e.label == "matomo/visits")
VISITS_CSV = next(e for e in contracts.all_entities() if e.label == "matomo/visits_csv")


def reference(*parts: str) -> Path:
    return REFERENCE.joinpath(*parts)


decoded = decoded_text


def non_blank_lines(path: Path) -> list[tuple[int, str]]:
    return [(i, line) for i, line in enumerate(decoded(path).splitlines(), 1) if line.strip()]


def read(path: Path) -> tuple[list[str], list[tuple[int, list]], list[str]]:
    entity = contracts.entity_for(path)
    assert entity is not None, f"no contract takes {path.name}"
    reader = {"ga4_ndjson": read_ga4_ndjson, "matomo_json": read_matomo_json,
              "matomo_csv": read_matomo_csv}[entity.reader]
    parsed = reader(path, entity)
    return parsed.columns, list(parsed.rows), parsed.drift


def rejection(path: Path) -> RejectedFile:
    with pytest.raises(RejectedFile) as err:
        read(path)
    return err.value


# --------------------------------------------------------------------------- contracts


def test_contracts_take_the_delivered_names_and_not_the_xml() -> None:
    assert contracts.entity_for(Path("events_20240315.ndjson")) == EVENTS
    assert contracts.entity_for(Path("events_20240315-000000000003.json.gz")) == EVENTS
    assert contracts.entity_for(Path("events_intraday_20240315.jsonl")) == EVENTS
    assert contracts.entity_for(Path("GA4_events_20240315.ndjson.gz")) == EVENTS
    assert contracts.entity_for(Path("Matomo_Visits_2024-03.json")) == VISITS
    assert contracts.entity_for(Path("Live.getLastVisitsDetails_day.json")) == VISITS
    assert contracts.entity_for(Path("matomo_visits_20240315.csv")) == VISITS_CSV
    assert contracts.entity_for(Path("matomo_visits_20240315.xml")) is None
    for entity in (EVENTS, VISITS, VISITS_CSV):
        assert entity.type_of("record") == "jsonb"
        assert entity.columns[-1] == "record"


def test_matomo_column_names_round_trip() -> None:
    for column in VISITS.columns:
        if column != "record":
            assert snake_case(matomo_key(column)) == column
    assert matomo_key("last_action_date_time") == "lastActionDateTime"
    assert snake_case("\ufeffidSite") == "id_site"
    assert snake_case("actionDetails_0_pageIdAction") == "action_details_0_page_id_action"


# --------------------------------------------------------------------------- GA4


@pytest.mark.parametrize("path", sorted((GA4 / "good").iterdir()), ids=lambda p: p.name)
def test_ga4_good_files_yield_one_row_per_event_line_as_delivered(path: Path) -> None:
    columns, rows, _drift = read(path)
    expected = non_blank_lines(path)
    assert [line for line, _ in rows] == [line for line, _ in expected]
    for (_, values), (_, text) in zip(rows, expected, strict=True):
        row = dict(zip(columns, values, strict=True))
        event = json.loads(text)
        assert json.loads(row["record"]) == event  # the whole event, untouched
        for key in ("event_date", "event_timestamp", "event_name", "user_pseudo_id", "stream_id"):
            assert row[key] == event[key]  # INT64 strings kept as delivered


def test_ga4_consent_mode_ping_without_user_pseudo_id_is_kept() -> None:
    columns, rows, _ = read(GA4 / "good" / "events_20240316.ndjson.gz")
    pseudo = [dict(zip(columns, v))["user_pseudo_id"] for _, v in rows]
    assert pseudo == ["702113455.1710611000", "702113455.1710611000", None]


def test_ga4_unknown_top_level_keys_are_drift_loaded_as_text() -> None:
    columns, rows, drift = read(GA4 / "good" / "ga4_events_20240319_new_top_level_keys.ndjson")
    assert drift == ["consent_state", "export_note"]
    assert columns[-2:] == drift
    first, second = (dict(zip(columns, v)) for _, v in rows)
    assert json.loads(first["consent_state"]) == {"ad_user_data": "denied"}
    assert first["export_note"] == "late field" and second["export_note"] is None
    assert json.loads(second["record"])["consent_state"] == {"ad_user_data": "granted"}


def test_ga4_known_schema_fields_are_not_drift() -> None:
    for path in (GA4 / "good").iterdir():
        if "new_top_level_keys" not in path.name:
            assert read(path)[2] == [], path.name


@pytest.mark.parametrize(
    ("name", "line", "fragment"),
    [
        ("events_20240320_truncated_last_line.ndjson", 4, "truncated last line?"),
        ("events_20240321_line_not_json.ndjson", 3, "not valid JSON: Expecting value"),
        ("events_20240322_missing_event_name.ndjson", 2, "required key(s) missing: event_name"),
        ("events_20240323_empty.ndjson", None, "empty file"),
        ("events_20240324_array_not_ndjson.json", 1, "expected one JSON object per line, found array"),
    ],
)
def test_ga4_bad_files_are_rejected_with_line_and_problem(name: str, line: int | None, fragment: str) -> None:
    err = rejection(GA4 / "bad" / name)
    assert err.line == line
    assert fragment in err.reason
    assert str(err).startswith(f"{name}, line {line}: " if line else f"{name}: ")


@pytest.mark.parametrize(
    ("content", "line", "fragment"),
    [
        (b"\n\n   \n", None, "no event (only blank lines)"),
        (b'{"event_date":"20240101","event_timestamp":"1","event_name":"x","user_pseudo_id":"1","v":NaN}\n',
         1, "NaN is not valid JSON"),
        (b'{"event_date":"20240101","event_timestamp":"1","event_name":"x","user_pseudo_id":"1","v":"a\\u0000"}\n',
         1, "\\u0000"),
        (b'{"event_date":"20240101","event_timestamp":"1","event_name":null,"user_pseudo_id":"1"}\n',
         1, "event_name"),
        (b"\xff\xfe{\x00}\x00", 1, "UTF-16"),
        (b'{"event_date":"20240101","event_timestamp":"1","event_name":"\xe9","user_pseudo_id":"1"}\n',
         1, "invalid UTF-8"),
        (gzip.compress(b'{"event_date":"1","event_timestamp":"1","event_name":"x","user_pseudo_id":"1"}\n'
                       * 500)[:-30], -1, "unreadable gzip data"),
    ],
    ids=["blank-only", "nan", "nul", "null-event-name", "utf16", "latin1", "cut-gzip"],
)
def test_ga4_other_defects(tmp_path: Path, content: bytes, line: int | None, fragment: str) -> None:
    path = tmp_path / "events_20240101.ndjson"
    path.write_bytes(content)
    err = rejection(path)
    assert fragment in err.reason, err
    assert err.line == line or line == -1, err


def test_ga4_real_samples_count_and_shape() -> None:
    samples = sorted(reference("ga4").glob("*.ndjson"))
    assert samples
    total = 0
    for path in samples:
        columns, rows, drift = read(path)
        expected = non_blank_lines(path)
        assert len(rows) == len(expected) and drift == []
        for _, values in rows:
            record = json.loads(dict(zip(columns, values))["record"])
            assert isinstance(record["event_params"], list)
            assert isinstance(record["event_timestamp"], str)  # INT64 as a string in the export
        total += len(rows)
    assert total == 4  # 1 purchase + 3 page_view (source_medium) in the saved samples


# --------------------------------------------------------------------------- Matomo JSON


def expected_visits(path: Path) -> list[dict]:
    text = decoded(path)
    if text.lstrip().startswith("["):
        return json.loads(text)
    return [json.loads(line) for _, line in non_blank_lines(path)]


@pytest.mark.parametrize("path", sorted((MATOMO / "good").glob("*json")), ids=lambda p: p.name)
def test_matomo_good_json_yields_one_row_per_visit_as_delivered(path: Path) -> None:
    columns, rows, drift = read(path)
    visits = expected_visits(path)
    assert drift == []
    assert [n for n, _ in rows] == list(range(1, len(visits) + 1))
    for (_, values), visit in zip(rows, visits, strict=True):
        row = dict(zip(columns, values, strict=True))
        assert json.loads(row["record"]) == visit
        assert row["id_site"] == str(visit["idSite"]) and row["id_visit"] == str(visit["idVisit"])
        assert row["referrer_type"] == visit["referrerType"]
        assert row["campaign_name"] == visit.get("campaignName")
        assert row["user_id"] == visit["userId"]


@pytest.mark.parametrize(
    ("name", "line", "fragment"),
    [
        ("matomo_visits_20240320_error_payload.json", 1,
         "Matomo answered an error: \"You can't access this resource as it requires 'view' access"),
        ("matomo_visits_20240321_truncated_array.json", None, "record 2: not valid JSON"),
        ("matomo_visits_20240322_missing_idvisit.json", None, "record 3: missing required field(s) idVisit"),
        ("matomo_visits_20240323_empty.json", None, "empty file"),
        ("matomo_visits_20240324_xml_saved_as_json.json", 1, "XML, not JSON"),
        ("matomo_visits_20240325_missing_idvisit_column.csv", 1, "missing required column(s): idVisit"),
    ],
)
def test_matomo_bad_files_are_rejected_with_record_line_and_problem(
    name: str, line: int | None, fragment: str
) -> None:
    path = MATOMO / "bad" / name
    err = rejection(path)
    assert fragment in err.reason, err
    if line is not None:
        assert err.line == line
    elif "missing_idvisit" in name:  # the line where the third visit starts
        starts = [i for i, text in enumerate(decoded(path).splitlines(), 1) if text == "    {"]
        assert err.line == starts[2]
    elif "truncated" in name:
        assert err.line == len(decoded(path).splitlines()) and "truncated file?" in err.reason


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ('[{"idSite":1,"idVisit":1}', "not closed after record 1"),
        ('[{"idSite":1,"idVisit":1},', "not closed after record 1"),
        ('[{"idSite":1,"idVisit":1} {"idSite":1,"idVisit":2}]', "after record 1: expected ',' or ']'"),
        ('[{"idSite":1,"idVisit":1}] []', "data after the end of the array"),
        ('[{"idSite":1,"idVisit":1},]', "record 2: not valid JSON"),
        ('[{"idSite":1,"idVisit":1}, 42]', "record 2: expected a visit object"),
        ('[{"idSite":1,"idVisit":NaN}]', "record 1: NaN is not valid JSON"),
        ('[{"idSite":1,"idVisit":1,"pageTitle":"a\\u0000"}]', "\\u0000"),
        ('{"result":"error","message":"Method \'getLastVisitsDetail\' does not exist"}',
         "Matomo answered an error: \"Method 'getLastVisitsDetail' does not exist\""),
        ("  \n ", "empty file: no JSON"),
        ("idSite,idVisit\n1,2\n", "not JSON"),
    ],
)
def test_matomo_json_other_defects(tmp_path: Path, content: str, fragment: str) -> None:
    path = tmp_path / "matomo_visits_x.json"
    path.write_text(content, encoding="utf-8")
    assert fragment in rejection(path).reason


def test_matomo_json_is_parsed_across_any_chunk_boundary(monkeypatch) -> None:
    path = MATOMO / "good" / "matomo_visits_20240315.json"
    expected = read(path)
    for chunk in (1, 2, 3, 7, 64, 1000):
        monkeypatch.setattr(matomo_reader, "CHUNK", chunk)
        assert read(path) == expected, chunk


def test_matomo_json_memory_stays_bounded_by_one_visit(tmp_path: Path, monkeypatch) -> None:
    visit = json.loads(decoded(MATOMO / "good" / "matomo_visits_20240315.json"))[1]
    path = tmp_path / "matomo_visits_big.json"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("[\n")
        fh.write(",\n".join(json.dumps({**visit, "idVisit": i}, indent=2) for i in range(3000)))
        fh.write("\n]\n")
    largest = {"buffer": 0}
    fill = matomo_reader._JsonStream.fill

    def spy(self, size=None):
        more = fill(self, size)
        largest["buffer"] = max(largest["buffer"], len(self.buf))
        return more

    monkeypatch.setattr(matomo_reader._JsonStream, "fill", spy)
    monkeypatch.setattr(matomo_reader, "CHUNK", 4096)
    _, rows, _ = read(path)
    assert len(rows) == 3000
    assert path.stat().st_size > 50 * largest["buffer"]  # a few visits buffered, never the file


def test_a_cut_matomo_file_is_rejected_never_crashes(tmp_path: Path) -> None:
    data = (MATOMO / "good" / "matomo_visits_20240315.json").read_bytes()
    path = tmp_path / "matomo_visits_cut.json"
    for cut in range(1, len(data) - 1, 23):
        path.write_bytes(data[:cut])
        with pytest.raises(RejectedFile):
            read(path)


def xml_visits_as_json(xml_path: Path, target: Path) -> int:
    """A Matomo XML answer turned into the JSON the API gives for format=JSON (same visits)."""
    def value(node: ET.Element):
        children = list(node)
        if not children:
            return node.text.strip() if node.text and node.text.strip() else None
        if all(c.tag == "row" for c in children):
            return [value(c) for c in children]
        return {c.tag: value(c) for c in children}

    visits = value(ET.parse(xml_path).getroot())
    target.write_text(json.dumps(visits, indent=4, ensure_ascii=False), encoding="utf-8")
    return len(visits)


def test_matomo_real_xml_answers_as_json(tmp_path: Path) -> None:
    samples = sorted(reference("matomo").glob("*.xml"))
    assert len(samples) == 3
    counts = {}
    for xml_path in samples:
        assert contracts.entity_for(xml_path) is None  # XML is not a delivery format we take
        target = tmp_path / f"matomo_visits_{xml_path.stem[:20]}.json"
        expected = xml_visits_as_json(xml_path, target)
        columns, rows, _ = read(target)
        assert len(rows) == expected == ET.tostring(ET.parse(xml_path).getroot()).count(b"<idVisit>")
        for _, values in rows:
            record = json.loads(dict(zip(columns, values))["record"])
            assert isinstance(record["actionDetails"], list)
        counts[xml_path.name.split("__")[0]] = len(rows)
        # The XML itself, under a name the JSON contract takes: a clear rejection.
        misnamed = tmp_path / "matomo_visits_misnamed.json"
        misnamed.write_bytes(xml_path.read_bytes())
        assert "XML, not JSON" in rejection(misnamed).reason
    assert sum(counts.values()) == 10 + 10 + 3


# --------------------------------------------------------------------------- Matomo CSV


def csv_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    header, *rows = csv.reader(io.StringIO(decoded(path), newline=""))
    return header, [r for r in rows if r]


@pytest.mark.parametrize(
    "path",
    [MATOMO / "good" / "matomo_visits_20240318_utf16.csv",
     REFERENCE / "matomo" / "test_csvExport__Live.getLastVisitsDetails_day.csv"],
    ids=["fixture", "real-sample"],
)
def test_matomo_csv_export_lands_as_record_plus_columns(path: Path) -> None:
    assert path.read_bytes()[:2] == codecs.BOM_UTF16_LE
    columns, rows, drift = read(path)
    header, expected = csv_rows(path)
    assert len(rows) == len(expected) and drift == [] and columns == list(VISITS_CSV.columns)
    for (_, values), cells in zip(rows, expected, strict=True):
        row = dict(zip(columns, values, strict=True))
        assert json.loads(row["record"]) == {h: c for h, c in zip(header, cells) if c != ""}
        assert (row["id_site"], row["id_visit"]) == (cells[0], cells[1])
        assert row["referrer_type"] == cells[header.index("referrerType")]


def test_matomo_tsv_export_under_its_download_name_reads_as_the_csv() -> None:
    tsv = MATOMO / "good" / "Export _ Visits Log _ Monday, March 18, 2024.csv"
    assert tsv.read_bytes()[:2] == codecs.BOM_UTF16_LE and "\t" in tsv.read_bytes().decode("utf-16")
    where = route(tsv, MATOMO.parent)
    assert where.entity is not None and where.entity.label == "matomo/visits_csv", where.error
    columns, rows, drift = read(tsv)
    _, csv_rows_ = read(MATOMO / "good" / "matomo_visits_20240318_utf16.csv")[:2]
    assert drift == [] and len(rows) == 2
    assert [v for _, v in rows] == [v for _, v in csv_rows_]
    record = json.loads(dict(zip(columns, rows[0][1], strict=True))["record"])
    assert record["actionDetails_0_pageTitle"] == "Carmen, Opéra"  # a comma inside a tab-separated cell
