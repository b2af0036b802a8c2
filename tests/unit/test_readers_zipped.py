"""Mailchimp's audience export (docs/formats.md §4, "Mailchimp audience export"): a zip of one CSV
per member status, read by `ingestion/readers/zipped.py`; a CSV of it delivered alone.

Fixtures, tests/fixtures/emailing/ (written from the public descriptions of the export listed in
docs/formats.md §4: the three CSVs of the zip and their names, the system columns of each status,
`yyyy-mm-dd HH:MM:SS` times, commas, quoted values; addresses and people are made up, two of them
SecuTix contacts of tests/fixtures/secutix/good/secutix_contacts_20260101.csv):
- members_export_2f1c9e7a4b.zip: subscribed_members_export_2f1c9e7a4b.csv (Hélène, SecuTix 1001,
  and Marc), unsubscribed_members_export_2f1c9e7a4b.csv (Zoë, SecuTix 1003 in another case, with
  UNSUB_TIME, UNSUB_CAMPAIGN_TITLE, UNSUB_CAMPAIGN_ID, UNSUB_REASON), cleaned_members_export_2f1c9e7a4b.csv
  (a mistyped gmial.com address, with CLEAN_TIME, CLEAN_CAMPAIGN_TITLE, CLEAN_CAMPAIGN_ID).
- subscribed_members_export_8d04b6e1f3.csv: one such CSV delivered unzipped (Noël, SecuTix 1004).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from ingestion import contracts
from ingestion.readers import RejectedFile, reader_for
from ingestion.routing import route
from tests.conftest import FIXTURES

EMAILING = FIXTURES / "emailing"
ZIP = EMAILING / "members_export_2f1c9e7a4b.zip"
ALONE = EMAILING / "subscribed_members_export_8d04b6e1f3.csv"
MEMBERS = {e.label: e for e in contracts.all_entities()}["emailing/mailchimp_members"]


def read(path: Path):
    parsed = reader_for(MEMBERS.reader)(path, MEMBERS)
    return parsed, [dict(zip(parsed.columns, values, strict=True)) | {"_line": line} for line, values in parsed.rows]


def test_the_zip_and_a_csv_of_it_are_routed_to_the_members_entity() -> None:
    assert route(ZIP, FIXTURES).entity.label == "emailing/mailchimp_members"
    assert route(ALONE, FIXTURES).entity.label == "emailing/mailchimp_members"
    for name in ("members_export_2f1c9e7a4b.zip", "cleaned_email_audience_export_5d1e.csv",
                 "unsubscribed_members_export_0e31a6fce9.csv"):
        assert contracts.entity_for(Path(name)).label == "emailing/mailchimp_members"


def test_each_csv_of_the_zip_loads_with_its_status_from_its_name() -> None:
    parsed, rows = read(ZIP)
    assert parsed.drift == []
    assert parsed.columns[-2:] == ["status", "member_file"]
    assert {"email_address", "last_changed", "unsub_time", "unsub_reason", "clean_time",
            "clean_campaign_id"} <= set(parsed.columns)
    got = [(r["status"], r["member_file"], r["_line"], r["email_address"]) for r in rows]
    assert got == [
        ("subscribed", "subscribed_members_export_2f1c9e7a4b.csv", 2, "helene.oeuvray@exemple.fr"),
        ("subscribed", "subscribed_members_export_2f1c9e7a4b.csv", 3, "marc.dubois@exemple.fr"),
        ("unsubscribed", "unsubscribed_members_export_2f1c9e7a4b.csv", 2, "ZOE.MULLER@exemple.fr"),
        ("cleaned", "cleaned_members_export_2f1c9e7a4b.csv", 2, "j.martin@gmial.com"),
    ]
    helene, _marc, zoe, jeanne = rows
    # a column of another status's CSV is NULL, never shifted
    assert (helene["unsub_time"], helene["clean_time"], helene["last_changed"]) == (None, None, "2025-12-10 08:00:00")
    assert (zoe["unsub_time"], zoe["unsub_campaign_id"], zoe["last_changed"]) == ("2026-03-04 18:22:05", "9d3c1e7b21", None)
    assert (jeanne["clean_time"], jeanne["clean_campaign_id"]) == ("2025-01-15 09:00:41", "5b2f0a9c14")
    assert helene["tags"] == "Abonnés, Lettre" and helene["first_name"] == "Hélène"


def test_a_csv_of_the_export_delivered_alone_loads_the_same_way() -> None:
    _parsed, rows = read(ALONE)
    assert [(r["status"], r["member_file"], r["email_address"], r["cc"]) for r in rows] == [
        ("subscribed", ALONE.name, "noel.garcon@presse.example", "BE")]


def _zip(tmp_path: Path, members: dict[str, bytes], name: str = "members_export_bad.zip") -> Path:
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as archive:
        for member, data in members.items():
            archive.writestr(member, data)
    return path


def test_a_member_without_a_status_in_its_name_is_rejected_naming_it(tmp_path) -> None:
    good = zipfile.ZipFile(ZIP).read("subscribed_members_export_2f1c9e7a4b.csv")
    path = _zip(tmp_path, {"subscribed_members_export_x.csv": good, "export_x.csv": good})
    with pytest.raises(RejectedFile) as err:
        read(path)
    assert str(err.value) == ("members_export_bad.zip: export_x.csv: its name does not say the members' status "
                              "(it should start with subscribed_, unsubscribed_, cleaned_, nonsubscribed_)")


def test_a_bad_line_in_a_member_is_rejected_naming_the_member_and_line(tmp_path) -> None:
    good = zipfile.ZipFile(ZIP).read("cleaned_members_export_2f1c9e7a4b.csv")
    cut = good + b"someone@exemple.fr,Ann\n"
    path = _zip(tmp_path, {"cleaned_members_export_x.csv": cut})
    parsed = reader_for(MEMBERS.reader)(path, MEMBERS)
    with pytest.raises(RejectedFile) as err:
        list(parsed.rows)
    assert str(err.value) == ("members_export_bad.zip, line 3: cleaned_members_export_x.csv: 2 fields where the "
                              "header has 22 (truncated line?)")


def test_a_member_without_the_address_column_and_a_damaged_zip_are_rejected(tmp_path) -> None:
    path = _zip(tmp_path, {"subscribed_members_export_x.csv": b"First Name,Last Name\nAnn,Lee\n"})
    with pytest.raises(RejectedFile) as err:
        read(path)
    assert str(err.value) == ("members_export_bad.zip, line 1: subscribed_members_export_x.csv: missing required "
                              "column(s): email_address")
    damaged = tmp_path / "members_export_cut.zip"
    damaged.write_bytes(ZIP.read_bytes()[:-200])
    with pytest.raises(RejectedFile, match=r"^members_export_cut.zip: unreadable zip archive"):
        read(damaged)
    other = _zip(tmp_path, {"subscribed_members_export_x.csv": b"Email Address\na@b.fr\n", "notes.txt": b"x"})
    with pytest.raises(RejectedFile, match=r"notes.txt: not a CSV file"):
        read(other)
