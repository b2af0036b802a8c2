"""The incremental staging models (macros/incremental.sql) and what must rebuild them whole.

An incremental model processes the raw rows loaded since its last build. Rows removed or
rewritten in raw in place (the GDPR retention purge, a person forgotten: `raw.<table>` in what
they report) are not a new load: the models reading those tables are rebuilt in full
(`dbt build --vars {full_refresh_models: [...]}`, read by `incremental_config`).
DECISIONLOG.md, "Incremental staging: delete+insert on the keys a new batch touches".
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

# raw table → the incremental models reading it, directly or through other models (a unit test
# checks it against dbt's manifest): the sessions keep a purged session until they are rebuilt
# whole; int_quality__file_data_dates reads every delivered raw table (macros/source_entities.sql)
FILE_DATES = "int_quality__file_data_dates"
READERS: dict[str, tuple[str, ...]] = {
    "ga4_events": ("base_ga4__deliveries", "stg_ga4__events", "int_web__sessions", FILE_DATES),
    "matomo_visits": ("stg_matomo__visits", "int_web__sessions", FILE_DATES),
    "matomo_visits_csv": ("stg_matomo__visits", "int_web__sessions", FILE_DATES),
    "secutix_contacts": ("stg_emailing__mailchimp_email_activity", FILE_DATES),
    "secutix_performances": (FILE_DATES,),
    "secutix_orders": ("stg_secutix__orders", FILE_DATES),
    "secutix_tickets": ("stg_secutix__tickets", FILE_DATES),
    "mailchimp_email_activity": ("stg_emailing__mailchimp_email_activity", FILE_DATES),
    "mailchimp_reports": (FILE_DATES,),
    "brevo_campaigns": (FILE_DATES,),
    "google_ads_campaigns": (FILE_DATES,),
    "meta_ads_insights": (FILE_DATES,),
    "social_posts": (FILE_DATES,),
    "spreadsheet_utm_plan": ("int_web__sessions",),  # the traffic classes
}

__all__ = ["READERS", "downstream_of", "models_to_refresh"]


def models_to_refresh(places: Iterable[str]) -> list[str]:
    """The incremental models to rebuild whole after raw rows were removed or rewritten in the
    places named (`raw.<table>`, as the purge and forget report them; other places ignored)."""
    tables = {p.removeprefix("raw.") for p in places if p.startswith("raw.")}
    return sorted({m for t in tables for m in READERS.get(t, ())})


def downstream_of(places: Iterable[str], manifest: Path) -> list[str] | None:
    """dbt's selection of what reads the raw tables named (`raw.<table>`): `source:<source>.<table>+`
    for each, from the manifest of the build just made — after a purge, only these need building
    again, the rest of the warehouse did not read what was removed. None (build everything) when
    the manifest is missing or does not know a table; [] when no raw table is named."""
    tables = {p.removeprefix("raw.") for p in places if p.startswith("raw.")}
    if not tables:
        return []
    try:
        nodes = json.loads(manifest.read_text(encoding="utf-8"))["sources"].values()
    except (OSError, ValueError, KeyError):
        return None
    found = {n["identifier"]: f"source:{n['source_name']}.{n['name']}+" for n in nodes
             if n.get("schema") == "raw" and n.get("identifier") in tables}
    return sorted(found.values()) if set(found) == tables else None
