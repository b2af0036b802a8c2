"""The ingestion of publics: contracts, readers by format, the loader (COPY, load ledger, quarantine)."""
