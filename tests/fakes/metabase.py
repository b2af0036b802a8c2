"""A fake Metabase v0.56 (open-source edition): the REST endpoints `publics.dashboards.metabase` uses,
served over real HTTP on 127.0.0.1 by a thread, with in-memory state.

It answers and refuses the way Metabase does, as read in its source (v0.56 layout:
src/metabase/{session,warehouses,collections,queries,dashboards}/api.clj and the Malli schemas
they name):

* no `X-API-Key` / `X-Metabase-Session` (or a wrong one) -> 401 `Unauthenticated` (text);
  `POST /api/session` with a wrong password -> 401 {"errors": {"password": "did not match stored password"}};
* a request body that fails the endpoint's schema -> 400 {"errors": {key: why}, "specific-errors": …}
  (required keys, non-blank strings, maps, positive ints, parameter types, template tags, targets);
* an unknown id -> 404 `Not found.`; `POST /api/database` whose connection test fails -> 400
  {"message": …, "errors": {…}}; a non-admin creating a database -> 403.

A few checks are *stricter* than Metabase (marked STRICTER): Metabase would save the object
and fail later, when the dashboard runs. They catch client mistakes earlier.

The warehouse is a dict {(schema, table): [columns]}: Metabase "sees" it once a sync has run.
A sync (started by `POST /api/database`, as Metabase does, or by `POST …/sync_schema`) completes
after `sync_delay` reads of `GET /api/database/:id/metadata`, to exercise waiting.
Every request is recorded in `requests` (method, path, query, body, auth kind).
"""

from __future__ import annotations

import copy
import itertools
import json
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self
from urllib.parse import parse_qs, urlsplit

# metabase.lib.schema.parameter/types (v0.56)
PARAMETER_TYPES = {
    "number", "text", "date", "boolean", "date/single", "id", "category",
    "location/city", "location/state", "location/zip_code", "location/country",
    "date/range", "date/month-year", "date/quarter-year", "date/relative", "date/all-options",
    "temporal-unit", "number/!=", "number/<=", "number/=", "number/>=", "number/between",
    "string/!=", "string/=", "string/contains", "string/does-not-contain", "string/ends-with",
    "string/starts-with", "boolean/=",
}
TEMPLATE_TAG_TYPES = {"snippet", "card", "dimension", "number", "text", "date", "boolean"}
ENGINES = {"postgres", "h2", "mysql", "sqlite", "bigquery-cloud-sdk", "snowflake", "redshift"}
# The semantic and relation types of metabase.types (v0.56) a column can be given.
SEMANTIC_TYPES = {
    "type/PK", "type/FK", "type/Category", "type/Name", "type/Title", "type/Description", "type/Comment",
    "type/Currency", "type/Price", "type/Income", "type/Discount", "type/Cost", "type/GrossMargin",
    "type/Percentage", "type/Quantity", "type/Score", "type/Share", "type/Duration", "type/Source",
    "type/Company", "type/Product", "type/Owner", "type/User", "type/Email", "type/URL", "type/ImageURL",
    "type/City", "type/State", "type/Country", "type/ZipCode", "type/Latitude", "type/Longitude",
    "type/CreationTimestamp", "type/CreationDate", "type/JoinTimestamp", "type/JoinDate",
    "type/CancelationTimestamp", "type/CancelationDate", "type/DeletionTimestamp", "type/Birthdate",
    "type/Enum", "type/SerializedJSON", "type/Number", "type/Author", "type/Subscription",
}
TAG_IN_QUERY = re.compile(r"\{\{\s*(\w+)\s*\}\}")
PROTECTED_PASSWORD = "**MetabasePass**"


class Reply(Exception):
    """Raised by a handler: the HTTP answer to send."""

    def __init__(self, status: int, body: object):
        super().__init__(status)
        self.status, self.body = status, body


def invalid(key: str, why: str) -> Reply:
    return Reply(400, {"errors": {key: why}, "specific-errors": {key: [why]}})


NOT_FOUND = Reply(404, "Not found.")


def _non_blank(body: dict, key: str, *, optional: bool = False) -> None:
    if key not in body or body[key] is None:
        if optional:
            return
        raise invalid(key, "value must be a non-blank string.")
    if not isinstance(body[key], str) or not body[key].strip():
        raise invalid(key, "value must be a non-blank string." if not optional else
                      "nullable value must be a non-blank string.")


