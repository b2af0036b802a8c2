"""Readers and contracts of the marketing sources (no database): the generalised delimited reader
(delimiter auto-detection, encodings, preamble, summary footer), the xlsx reader (cell
rendering, header row, rejections) and the file-name globs of every contract.

Fixtures (hand-made; the .xlsx written once with openpyxl), one folder per source, only delivery
files in them. Bad files are named for their defect:

tests/fixtures/ads/
- meta_ads_insights_2026-03_utf8_bom_comma.csv: Meta insights with API field names, UTF-8 BOM,
  commas, a quoted campaign name with a comma, `actions` JSON arrays in a cell (4 rows).
- meta_ads_insights_2026-04_semicolon_cp1252.csv: the same re-saved by French Excel: `;`,
  Windows-1252, decimal commas, dd/mm/yyyy dates (3 rows).
- google_ads_campaigns_2026-03_preamble_total_footer.csv (good): GAQL columns, a title line and a
  date-range line above the header, two "Total: …" summary lines at the end (3 data rows, lines 4-6).
- google_ads_campaigns_2026-04_utf16_tab_excel_csv.csv: the UI's "Excel CSV" flavour, UTF-16 with
  BOM and tab-separated (2 rows).
- UI exports, written from public documents and open-source parsers' test data, not from our
  generator (sources and what could not be found: docs/formats.md §4):
  - "Théâtre des Célestins-Campagnes-1 mars 2026-31 mars 2026.csv": Ads Manager, French UI, by
    day, no campaign ID column; UTF-8 BOM, `,`, quoted French decimals ("45,12", "1 039,80");
    first data row = the table's total (no campaign name): 4 raw rows, 3 campaign-days.
  - "Opera Studio-Campaigns-Mar-1-2026-Mar-31-2026.csv": English UI, "Campaign ID" added,
    thousands commas ("1,234.56", "70,118"), total row first: 3 raw rows, 2 campaign-days.
  - "Théâtre des Célestins-Campagnes-1 avr. 2026-30 avr. 2026.xlsx": the same export as Excel,
    French headers, numbers as numbers: 3 raw rows, 2 campaign-days.
  - "Campaign report.csv": Google Ads UI, English "CSV": title, date range, header ("Day",
    "Impr.", "Cost" in euros with thousands commas), 3 rows, "Total: Account"/"Total: Campaigns".
  - "Rapport sur les campagnes.csv": French "CSV pour Excel" (UTF-16 LE BOM, tabs): "Jour",
    "Coût" "2 345,67" (no-break space), "Total : campagnes": 2 rows.
- bad: meta_ads_insights_missing_spend_column.csv (line 1), google_ads_campaigns_wrong_delimiter_pipe.csv
  (`|`: the header is one field, line 1), google_ads_campaigns_data_after_total.csv (a data row
  below the "Total" line: line 4).
tests/fixtures/emailing/
- brevo_campaigns_2026-03_semicolon_utf8_bom.csv (2 campaigns, API camelCase names),
  mailchimp_email_activity_2026-03.csv (4 actions: open, click with a UTM link, hard and soft
  bounce), mailchimp_reports_2026-03.csv (2 campaigns, nested fields flattened with dots).
- Brevo contacts exports (format and sources: docs/formats.md §4 "Brevo contacts export"; the
  file name, separator, encoding and date format of Brevo's export were not found: `;`, UTF-8 and
  ISO dates with offset assumed): brevo_export_2026-03-02.csv (a French account's headers EMAIL,
  NOM, PRENOM, SMS, ADDED_TIME, MODIFIED_TIME, EMAIL_BLACKLISTED, SMS_BLACKLISTED, _listIds; 3
  contacts, two of them SecuTix contacts 1001 and 1003, one in another case), and
  brevo_export_2026-03-20_delta_without_sms.csv (a later partial export without SMS: one contact
  unsubscribed).
- bad: brevo_campaigns_missing_sent_column.csv (line 1; its header fits neither Brevo export),
  brevo_export_header_fits_both_exports.csv (contacts and campaign columns: rejected as
  ambiguous), mailchimp_email_activity_truncated_line.csv
  (line 3 has 3 fields of 9), mailchimp_reports_utf16_encoding.csv (UTF-16 is allowed for Google
  Ads only: line 1).
- Mailchimp audience export (tests/unit/test_readers_zipped.py): members_export_2f1c9e7a4b.zip
  (subscribed, unsubscribed and cleaned members, 2 + 1 + 1), subscribed_members_export_8d04b6e1f3.csv
  (one CSV of such an archive delivered unzipped, 1 member).
tests/fixtures/social/
- social_insights_2026-03_comma.csv (3 posts + 2 page-level follower rows),
  reseaux_sociaux_2026-04_semicolon_cp1252.csv (`;`, Windows-1252, "3 200" thousands spaces).
- bad: social_insights_missing_platform_column.csv (line 1).
tests/fixtures/spreadsheets/
- invitations_carmen_2026.xlsx: French headers, a datetime, a date, ints and an int stored as
  float, booleans, a phone number as text with its leading zero, an empty row 4 (skipped),
  a formatted but empty cell at L20 (ignored): 4 rows, sheet rows 2, 3, 5, 6.
- budgets_campagnes_2025-26.xlsx (4 rows: 1500.5, 2000.0 → "2000", dates),
  plan_utm_2025-26.xlsx (3 rows on the first sheet "Plan UTM"; a second sheet "Notes" is ignored).
- bad: budgets_missing_budget_column.xlsx (header on sheet row 2, no "Budget (€)"),
  plan_utm_empty_sheet.xlsx (no row at all), invitations_csv_renamed_not_an_xlsx.xlsx (a CSV).
"""

