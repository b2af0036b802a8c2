"""`publics ingest` routes by source folder, then by file name within the source: a file whose
name two entities' patterns match is rejected and quarantined naming both, the others load."""

from __future__ import annotations

from tests.conftest import FIXTURES, run_cli

SECUTIX_CONTACTS = FIXTURES / "secutix" / "good" / "secutix_contacts_20260101.csv"
BREVO = FIXTURES / "emailing" / "brevo_campaigns_2026-03_semicolon_utf8_bom.csv"


def test_an_ambiguous_name_is_quarantined_and_the_folder_decides_the_others(tmp_path, fresh_db, query):
    inbox = tmp_path / "inbox"
    (inbox / "secutix").mkdir(parents=True)
    (inbox / "emailing").mkdir()
    # Outside any source folder, `brevo_contacts.csv` is matched by emailing.brevo_campaigns,
    # emailing.brevo_contacts and secutix.contacts: rejected. In a source folder, the same name is
    # that source's (in emailing/, Brevo's two exports share the name: the header decides).
    (inbox / "brevo_contacts.csv").write_bytes(BREVO.read_bytes())
    (inbox / "emailing" / "brevo_contacts_march.csv").write_bytes(BREVO.read_bytes() + b"\n")
    (inbox / "secutix" / "brevo_contacts_export.csv").write_bytes(SECUTIX_CONTACTS.read_bytes())
    quarantine = tmp_path / "quarantine"

    result = run_cli("ingest", str(inbox), "--quarantine", str(quarantine), env={"DATABASE_URL": fresh_db.url})

    assert result.code == 2, result
    assert "Traceback" not in result.out
    message = ("brevo_contacts.csv: 3 entities recognise this file name, emailing.brevo_campaigns (*brevo*.csv) "
               "and emailing.brevo_contacts (*brevo*.csv) and secutix.contacts (*contacts*.csv)")
    assert any("✘" in line and message in line for line in result.out.splitlines()), result
    assert (quarantine / "brevo_contacts.csv").read_bytes() == BREVO.read_bytes()
    assert message in (quarantine / "brevo_contacts.csv.reason.txt").read_text(encoding="utf-8")
    assert query("select file_name, status, entity from raw.load_ledger order by file_name") == [
        ("brevo_contacts.csv", "rejected", None),
        ("brevo_contacts_export.csv", "loaded", "contacts"),
        ("brevo_contacts_march.csv", "loaded", "brevo_campaigns"),
    ]
    contacts = sum(1 for line in SECUTIX_CONTACTS.read_bytes().splitlines()[1:] if line.strip())
    assert query("select count(*) from raw.secutix_contacts")[0][0] == contacts
    assert query("select count(*) from raw.brevo_campaigns")[0][0] == 2
