"""Versions of a report without a record timestamp, ordered by what the file says of itself
(macros/latest_record.sql, file_version_order; DECISIONLOG.md "Versions of a report ordered by what
the file says"), file → raw → dbt → staging, in three ingestions like a real autumn:

1. the September exports: a Google Ads UI download (date range "September 1, 2025 - September 30,
   2025": 10 September at 1,99 €), a Meta Ads Manager export (1 sept. → 30 sept.: Carmen on the
   10th at 1,99 €) and the Marketing API's day of the 10th for the same campaign (its ID);
2. the corrections, exported later for a longer period (to 19 October): the 10th at 11,99 €;
3. the September exports delivered again, re-saved (Excel's CRLF lines, French Excel's `;`):
   not byte-identical, so loaded — and older than what they would replace.

Staging keeps 11,99 € (the file's own period end, not the order of arrival), Meta counts the
campaign once (the UI row takes the API campaign's ID by name), and the re-delivered exports are
named in marts.quality_stale_deliveries (dashboard 18). The layouts are those of the fixtures
(tests/fixtures/ads, docs/formats.md §4): Google's title and date-range lines and `Total:` lines,
Ads Manager's « Début des rapports » / « Fin des rapports » and `Jour` columns, the API's fields."""

from __future__ import annotations

from decimal import Decimal

import pytest

from publics import warehouse
from publics.dbt_runner import dbt_build
from tests.conftest import querier, run_cli

BUILD = ["stg_ads__google_campaigns", "stg_ads__meta_insights", "base_ga4__deliveries", "stg_ga4__deliveries",
         "quality_stale_deliveries",
         "--indirect-selection", "cautious"]


def google_ui(period: str, cost: str) -> str:
    """A Google Ads UI "Campaign report" download (English UI), as the fixture Campaign report.csv."""
    return (
        "Campaign report\n"
        f'"{period}"\n'
        "Day,Campaign,Campaign status,Campaign type,Impr.,Clicks,Currency code,Cost\n"
        f'2025-09-10,Carmen - search marque,Enabled,Search,"1,204",84,EUR,{cost}\n'
        "2025-09-11,Carmen - search marque,Enabled,Search,\"1,100\",80,EUR,20.00\n"
        'Total: Account,--,--,--,"2,304",164,EUR,--\n'
        'Total: Campaigns,--,--,--,"2,304",164,EUR,--\n'
    )


META_HEADER = ['"Début des rapports"', '"Fin des rapports"', '"Nom de la campagne"', '"Jour"',
               '"Diffusion de la campagne"', '"Impressions"', '"Montant dépensé (EUR)"']


def meta_ui(stop: str, spend: str, sep: str = ",") -> str:
    """An Ads Manager export (French UI), as the fixture Théâtre des Célestins-Campagnes-….csv:
    the total row first (no name), then one row per campaign and day."""
    rows = [
        META_HEADER,
        ["2025-09-01", stop, "", "", "", '"1 500"', '"15,00"'],
        ["2025-09-01", stop, '"Carmen - conquête"', "2025-09-10", "active", '"1 000"', f'"{spend}"'],
    ]
    return "\ufeff" + "".join(sep.join(row) + "\n" for row in rows)


META_API = (
    "account_id,account_name,account_currency,campaign_id,campaign_name,date_start,date_stop,spend,impressions\n"
    "1234567890,Opéra de Lyon,EUR,120210000000000001,Carmen - conquête,2025-09-10,2025-09-10,10.00,900\n"
)

SEPTEMBER_GOOGLE = google_ui("September 1, 2025 - September 30, 2025", "1.99")
SEPTEMBER_META = "Opéra-Campagnes-1 sept. 2025-30 sept. 2025.csv"


