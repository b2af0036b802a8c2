"""publics: audience data platform for performing-arts institutions — the application (CLI,
pipeline, warehouse, dbt and quality runners, dashboards, glossary). The ingestion is the
`ingestion` package; the demo institution is `publics_demo`."""

__version__ = "0.1.0"