from __future__ import annotations

import codecs
import datetime as dt
import zipfile
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest

from ingestion import contracts
from ingestion.readers import READERS, RejectedFile, reader_for
from ingestion.readers.delimited import options_of, read_delimited, read_secutix_csv
from ingestion.readers.tabular import read_csv_or_xlsx
from ingestion.readers.xlsx import cell_text, read_xlsx
from ingestion.routing import route
from tests.conftest import FIXTURES

ENTITIES = {e.label: e for e in contracts.all_entities()}
META = ENTITIES["ads/meta_ads_insights"]
GADS = ENTITIES["ads/google_ads_campaigns"]
REPORTS = ENTITIES["emailing/mailchimp_reports"]
INVITATIONS = ENTITIES["spreadsheets/invitations"]
BUDGETS = ENTITIES["spreadsheets/campaign_budgets"]
UTM = ENTITIES["spreadsheets/utm_plan"]
ORDERS = ENTITIES["secutix/orders"]
ADS, EMAILING, SOCIAL, SHEETS = (FIXTURES / d for d in ("ads", "emailing", "social", "spreadsheets"))

# File-name prefix of a fixture → the entity that must take it.
INTENDED = {
    "meta_ads_insights": "ads/meta_ads_insights",
    "google_ads_campaigns": "ads/google_ads_campaigns",
    "Théâtre des Célestins-Campagnes": "ads/meta_ads_insights",
    "Opera Studio-Campaigns": "ads/meta_ads_insights",
    "Campaign report": "ads/google_ads_campaigns",
    "Rapport sur les campagnes": "ads/google_ads_campaigns",
    "brevo_campaigns": "emailing/brevo_campaigns",
    "brevo_export": "emailing/brevo_contacts",
    "mailchimp_email_activity": "emailing/mailchimp_email_activity",
    "mailchimp_reports": "emailing/mailchimp_reports",
    "members_export": "emailing/mailchimp_members",
    "subscribed_members_export": "emailing/mailchimp_members",
    "social_insights": "social/posts",
    "reseaux_sociaux": "social/posts",
    "invitations": "spreadsheets/invitations",
    "budgets": "spreadsheets/campaign_budgets",
    "plan_utm": "spreadsheets/utm_plan",
}
MARKETING_FILES = sorted(p for d in (ADS, EMAILING, SOCIAL, SHEETS) for p in d.iterdir())
# Brevo's contacts export and campaign statistics share their names (`*brevo*.csv`): the header
# decides (ingestion/routing.py); these two fixtures' headers fit neither, or both: rejected.
BREVO_EXPORTS = {"emailing/brevo_campaigns", "emailing/brevo_contacts"}
REJECTED_BY_HEADER = {"brevo_campaigns_missing_sent_column.csv", "brevo_export_header_fits_both_exports.csv"}


def rows(parsed) -> list[tuple[int, list]]:
    return list(parsed.rows)


def with_options(entity: contracts.Entity, **options) -> contracts.Entity:
    return replace(entity, options=tuple({**dict(entity.options), **options}.items()))


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# ---------------------------------------------------------------- contracts: globs, options


@pytest.mark.parametrize("path", MARKETING_FILES, ids=lambda p: p.name)
def test_every_marketing_fixture_is_taken_by_its_entity_and_no_other(path: Path) -> None:
    intended = next(label for prefix, label in INTENDED.items() if path.name.startswith(prefix))
    where = route(path, FIXTURES)
    if path.name in REJECTED_BY_HEADER:
        assert where.entity is None and "its header fit" in where.error
    else:
        assert where.entity.label == intended, where.error
    matching = {e.label for e in contracts.all_entities() if e.matches(path)}
    assert matching == (BREVO_EXPORTS if intended in BREVO_EXPORTS else {intended})


SECUTIX_NAMES = [
    *(p.name for p in (FIXTURES / "secutix").rglob("*.csv")),
    "secutix_contacts_20260101.csv", "export_contact_2026.csv", "secutix_orders_20260115.csv",
    "commandes_2026.csv", "secutix_files_20260101.csv", "secutix_tickets_20260101.csv",
    "billets_2026.csv", "secutix_performances_20260101.csv", "seances_2026.csv",
]


