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

Settings come from the environment (`Settings.from_env`): METABASE_URL, METABASE_API_KEY or
METABASE_USER + METABASE_PASSWORD, and the warehouse as Metabase reaches it (read-only role
`publics_reader`): METABASE_WAREHOUSE_HOST, METABASE_WAREHOUSE_PORT, WAREHOUSE_DB,
METABASE_READER_PASSWORD (or PUBLICS_READER_PASSWORD); METABASE_PUBLIC_URL is the address users
open (links in the report and the exposures) when it differs from METABASE_URL.

`push_model_docs(settings, manifest)` then runs dbt-metabase (`export_models`, the marts schema
only): every mart's and column's description from the dbt YAML, and the semantic types declared
there (`meta: {metabase.semantic_type: type/Currency}`, primary keys, foreign keys from the
`relationships` tests) become Metabase's data model, so a column reads the same in dbt docs and
in Metabase. Endpoints it uses: GET /api/database, POST /api/database/:id/sync_schema,
GET /api/database/:id/metadata?include_hidden=true, PUT /api/table/:id, PUT /api/field/:id.

`write_exposures(dashboards, report, path)` writes the dbt exposures of the published
dashboards, so that `dbt ls --select +exposure:*` knows what each dashboard reads.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

import yaml

from publics.dashboards.definitions import LATEST, TAG, Dashboard
from publics.warehouse import READER_ROLE

DATABASE_NAME = "publics — entrepôt (marts)"
COLLECTION_NAME = "publics — tableaux de bord"
COLLECTION_DESCRIPTION = (
    "Tableaux de bord définis dans le dépôt (dashboards/*.yml) et publiés par "
    "`publics dashboards publish` : une modification faite ici est écrasée à la prochaine publication."
)
MARKER = re.compile(r"^publics:(?P<slug>[\w-]+)(?:/(?P<card>[\w-]+))?$")
TABLE_REF = re.compile(r"\bmarts\.(\w+)", re.IGNORECASE)
# filter type of a definition -> (dashboard parameter type = template tag widget type, sectionId)
FILTER_TYPES = {
    "category": ("string/=", "string"),
    "text": ("string/=", "string"),
    "number": ("number/=", "number"),
    "date": ("date/all-options", "date"),
}
CHART_DISPLAYS = {"bar", "line", "area", "row", "combo"}
# Keys of visualization_settings this module writes: any other key (set by hand) is left alone.
MANAGED_VIZ_KEYS = {"graph.dimensions", "graph.metrics", "pie.dimension", "pie.metric", "column_settings"}
TAG_NAMESPACE = uuid.UUID("0f8d4c52-6a47-4a56-9a56-6d0a1d2f7c11")  # stable template-tag ids


class MetabaseError(RuntimeError):
    """A problem the user can act on; the message is shown as is, without a traceback."""


class MetabaseAuthError(MetabaseError):
    pass


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class WarehouseDetails:
    """The warehouse as Metabase reaches it (from its container: host `warehouse`, port 5432)."""

    host: str = "warehouse"
    port: int = 5432
    dbname: str = "publics"
    user: str = READER_ROLE
    password: str = ""
    ssl: bool = False

    def details(self) -> dict:
        """Connection details of Metabase's postgres driver; only the marts schema is synced."""
        return {
            "host": self.host,
            "port": self.port,
            "dbname": self.dbname,
            "user": self.user,
            "password": self.password,
            "ssl": self.ssl,
            "schema-filters-type": "inclusion",
            "schema-filters-patterns": "marts",
        }


