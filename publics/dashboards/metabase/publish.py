"""Publish the dashboards defined as code (`dashboards/*.yml`) to Metabase, through its REST API.

`publish(dashboards, settings)` makes Metabase match the definitions, and running it again
changes nothing that already matches: it finds or creates the warehouse connection and a
collection, then creates, updates or leaves alone one native-SQL question per card and one
dashboard per definition, with every filter wired to the cards whose query uses it.

What it made, it finds again by a marker on the last line of the description:
`publics:<dashboard slug>` on a dashboard, `publics:<dashboard slug>/<card id>` on a card (the
collection and the database connection are found by name). A card that left the definition of
a published dashboard is archived (Metabase's trash, recoverable); dashboards whose definition
is not published this time are left alone.

Written against Metabase v0.56 (open-source edition, the image of docker-compose.yml); the
endpoints and payload shapes were checked in Metabase's source (`src/metabase/*/api.clj`, the
Malli schemas `CardCreateSchema`, `DashUpdates`, `::parameters.schema/parameter`,
`::lib.schema.template-tag/field-filter`, `::lib.schema.parameter/target`) and in the API
documentation (https://www.metabase.com/docs/latest/api, changelog in
docs/developers-guide/api-changelog.md: cards are still serialized as legacy MBQL in 0.56, MBQL 5
comes with 0.57). Endpoints used:

    POST /api/session                      {username, password} -> {id}   (or header X-API-Key)
    GET  /api/user/current                 who we are (checks the credentials up front)
    GET  /api/database                     {data: [...]} -> the connection, found by name
    POST /api/database                     {name, engine: postgres, details: {host, port, dbname, user, password, ...}}
    PUT  /api/database/:id                 {details} when host, port, database or user changed
    POST /api/database/:id/sync_schema     when the dashboards' tables are not known yet
    GET  /api/database/:id/metadata        tables and their fields -> field ids of the filters
    GET  /api/collection                   the collection, found by name; POST /api/collection {name, description}
    GET  /api/card?f=all                   our cards (in our collection, with a marker)
    POST /api/card, PUT /api/card/:id      {name, type, display, description, collection_id,
                                            dataset_query: {type: native, database, native: {query, template-tags}},
                                            parameters, visualization_settings}; PUT {archived: true} to archive
    GET  /api/collection/:id/items?models=dashboard, GET /api/dashboard/:id   our dashboards
    POST /api/dashboard                    {name, description, collection_id, parameters}
    PUT  /api/dashboard/:id                {name, description, parameters, dashcards: [{id (<0: new), card_id,
                                            row, col, size_x, size_y, parameter_mappings}]}
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from publics.dashboards import exposures
from publics.dashboards.definitions import TAG, Dashboard
from publics.dashboards.metabase.client import Client, MetabaseError, Settings
from publics.dashboards.metabase.plan import MANAGED_VIZ_KEYS, dashboard_plan

COLLECTION_DESCRIPTION = (
    "Tableaux de bord définis dans le dépôt (dashboards/*.yml) et publiés par "
    "`publics dashboards publish` : une modification faite ici est écrasée à la prochaine publication."
)
MARKER = re.compile(r"^publics:(?P<slug>[\w-]+)(?:/(?P<card>[\w-]+))?$")


# --------------------------------------------------------------------------- report


@dataclass
class Action:
    kind: str  # database, collection, card, dashboard
    key: str  # the name, `slug` or `slug/card`
    action: str  # created, updated, unchanged, archived
    id: int


@dataclass
class PublishReport:
    url: str
    database_id: int = 0
    collection_id: int = 0
    actions: list[Action] = field(default_factory=list)
    dashboards: dict[str, int] = field(default_factory=dict)  # slug -> Metabase dashboard id
    cards: dict[str, int] = field(default_factory=dict)  # "slug/card" -> Metabase card id
    left_alone: list[str] = field(default_factory=list)  # our dashboards with no definition published

    def add(self, kind: str, key: str, action: str, id_: int) -> None:
        self.actions.append(Action(kind, key, action, id_))

    def count(self, action: str, kind: str | None = None) -> int:
        return sum(a.action == action and (kind is None or a.kind == kind) for a in self.actions)

    @property
    def created(self) -> int:
        return self.count("created")

    @property
    def updated(self) -> int:
        return self.count("updated")

    @property
    def unchanged(self) -> int:
        return self.count("unchanged")

    def dashboard_url(self, slug: str) -> str:
        return f"{self.url}/dashboard/{self.dashboards[slug]}"

    def summary(self) -> str:
        parts = []
        for kind in ("card", "dashboard"):
            counts = {a: self.count(a, kind) for a in ("created", "updated", "unchanged", "archived")}
            parts.append(f"{kind}s: " + ", ".join(f"{n} {a}" for a, n in counts.items() if n or a != "archived"))
        return "; ".join(parts)


# --------------------------------------------------------------------------- publishing


def publish(
    dashboards: list[Dashboard], settings: Settings, *, progress: Callable[[str], None] | None = None
) -> PublishReport:
    """Make Metabase match the definitions (idempotent); see the module docstring."""
    say = progress or (lambda _message: None)
    if not settings.api_key and not (settings.user and settings.password):
        raise MetabaseError("no Metabase credentials: give an API key, or a user and a password")
    client = Client(settings.url, api_key=settings.api_key, timeout=settings.http_timeout)
    if not settings.api_key:
        client.login(settings.user or "", settings.password or "")
    me = client.get("/api/user/current")
    say(f"  connected to {settings.url} as {me.get('email') or me.get('common_name') or 'API key'}")
    report = PublishReport(url=(settings.public_url or settings.url).rstrip("/"))

    report.database_id = _ensure_database(client, settings, report)
    fields = _field_ids(client, report.database_id, dashboards, settings, say)
    # Every card and dashboard payload is built (and every filter column resolved) before the
    # first write, so that a wrong definition stops the run with nothing half-published.
    planned = [(d, dashboard_plan(d, fields, report.database_id)) for d in dashboards]

    report.collection_id = _ensure_collection(client, settings, report)
    for d, plan in planned:
        for card in plan["cards"].values():
            card["collection_id"] = report.collection_id
        plan["dashboard"]["collection_id"] = report.collection_id

    existing_cards = _our_cards(client, report.collection_id)
    for d, plan in planned:
        for key, payload in plan["cards"].items():
            report.cards[key] = _upsert_card(client, key, payload, existing_cards.pop(key, None), report)

    existing_dashboards = _our_dashboards(client, report.collection_id)
    for d, plan in planned:
        slug = d.slug
        report.dashboards[slug] = _upsert_dashboard(
            client, d, plan, existing_dashboards.pop(slug, None), report
        )
        say(f"  {d.title}: {report.dashboard_url(slug)}")

    published = {d.slug for d in dashboards}
    for key, card in sorted(existing_cards.items()):
        if key.split("/")[0] in published:  # a card removed from a published definition
            client.put(f"/api/card/{card['id']}", {"archived": True})
            report.add("card", key, "archived", card["id"])
    report.left_alone = sorted(existing_dashboards)
    return report


# ---- database connection


def _ensure_database(client: Client, settings: Settings, report: PublishReport) -> int:
    wanted = settings.warehouse.details()
    listing = client.get("/api/database")
    databases = listing.get("data", []) if isinstance(listing, dict) else listing
    found = next((db for db in databases if db.get("name") == settings.database_name), None)
    where = f"{settings.warehouse.host}:{settings.warehouse.port}/{settings.warehouse.dbname}"
    if found is None:
        try:
            db = client.post("/api/database", {
                "name": settings.database_name, "engine": "postgres", "details": wanted,
                "is_full_sync": True, "auto_run_queries": True,
            })
        except MetabaseError as exc:
            raise MetabaseError(
                f"Metabase cannot add the warehouse {where} as {settings.warehouse.user}: {exc}. "
                "Check METABASE_WAREHOUSE_HOST/PORT (as Metabase reaches it: `warehouse`:5432 inside "
                "docker compose), WAREHOUSE_DB and METABASE_READER_PASSWORD (the role is created by the pipeline)"
            ) from None
        report.add("database", settings.database_name, "created", db["id"])
        return db["id"]
    current = found.get("details") or {}
    compared = ("host", "port", "dbname", "user", "ssl", "schema-filters-type", "schema-filters-patterns")
    if found.get("engine") != "postgres" or any(str(current.get(k)) != str(wanted[k]) for k in compared):
        try:
            client.put(f"/api/database/{found['id']}", {"engine": "postgres", "details": wanted})
        except MetabaseError as exc:
            raise MetabaseError(
                f"Metabase cannot reconnect {settings.database_name!r} to {where}: {exc}"
            ) from None
        report.add("database", settings.database_name, "updated", found["id"])
    else:
        report.add("database", settings.database_name, "unchanged", found["id"])
    return found["id"]


def _needed(dashboards: list[Dashboard]) -> dict[tuple[str, str], set[str]]:
    """Every table the cards read, with the columns the filters need."""
    needed: dict[tuple[str, str], set[str]] = {}
    for d in dashboards:
        for table in d.tables:
            needed.setdefault(table, set())
        needed[d.dataset_table].update(f["column"] for f in d.filters.values())
    return needed


def _field_ids(
    client: Client, database_id: int, dashboards: list[Dashboard], settings: Settings, say
) -> dict[tuple[str, str], dict[str, int]]:
    """{(schema, table): {column: field id}} from Metabase's metadata, once it has synced the
    tables the dashboards read (asking for a sync, then waiting up to `sync_timeout`)."""
    needed = _needed(dashboards)
    deadline = time.monotonic() + settings.sync_timeout
    asked_sync = False
    while True:
        metadata = client.get(f"/api/database/{database_id}/metadata")
        tables = {
            (t.get("schema") or "", t["name"]): {f["name"]: f["id"] for f in t.get("fields", [])}
            for t in metadata.get("tables", [])
        }
        missing_tables = sorted(needed.keys() - tables.keys())
        missing = [".".join(t) for t in missing_tables] + sorted(
            f"{'.'.join(t)}.{c}" for t, columns in needed.items() if t in tables for c in columns - tables[t].keys()
        )
        if not missing:
            return tables
        if not asked_sync:  # a new mart, or a new column: Metabase learns of it at its next sync
            client.post(f"/api/database/{database_id}/sync_schema")
            asked_sync = True
            say(f"  waiting for Metabase to sync the warehouse (missing: {', '.join(missing)})")
        if time.monotonic() >= deadline:
            if missing_tables:
                raise MetabaseError(
                    f"Metabase does not see the table(s) {', '.join('.'.join(t) for t in missing_tables)} in "
                    f"{settings.database_name!r} after {settings.sync_timeout:g} s: build the marts first "
                    "(`publics run` / `publics demo`), check that publics_reader may read schema marts, "
                    "or raise METABASE_SYNC_TIMEOUT"
                )
            return tables  # a missing filter column is reported with its definition, by _dashboard_plan
        time.sleep(settings.poll_interval)


# ---- collection, cards, dashboards


def _ensure_collection(client: Client, settings: Settings, report: PublishReport) -> int:
    for c in client.get("/api/collection"):
        if (
            c.get("name") == settings.collection_name and isinstance(c.get("id"), int)
            and not c.get("archived") and not c.get("personal_owner_id")
        ):
            report.add("collection", settings.collection_name, "unchanged", c["id"])
            return c["id"]
    c = client.post("/api/collection", {"name": settings.collection_name, "description": COLLECTION_DESCRIPTION})
    report.add("collection", settings.collection_name, "created", c["id"])
    return c["id"]


def _marker(description: str | None) -> re.Match | None:
    lines = [line.strip() for line in (description or "").splitlines() if line.strip()]
    return MARKER.match(lines[-1]) if lines else None


def _our_cards(client: Client, collection_id: int) -> dict[str, dict]:
    ours: dict[str, dict] = {}
    for card in sorted(client.get("/api/card", f="all"), key=lambda c: c["id"]):
        m = _marker(card.get("description"))
        if card.get("collection_id") == collection_id and not card.get("archived") and m and m["card"]:
            ours.setdefault(f"{m['slug']}/{m['card']}", card)  # a copy made by hand is not ours
    return ours


def _our_dashboards(client: Client, collection_id: int) -> dict[str, dict]:
    items = client.get(f"/api/collection/{collection_id}/items", models="dashboard")
    items = items.get("data", []) if isinstance(items, dict) else items
    ours: dict[str, dict] = {}
    for item in sorted(items, key=lambda i: i["id"]):
        if item.get("model", "dashboard") != "dashboard":
            continue
        dashboard = client.get(f"/api/dashboard/{item['id']}")
        m = _marker(dashboard.get("description"))
        if m and not m["card"] and not dashboard.get("archived"):
            ours.setdefault(m["slug"], dashboard)
    return ours


def _same(wanted, current) -> bool:
    """`wanted` is contained in `current`: Metabase may add keys of its own to what we sent."""
    if isinstance(wanted, dict):
        return isinstance(current, dict) and all(_same(v, current.get(k)) for k, v in wanted.items())
    if isinstance(wanted, list):
        return (
            isinstance(current, list) and len(wanted) == len(current)
            and all(_same(w, c) for w, c in zip(wanted, current, strict=True))
        )
    return wanted == current


def _card_differs(wanted: dict, current: dict) -> bool:
    viz = current.get("visualization_settings") or {}
    stale_viz = any(k in viz and k not in wanted["visualization_settings"] for k in MANAGED_VIZ_KEYS)
    return stale_viz or not _same(wanted, {**current, "parameters": _canon_params(current.get("parameters"))})


def _canon_target(target):
    """["dimension", ["template-tag", t], {"stage-number": 0}] and the 2-element form are the same."""
    if isinstance(target, list) and len(target) == 3 and target[0] == "dimension" and target[2] in (
        None, {}, {"stage-number": 0}
    ):
        return target[:2]
    return target


def _canon_params(parameters):
    return [
        {**p, "target": _canon_target(p["target"])} if isinstance(p, dict) and "target" in p else p
        for p in parameters or []
    ]


def _upsert_card(
    client: Client, key: str, wanted: dict, current: dict | None, report: PublishReport
) -> int:
    if current is None:
        card = client.post("/api/card", wanted)
        report.add("card", key, "created", card["id"])
        return card["id"]
    if _card_differs(wanted, current):
        # settings made by hand that we do not manage (colours, titles…) are kept
        kept = {k: v for k, v in (current.get("visualization_settings") or {}).items() if k not in MANAGED_VIZ_KEYS}
        viz = {**kept, **wanted["visualization_settings"]}
        client.put(f"/api/card/{current['id']}", {**wanted, "visualization_settings": viz})
        report.add("card", key, "updated", current["id"])
    else:
        report.add("card", key, "unchanged", current["id"])
    return current["id"]


def _dashcards(d: Dashboard, report: PublishReport) -> list[dict]:
    slug = d.slug
    dashcards = []
    for card in d.cards:
        card_id = report.cards[f"{slug}/{card['id']}"]
        pos = card["position"]
        mappings = [
            {"parameter_id": tag, "card_id": card_id, "target": ["dimension", ["template-tag", tag]]}
            for tag in dict.fromkeys(TAG.findall(card["query"]))
        ]
        dashcards.append({
            "card_id": card_id, "row": pos["row"], "col": pos["col"],
            "size_x": pos["size_x"], "size_y": pos["size_y"], "parameter_mappings": mappings,
        })
    return dashcards


def _layout(dashcards: list[dict]) -> list[tuple]:
    """What we own of a dashboard's cards, comparable whatever ids and extra keys they carry."""
    return sorted(
        (
            dc.get("card_id"), dc.get("row"), dc.get("col"), dc.get("size_x"), dc.get("size_y"),
            tuple(sorted(
                (m.get("parameter_id"), m.get("card_id"), json.dumps(_canon_target(m.get("target"))))
                for m in dc.get("parameter_mappings") or []
            )),
        )
        for dc in dashcards
    )


