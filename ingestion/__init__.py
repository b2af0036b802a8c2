"""publics: audience data platform for performing-arts institutions (ingestion and CLI)."""

__version__ = "0.1.0"