def _map(body: dict, key: str, *, optional: bool = False) -> None:
    if body.get(key) is None and optional:
        return
    if not isinstance(body.get(key), dict):
        raise invalid(key, "value must be a map.")


def _pos_int(body: dict, key: str, *, optional: bool = False) -> None:
    value = body.get(key)
    if value is None and optional:
        return
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise invalid(key, "value must be an integer greater than zero.")


def _template_tag_ref(ref, where: str) -> str:
    if (
        not isinstance(ref, list) or len(ref) != 2 or ref[0] != "template-tag"
        or not ((isinstance(ref[1], str) and ref[1].strip()) or (isinstance(ref[1], dict) and ref[1].get("id")))
    ):
        raise invalid(where, f"Invalid :dimension target: must be a :field, :template-tag, or :expression, got: {ref!r}")
    return ref[1] if isinstance(ref[1], str) else ref[1]["id"]


def _check_target(target, where: str) -> None:
    """metabase.lib.schema.parameter/target."""
    if not isinstance(target, list) or not target or target[0] not in ("field", "dimension", "variable"):
        raise invalid(where, f"Invalid parameter :target, must be either :field, :dimension, or :variable; got: {target!r}")
    if target[0] == "dimension":
        if len(target) not in (2, 3) or (len(target) == 3 and target[2] is not None and not isinstance(target[2], dict)):
            raise invalid(where, "dimension options")
        inner = target[1]
        if isinstance(inner, list) and inner and inner[0] == "field":
            _check_field_ref(inner, where)
        else:
            _template_tag_ref(inner, where)
    elif target[0] == "variable":
        if len(target) != 2:
            raise invalid(where, "invalid :variable target")
        _template_tag_ref(target[1], where)
    else:
        _check_field_ref(target, where)


def _check_field_ref(ref, where: str) -> None:
    if (
        not isinstance(ref, list) or len(ref) != 3 or ref[0] != "field"
        or not (isinstance(ref[1], (int, str)) and not isinstance(ref[1], bool))
        or not (ref[2] is None or isinstance(ref[2], dict))
    ):
        raise invalid(where, f"Invalid :field clause: {ref!r}")


def _check_parameters(parameters, key: str = "parameters") -> None:
    """metabase.parameters.schema/parameter: a map with a non-blank :id and a valid :type."""
    if parameters is None:
        return
    if not isinstance(parameters, list):
        raise invalid(key, "nullable sequence of parameter must be a map with :id and :type keys")
    for p in parameters:
        if not isinstance(p, dict) or not isinstance(p.get("id"), str) or not p["id"].strip():
            raise invalid(key, "nullable sequence of parameter must be a map with :id and :type keys")
        if p.get("type") not in PARAMETER_TYPES:
            raise invalid(key, f"valid parameter type (got {p.get('type')!r})")
        if "sectionId" in p and (not isinstance(p["sectionId"], str) or not p["sectionId"].strip()):
            raise invalid(key, "sectionId must be a non-blank string")
        if "target" in p:
            _check_target(p["target"], key)


@dataclass
class Recorded:
    method: str
    path: str
    query: dict
    body: object
    auth: str | None  # "api-key", "session" or None