@dataclass(frozen=True)
class Settings:
    url: str = "http://localhost:3000"
    public_url: str | None = None  # the address users open, for links (default: url)
    api_key: str | None = None
    user: str | None = None
    password: str | None = None
    warehouse: WarehouseDetails = field(default_factory=WarehouseDetails)
    database_name: str = DATABASE_NAME
    collection_name: str = COLLECTION_NAME
    sync_timeout: float = 180.0  # seconds to wait for Metabase to see the marts tables
    poll_interval: float = 2.0
    http_timeout: float = 60.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env

        def get(name: str, default: str = "") -> str:
            return (env.get(name) or default).strip()

        api_key = get("METABASE_API_KEY") or None
        user, password = get("METABASE_USER") or None, env.get("METABASE_PASSWORD") or None
        if not api_key and not (user and password):
            raise MetabaseError(
                "no Metabase credentials: set METABASE_API_KEY (Admin settings › Authentication › API keys, "
                "in the Administrators group) or METABASE_USER and METABASE_PASSWORD (an admin account)"
            )
        reader_password = env.get("METABASE_READER_PASSWORD") or env.get("PUBLICS_READER_PASSWORD") or ""
        try:
            port = int(get("METABASE_WAREHOUSE_PORT", "5432"))
            sync_timeout = float(get("METABASE_SYNC_TIMEOUT", "180"))
        except ValueError as exc:
            raise MetabaseError(
                f"METABASE_WAREHOUSE_PORT / METABASE_SYNC_TIMEOUT must be numbers: {exc}"
            ) from None
        return cls(
            url=get("METABASE_URL", "http://localhost:3000").rstrip("/"),
            public_url=get("METABASE_PUBLIC_URL").rstrip("/") or None,
            api_key=api_key,
            user=user,
            password=password,
            warehouse=WarehouseDetails(
                host=get("METABASE_WAREHOUSE_HOST", "warehouse"),
                port=port,
                dbname=get("WAREHOUSE_DB", "publics"),
                user=get("METABASE_WAREHOUSE_USER", READER_ROLE),
                password=reader_password,
                ssl=get("METABASE_WAREHOUSE_SSL", "false").lower() in ("1", "true", "yes"),
            ),
            database_name=get("METABASE_DATABASE_NAME", DATABASE_NAME),
            collection_name=get("METABASE_COLLECTION", COLLECTION_NAME),
            sync_timeout=sync_timeout,
        )


# --------------------------------------------------------------------------- HTTP client


