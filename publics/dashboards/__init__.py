"""Dashboards as code: definitions and their check, static HTML pages, Metabase publication."""
