"""The dashboards in Metabase: `client` (settings, REST client, errors), `plan` (a definition's
card and dashboard payloads), `publish` (the idempotent publication and its report, the
exposures with Metabase links), `datamodel` (the dbt docs pushed to Metabase's data model with
dbt-metabase). What the pipeline and users call is importable from here."""

from publics.dashboards.metabase.client import (
    Client,
    MetabaseAuthError,
    MetabaseError,
    Settings,
    WarehouseDetails,
)
from publics.dashboards.metabase.datamodel import DocsReport, push_model_docs
from publics.dashboards.metabase.publish import PublishReport, publish, write_exposures

__all__ = [
    "Client", "DocsReport", "MetabaseAuthError", "MetabaseError", "PublishReport", "Settings",
    "WarehouseDetails", "publish", "push_model_docs", "write_exposures",
]
