"""Metabase's REST API as the publisher uses it: the settings (from the environment), a tiny
JSON client (urllib: no dependency) and the errors a user can act on.

Settings come from the environment (`Settings.from_env`): METABASE_URL, METABASE_API_KEY or
METABASE_USER + METABASE_PASSWORD, and the warehouse as Metabase reaches it (read-only role
`publics_reader`): METABASE_WAREHOUSE_HOST, METABASE_WAREHOUSE_PORT, WAREHOUSE_DB,
METABASE_READER_PASSWORD (or PUBLICS_READER_PASSWORD); METABASE_PUBLIC_URL is the address users
open (links in the report and the exposures) when it differs from METABASE_URL.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

from publics.warehouse import READER_ROLE

DATABASE_NAME = "publics — entrepôt (marts)"
COLLECTION_NAME = "publics — tableaux de bord"


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