class Client:
    """A tiny JSON client for Metabase's REST API (urllib: no dependency)."""

    def __init__(self, url: str, *, api_key: str | None = None, timeout: float = 60.0):
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.headers = {"Accept": "application/json"}
        if api_key:
            self.headers["X-API-Key"] = api_key

    def login(self, user: str, password: str) -> None:
        session = self.post("/api/session", {"username": user, "password": password})
        self.headers["X-Metabase-Session"] = session["id"]

    def get(self, path: str, **query) -> object:
        return self.request("GET", path, query=query)

    def post(self, path: str, body: dict | None = None) -> object:
        return self.request("POST", path, body=body if body is not None else {})

    def put(self, path: str, body: dict) -> object:
        return self.request("PUT", path, body=body)

    def request(self, method: str, path: str, *, query: dict | None = None, body: dict | None = None) -> object:
        url = self.url + path + (f"?{urlencode(query, doseq=True)}" if query else "")
        data = json.dumps(body).encode() if body is not None else None
        headers = dict(self.headers, **({"Content-Type": "application/json"} if data is not None else {}))
        try:
            with urlopen(Request(url, data=data, method=method, headers=headers), timeout=self.timeout) as resp:
                raw = resp.read()
        except HTTPError as exc:
            raise _http_error(method, path, exc.code, exc.read()) from None
        except (URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise MetabaseError(
                f"cannot reach Metabase at {self.url} ({reason}): is it running "
                "(`docker compose up -d metabase`, then wait until `docker compose ps` says healthy) "
                "and is METABASE_URL right?"
            ) from None
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            raise MetabaseError(
                f"{method} {path}: Metabase answered something that is not JSON: {raw[:200]!r}"
            ) from None


def _error_text(raw: bytes) -> str:
    """Metabase's error bodies: {"message": …}, {"errors": {key: why}} (validation), or plain text."""
    text = raw.decode("utf-8", "replace").strip()
    try:
        payload = json.loads(text)
    except ValueError:
        return text[:300]
    if isinstance(payload, dict) and (payload.get("message") or payload.get("errors")):
        parts = [str(payload["message"])] if payload.get("message") else []
        if isinstance(payload.get("errors"), dict):
            parts += [f"{k}: {v}" for k, v in payload["errors"].items()]
        return "; ".join(parts)
    return json.dumps(payload, ensure_ascii=False)[:300]


def _http_error(method: str, path: str, status: int, raw: bytes) -> MetabaseError:
    why = _error_text(raw)
    if status == 401:
        return MetabaseAuthError(
            f"Metabase refused the credentials ({method} {path}: 401 {why}): check METABASE_API_KEY, "
            "or METABASE_USER and METABASE_PASSWORD"
        )
    if status == 403:
        return MetabaseAuthError(
            f"{method} {path}: 403 {why} — the account or API key must be in Metabase's Administrators group"
        )
    return MetabaseError(f"{method} {path}: Metabase answered {status}: {why}")


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
    planned = [(d, _dashboard_plan(d, fields, report.database_id)) for d in dashboards]

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
        slug = _slug(d)
        report.dashboards[slug] = _upsert_dashboard(
            client, d, plan, existing_dashboards.pop(slug, None), report
        )
        say(f"  {d.title}: {report.dashboard_url(slug)}")

    published = {_slug(d) for d in dashboards}
    for key, card in sorted(existing_cards.items()):
        if key.split("/")[0] in published:  # a card removed from a published definition
            client.put(f"/api/card/{card['id']}", {"archived": True})
            report.add("card", key, "archived", card["id"])
    report.left_alone = sorted(existing_dashboards)
    return report


def _slug(d: Dashboard) -> str:
    return d.spec.get("slug") or d.path.stem


def _where(d: Dashboard) -> str:
    return f"dashboards/{d.path.name}"


def _table_name(dataset: str) -> tuple[str, str]:
    schema, _, table = dataset.rpartition(".")
    return (schema or "public"), table


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
        needed.setdefault(_table_name(d.spec["dataset"]), set()).update(f["column"] for f in d.filters.values())
        for card in d.cards:
            for table in TABLE_REF.findall(card["query"]):
                needed.setdefault(("marts", table.lower()), set())
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


# ---- payloads


def _tag_id(d: Dashboard, card: dict, tag: str) -> str:
    return str(uuid.uuid5(TAG_NAMESPACE, f"{_slug(d)}/{card['id']}/{tag}"))


def _filter_types(d: Dashboard, fid: str) -> tuple[str, str]:
    ftype = d.filters[fid].get("type")
    if ftype not in FILTER_TYPES:
        raise MetabaseError(
            f"{_where(d)}, filter {fid}: type {ftype!r} has no Metabase equivalent "
            f"(use one of {sorted(FILTER_TYPES)})"
        )
    return FILTER_TYPES[ftype]


def _default(d: Dashboard, fid: str):
    value = d.filters[fid].get("default")
    if value is None or value == LATEST:  # `latest` unresolved (see dashboards.resolve_latest): none
        return None
    if d.filters[fid]["type"] == "date":
        return str(value)  # Metabase's date strings: 2025-09-01~2026-08-31, past30days…
    return value if isinstance(value, list) else [value]  # string/= and number/= take lists


def _viz_settings(card: dict) -> dict:
    viz: dict = {}
    dims, metrics = card.get("dimensions") or [], card.get("metrics") or []
    if card["display"] in CHART_DISPLAYS and dims:
        viz["graph.dimensions"] = list(dims)
        viz["graph.metrics"] = list(metrics)
    elif card["display"] == "pie" and dims:
        viz["pie.dimension"] = dims[0]
        viz["pie.metric"] = metrics[0] if metrics else None
    if card.get("format") == "percent":
        percent_columns = metrics or [c for c in card["columns"] if c not in dims]
        # Column keys as Metabase's frontend writes them (getColumnKey): JSON of ["name", <column>].
        viz["column_settings"] = {
            json.dumps(["name", c], separators=(",", ":")): {"number_style": "percent", "decimals": 1}
            for c in percent_columns
        }
    return viz


def _dashboard_plan(d: Dashboard, fields: dict, database_id: int) -> dict:
    slug = _slug(d)
    dataset = _table_name(d.spec["dataset"])
    columns = fields[dataset]
    field_of: dict[str, int] = {}
    for fid, spec in d.filters.items():
        if spec["column"] not in columns:
            raise MetabaseError(
                f"{_where(d)}, filter {fid}: column {spec['column']!r} is not a field of "
                f"{'.'.join(dataset)} in Metabase (fields: {', '.join(sorted(columns)) or 'none'}); "
                "fix the definition, or rebuild the mart (Metabase was asked to re-sync and waited for it)"
            )
        field_of[fid] = columns[spec["column"]]

    cards: dict[str, dict] = {}
    for card in d.cards:
        tags: dict[str, dict] = {}
        parameters = []
        for tag in dict.fromkeys(TAG.findall(card["query"])):  # in order of appearance, once each
            widget, _section = _filter_types(d, tag)
            tags[tag] = {
                "id": _tag_id(d, card, tag),
                "name": tag,
                "display-name": d.filters[tag]["label"],
                "type": "dimension",
                "dimension": ["field", field_of[tag], None],
                "widget-type": widget,
            }
            parameter = {
                "id": tags[tag]["id"],
                "type": widget,
                "target": ["dimension", ["template-tag", tag]],
                "name": d.filters[tag]["label"],
                "slug": tag,
            }
            default = _default(d, tag)
            if default is not None:  # the card opened alone reads like the dashboard does
                tags[tag]["default"] = default
                parameter["default"] = default
            parameters.append(parameter)
        cards[f"{slug}/{card['id']}"] = {
            "name": card["title"],
            "type": "question",
            "display": card["display"],
            "description": (
                f"Carte du tableau de bord « {d.title} », définie dans {_where(d)} "
                f"(publiée par `publics dashboards publish`).\n\npublics:{slug}/{card['id']}"
            ),
            "dataset_query": {
                "type": "native",
                "database": database_id,
                "native": {"query": card["query"], "template-tags": tags},
            },
            "parameters": parameters,
            "visualization_settings": _viz_settings(card),
        }

    parameters = []
    for fid in d.filters:
        ptype, section = _filter_types(d, fid)
        parameter = {"id": fid, "name": d.filters[fid]["label"], "slug": fid, "type": ptype, "sectionId": section}
        default = _default(d, fid)
        if default is not None:
            parameter["default"] = default
        parameters.append(parameter)
    canvas = d.spec["canvas"]
    dashboard = {
        "name": d.title,
        "description": (
            f"{' '.join(str(canvas['objective']).split())}\n\n"
            f"Actualisation : {canvas['refresh']}. Défini dans {_where(d)} "
            f"(publié par `publics dashboards publish`).\n\npublics:{slug}"
        ),
        "parameters": parameters,
    }
    return {"cards": cards, "dashboard": dashboard}


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
    slug = _slug(d)
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
    slug = _slug(d)
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


# --------------------------------------------------------------------------- dbt docs → Metabase


@dataclass
class DocsReport:
    """What dbt-metabase changed in Metabase's data model."""

    tables: int = 0  # tables whose description (or other metadata) was updated
    fields: int = 0  # fields whose description or semantic type was updated
    problems: list[str] = field(default_factory=list)  # dbt-metabase's warnings and errors

    def summary(self) -> str:
        text = f"data model: {self.tables} table(s), {self.fields} field(s) updated from the dbt docs"
        return text + (f"; {len(self.problems)} warning(s)" if self.problems else "")


class _Collect(logging.Handler):
    """Counts dbt-metabase's updates and keeps its warnings (its only report is its log)."""

    UPDATED = re.compile(r"^(Table|Field) '.*' updated successfully")

    def __init__(self, report: DocsReport):
        super().__init__(logging.INFO)
        self.report = report

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.levelno >= logging.WARNING:
            self.report.problems.append(message)
        elif match := self.UPDATED.match(message):
            if match.group(1) == "Table":
                self.report.tables += 1
            else:
                self.report.fields += 1


# The project's column naming convention, read as Metabase semantic types (glossary: a column
# ending in _eur is in euros, _share/_rate a proportion between 0 and 1). A column's own
# `meta: {metabase.semantic_type: …}` in the dbt YAML wins over these rules.
SEMANTIC_SUFFIXES = (("_eur", {"metabase.semantic_type": "type/Currency", "metabase.currency": "EUR"}),
                     ("_share", {"metabase.semantic_type": "type/Percentage"}),
                     ("_rate", {"metabase.semantic_type": "type/Percentage"}),
                     ("_label", {"metabase.semantic_type": "type/Category"}))
CATEGORY_COLUMNS = {"season", "status", "channel_group", "attribution_model", "platform", "buyer_type",
                    "sales_channel", "segment", "source", "medium", "campaign", "geo_zone", "age_band"}


def semantic_meta(column: str, *, is_primary_key: bool = False) -> dict:
    """The dbt-metabase meta keys the naming convention gives a column (empty when none)."""
    if is_primary_key:
        return {"metabase.semantic_type": "type/PK"}
    for suffix, meta in SEMANTIC_SUFFIXES:
        if column.endswith(suffix):
            return dict(meta)
    return {"metabase.semantic_type": "type/Category"} if column in CATEGORY_COLUMNS else {}


def with_semantic_types(manifest: Path, out: Path, *, schema: str = "marts") -> Path:
    """A copy of the dbt manifest where the `schema` models' columns carry the semantic types of
    the naming convention (unless their YAML sets one), and a column with a `unique` test that
    names a key (`*_key`, `*_id`) is the primary key; foreign keys come from the `relationships`
    tests, which dbt-metabase reads itself."""
    doc = json.loads(Path(manifest).read_text(encoding="utf-8"))
    unique = {(n["attached_node"], n.get("column_name")) for n in doc["nodes"].values()
              if n.get("resource_type") == "test" and (n.get("test_metadata") or {}).get("name") == "unique"}
    for uid, node in doc["nodes"].items():
        if node.get("resource_type") != "model" or node.get("schema") != schema:
            continue
        for name, column in node.get("columns", {}).items():
            meta = column.setdefault("meta", {})
            if "metabase.semantic_type" in meta:
                continue
            key = (uid, name) in unique and name.endswith(("_key", "_id"))
            meta.update(semantic_meta(name, is_primary_key=key))
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc), encoding="utf-8")
    return out