def _upsert_dashboard(
    client: Client, d: Dashboard, plan: dict, current: dict | None, report: PublishReport
) -> int:
    slug = d.slug
    wanted = plan["dashboard"]
    dashcards = _dashcards(d, report)
    if current is None:
        created = client.post("/api/dashboard", wanted)
        dashboard_id, action, current_dashcards = created["id"], "created", []
    else:
        dashboard_id, current_dashcards = current["id"], current.get("dashcards") or []
        same = _same(wanted, {**current, "parameters": current.get("parameters") or []})
        if same and _layout(current_dashcards) == _layout(dashcards):
            report.add("dashboard", slug, "unchanged", dashboard_id)
            return dashboard_id
        action = "updated"
    # Keep the ids of the dashcards that show the same card; new ones get negative ids.
    free = {}
    for dc in current_dashcards:
        free.setdefault(dc.get("card_id"), []).append(dc["id"])
    for n, dc in enumerate(dashcards, start=1):
        ids = free.get(dc["card_id"])
        dc["id"] = ids.pop(0) if ids else -n
    client.put(f"/api/dashboard/{dashboard_id}", {**wanted, "dashcards": dashcards})
    report.add("dashboard", slug, action, dashboard_id)
    return dashboard_id


# --------------------------------------------------------------------------- dbt exposures


def write_exposures(dashboards: list[Dashboard], report: PublishReport, path: Path) -> Path:
    """Write the dbt exposures of the published dashboards (`publics.dashboards.exposures`) to
    `path`, each with its Metabase URL and id."""
    links = exposures.links_in(path)
    for d in dashboards:
        if d.slug not in report.dashboards:
            raise MetabaseError(f"{d.where}: not published in this run, no Metabase id to point at")
        links[exposures.exposure_name(d)] = {
            "url": report.dashboard_url(d.slug), "metabase_dashboard_id": report.dashboards[d.slug],
        }
    return exposures.write(dashboards, path, links)