@pytest.mark.parametrize("name", SECUTIX_NAMES)
def test_secutix_names_still_go_to_secutix(name: str) -> None:
    assert contracts.entity_for(Path(name)).source == "secutix"
    assert [e.source for e in contracts.all_entities() if e.matches(Path(name))] == ["secutix"]


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("Meta_Ads_Insights_2026-03.csv", "ads/meta_ads_insights"),
        ("facebook_ads_campagnes_mars.csv", "ads/meta_ads_insights"),
        ("googleads_campagnes_20260301.csv", "ads/google_ads_campaigns"),
        ("sendinblue_campagnes_stats.csv", "emailing/brevo_campaigns"),
        ("mailchimp_email_activity_2026-03.csv", "emailing/mailchimp_email_activity"),
        ("Mailchimp_Reports.csv", "emailing/mailchimp_reports"),
        ("linkedin_page_2026-03.csv", "social/posts"),
        ("liste_invites.xlsx", "spreadsheets/invitations"),
        ("Budget_Com_2025-26.xlsx", "spreadsheets/campaign_budgets"),
        ("plan_de_marquage.xlsx", "spreadsheets/utm_plan"),
        ("invitations_carmen.csv", None),  # the spreadsheet contracts take .xlsx only
        ("social_media_budget.pdf", None),
    ],
)
def test_documented_file_names(name: str, label: str | None) -> None:
    if label in BREVO_EXPORTS:  # named like the contacts export: the header decides
        assert {e.label for e in contracts.all_entities() if e.matches(Path(name))} == BREVO_EXPORTS
        return
    entity = contracts.entity_for(Path(name))
    assert (entity.label if entity else None) == label


def test_no_other_fixture_is_captured_by_the_marketing_contracts() -> None:
    new_sources = {"ads", "emailing", "social", "spreadsheets"}
    others = [p for d in ("secutix", "ga4", "matomo") for p in (FIXTURES / d).rglob("*") if p.is_file()]
    assert others
    for path in others:
        assert not [e.label for e in contracts.all_entities() if e.source in new_sources and e.matches(path)], path


def test_every_delimited_contract_has_valid_options_and_known_readers() -> None:
    for entity in contracts.all_entities():
        if entity.source in ("ads", "emailing", "social", "spreadsheets"):
            assert entity.reader in READERS, entity.label
        if entity.reader in ("delimited", "secutix_csv"):
            options_of(entity)  # raises ValueError on a bad option
    tables = [e.table for e in contracts.all_entities()]
    assert len(tables) == len(set(tables))


@pytest.mark.parametrize(
    "options",
    [{"delimiter": "|"}, {"encodings": ["latin-9"]}, {"skip_lines": -1}, {"skip_lines": "some"}],
)
def test_a_bad_contract_option_is_a_contract_bug(options: dict) -> None:
    with pytest.raises(ValueError):
        options_of(with_options(META, **options))


# ---------------------------------------------------------------- delimited: the fixtures


def test_meta_export_utf8_bom_comma() -> None:
    parsed = read_delimited(ADS / "meta_ads_insights_2026-03_utf8_bom_comma.csv", META)
    assert parsed.encoding == "utf-8-sig"
    assert parsed.columns[0] == "account_id" and parsed.drift == []
    got = rows(parsed)
    assert [line for line, _ in got] == [2, 3, 4, 5]
    record = dict(zip(parsed.columns, got[2][1], strict=True))
    assert record["campaign_name"] == "Tosca, ventes"
    assert record["spend"] == "20.00"  # text, as delivered
    assert record["actions"].startswith('[{"action_type": "offsite_conversion')
    assert dict(zip(parsed.columns, got[3][1], strict=True))["cpc"] is None


def test_meta_export_resaved_by_french_excel_semicolon_cp1252() -> None:
    parsed = read_delimited(ADS / "meta_ads_insights_2026-04_semicolon_cp1252.csv", META)
    assert parsed.encoding == "cp1252"
    got = rows(parsed)
    assert len(got) == 3
    record = dict(zip(parsed.columns, got[2][1], strict=True))
    assert record["campaign_name"] == "Jeune public – Le Petit Prince"
    assert record["spend"] == "8,00" and record["date_start"] == "01/04/2026"


def test_google_ads_report_with_preamble_and_total_footer() -> None:
    parsed = read_delimited(ADS / "google_ads_campaigns_2026-03_preamble_total_footer.csv", GADS)
    assert parsed.columns[:2] == ["campaign_id", "campaign_name"]
    assert "metrics_cost_micros" in parsed.columns and parsed.drift == []
    got = rows(parsed)
    assert [line for line, _ in got] == [4, 5, 6]  # physical lines: 2 preamble lines, the header
    assert all(not values[0].startswith("Total") for _, values in got)
    costs = [dict(zip(parsed.columns, v, strict=True))["metrics_cost_micros"] for _, v in got]
    assert costs == ["15230000", "14100000", "30000000"]  # micros, as text


def test_google_ads_excel_csv_utf16_tab_is_accepted_where_the_contract_allows_it() -> None:
    parsed = read_delimited(ADS / "google_ads_campaigns_2026-04_utf16_tab_excel_csv.csv", GADS)
    assert parsed.encoding == "utf-16"
    got = rows(parsed)
    assert [line for line, _ in got] == [2, 3]
    assert got[0][1][1] == "Marque - Opéra" and got[1][1][1] == "Carmen, PMax"


