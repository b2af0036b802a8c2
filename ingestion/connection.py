"""How to reach the warehouse: a PostgreSQL connection described once (host, port, user,
password, database) and opened with psycopg. The lowest layer: the loader, the product and the
demo all connect through it; where the warehouse comes from (DATABASE_URL or the local cluster
the project starts) is the product's business (`publics.warehouse`).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

import psycopg


class DatabaseError(RuntimeError):
    """A problem the user can act on (message is shown as is, no traceback)."""


@dataclass(frozen=True)
class ConnInfo:
    host: str
    port: int
    user: str
    password: str
    dbname: str

    @classmethod
    def from_url(cls, url: str) -> ConnInfo:
        parts = urlsplit(url)
        if parts.scheme not in ("postgres", "postgresql", "postgresql+psycopg"):
            raise DatabaseError(f"DATABASE_URL must be a postgresql:// URL, got scheme {parts.scheme!r}")
        return cls(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
            user=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            dbname=(parts.path or "/").lstrip("/") or "postgres",
        )

    @property
    def url(self) -> str:
        auth = quote(self.user, safe="")
        if self.password:
            auth += ":" + quote(self.password, safe="")
        return f"postgresql://{auth}@{self.host}:{self.port}/{quote(self.dbname, safe='')}"

    def with_db(self, dbname: str) -> ConnInfo:
        return ConnInfo(self.host, self.port, self.user, self.password, dbname)

    def dbt_env(self) -> dict[str, str]:
        """The variables `profiles.yml` reads."""
        return {
            "PUBLICS_DB_HOST": self.host,
            "PUBLICS_DB_PORT": str(self.port),
            "PUBLICS_DB_USER": self.user,
            "PUBLICS_DB_PASSWORD": self.password,
            "PUBLICS_DB_NAME": self.dbname,
        }


def connect(info: ConnInfo, **kwargs) -> psycopg.Connection:
    try:
        return psycopg.connect(
            host=info.host, port=info.port, user=info.user, password=info.password,
            dbname=info.dbname, connect_timeout=10, **kwargs,
        )
    except psycopg.OperationalError as exc:
        raise DatabaseError(f"cannot connect to {info.host}:{info.port}/{info.dbname}: {exc}".strip()) from exc
