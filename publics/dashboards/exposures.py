"""The dbt exposures of the dashboards, generated from their definitions and committed:
`models/marts/dashboards/_dashboards__exposures.yml`, so that dbt knows what each dashboard reads
(`dbt ls --select +exposure:dashboard_canaux_de_vente`, the lineage graph of dbt docs).

`publics dashboards exposures` regenerates the file (a test fails when it is stale). A
dashboard's Metabase address is not known before it is published: `publics dashboards publish
--exposures PATH` writes the same exposures with each dashboard's URL and Metabase id, and
regenerating a file keeps the links it holds for the dashboards still defined.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from publics.dashboards.definitions import Dashboard

OUTPUT = Path("models") / "marts" / "dashboards" / "_dashboards__exposures.yml"
HEADER = (
    "# Generated from dashboards/*.yml by `publics dashboards exposures` (with the Metabase links:\n"
    "# `publics dashboards publish --exposures`): do not edit by hand.\n"
)
DEFAULT_OWNER = {"name": "Équipe data"}
LINK_KEYS = ("url", "metabase_dashboard_id")  # what only a publication knows


def exposure_name(d: Dashboard) -> str:
    return f"dashboard_{d.slug}"


def exposure(d: Dashboard, link: dict | None = None) -> dict:
    """One dashboard as a dbt exposure: every model it reads, its owner and its objective."""
    link = link or {}
    entry: dict = {
        "name": exposure_name(d),
        "label": d.title,
        "type": "dashboard",
        "maturity": "high" if d.spec.get("priority") == 1 else "medium",
    }
    if link.get("url"):
        entry["url"] = link["url"]
    entry |= {
        "description": " ".join(str(d.spec["canvas"]["objective"]).split()),
        "depends_on": [f"ref('{table}')" for _, table in d.tables],
        "owner": dict(d.spec.get("owner") or DEFAULT_OWNER),
        "meta": {"definition": d.where},
    }
    if link.get("metabase_dashboard_id") is not None:
        entry["meta"]["metabase_dashboard_id"] = link["metabase_dashboard_id"]
    return entry


def links_in(path: Path) -> dict[str, dict]:
    """The Metabase links an exposures file already holds: exposure name → {url, metabase_dashboard_id}."""
    path = Path(path)
    if not path.exists():
        return {}
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    found = {}
    for e in doc.get("exposures") or []:
        link = {"url": e.get("url"), "metabase_dashboard_id": (e.get("meta") or {}).get("metabase_dashboard_id")}
        if any(v is not None for v in link.values()):
            found[e["name"]] = link
    return found


def render(dashboards: list[Dashboard], links: dict[str, dict] | None = None) -> str:
    exposures = [exposure(d, (links or {}).get(exposure_name(d))) for d in dashboards]
    names = [e["name"] for e in exposures]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"two dashboards have the same slug: {', '.join(duplicates)}")
    text = yaml.safe_dump({"version": 2, "exposures": exposures}, allow_unicode=True, sort_keys=False, width=100)
    return HEADER + text


def write(dashboards: list[Dashboard], path: Path, links: dict[str, dict] | None = None) -> Path:
    """Write the exposures of `dashboards` to `path`, with `links` (default: the ones already there)."""
    path = Path(path)
    text = render(dashboards, links_in(path) if links is None else links)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