def test_utf16_is_rejected_where_the_contract_does_not_allow_it() -> None:
    with pytest.raises(RejectedFile, match="encoded in UTF-16: expected Windows-1252 or UTF-8") as err:
        read_delimited(EMAILING / "mailchimp_reports_utf16_encoding.csv", REPORTS)
    assert err.value.line == 1


def test_data_below_the_total_line_is_rejected() -> None:
    with pytest.raises(RejectedFile, match="data line after the summary line 3") as err:
        rows(read_delimited(ADS / "google_ads_campaigns_data_after_total.csv", GADS))
    assert err.value.line == 4


def test_pipe_separated_file_with_auto_delimiter_names_the_likely_cause() -> None:
    with pytest.raises(RejectedFile, match="the header has one field") as err:
        read_delimited(ADS / "google_ads_campaigns_wrong_delimiter_pipe.csv", GADS)
    assert err.value.line == 1
    assert "missing required column(s): segments_date" in err.value.reason


@pytest.mark.parametrize(
    ("path", "entity", "line", "message"),
    [
        (ADS / "meta_ads_insights_missing_spend_column.csv", META, 1, "missing required column(s): spend"),
        (EMAILING / "brevo_campaigns_missing_sent_column.csv", ENTITIES["emailing/brevo_campaigns"], 1,
         "missing required column(s): sent"),
        (SOCIAL / "social_insights_missing_platform_column.csv", ENTITIES["social/posts"], 1,
         "missing required column(s): platform"),
        (EMAILING / "mailchimp_email_activity_truncated_line.csv", ENTITIES["emailing/mailchimp_email_activity"],
         3, "3 fields where the header has 9 (truncated line?)"),
    ],
    ids=lambda v: v.name if isinstance(v, Path) else None,
)
def test_bad_delimited_fixtures(path: Path, entity, line: int, message: str) -> None:
    with pytest.raises(RejectedFile) as err:
        rows(read_delimited(path, entity))
    assert err.value.line == line
    assert message in err.value.reason


def test_good_delimited_fixtures_load_whole() -> None:
    expected = {
        "brevo_campaigns_2026-03_semicolon_utf8_bom.csv": 2,
        "brevo_export_2026-03-02.csv": 3,
        "brevo_export_2026-03-20_delta_without_sms.csv": 1,
        "mailchimp_email_activity_2026-03.csv": 4,
        "mailchimp_reports_2026-03.csv": 2,
        "social_insights_2026-03_comma.csv": 5,
        "reseaux_sociaux_2026-04_semicolon_cp1252.csv": 3,
    }
    for name, count in expected.items():
        path = next(p for p in MARKETING_FILES if p.name == name)
        parsed = read_delimited(path, route(path, FIXTURES).entity)
        assert parsed.drift == [], name
        assert len(rows(parsed)) == count, name
    parsed = read_delimited(EMAILING / "mailchimp_reports_2026-03.csv", REPORTS)
    assert "opens_unique_opens" in parsed.columns and "bounces_hard_bounces" in parsed.columns
    parsed = read_delimited(EMAILING / "brevo_campaigns_2026-03_semicolon_utf8_bom.csv",
                            ENTITIES["emailing/brevo_campaigns"])
    assert "uniqueclicks" in parsed.columns and parsed.columns[0] == "id"
    activity = read_delimited(EMAILING / "mailchimp_email_activity_2026-03.csv",
                              ENTITIES["emailing/mailchimp_email_activity"])
    click = next(v for _, v in activity.rows if v[4] == "click")
    assert click[7].endswith("utm_campaign=newsletter-mars,2026")  # quoted comma kept


# ---------------------------------------------------------------- delimited: the options

SAMPLE = [["campaign_id", "date_start", "date_stop", "spend", "impressions"],
          ["1", "2026-03-01", "2026-03-01", "12,5", "100"],
          ["2", "2026-03-01", "2026-03-01", "7", "40"]]


def as_csv(table: list[list[str]], sep: str = ",") -> str:
    return "".join(sep.join(f'"{v}"' if sep in v else v for v in row) + "\r\n" for row in table)


@pytest.mark.parametrize("sep", [";", ",", "\t"])
def test_auto_delimiter_is_detected_from_the_header(tmp_path: Path, sep: str) -> None:
    text = as_csv(SAMPLE, sep)
    parsed = read_delimited(write(tmp_path, "meta_ads.csv", text.encode()), META)
    assert parsed.columns == SAMPLE[0]
    assert [v for _, v in parsed.rows] == SAMPLE[1:]


def test_auto_delimiter_prefers_the_one_splitting_the_header_most(tmp_path: Path) -> None:
    # A `;` file whose header also has a comma in one (quoted) name: `;` gives more fields.
    text = 'campaign_id;date_start;date_stop;spend;impressions;"note, libre"\r\n1;a;b;1,5;2;x\r\n'
    parsed = read_delimited(write(tmp_path, "meta_ads.csv", text.encode()), META)
    assert parsed.columns[-1] == "note_libre" and parsed.drift == ["note_libre"]
    assert next(parsed.rows)[1][3] == "1,5"


