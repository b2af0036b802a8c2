"""One reader per file format. A reader opens a file, checks it against the entity's contract
and yields its rows (a generator: memory stays bounded); see base.ParsedFile.

A contract names its reader; the registry maps that name to "module:function" and imports the
module on first use, so a format's dependencies (openpyxl…) load only when such a file comes.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from ingestion.readers.base import JsonCopySource, ParsedFile, RejectedFile, normalise_header

READERS: dict[str, str] = {
    "secutix_csv": "ingestion.readers.delimited:read_secutix_csv",
    "delimited": "ingestion.readers.delimited:read_delimited",
    "ga4_ndjson": "ingestion.readers.ndjson:read_ga4_ndjson",
    "matomo_json": "ingestion.readers.matomo:read_matomo_json",
    "matomo_csv": "ingestion.readers.matomo:read_matomo_csv",
    "xlsx": "ingestion.readers.xlsx:read_xlsx",
    "csv_or_xlsx": "ingestion.readers.tabular:read_csv_or_xlsx",
    "zipped_csv": "ingestion.readers.zipped:read_zipped_csv",
}


# Readers whose files PostgreSQL can load itself, without a Python pass over the content: the
# function returns a JsonCopySource (or None: that file takes the reader only). See landing.py.
COPY_PLANS: dict[str, str] = {
    "ga4_ndjson": "ingestion.readers.ndjson:copy_plan",
}


def copy_plan_for(name: str) -> Callable[..., JsonCopySource | None] | None:
    if name not in COPY_PLANS:
        return None
    module, function = COPY_PLANS[name].split(":")
    return getattr(importlib.import_module(module), function)


def reader_for(name: str) -> Callable[..., ParsedFile]:
    try:
        module, function = READERS[name].split(":")
    except KeyError:
        raise KeyError(f"no reader named {name!r} (known: {', '.join(sorted(READERS))})") from None
    return getattr(importlib.import_module(module), function)


__all__ = ["COPY_PLANS", "READERS", "JsonCopySource", "ParsedFile", "RejectedFile", "copy_plan_for",
           "normalise_header", "reader_for"]
