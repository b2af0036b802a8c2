"""Drift is what no contract documents: a field of the stream a contract cites (Meta's Ads
Insights, Mailchimp's reports and email activity, as Airbyte's connectors name them) is an
optional column, loaded without a drift warning; a column nobody documents is still drift."""

from __future__ import annotations

from pathlib import Path

from ingestion import contracts
from ingestion.readers.delimited import read_delimited

ENTITIES = {e.label: e for e in contracts.all_entities()}


def test_a_documented_field_of_the_cited_stream_is_not_drift(tmp_path: Path) -> None:
    path = tmp_path / "meta_ads_insights_2026-05.csv"
    path.write_text(
        "campaign_id,date_start,date_stop,spend,impressions,cost_per_unique_click,quality_ranking,outbound_clicks,"
        "colonne_maison\r\n1,2026-05-01,2026-05-01,1.5,10,0.2,AVERAGE,[],x\r\n", encoding="utf-8")
    parsed = read_delimited(path, ENTITIES["ads/meta_ads_insights"])
    assert parsed.drift == ["colonne_maison"]


def test_mailchimp_stream_fields_are_optional_columns() -> None:
    reports = ENTITIES["emailing/mailchimp_reports"].columns
    assert {"preview_text", "list_is_active", "forwards_forwards_count", "industry_stats_open_rate"} <= set(reports)
    assert "list_is_active" in ENTITIES["emailing/mailchimp_email_activity"].columns
