"""Which files `publics bench pipeline --daily` holds back as the daily delivery."""

from __future__ import annotations

from publics_demo.bench_pipeline import split_daily


def test_the_newest_delivery_of_every_source_is_held_back(tmp_path):
    names = ["ga4/events_20260713.ndjson.gz", "ga4/events_20260714.ndjson.gz",
             "ga4/events_20260714-000000000001.json.gz", "matomo/matomo_visits_20260714.json",
             "matomo/matomo_visits_20260601.json", "secutix/secutix_orders_20260715.csv",
             "secutix/secutix_contacts_delta_20260715.csv", "ads/meta_ads_insights_2026-05_20260610.csv",
             "ads/meta_ads_insights_2026-06.csv", "spreadsheets/plan_utm_2025-26.xlsx",
             "emailing/members_export_5e1a9c03b7.zip", "emailing/brevo_export_2026-07-15.csv"]
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    full, daily = split_daily(tmp_path)
    assert sorted(str(p.relative_to(tmp_path)) for p in daily) == sorted([
        "ga4/events_20260714.ndjson.gz", "ga4/events_20260714-000000000001.json.gz",
        "matomo/matomo_visits_20260714.json", "secutix/secutix_contacts_delta_20260715.csv",
        "ads/meta_ads_insights_2026-06.csv", "emailing/brevo_export_2026-07-15.csv"])
    assert len(full) + len(daily) == len(names) and not set(full) & set(daily)
