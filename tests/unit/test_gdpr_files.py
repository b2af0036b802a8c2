"""Personal data in files (publics.gdpr.files): quarantined deliveries and the server log lose
the lines naming a purged or forgotten person; a dry run changes nothing."""

from __future__ import annotations

import hashlib
import hmac
import zipfile
from datetime import date

from publics.gdpr import files
from publics.gdpr.keys import identifier_key


def test_a_delimited_file_is_rewritten_without_the_person_keeping_its_header(tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_text("EMAIL;TOWN\r\nA.Person@example.fr;Paris\r\nother@example.fr;Lyon\r\n", encoding="utf-8")
    assert files.scrub_file(path, ["a.person@example.fr"], dry_run=True).action == "rewritten"
    assert "A.Person" in path.read_text(encoding="utf-8")  # the dry run changed nothing
    change = files.scrub_file(path, [" a.person@example.fr "])
    assert (change.action, change.lines) == ("rewritten", 1)
    assert path.read_bytes() == b"EMAIL;TOWN\r\nother@example.fr;Lyon\r\n"  # line ends kept
    assert files.scrub_file(path, ["a.person@example.fr"]) is None  # idempotent


def test_a_file_left_with_its_header_only_is_deleted(tmp_path):
    path = tmp_path / "activity.csv"
    path.write_text("email_address,action\na@example.fr,open\n", encoding="utf-8")
    assert files.scrub_file(path, ["a@example.fr"]).action == "deleted"
    assert not path.exists()


def test_a_workbook_naming_the_person_is_deleted(tmp_path):
    path = tmp_path / "invitations.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("xl/sharedStrings.xml", "<sst><si><t>Invitee@Example.fr</t></si></sst>")
    assert files.scrub_file(path, ["someone@else.fr"]) is None
    assert files.scrub_file(path, ["invitee@example.fr"]).action == "deleted"
    assert not path.exists()


def test_the_server_log_loses_old_entries_and_those_naming_the_person(tmp_path):
    log = tmp_path / "postgres.log"
    log.write_text(
        "2026-01-10 10:00:00.000 UTC [1] LOG:  old entry\n"
        "2026-09-01 10:00:00.000 UTC [2] ERROR:  invalid input\n"
        "\tCONTEXT:  COPY secutix_contacts, line 3: \"1001;a@example.fr\"\n"
        "2026-09-02 10:00:00.000 UTC [3] LOG:  checkpoint complete\n", encoding="utf-8")
    change = files.trim_log(log, date(2026, 6, 1), ["a@example.fr"])
    assert change.lines == 3
    assert log.read_text(encoding="utf-8") == "2026-09-02 10:00:00.000 UTC [3] LOG:  checkpoint complete\n"


def test_the_tombstone_key_is_the_key_staging_computes_never_the_value(monkeypatch):
    # staging's email_key: HMAC-SHA256 of lower(trim(email)) under the warehouse's secret
    # (macros/pseudonymise.sql; tests/integration/test_keys_in_the_database.py checks SQL and Python agree)
    monkeypatch.setenv("PUBLICS_KEY_SECRET", "tombstone-test-secret")
    expected = hmac.new(b"tombstone-test-secret", b"helene.oeuvray@exemple.fr", hashlib.sha256).hexdigest()
    assert identifier_key("  Helene.Oeuvray@Exemple.fr ") == expected
    assert identifier_key("helene.oeuvray@exemple.fr", b"another secret") != expected
    assert expected != hashlib.md5(b"helene.oeuvray@exemple.fr").hexdigest()  # not Mailchimp's public hash
    assert identifier_key("") is None and identifier_key(None) is None
    assert "@" not in identifier_key("a@example.fr")