@pytest.fixture(scope="module")
def autumn(module_db: warehouse.ConnInfo, tmp_path_factory):
    query = querier(module_db)
    quarantine = tmp_path_factory.mktemp("quarantine")
    batches = []
    for _n in range(3):
        batches.append(tmp_path_factory.mktemp("inbox"))
        (batches[-1] / "ads").mkdir()
    first, second, third = (b / "ads" for b in batches)
    (first / "Campaign report.csv").write_text(SEPTEMBER_GOOGLE, encoding="utf-8")
    (first / SEPTEMBER_META).write_text(meta_ui("2025-09-30", "1,99"), encoding="utf-8")
    (first / "meta_ads_insights_2025-09-11.csv").write_text(META_API, encoding="utf-8")
    (second / "Campaign report corrected.csv").write_text(
        google_ui("September 1, 2025 - October 19, 2025", "11.99"), encoding="utf-8")
    (second / "Opéra-Campagnes-1 sept. 2025-19 oct. 2025.csv").write_text(
        meta_ui("2025-10-19", "11,99"), encoding="utf-8")
    # re-saved: Excel's CRLF line ends; French Excel's semicolons — the same September figures
    (third / "Campaign report (1).csv").write_bytes(SEPTEMBER_GOOGLE.replace("\n", "\r\n").encode("utf-8"))
    (third / SEPTEMBER_META).write_text(meta_ui("2025-09-30", "1,99", sep=";"), encoding="utf-8")
    ingests = [run_cli("ingest", str(b), "--quarantine", str(quarantine), env={"DATABASE_URL": module_db.url})
               for b in batches]
    dbt_build(module_db, BUILD)
    return {"query": query, "ingests": ingests}


def test_every_delivery_loads_the_re_saved_exports_too(autumn) -> None:
    for result in autumn["ingests"]:
        assert result.code == 0, result
        assert "skipped" not in result.out.split("✔")[-1] or " 0 skipped" in result.out, result
    periods = autumn["query"](
        "select ledger.file_name, dates.report_start::text, dates.report_end::text from raw.load_file_dates as dates "
        "join raw.load_ledger as ledger using (batch_id, file_hash) order by 1")
    # what each Google download says of itself above its header (Meta's period is in its rows)
    assert periods == [
        ("Campaign report (1).csv", "2025-09-01", "2025-09-30"),
        ("Campaign report corrected.csv", "2025-09-01", "2025-10-19"),
        ("Campaign report.csv", "2025-09-01", "2025-09-30"),
    ]


def test_google_keeps_the_correction_whatever_the_order_of_arrival(autumn) -> None:
    rows = autumn["query"](
        "select activity_date::text, spend_eur, source_file from staging.stg_ads__google_campaigns order by 1")
    assert rows == [
        ("2025-09-10", Decimal("11.99"), "Campaign report corrected.csv"),
        ("2025-09-11", Decimal("20.00"), "Campaign report corrected.csv"),
    ]


def test_meta_keeps_the_correction_and_counts_the_api_campaign_once(autumn) -> None:
    rows = autumn["query"](
        "select campaign_key, campaign_id, activity_date::text, spend_eur, source_file "
        "from staging.stg_ads__meta_insights order by 1, 3")
    assert rows == [
        ("120210000000000001", "120210000000000001", "2025-09-10", Decimal("11.99"),
         "Opéra-Campagnes-1 sept. 2025-19 oct. 2025.csv"),
    ]


def test_the_old_exports_delivered_again_are_named(autumn) -> None:
    stale = autumn["query"](
        "select entity, late_file, late_file_date, kept_file, kept_file_date, records "
        "from marts.quality_stale_deliveries order by 1, 2")
    assert stale == [
        ("ads/google_ads_campaigns", "Campaign report (1).csv", "2025-09-30", "Campaign report corrected.csv",
         "2025-10-19", 2),
        ("ads/meta_ads_insights", SEPTEMBER_META, "2025-09-30", "Opéra-Campagnes-1 sept. 2025-19 oct. 2025.csv",
         "2025-10-19", 1),
    ]