def push_model_docs(settings: Settings, manifest: Path, *, schema: str = "marts") -> DocsReport:
    """Push the dbt documentation of the `schema` models (descriptions, semantic types, keys) to
    Metabase's data model with dbt-metabase; idempotent (what already matches is not written)."""
    import requests
    from dbtmetabase import DbtMetabase, Filter
    from dbtmetabase.errors import MetabaseStateError

    report = DocsReport()
    handler = _Collect(report)
    logger = logging.getLogger("dbtmetabase")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    typed = with_semantic_types(manifest, Path(manifest).with_name("manifest_metabase.json"), schema=schema)
    try:
        dbm = DbtMetabase(
            manifest_path=typed, metabase_url=settings.url, metabase_api_key=settings.api_key,
            metabase_username=None if settings.api_key else settings.user,
            metabase_password=None if settings.api_key else settings.password,
            http_timeout=int(settings.http_timeout),
        )
        dbm.export_models(
            metabase_database=settings.database_name, schema_filter=Filter(include=[schema]),
            skip_sources=True, sync_timeout=max(1, int(settings.sync_timeout)),
        )
    except MetabaseStateError as exc:
        detail = "; ".join(p for p in report.problems if "does not exist" in p or "not in" in p)[:500]
        raise MetabaseError(f"dbt-metabase: {exc}" + (f" ({detail})" if detail else "")) from None
    except requests.RequestException as exc:
        raise MetabaseError(f"dbt-metabase could not talk to Metabase: {exc}") from None
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    return report


