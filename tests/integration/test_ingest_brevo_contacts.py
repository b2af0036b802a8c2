"""Brevo's contacts export, file → raw → staging → the person (fixtures described in
tests/unit/test_readers_marketing.py; format and sources: docs/formats.md §4): named like the
campaign statistics (`brevo_export_…csv`) and routed by its header; a later delta without the SMS
column keeps what the full export said of it; the address finds its SecuTix contact by e-mail."""

from __future__ import annotations

import shutil

from tests.conftest import FIXTURES, run_cli

EMAILING = FIXTURES / "emailing"
FILES = ["brevo_export_2026-03-02.csv", "brevo_export_2026-03-20_delta_without_sms.csv",
         "brevo_campaigns_2026-03_semicolon_utf8_bom.csv"]


def test_brevo_contacts_export_to_staging_per_field_and_matched_by_email(tmp_path, fresh_db, query):
    from publics.dbt_runner import dbt_build

    inbox = tmp_path / "inbox"
    (inbox / "emailing").mkdir(parents=True)
    (inbox / "secutix").mkdir()
    for name in FILES:
        shutil.copy(EMAILING / name, inbox / "emailing" / name)
    shutil.copy(FIXTURES / "secutix" / "good" / "secutix_contacts_20260101.csv", inbox / "secutix")
    result = run_cli("ingest", str(inbox), "--quarantine", str(tmp_path / "q"), env={"DATABASE_URL": fresh_db.url})
    assert result.code == 0, result
    assert query("select file_name, entity from raw.load_ledger order by 1") == [
        ("brevo_campaigns_2026-03_semicolon_utf8_bom.csv", "brevo_campaigns"),
        ("brevo_export_2026-03-02.csv", "brevo_contacts"),
        ("brevo_export_2026-03-20_delta_without_sms.csv", "brevo_contacts"),
        ("secutix_contacts_20260101.csv", "contacts"),
    ]
    assert query("select count(*) from raw.brevo_contacts")[0][0] == 4  # 3 + 1 (the delta)
    assert query("select count(*) from raw.brevo_campaigns")[0][0] == 2

    # the identity models the address goes through; their unit tests need models not built here
    dbt_build(fresh_db, ["stg_emailing__brevo_contacts", "+int_identity__email_persons", "--indirect-selection",
                         "cautious", "--exclude", "test_type:unit"])
    rows = query(
        "select c.has_sms, c.is_email_blacklisted, c.is_sms_blacklisted, c.list_ids, "
        "to_char(c.added_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI'), "
        "to_char(c.modified_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI'), c.source_file, s.contact_id "
        "from staging.stg_emailing__brevo_contacts as c "
        "left join staging.stg_secutix__contacts as s on s.email_key = c.email_key "
        "order by c.added_at")
    assert rows == [
        # Hélène: the delta (18 March) unsubscribed her and had no SMS column: her number stays known
        (True, True, False, "7,9", "2024-09-02 08:15", "2026-03-18 07:30",
         "brevo_export_2026-03-20_delta_without_sms.csv", "1001"),
        # Zoë: "Zoe.Muller@Exemple.fr" in both tools' case: the same hash, the same contact
        (False, False, False, "7", "2025-09-01 10:05", "2025-09-01 10:05", "brevo_export_2026-03-02.csv", "1003"),
        # Marc: in Brevo only
        (True, False, True, "9", "2026-01-05 17:30", "2026-01-05 17:30", "brevo_export_2026-03-02.csv", None),
    ]
    persons = query(
        "select count(distinct p.person_key) from staging.stg_emailing__brevo_contacts as c "
        "inner join intermediate.int_identity__email_persons as p on p.email_key = c.email_key")
    assert persons == [(2,)]
    # no direct identifier in staging
    columns = {r[0] for r in query("select column_name from information_schema.columns "
                                   "where table_schema = 'staging' and table_name = 'stg_emailing__brevo_contacts'")}
    assert not columns & {"email", "lastname", "firstname", "sms"}