def test_fixed_delimiter_names_the_wrong_one(tmp_path: Path) -> None:
    text = ";".join(SAMPLE[0]) + "\r\n"
    path = write(tmp_path, "meta_ads.csv", text.encode())
    with pytest.raises(RejectedFile, match="wrong delimiter: expected ',', the header is semicolon-separated"):
        read_delimited(path, with_options(META, delimiter=","))
    with pytest.raises(RejectedFile, match="wrong delimiter: expected tab, the header is semicolon-separated"):
        read_delimited(path, with_options(META, delimiter="\t"))


def test_fixed_skip_lines_and_physical_line_numbers(tmp_path: Path) -> None:
    text = "Rapport Meta\r\nPériode : mars 2026\r\n" + as_csv(SAMPLE)
    path = write(tmp_path, "meta_ads.csv", text.encode("cp1252"))
    parsed = read_delimited(path, with_options(META, skip_lines=2))
    assert parsed.columns == SAMPLE[0]
    assert [line for line, _ in parsed.rows] == [4, 5]
    with pytest.raises(RejectedFile, match="missing required column") as err:
        read_delimited(path, with_options(META, skip_lines=1))
    assert err.value.line == 2


def test_footer_only_with_the_option(tmp_path: Path) -> None:
    text = as_csv(SAMPLE) + "Total:,,,19,140\r\n"
    path = write(tmp_path, "meta_ads.csv", text.encode())
    assert len(rows(read_delimited(path, with_options(META, footer_prefixes=["Total:"])))) == 2
    assert len(rows(read_delimited(path, with_options(META, footer_prefixes="Total:")))) == 2
    assert rows(read_delimited(path, META))[-1][1][0] == "Total:"  # no option: a row like any other


def test_french_total_line_and_blank_lines_after_it(tmp_path: Path) -> None:
    header = "campaign.id,segments.date,metrics.cost_micros,metrics.impressions,metrics.clicks"
    text = f"Rapport\r\n{header}\r\n1,2026-03-01,1000000,10,1\r\nTotal : compte,--,1000000,10,1\r\n\r\n,,,,\r\n"
    parsed = read_delimited(write(tmp_path, "google_ads.csv", text.encode()), GADS)
    assert rows(parsed) == [(3, ["1", "2026-03-01", "1000000", "10", "1"])]


def test_google_ads_without_preamble_reads_from_line_one(tmp_path: Path) -> None:
    header = "campaign.id,segments.date,metrics.cost_micros,metrics.impressions,metrics.clicks"
    text = f"{header}\n1,2026-03-01,1000000,10,1\n"
    parsed = read_delimited(write(tmp_path, "google_ads.csv", text.encode()), GADS)
    assert rows(parsed) == [(2, ["1", "2026-03-01", "1000000", "10", "1"])]


@pytest.mark.parametrize(("encoding", "bom"), [("cp1252", b""), ("utf-8", b""), ("utf-8", codecs.BOM_UTF8)])
def test_accents_survive_every_default_encoding(tmp_path: Path, encoding: str, bom: bytes) -> None:
    text = "campaign_id;campaign_name;date_start;date_stop;spend;impressions\r\n1;Opéra – Œuvre;a;b;1;2\r\n"
    parsed = read_delimited(write(tmp_path, "meta_ads.csv", bom + text.encode(encoding)), META)
    assert parsed.columns[0] == "campaign_id"
    assert next(parsed.rows)[1][1] == "Opéra – Œuvre"


def test_encodings_option_without_cp1252_rejects_invalid_utf8(tmp_path: Path) -> None:
    text = "campaign_id;campaign_name;date_start;date_stop;spend;impressions\r\n1;Opéra;a;b;1;2\r\n"
    path = write(tmp_path, "meta_ads.csv", text.encode("cp1252"))
    with pytest.raises(RejectedFile, match="not valid UTF-8: expected UTF-8") as err:
        read_delimited(path, with_options(META, encodings=["utf-8", "utf-8-sig"]))
    assert err.value.line == 2


def test_secutix_reader_keeps_its_semicolon_and_messages(tmp_path: Path) -> None:
    text = "FILE_NUMBER,ORDER_DATE,FILE_STATE,ORDER_ORIGINATOR,LAST_UPDATE\r\n"
    path = write(tmp_path, "secutix_orders.csv", text.encode())
    with pytest.raises(RejectedFile, match="wrong delimiter: expected ';', the header is comma-separated"):
        read_secutix_csv(path, ORDERS)
    utf16 = write(tmp_path, "b_orders.csv", text.replace(",", ";").encode("utf-16"))
    with pytest.raises(RejectedFile, match=r"encoded in UTF-16: expected Windows-1252 or UTF-8 \(re-export"):
        read_secutix_csv(utf16, ORDERS)


# ---------------------------------------------------------------- xlsx: cell rendering


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, None), ("", None), (" ", " "), ("0612345678", "0612345678"), ("Opéra", "Opéra"),
        (True, "true"), (False, "false"), (0, "0"), (42, "42"), (42.0, "42"), (-3.0, "-3"),
        (1500.5, "1500.5"), (0.1, "0.1"), (1e-7, "0.0000001"), (1e20, "100000000000000000000"),
        (dt.datetime(2026, 3, 14), "2026-03-14"), (dt.datetime(2026, 3, 14, 20, 30), "2026-03-14 20:30:00"),
        (dt.datetime(2026, 3, 14, 20, 29, 59, 999_500), "2026-03-14 20:30:00"),
        (dt.date(2026, 3, 14), "2026-03-14"), (dt.time(20, 30), "20:30:00"),
        (dt.timedelta(hours=26, minutes=5), "26:05:00"),
    ],
)
def test_cell_text(value, text) -> None:
    assert cell_text(value) == text


