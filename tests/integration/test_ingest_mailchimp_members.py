"""Mailchimp's audience export, file → raw → staging → the person (fixtures described in
tests/unit/test_readers_zipped.py; format and sources: docs/formats.md §4 "Mailchimp audience
export"): the zip's three CSVs land with their status, a CSV of another export delivered unzipped
too; staging keeps one row per address, without any direct identifier, times in UTC; the addresses
find their SecuTix contacts by e-mail (one in another case); a second ingestion of the same files
changes nothing."""

from __future__ import annotations

import shutil

from tests.conftest import FIXTURES, run_cli

EMAILING = FIXTURES / "emailing"
FILES = ["members_export_2f1c9e7a4b.zip", "subscribed_members_export_8d04b6e1f3.csv"]


def test_mailchimp_audience_export_to_staging_with_statuses_and_matched_by_email(tmp_path, fresh_db, query):
    from publics.dbt_runner import dbt_build

    inbox = tmp_path / "inbox"
    (inbox / "emailing").mkdir(parents=True)
    (inbox / "secutix").mkdir()
    for name in FILES:
        shutil.copy(EMAILING / name, inbox / "emailing" / name)
    shutil.copy(FIXTURES / "secutix" / "good" / "secutix_contacts_20260101.csv", inbox / "secutix")
    for _ in range(2):  # re-running is safe: the same files are not loaded twice
        result = run_cli("ingest", str(inbox), "--quarantine", str(tmp_path / "q"), env={"DATABASE_URL": fresh_db.url})
        assert result.code == 0, result
    assert query("select file_name, entity, rows_loaded from raw.load_ledger where status = 'loaded' "
                 "and entity = 'mailchimp_members' order by 1") == [
        ("members_export_2f1c9e7a4b.zip", "mailchimp_members", 4),
        ("subscribed_members_export_8d04b6e1f3.csv", "mailchimp_members", 1),
    ]
    assert query("select count(*) from raw.load_ledger where status <> 'skipped'")[0][0] == 3
    assert query("select status, member_file, _row_number from raw.mailchimp_members order by 2, 3") == [
        ("cleaned", "cleaned_members_export_2f1c9e7a4b.csv", 2),
        ("subscribed", "subscribed_members_export_2f1c9e7a4b.csv", 2),
        ("subscribed", "subscribed_members_export_2f1c9e7a4b.csv", 3),
        ("subscribed", "subscribed_members_export_8d04b6e1f3.csv", 2),
        ("unsubscribed", "unsubscribed_members_export_2f1c9e7a4b.csv", 2),
    ]

    dbt_build(fresh_db, ["stg_emailing__mailchimp_members", "+int_identity__email_persons", "--indirect-selection",
                         "cautious", "--exclude", "test_type:unit"])
    rows = query(
        "select m.status, m.member_rating, "
        "to_char(m.opted_in_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS'), "
        "to_char(m.changed_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS'), "
        "m.unsubscribe_campaign_id, m.unsubscribe_reason, m.cleaned_campaign_id, m.country_code, m.tags, "
        "m.source_file, s.contact_id "
        "from staging.stg_emailing__mailchimp_members as m "
        "left join staging.stg_secutix__contacts as s on s.email_key = m.email_key "
        "order by m.opted_in_at")
    assert rows == [
        # Noël: the CSV delivered unzipped; SecuTix contact 1004
        ("subscribed", 3, "2015-05-05 08:00:00", "2024-11-02 10:41:09", None, None, None, "BE", "Presse",
         "subscribed_members_export_8d04b6e1f3.csv", "1004"),
        # Hélène: SecuTix contact 1001
        ("subscribed", 4, "2019-02-03 09:12:00", "2025-12-10 08:00:00", None, None, None, "FR", "Abonnés, Lettre",
         "members_export_2f1c9e7a4b.zip", "1001"),
        # Jeanne's mistyped address: cleaned after a hard bounce; in Mailchimp only
        ("cleaned", 1, "2024-10-12 14:00:00", "2025-01-15 09:00:41", None, None, "5b2f0a9c14", None, None,
         "members_export_2f1c9e7a4b.zip", None),
        # Zoë, "ZOE.MULLER@exemple.fr" here, "Zoe.Muller@Exemple.fr" in SecuTix: the same hash, contact 1003
        ("unsubscribed", 2, "2025-09-01 10:05:00", "2026-03-04 18:22:05", "9d3c1e7b21",
         "I no longer want to receive these emails", None, "FR", "Lettre", "members_export_2f1c9e7a4b.zip", "1003"),
        # Marc: in Mailchimp only
        ("subscribed", 2, "2026-01-05 16:30:00", "2026-01-05 16:30:00", None, None, None, None, None,
         "members_export_2f1c9e7a4b.zip", None),
    ]
    persons = query(
        "select count(distinct p.person_key) from staging.stg_emailing__mailchimp_members as m "
        "inner join intermediate.int_identity__email_persons as p on p.email_key = m.email_key")
    assert persons == [(3,)]
    # no direct identifier in staging
    columns = {r[0] for r in query("select column_name from information_schema.columns "
                                   "where table_schema = 'staging' and table_name = 'stg_emailing__mailchimp_members'")}
    assert not columns & {"email_address", "first_name", "last_name", "optin_ip", "confirm_ip", "latitude",
                          "longitude", "notes", "unsub_reason_other"}