# --------------------------------------------------------------------------- dbt exposures


def write_exposures(
    dashboards: list[Dashboard], report: PublishReport, path: Path,
    *, owner_name: str = "Équipe data", owner_email: str | None = None,
) -> Path:
    """Write a dbt `exposures:` file naming each published dashboard and every mart it reads."""
    exposures = []
    for d in dashboards:
        slug = _slug(d)
        if slug not in report.dashboards:
            raise MetabaseError(f"{_where(d)}: not published in this run, no Metabase id to point at")
        models = {_table_name(d.spec["dataset"])[1]}
        for card in d.cards:
            models |= {t.lower() for t in TABLE_REF.findall(card["query"])}
        owner = {"name": owner_name}
        if owner_email:
            owner["email"] = owner_email
        exposures.append({
            "name": f"metabase_{slug}",
            "label": d.title,
            "type": "dashboard",
            "maturity": "high" if d.spec.get("priority") == 1 else "medium",
            "url": report.dashboard_url(slug),
            "description": " ".join(str(d.spec["canvas"]["objective"]).split()),
            "depends_on": [f"ref('{m}')" for m in sorted(models)],
            "owner": owner,
            "meta": {"metabase_dashboard_id": report.dashboards[slug], "definition": _where(d)},
        })
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump({"version": 2, "exposures": exposures}, allow_unicode=True, sort_keys=False, width=100)
    path.write_text(
        "# Written by `publics dashboards publish` from dashboards/*.yml: do not edit by hand.\n" + text,
        encoding="utf-8",
    )
    return path
