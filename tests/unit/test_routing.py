"""Routing: the folder a file is in decides its source, the file-name patterns of that source its
entity; a name that the patterns of two entities match is rejected naming both, never decided by
the order of the contracts."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingestion import contracts
from ingestion.routing import NO_CONTRACT, route, source_folders

INBOX = Path("/deliveries/inbox")
# Matches emailing.brevo_campaigns and brevo_contacts (*brevo*.csv), secutix.contacts (*contacts*.csv).
TWO_SOURCES = "brevo_contacts_2026-03.csv"
EMAILING = Path(__file__).resolve().parents[1] / "fixtures" / "emailing"


def label(path: Path, folder: Path = INBOX) -> str | None:
    where = route(path, folder)
    return where.entity.label if where.entity else None


def test_a_name_two_sources_match_is_rejected_naming_both_with_their_patterns() -> None:
    where = route(INBOX / TWO_SOURCES, INBOX)
    assert where.entity is None
    assert where.error == (
        f"{TWO_SOURCES}: 3 entities recognise this file name, emailing.brevo_campaigns (*brevo*.csv) and "
        "emailing.brevo_contacts (*brevo*.csv) and secutix.contacts (*contacts*.csv); rename the file or put it "
        "in the folder of its source")
    with pytest.raises(contracts.AmbiguousFile) as err:
        contracts.entity_for(Path(TWO_SOURCES))
    assert [e.label for e in err.value.candidates] == [
        "emailing/brevo_campaigns", "emailing/brevo_contacts", "secutix/contacts"]


def test_the_folder_decides_the_source_then_its_patterns_the_entity(tmp_path: Path) -> None:
    (tmp_path / "emailing").mkdir()
    inside = tmp_path / "emailing" / TWO_SOURCES  # Brevo's two exports share a name: the header decides
    inside.write_bytes((EMAILING / "brevo_campaigns_2026-03_semicolon_utf8_bom.csv").read_bytes())
    assert label(inside, tmp_path) == "emailing/brevo_campaigns"
    assert label(INBOX / "secutix" / TWO_SOURCES) == "secutix/contacts"
    # any folder between the ingested folder and the file, in any case
    assert label(INBOX / "ga4" / "2024" / "03" / "events_20240315.ndjson") == "ga4/events"
    assert label(INBOX / "SecuTix" / "delta" / "secutix_orders_20260115.csv") == "secutix/orders"
    assert source_folders(INBOX / "archive" / "matomo" / "x.json", INBOX) == ["matomo"]
    # the ingested folder itself, and the folders above it, are not source folders
    assert label(INBOX / TWO_SOURCES, INBOX) is None
    assert source_folders(Path("/secutix/inbox/a.csv"), Path("/secutix/inbox")) == []


def test_two_entities_of_the_folder_s_source_are_an_ambiguity_too() -> None:
    name = "mailchimp_activity_report.csv"
    where = route(INBOX / "emailing" / name, INBOX)
    assert where.entity is None and where.source == "emailing"
    assert where.error == (
        f"{name}: in folder emailing/, 2 entities recognise this file name, emailing.mailchimp_email_activity "
        "(*mailchimp*activity*.csv) and emailing.mailchimp_reports (*mailchimp*report*.csv); rename the file")


def test_inside_two_source_folders_is_rejected() -> None:
    where = route(INBOX / "secutix" / "ga4" / "events_20240315.ndjson", INBOX)
    assert where.entity is None
    assert "inside the folders of 2 sources (secutix/, ga4/)" in where.error


def test_a_name_no_pattern_of_the_folder_s_source_matches_is_rejected() -> None:
    # Taken by ads outside any folder; in the SecuTix folder, only SecuTix patterns count.
    assert label(INBOX / "meta_ads_insights_2026-03.csv") == "ads/meta_ads_insights"
    where = route(INBOX / "secutix" / "meta_ads_insights_2026-03.csv", INBOX)
    assert where.entity is None and where.error.startswith(f"meta_ads_insights_2026-03.csv: {NO_CONTRACT} (in folder secutix/")
    assert route(INBOX / "notes.txt", INBOX).error == f"notes.txt: {NO_CONTRACT}"


def test_every_fixture_is_taken_by_the_same_entity_in_its_source_folder_and_outside(tmp_path: Path) -> None:
    fixtures = Path(__file__).resolve().parents[1] / "fixtures"
    checked = 0
    for source in contracts.source_names():
        for path in sorted((fixtures / source).rglob("*")):
            if path.is_file() and path.suffix != ".md":
                inside = route(fixtures / path.relative_to(fixtures), fixtures)
                (tmp_path / path.name).write_bytes(path.read_bytes())  # the header may decide: a real file
                outside = route(tmp_path / path.name, tmp_path)
                assert inside.entity == outside.entity, path
                assert inside.entity is None or inside.entity.source == source, path
                checked += 1
    assert checked > 50


def test_brevo_contacts_and_campaigns_share_a_name_and_the_header_decides() -> None:
    """Brevo's contacts export and campaign statistics are both `*brevo*.csv`: a header with EMAIL
    and no campaign columns is the contacts export, the campaign columns the statistics; a header
    fitting both, or neither, is rejected naming each entity and why (line included)."""
    assert label(EMAILING / "brevo_export_2026-03-02.csv", EMAILING.parent) == "emailing/brevo_contacts"
    assert label(EMAILING / "brevo_export_2026-03-20_delta_without_sms.csv", EMAILING.parent) == "emailing/brevo_contacts"
    assert label(EMAILING / "brevo_campaigns_2026-03_semicolon_utf8_bom.csv", EMAILING.parent) == "emailing/brevo_campaigns"
    both = route(EMAILING / "brevo_export_header_fits_both_exports.csv", EMAILING.parent)
    assert both.entity is None
    assert both.error == (
        "brevo_export_header_fits_both_exports.csv: its name (emailing.brevo_campaigns and "
        "emailing.brevo_contacts) and its header fit 2 entities, emailing.brevo_campaigns and "
        "emailing.brevo_contacts; rename the file or remove the columns of the other export")
    neither = route(EMAILING / "brevo_campaigns_missing_sent_column.csv", EMAILING.parent)
    assert neither.entity is None
    assert neither.error == (
        "brevo_campaigns_missing_sent_column.csv: its name fits emailing.brevo_campaigns and "
        "emailing.brevo_contacts but its header fits none: not emailing.brevo_campaigns (line 1: missing "
        "required column(s): sent); not emailing.brevo_contacts (line 1: missing required column(s): email)")
    gone = route(EMAILING / "brevo_never_delivered.csv", EMAILING.parent)
    assert gone.entity is None and "its header could not be read to choose" in gone.error