def test_invitations_fixture_rows_as_the_user_sees_them() -> None:
    parsed = read_xlsx(SHEETS / "invitations_carmen_2026.xlsx", INVITATIONS)
    assert parsed.columns == ["nom", "prenom", "email", "organisation", "categorie", "spectacle",
                              "date_de_representation", "nombre_de_places", "present", "telephone"]
    assert parsed.drift == []
    got = rows(parsed)
    assert [line for line, _ in got] == [2, 3, 5, 6]  # sheet rows; the empty row 4 is skipped
    first, second, third = (dict(zip(parsed.columns, v, strict=True)) for _, v in got[:3])
    assert first["date_de_representation"] == "2026-03-14 20:00:00"
    assert first["nombre_de_places"] == "2" and first["present"] == "true"
    assert first["telephone"] == "0612345678"
    assert second["prenom"] == "Hélène" and second["categorie"] == "mécène"
    assert second["date_de_representation"] == "2026-03-14" and second["nombre_de_places"] == "4"
    assert second["present"] == "false" and second["telephone"] is None
    assert third["email"] is None and third["present"] == "oui"


def test_budget_and_utm_fixtures() -> None:
    parsed = read_xlsx(SHEETS / "budgets_campagnes_2025-26.xlsx", BUDGETS)
    assert parsed.columns[:5] == ["saison", "campagne", "canal", "plateforme", "budget"]
    budgets = [v[4] for _, v in parsed.rows]
    assert budgets == ["1500.5", "2000", "0", "12000"]
    parsed = read_xlsx(SHEETS / "plan_utm_2025-26.xlsx", UTM)
    got = rows(parsed)
    assert len(got) == 3 and "url_de_destination" in parsed.columns
    assert got[1][1][parsed.columns.index("utm_content")] is None


@pytest.mark.parametrize(
    ("name", "line", "message"),
    [
        ("budgets_missing_budget_column.xlsx", 2, "missing required column(s): budget"),
        ("plan_utm_empty_sheet.xlsx", None, "empty sheet 'Plan UTM': no header row"),
        ("invitations_csv_renamed_not_an_xlsx.xlsx", None, "not an xlsx workbook"),
    ],
)
def test_bad_xlsx_fixtures(name: str, line: int | None, message: str) -> None:
    path = SHEETS / name
    with pytest.raises(RejectedFile) as err:
        rows(read_xlsx(path, contracts.entity_for(path)))
    assert err.value.line == line
    assert message in err.value.reason