class FakeMetabase:
    def __init__(
        self,
        warehouse: dict[tuple[str, str], list[str]],
        *,
        api_key: str = "mb_fake_api_key",
        users: dict[str, str] | None = None,
        superuser: bool = True,
        accept: Callable[[dict], str | None] | None = None,
        sync_delay: int = 1,
        stage_number_in_targets: bool = True,
    ):
        self.api_key = api_key
        self.users = users if users is not None else {"admin@example.org": "admin-password-1"}
        self.superuser = superuser
        # The connection test of POST/PUT /api/database: None when the details connect, else why not.
        self.accept = accept or (lambda details: None)
        self.sync_delay = sync_delay
        # Newer Metabase versions hand dimension targets back with {"stage-number": 0} appended;
        # the client must take both forms as the same mapping.
        self.stage_number_in_targets = stage_number_in_targets
        self.sessions: set[str] = set()
        self.requests: list[Recorded] = []
        self.lock = threading.RLock()
        self._ids = itertools.count(1)

        self.tables: dict[int, dict] = {}
        self.fields: dict[int, dict] = {}
        self._warehouse: dict[tuple[str, str], int] = {}
        for (schema, table), columns in sorted(warehouse.items()):
            table_id = next(self._ids)
            self.tables[table_id] = {"id": table_id, "schema": schema, "name": table, "fields": [],
                                     "display_name": _humanise(table), "description": None,
                                     "points_of_interest": None, "caveats": None, "visibility_type": None,
                                     "field_order": "database"}
            for column in columns:
                field_id = 1000 + next(self._ids)
                self.fields[field_id] = {
                    "id": field_id, "name": column, "table_id": table_id, "display_name": _humanise(column),
                    "description": None, "semantic_type": None, "fk_target_field_id": None,
                    "visibility_type": "normal", "has_field_values": "auto-list", "coercion_strategy": None,
                    "settings": None, "base_type": "type/Text", "caveats": None, "points_of_interest": None,
                }
                self.tables[table_id]["fields"].append(field_id)
            self._warehouse[(schema, table)] = table_id

        self.databases: dict[int, dict] = {}
        self.collections: dict[int, dict] = {
            1: {"id": 1, "name": "Admin's Personal Collection", "personal_owner_id": 1, "location": "/",
                "archived": False, "description": None},
        }
        self.cards: dict[int, dict] = {}
        self.dashboards: dict[int, dict] = {}
        self._next = {"database": itertools.count(2), "collection": itertools.count(2),
                      "card": itertools.count(1), "dashboard": itertools.count(1), "dashcard": itertools.count(1)}
        self._server: ThreadingHTTPServer | None = None

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> Self:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # ------------------------------------------------------------------ helpers for tests

    def field_id(self, schema: str, table: str, column: str) -> int:
        table_id = self._warehouse[(schema, table)]
        return next(f for f in self.tables[table_id]["fields"] if self.fields[f]["name"] == column)

    def live_cards(self) -> list[dict]:
        return [c for c in self.cards.values() if not c["archived"]]

    def live_dashboards(self) -> list[dict]:
        return [d for d in self.dashboards.values() if not d["archived"]]

    def writes(self) -> list[Recorded]:
        return [r for r in self.requests if r.method in ("POST", "PUT", "DELETE") and r.path != "/api/session"]

    # ------------------------------------------------------------------ dispatch

    def handle(self, method: str, path: str, query: dict, body: object, headers) -> tuple[int, object]:
        auth = None
        if headers.get("X-API-Key"):
            auth = "api-key" if headers["X-API-Key"] == self.api_key else "bad"
        elif headers.get("X-Metabase-Session"):
            auth = "session" if headers["X-Metabase-Session"] in self.sessions else "bad"
        with self.lock:
            self.requests.append(Recorded(method, path, query, copy.deepcopy(body), auth))
            try:
                if (method, path) == ("POST", "/api/session"):
                    return 200, self.login(body)
                if (method, path) == ("GET", "/api/health"):
                    return 200, {"status": "ok"}
                if auth not in ("api-key", "session"):
                    raise Reply(401, "Unauthenticated")
                if method in ("POST", "PUT") and body is None:
                    body = {}  # no body at all: Metabase sees empty params (schemas then say what is missing)
                if method in ("POST", "PUT") and not isinstance(body, list if path.endswith("/fields/order") else dict):
                    raise Reply(400, {"message": "Malformed JSON in request body."})
                for m, pattern, handler in ROUTES:
                    match = re.fullmatch(pattern, path)
                    if m == method and match:
                        return 200, handler(self, *[int(g) for g in match.groups()], query=query, body=body)
                raise NOT_FOUND
            except Reply as reply:
                return reply.status, reply.body

    # ------------------------------------------------------------------ session and user

    def login(self, body) -> dict:
        body = body if isinstance(body, dict) else {}
        _non_blank(body, "username")
        _non_blank(body, "password")
        if self.users.get(body["username"].lower()) != body["password"]:
            raise Reply(401, {"errors": {"password": "did not match stored password"}})
        session = str(uuid.uuid4())
        self.sessions.add(session)
        return {"id": session}

    def current_user(self, **_) -> dict:
        return {"id": 1, "email": "admin@example.org", "common_name": "Admin", "is_superuser": self.superuser}

    # ------------------------------------------------------------------ databases

    def _present_database(self, db: dict) -> dict:
        shown = copy.deepcopy(db)
        shown.pop("_sync", None)
        if shown["details"].get("password"):
            shown["details"]["password"] = PROTECTED_PASSWORD
        return shown

    def list_databases(self, **_) -> dict:
        data = [self._present_database(db) for db in self.databases.values()]
        return {"data": data, "total": len(data)}

    def _connection_test(self, engine: str, details: dict) -> None:
        missing = [k for k in ("host", "port", "dbname", "user") if not details.get(k)]
        why = f"missing {', '.join(missing)}" if missing else self.accept(details)
        if why:
            raise Reply(400, {"message": why, "errors": {"dbname": "check your connection string"}})

    def create_database(self, body: dict, **_) -> dict:
        _non_blank(body, "name")
        _non_blank(body, "engine")
        if body["engine"] not in ENGINES:
            raise invalid("engine", "value must be a valid database engine.")
        _map(body, "details")
        if not self.superuser:
            raise Reply(403, "You don't have permissions to do that.")
        self._connection_test(body["engine"], body["details"])
        db_id = next(self._next["database"])
        self.databases[db_id] = {
            "id": db_id, "name": body["name"], "engine": body["engine"], "details": dict(body["details"]),
            "is_full_sync": body.get("is_full_sync", True), "is_sample": False,
            "_sync": self.sync_delay,  # creating a database starts its first sync (asynchronously)
            "_synced": False,
        }
        return self._present_database(self.databases[db_id])

    def update_database(self, db_id: int, body: dict, **_) -> dict:
        db = self.databases.get(db_id) or _raise(NOT_FOUND)
        _non_blank(body, "name", optional=True)
        _map(body, "details", optional=True)
        if body.get("details") is not None:
            details = dict(body["details"])
            if details.get("password") == PROTECTED_PASSWORD:
                details["password"] = db["details"].get("password")
            self._connection_test(body.get("engine") or db["engine"], details)
            db["details"] = details
        if body.get("name"):
            db["name"] = body["name"]
        return self._present_database(db)

    def sync_schema(self, db_id: int, **_) -> dict:
        db = self.databases.get(db_id) or _raise(NOT_FOUND)
        if not db["_synced"] and db["_sync"] is None:
            db["_sync"] = self.sync_delay
        return {"status": "ok"}

    def metadata(self, db_id: int, **_) -> dict:
        db = self.databases.get(db_id) or _raise(NOT_FOUND)
        if not db["_synced"] and db["_sync"] is not None:
            if db["_sync"] <= 0:
                db["_synced"] = True
            else:
                db["_sync"] -= 1
        tables = []
        if db["_synced"]:
            for t in self.tables.values():
                tables.append({
                    **self._present_table(t, db_id), "db_id": db_id, "active": True,
                    "fields": [copy.deepcopy(self.fields[f]) for f in t["fields"]],
                })
        return {**self._present_database(db), "tables": tables}

    # ------------------------------------------------------------------ tables and fields (data model)

    def _present_table(self, t: dict, db_id: int | None = None) -> dict:
        shown = {k: copy.deepcopy(v) for k, v in t.items() if k != "fields"}
        if db_id is not None:
            shown["db_id"] = db_id
        return shown

    def list_tables(self, **_) -> list[dict]:
        """GET /api/table: every table of every synced database, with its database (`db`)."""
        out = []
        for db_id, db in self.databases.items():
            if db["_synced"]:
                out += [{**self._present_table(t, db_id), "db": self._present_database(db)}
                        for t in self.tables.values()]
        return out

    def update_table(self, table_id: int, body: dict, **_) -> dict:
        # warehouse_schema.api.table: PUT /:id — every key optional
        t = self.tables.get(table_id) or _raise(NOT_FOUND)
        for key in ("display_name", "description", "caveats", "points_of_interest"):
            if key in body and body[key] is not None and not isinstance(body[key], str):
                raise invalid(key, "nullable string")
        _non_blank(body, "display_name", optional=True)
        if body.get("visibility_type") not in (None, "technical", "hidden", "cruft"):
            raise invalid("visibility_type", "nullable enum of technical, hidden, cruft")
        if body.get("field_order") not in (None, "alphabetical", "custom", "database", "smart"):
            raise invalid("field_order", "nullable enum of alphabetical, custom, database, smart")
        for key in ("display_name", "description", "caveats", "points_of_interest", "visibility_type", "field_order"):
            if key in body:
                t[key] = body[key]
        return self._present_table(t)

    def update_field_order(self, table_id: int, body, **_) -> dict:
        t = self.tables.get(table_id) or _raise(NOT_FOUND)
        if sorted(body) != sorted(t["fields"]):
            raise invalid("field_order", "must list exactly the table's field ids")
        t["fields"], t["field_order"] = list(body), "custom"
        return {"success": True}

    def update_field(self, field_id: int, body: dict, **_) -> dict:
        # warehouse_schema.api.field: PUT /:id — every key optional
        f = self.fields.get(field_id) or _raise(NOT_FOUND)
        for key in ("display_name", "description", "caveats", "points_of_interest"):
            if key in body and body[key] is not None and not isinstance(body[key], str):
                raise invalid(key, "nullable string")
        if body.get("semantic_type") is not None and body["semantic_type"] not in SEMANTIC_TYPES:
            raise invalid("semantic_type", "nullable value must be a valid field semantic or relation type.")
        if body.get("visibility_type") not in (None, "retired", "sensitive", "normal", "hidden", "details-only"):
            raise invalid("visibility_type", "nullable enum of retired, sensitive, normal, hidden, details-only")
        if body.get("has_field_values") not in (None, "search", "list", "none", "auto-list"):
            raise invalid("has_field_values", "nullable enum of search, list, none, auto-list")
        if body.get("settings") is not None and not isinstance(body["settings"], dict):
            raise invalid("settings", "nullable value must be a map.")
        target = body.get("fk_target_field_id")
        if target is not None and (not isinstance(target, int) or target not in self.fields):
            raise Reply(400, {"message": f"Field {target} does not exist."})
        for key in ("display_name", "description", "caveats", "points_of_interest", "semantic_type",
                    "fk_target_field_id", "visibility_type", "has_field_values", "settings", "coercion_strategy"):
            if key in body:
                f[key] = copy.deepcopy(body[key])
        if f["semantic_type"] != "type/FK":
            f["fk_target_field_id"] = None  # Metabase drops the target of a field that is no longer a FK
        return copy.deepcopy(f)

    def get_user(self, user_id: int, **_) -> dict:
        if user_id != 1:
            raise NOT_FOUND
        return self.current_user()

    # ------------------------------------------------------------------ collections

    def list_collections(self, **_) -> list[dict]:
        root = {"id": "root", "name": "Our analytics", "can_write": True, "effective_location": None}
        return [root, *(copy.deepcopy(c) for c in self.collections.values() if not c["archived"])]

    def create_collection(self, body: dict, **_) -> dict:
        _non_blank(body, "name")
        _non_blank(body, "description", optional=True)
        _pos_int(body, "parent_id", optional=True)
        location = "/"
        if body.get("parent_id") is not None:
            parent = self.collections.get(body["parent_id"]) or _raise(NOT_FOUND)
            location = f"{parent['location']}{parent['id']}/"
        cid = next(self._next["collection"])
        self.collections[cid] = {
            "id": cid, "name": body["name"], "description": body.get("description"),
            "location": location, "personal_owner_id": None, "archived": False,
        }
        return copy.deepcopy(self.collections[cid])

    def collection_items(self, cid: int, query: dict, **_) -> dict:
        if cid not in self.collections:
            raise NOT_FOUND
        models = set(query.get("models") or ["card", "dashboard", "collection"])
        items = []
        if "card" in models:
            items += [{"id": c["id"], "model": "card", "name": c["name"], "description": c["description"],
                       "display": c["display"]} for c in self.live_cards() if c["collection_id"] == cid]
        if "dashboard" in models:
            items += [{"id": d["id"], "model": "dashboard", "name": d["name"], "description": d["description"]}
                      for d in self.live_dashboards() if d["collection_id"] == cid]
        return {"data": items, "total": len(items), "models": sorted(models), "limit": None, "offset": None}

    # ------------------------------------------------------------------ cards

    def _check_collection(self, body: dict) -> None:
        _pos_int(body, "collection_id", optional=True)
        if body.get("collection_id") is not None and body["collection_id"] not in self.collections:
            raise NOT_FOUND  # check-write-perms-for-collection: the collection must exist

    def _check_dataset_query(self, query: dict) -> int:
        """The legacy (MBQL 4) native query of v0.56; returns its database id."""
        if query.get("type") != "native":
            raise invalid("dataset_query", "this fake only takes native queries")
        _pos_int(query, "database")
        if query["database"] not in self.databases:
            raise NOT_FOUND
        native = query.get("native")
        if not isinstance(native, dict) or not isinstance(native.get("query"), str) or not native["query"].strip():
            raise invalid("dataset_query", "native query must have a non-blank :query")
        tags = native.get("template-tags") or {}
        if not isinstance(tags, dict):
            raise invalid("dataset_query", "template-tags must be a map")
        for name, tag in tags.items():
            if not isinstance(tag, dict) or tag.get("name") != name:
                raise invalid("dataset_query", "keys in template tag map must match the :name of their values")
            if not isinstance(tag.get("display-name"), str) or not tag["display-name"].strip():
                raise invalid("dataset_query", f"template tag {name}: display-name must be a non-blank string")
            if tag.get("type") not in TEMPLATE_TAG_TYPES:
                raise invalid("dataset_query", f"template tag {name}: invalid type {tag.get('type')!r}")
            if tag["type"] == "dimension":
                _check_field_ref(tag.get("dimension"), "dataset_query")
                if tag.get("widget-type") not in PARAMETER_TYPES | {"none"}:
                    raise invalid("dataset_query", f"template tag {name}: Valid template tag :widget-type")
                field_id = tag["dimension"][1]
                if field_id not in self.fields:
                    raise Reply(400, {"message": f"Field {field_id} does not exist."})
            elif "dimension" in tag:
                raise invalid("dataset_query", ":dimension is only allowed for :type :dimension template tags")
        # STRICTER: Metabase saves a query whose {{tag}} has no definition and fails when it runs.
        for name in TAG_IN_QUERY.findall(native["query"]):
            if name not in tags:
                raise invalid("dataset_query", f"{{{{{name}}}}} has no template tag")
        return query["database"]

    def list_cards(self, query: dict, **_) -> list[dict]:
        f = (query.get("f") or ["all"])[0]
        if f not in ("all", "mine", "bookmarked", "database", "table", "using_model", "using_segment", "archived"):
            raise invalid("f", "enum of all, mine, bookmarked, database, table, using_model, using_segment, archived")
        archived = f == "archived"
        return [copy.deepcopy(c) for c in self.cards.values() if c["archived"] == archived]

    def get_card(self, card_id: int, **_) -> dict:
        return copy.deepcopy(self.cards.get(card_id) or _raise(NOT_FOUND))

    def create_card(self, body: dict, **_) -> dict:
        # queries.api.card/CardCreateSchema
        _non_blank(body, "name")
        _map(body, "dataset_query")
        _non_blank(body, "display")
        _map(body, "visualization_settings")
        _non_blank(body, "description", optional=True)
        if body.get("type") not in (None, "question", "model", "metric"):
            raise invalid("type", "nullable enum of question, metric, model")
        _check_parameters(body.get("parameters"))
        self._check_collection(body)
        database_id = self._check_dataset_query(body["dataset_query"])
        card_id = next(self._next["card"])
        self.cards[card_id] = {
            "id": card_id, "name": body["name"], "type": body.get("type") or "question",
            "display": body["display"], "description": body.get("description"),
            "collection_id": body.get("collection_id"), "dataset_query": copy.deepcopy(body["dataset_query"]),
            "parameters": copy.deepcopy(body.get("parameters") or []),
            "visualization_settings": copy.deepcopy(body["visualization_settings"]),
            "archived": False, "database_id": database_id, "query_type": "native",
            # keys of Metabase's own, which the client must tolerate
            "entity_id": uuid.uuid4().hex[:21], "creator_id": 1, "result_metadata": [], "cache_ttl": None,
            "parameter_mappings": [], "dashboard_id": None, "collection_position": None,
        }
        return self.get_card(card_id)

    def update_card(self, card_id: int, body: dict, **_) -> dict:
        card = self.cards.get(card_id) or _raise(NOT_FOUND)
        # queries.api.card/CardUpdateSchema: every key optional
        _non_blank(body, "name", optional=True)
        _map(body, "dataset_query", optional=True)
        _non_blank(body, "display", optional=True)
        _map(body, "visualization_settings", optional=True)
        if "description" in body and body["description"] is not None and not isinstance(body["description"], str):
            raise invalid("description", "nullable string")
        if "archived" in body and body["archived"] is not None and not isinstance(body["archived"], bool):
            raise invalid("archived", "nullable boolean")
        _check_parameters(body.get("parameters"))
        self._check_collection(body)
        if body.get("dataset_query") is not None:
            card["database_id"] = self._check_dataset_query(body["dataset_query"])
        for key in ("name", "display", "description", "collection_id", "dataset_query", "parameters",
                    "visualization_settings", "type", "archived"):
            if key in body and (body[key] is not None or key in ("description", "collection_id")):
                card[key] = copy.deepcopy(body[key])
        return self.get_card(card_id)

    # ------------------------------------------------------------------ dashboards

    def _present_dashboard(self, dash: dict) -> dict:
        shown = copy.deepcopy(dash)
        for dc in shown["dashcards"]:
            dc["card"] = copy.deepcopy(self.cards.get(dc["card_id"]))
            if self.stage_number_in_targets:
                for m in dc["parameter_mappings"]:
                    if m["target"][0] == "dimension" and len(m["target"]) == 2:
                        m["target"] = [*m["target"], {"stage-number": 0}]
        return shown

    def get_dashboard(self, dash_id: int, **_) -> dict:
        return self._present_dashboard(self.dashboards.get(dash_id) or _raise(NOT_FOUND))

    def create_dashboard(self, body: dict, **_) -> dict:
        _non_blank(body, "name")
        if body.get("description") is not None and not isinstance(body["description"], str):
            raise invalid("description", "nullable string")
        _check_parameters(body.get("parameters"))
        self._check_collection(body)
        dash_id = next(self._next["dashboard"])
        self.dashboards[dash_id] = {
            "id": dash_id, "name": body["name"], "description": body.get("description"),
            "collection_id": body.get("collection_id"), "parameters": copy.deepcopy(body.get("parameters") or []),
            "dashcards": [], "tabs": [], "archived": False, "width": "fixed", "auto_apply_filters": True,
        }
        return self.get_dashboard(dash_id)

    def update_dashboard(self, dash_id: int, body: dict, **_) -> dict:
        dash = self.dashboards.get(dash_id) or _raise(NOT_FOUND)
        # dashboards.api/DashUpdates
        _non_blank(body, "name", optional=True)
        if body.get("description") is not None and not isinstance(body["description"], str):
            raise invalid("description", "nullable string")
        _check_parameters(body.get("parameters"))
        self._check_collection(body)
        dashcards = body.get("dashcards")
        if dashcards is not None:
            dashcards = self._check_dashcards(dash, body, dashcards)
        for key in ("name", "description", "collection_id", "parameters", "archived"):
            if key in body and (body[key] is not None or key in ("description", "collection_id")):
                dash[key] = copy.deepcopy(body[key])
        if dashcards is not None:
            dash["dashcards"] = dashcards
        return self.get_dashboard(dash_id)

    def _check_dashcards(self, dash: dict, body: dict, dashcards) -> list[dict]:
        if not isinstance(dashcards, list):
            raise invalid("dashcards", "nullable sequence of map")
        ids = [dc.get("id") if isinstance(dc, dict) else None for dc in dashcards]
        if len(ids) != len(set(ids)):
            raise invalid("dashcards", "value must be a sequence of maps with unique :id")
        parameters = {p["id"] for p in (body.get("parameters") if body.get("parameters") is not None
                                        else dash["parameters"])}
        current = {dc["id"]: dc for dc in dash["dashcards"]}
        result = []
        for dc in dashcards:
            if not isinstance(dc, dict) or not isinstance(dc.get("id"), int) or isinstance(dc.get("id"), bool):
                raise invalid("dashcards", "id must be an integer")
            for key in ("size_x", "size_y"):
                _pos_int(dc, key)
            for key in ("row", "col"):
                if not isinstance(dc.get(key), int) or dc[key] < 0:
                    raise invalid(key, "value must be an integer greater or equal to than zero.")
            card_id = dc.get("card_id", current.get(dc["id"], {}).get("card_id"))
            card = self.cards.get(card_id)
            if card is None:  # create-dashcards! read-checks the card
                raise NOT_FOUND
            mappings = dc.get("parameter_mappings") or []
            if not isinstance(mappings, list):
                raise invalid("parameter_mappings", "nullable sequence of map")
            tags = card["dataset_query"]["native"].get("template-tags") or {}
            for m in mappings:
                if not isinstance(m, dict) or not isinstance(m.get("parameter_id"), str) or not m["parameter_id"].strip():
                    raise invalid("parameter_mappings", "parameter_id must be a non-blank string")
                if "target" not in m:
                    raise invalid("parameter_mappings", "parameter_mapping must be a map with :parameter_id and :target keys")
                _check_target(m["target"], "parameter_mappings")
                if m.get("card_id") is not None and m["card_id"] not in self.cards:
                    raise Reply(404, {"message": f"Card {m['card_id']} does not exist or does not have a valid query."})
                # STRICTER: Metabase keeps a mapping to a missing parameter, tag or card; it never filters.
                if m["parameter_id"] not in parameters:
                    raise invalid("parameter_mappings", f"no dashboard parameter {m['parameter_id']!r}")
                if m.get("card_id") not in (None, card_id):
                    raise invalid("parameter_mappings", "mapping card_id differs from the dashcard's card_id")
                if m["target"][0] == "dimension" and isinstance(m["target"][1], list) and m["target"][1][0] == "template-tag":
                    tag = _template_tag_ref(m["target"][1], "parameter_mappings")
                    if tag not in tags and tag not in {t.get("id") for t in tags.values()}:
                        raise invalid("parameter_mappings", f"card {card_id} has no template tag {tag!r}")
            dashcard_id = dc["id"] if dc["id"] in current else next(self._next["dashcard"])
            result.append({
                "id": dashcard_id, "dashboard_id": dash["id"], "card_id": card_id,
                "row": dc["row"], "col": dc["col"], "size_x": dc["size_x"], "size_y": dc["size_y"],
                "parameter_mappings": [
                    {"parameter_id": m["parameter_id"], "card_id": m.get("card_id", card_id),
                     "target": copy.deepcopy(m["target"])} for m in mappings
                ],
                "series": [], "visualization_settings": dc.get("visualization_settings") or {},
                "dashboard_tab_id": None,
            })
        return result