def workbook(tmp_path: Path, name: str, sheets: dict[str, list[list]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, content in sheets.items():
        ws = wb.create_sheet(title)
        for row in content:
            ws.append(row)
    path = tmp_path / name
    wb.save(path)
    return path


UTM_HEADER = ["utm_source", "utm_medium", "utm_campaign"]


def test_sheet_option_and_header_below_empty_rows(tmp_path: Path) -> None:
    path = workbook(tmp_path, "plan_utm.xlsx", {
        "Notes": [["à lire d'abord"]],
        "Plan": [[], [], [None, None], UTM_HEADER, ["google", "cpc", "carmen"]],
    })
    parsed = read_xlsx(path, UTM)  # not the first sheet « Notes »: the one whose header matches
    assert rows(parsed) == [(5, ["google", "cpc", "carmen"])]
    assert parsed.warnings == [("sheet 'Plan' read (the first sheet whose header has the contract's columns); "
                               "other sheets: 'Notes'")]
    with pytest.raises(RejectedFile, match="sheet 'Notes': no header row .* row 1, has missing"):
        read_xlsx(path, with_options(UTM, sheet="Notes"))  # the contract's sheet wins
    parsed = read_xlsx(path, with_options(UTM, sheet="Plan"))
    assert rows(parsed) == [(5, ["google", "cpc", "carmen"])]
    with pytest.raises(RejectedFile, match="no sheet named 'Budget' \\(sheets: Notes, Plan\\)"):
        read_xlsx(path, with_options(UTM, sheet="Budget"))


def test_trailing_empty_columns_ignored_value_without_header_rejected(tmp_path: Path) -> None:
    path = workbook(tmp_path, "plan_utm.xlsx", {"Plan": [
        [*UTM_HEADER, None, None],
        ["google", "cpc", "carmen", None, ""],
        ["meta", "paid_social", "carmen", None, "note en marge"],
    ]})
    parsed = read_xlsx(path, UTM)
    assert parsed.columns == ["utm_source", "utm_medium", "utm_campaign"]
    with pytest.raises(RejectedFile, match="a value in column E, which has no header") as err:
        rows(parsed)
    assert err.value.line == 3


def test_empty_header_cell_becomes_a_lettered_drift_column_and_duplicates_are_rejected(tmp_path: Path) -> None:
    path = workbook(tmp_path, "plan_utm.xlsx", {"Plan": [
        ["utm_source", None, "utm_medium", "utm_campaign"], ["google", "x", "cpc", "carmen"]]})
    parsed = read_xlsx(path, UTM)
    assert parsed.columns == ["utm_source", "column_b", "utm_medium", "utm_campaign"]
    assert parsed.drift == ["column_b"]
    dup = workbook(tmp_path, "plan_utm2.xlsx", {"Plan": [[*UTM_HEADER, "UTM Source"]]})
    with pytest.raises(RejectedFile, match="duplicate column\\(s\\) in header: utm_source") as err:
        read_xlsx(dup, UTM)
    assert err.value.line == 1


def test_header_only_sheet_loads_no_rows(tmp_path: Path) -> None:
    path = workbook(tmp_path, "plan_utm.xlsx", {"Plan": [UTM_HEADER]})
    assert rows(read_xlsx(path, UTM)) == []


def test_files_that_are_not_xlsx_workbooks(tmp_path: Path) -> None:
    xls = write(tmp_path, "old_utm.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    with pytest.raises(RejectedFile, match="Excel 97-2003 \\(.xls\\) or password-protected"):
        read_xlsx(xls, UTM)
    binary = write(tmp_path, "bin_utm.xlsx", b"\x89PNG\r\n\x1a\n\x00\x00")
    with pytest.raises(RejectedFile, match="not an xlsx workbook \\(not a readable zip archive"):
        read_xlsx(binary, UTM)
    good = (SHEETS / "plan_utm_2025-26.xlsx").read_bytes()
    truncated = write(tmp_path, "cut_utm.xlsx", good[: len(good) // 2])
    with pytest.raises(RejectedFile, match="damaged or truncated"):
        read_xlsx(truncated, UTM)
    empty = write(tmp_path, "empty_utm.xlsx", b"")
    with pytest.raises(RejectedFile, match="empty file"):
        read_xlsx(empty, UTM)
    other_zip = tmp_path / "zip_utm.xlsx"
    with zipfile.ZipFile(other_zip, "w") as zf:
        zf.writestr("hello.txt", "not a workbook")
    with pytest.raises(RejectedFile, match="unreadable xlsx workbook") as err:
        read_xlsx(other_zip, UTM)
    assert err.value.line is None


def test_corrupt_sheet_xml_is_rejected_while_streaming(tmp_path: Path) -> None:
    path = tmp_path / "broken_utm.xlsx"
    with zipfile.ZipFile(SHEETS / "plan_utm_2025-26.xlsx") as src, zipfile.ZipFile(path, "w") as out:
        for item in src.infolist():
            data = src.read(item.filename)
            out.writestr(item, data[: len(data) // 2] if item.filename.endswith("sheet1.xml") else data)
    with pytest.raises(RejectedFile, match="unreadable xlsx (sheet|workbook): ParseError"):
        rows(read_xlsx(path, UTM))


def test_xlsx_is_read_in_streaming_mode(monkeypatch) -> None:
    seen = {}
    original = openpyxl.load_workbook

    def spy(*args, **kwargs):
        seen.update(kwargs)
        return original(*args, **kwargs)

    monkeypatch.setattr(openpyxl, "load_workbook", spy)
    assert len(rows(read_xlsx(SHEETS / "plan_utm_2025-26.xlsx", UTM))) == 3
    assert seen.get("read_only") is True and seen.get("data_only") is True


def test_readers_are_registered_for_the_contracts() -> None:
    assert reader_for(GADS.reader) is read_delimited
    assert reader_for(META.reader) is read_csv_or_xlsx  # Ads Manager exports CSV or .xlsx
    assert reader_for(INVITATIONS.reader) is read_xlsx


def test_meta_ads_manager_ui_headers_take_the_api_names_french_english_csv_and_xlsx() -> None:
    french = read_delimited(ADS / "Théâtre des Célestins-Campagnes-1 mars 2026-31 mars 2026.csv", META)
    english = reader_for(META.reader)(ADS / "Opera Studio-Campaigns-Mar-1-2026-Mar-31-2026.csv", META)
    workbook = reader_for(META.reader)(ADS / "Théâtre des Célestins-Campagnes-1 avr. 2026-30 avr. 2026.xlsx", META)
    assert workbook.encoding == "xlsx"
    for parsed in (french, english, workbook):
        assert {"date_start", "date_stop", "campaign_name", "day", "spend", "impressions", "reach",
                "inline_link_clicks"} <= set(parsed.columns)
    assert "campaign_id" not in french.columns and "campaign_id" in english.columns
    rows = {line: dict(zip(french.columns, values)) for line, values in french.rows}
    assert rows[3]["spend"] == "45,12" and rows[3]["day"] == "2026-03-01" and rows[3]["date_stop"] == "2026-03-31"
    assert rows[2]["campaign_name"] is None  # Ads Manager's total row: loaded as delivered, left out in staging
    assert "resultats" in french.drift  # UI columns with no API field load as new columns
    first = dict(zip(workbook.columns, next(v for n, v in workbook.rows if n == 3)))
    assert first["spend"] == "120.25" and first["campaign_id"] == "120210000000000002"


def test_ui_export_without_campaign_id_nor_name_is_rejected(tmp_path) -> None:
    path = tmp_path / "Compte-Campagnes-1 mars 2026-31 mars 2026.csv"
    path.write_text("Début des rapports,Fin des rapports,Montant dépensé (EUR),Impressions\n"
                    "2026-03-01,2026-03-31,\"4,50\",10\n", encoding="utf-8")
    with pytest.raises(RejectedFile, match=r"line 1: missing required column\(s\): one of \(campaign_id, campaign_name\)"):
        read_delimited(path, META)
    other_currency = tmp_path / "Account-Campaigns-Mar-1-2026-Mar-31-2026.csv"
    other_currency.write_text("Reporting starts,Reporting ends,Campaign name,Amount spent (USD),Impressions\n"
                              "2026-03-01,2026-03-31,A,4.50,10\n", encoding="utf-8")
    with pytest.raises(RejectedFile, match="missing required column"):
        read_delimited(other_currency, META)  # dollars are not loaded as euros


def test_google_ads_ui_downloads_english_csv_and_french_excel_csv() -> None:
    english = read_delimited(ADS / "Campaign report.csv", GADS)
    french = read_delimited(ADS / "Rapport sur les campagnes.csv", GADS)
    assert french.encoding == "utf-16"
    for parsed in (english, french):
        assert {"segments_date", "campaign_name", "metrics_cost", "metrics_impressions",
                "metrics_clicks"} <= set(parsed.columns)
        assert parsed.drift == []
    got = list(english.rows)
    assert [n for n, _ in got] == [4, 5, 6]  # title and date-range lines skipped, Total lines not data
    cost = english.columns.index("metrics_cost")
    assert [v[cost] for _, v in got] == ["1,234.56", "600.00", "15.23"]
    got = list(french.rows)
    assert [v[french.columns.index("metrics_cost")] for _, v in got] == ["2\u00a0345,67", "38,09"]
    assert [v[french.columns.index("segments_date")] for _, v in got] == ["2026-03-03", "2026-03-03"]


def test_google_ads_ui_downloads_say_their_report_period(tmp_path) -> None:
    """The date-range line above the header is what the file says of its date (readers/periods.py):
    English and French, full or abbreviated months; a GAQL export without it, or a range in words,
    says nothing."""
    assert read_delimited(ADS / "Campaign report.csv", GADS).period == (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert read_delimited(ADS / "Rapport sur les campagnes.csv", GADS).period == (
        dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert read_delimited(ADS / "google_ads_campaigns_2026-04_utf16_tab_excel_csv.csv", GADS).period is None
    header = "Jour,Campagne,Impr.,Clics,Coût\n2025-09-10,Carmen,10,1,\"1,99\"\n"
    for line, period in (
        ("1 septembre 2025 - 30 septembre 2025", (dt.date(2025, 9, 1), dt.date(2025, 9, 30))),
        ("1 sept. 2025 - 19 oct. 2025", (dt.date(2025, 9, 1), dt.date(2025, 10, 19))),
        ('"Sep 1, 2025 - Oct 19, 2025"', (dt.date(2025, 9, 1), dt.date(2025, 10, 19))),
        ("Toute la période", None),
        ("31 septembre 2025 - 1 octobre 2025", None),  # no such day: no period, not an error
    ):
        path = tmp_path / "Rapport sur les campagnes.csv"
        path.write_text(f"Rapport sur les campagnes\n{line}\n{header}", encoding="utf-8")
        parsed = read_delimited(path, GADS)
        assert parsed.period == period, line
        assert [v[0] for _, v in parsed.rows] == ["2025-09-10"]


def test_a_delimiter_ending_every_line_is_no_column(tmp_path) -> None:
    """SecuTix lines ending with `;`: the empty last header cell is not a column named
    `column`, the empty field is dropped on every line (no drift), a value there is rejected."""
    plain = FIXTURES / "secutix" / "good" / "secutix_orders_20260101.csv"
    text = plain.read_bytes().decode("cp1252")
    trailing = tmp_path / "secutix_orders_20260102.csv"
    trailing.write_bytes("".join(line.rstrip("\r\n") + ";\r\n" for line in text.splitlines(True)).encode("cp1252"))
    expected, got = read_secutix_csv(plain, ORDERS), read_secutix_csv(trailing, ORDERS)
    assert got.columns == expected.columns and "column" not in got.columns and got.drift == expected.drift
    assert got.copy_source is None  # COPY would see one field too many: the row path reads it
    assert list(got.rows) == list(expected.rows)
    lines = text.splitlines(True)
    lines[1] = lines[1].rstrip("\r\n") + ";surprise\r\n"
    bad = tmp_path / "secutix_orders_20260103.csv"
    bad.write_bytes("".join([lines[0].rstrip("\r\n") + ";\r\n", *lines[1:]]).encode("cp1252"))
    with pytest.raises(RejectedFile, match="line 2: a value after the last column"):
        list(read_secutix_csv(bad, ORDERS).rows)