def _humanise(name: str) -> str:
    """Metabase's display name for a synced table or column (humanization: words capitalised)."""
    return name.replace("_", " ").strip().title()


def _raise(reply: Reply):
    raise reply


ROUTES: list[tuple[str, str, Callable]] = [
    ("GET", r"/api/user/current", FakeMetabase.current_user),
    ("GET", r"/api/database/?", FakeMetabase.list_databases),
    ("POST", r"/api/database/?", FakeMetabase.create_database),
    ("PUT", r"/api/database/(\d+)", FakeMetabase.update_database),
    ("POST", r"/api/database/(\d+)/sync_schema", FakeMetabase.sync_schema),
    ("GET", r"/api/database/(\d+)/metadata", FakeMetabase.metadata),
    ("GET", r"/api/table/?", FakeMetabase.list_tables),
    ("PUT", r"/api/table/(\d+)", FakeMetabase.update_table),
    ("PUT", r"/api/table/(\d+)/fields/order", FakeMetabase.update_field_order),
    ("PUT", r"/api/field/(\d+)", FakeMetabase.update_field),
    ("GET", r"/api/user/(\d+)", FakeMetabase.get_user),
    ("GET", r"/api/collection/?", FakeMetabase.list_collections),
    ("POST", r"/api/collection/?", FakeMetabase.create_collection),
    ("GET", r"/api/collection/(\d+)/items", FakeMetabase.collection_items),
    ("GET", r"/api/card/?", FakeMetabase.list_cards),
    ("GET", r"/api/card/(\d+)", FakeMetabase.get_card),
    ("POST", r"/api/card/?", FakeMetabase.create_card),
    ("PUT", r"/api/card/(\d+)", FakeMetabase.update_card),
    ("GET", r"/api/dashboard/(\d+)", FakeMetabase.get_dashboard),
    ("POST", r"/api/dashboard/?", FakeMetabase.create_dashboard),
    ("PUT", r"/api/dashboard/(\d+)", FakeMetabase.update_dashboard),
]


class _Handler(BaseHTTPRequestHandler):
    fake: FakeMetabase
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # keep pytest's output clean
        pass

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            status, payload = 400, {"message": "Malformed JSON in request body."}
        else:
            status, payload = self.fake.handle(self.command, parts.path, parse_qs(parts.query), body, self.headers)
        if isinstance(payload, str):
            data, ctype = payload.encode(), "text/plain; charset=utf-8"
        else:
            data, ctype = json.dumps(payload).encode(), "application/json; charset=utf-8"
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = _serve
