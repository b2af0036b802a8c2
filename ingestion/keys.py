"""Pseudonymous keys: a keyed hash (HMAC-SHA256) of a direct identifier with a secret that
never enters the marts, so that nobody reading a key can recompute it from a guess (an e-mail, a
range of contact numbers). The one Python implementation; the dbt macro `keyed_hash`
(macros/pseudonymise.sql) computes the same value in SQL from the pads `install_key_material`
stores in `restricted` (tests/unit/test_keys.py and tests/integration/test_keys_in_the_database.py check that
they agree).

The secret comes from the environment (`PUBLICS_KEY_SECRET`); the local cluster keeps a
generated one in `.local/pg/key_secret` (publics.warehouse). Rotating it means a full rebuild:
every key changes (docs/cles.md).
"""

from __future__ import annotations

import hashlib
import hmac
import os

from psycopg import sql

from ingestion.connection import DatabaseError

SECRET_ENV = "PUBLICS_KEY_SECRET"
KEY_TABLE = ("restricted", "key_material")  # read by the macro; the owner's only
BLOCK = 64  # SHA-256's block size, in bytes (RFC 2104)


class MissingKeySecret(DatabaseError):
    pass


def secret_from_env() -> bytes | None:
    value = os.environ.get(SECRET_ENV, "")
    return value.encode("utf-8") if value.strip() else None


def keyed_hash(text: str | None, secret: bytes) -> str | None:
    """HMAC-SHA256 of the text (UTF-8) under the secret, in lower-case hex; None for None."""
    if text is None:
        return None
    return hmac.new(secret, text.encode("utf-8"), hashlib.sha256).hexdigest()


def normalise_email(email: str | None) -> str | None:
    """What the models hash: trimmed of spaces and lower-cased (SQL `lower(trim(x))`); None when
    nothing is left."""
    if email is None:
        return None
    value = email.strip(" ").lower()
    return value or None


def email_key(email: str | None, secret: bytes) -> str | None:
    """The `email_key` every model gives this address (the dbt macro `pseudonymise`)."""
    return keyed_hash(normalise_email(email), secret)


def person_key(contact_id: str, secret: bytes) -> str:
    """The `person_key` of the person whose oldest SecuTix contact is `contact_id`."""
    return keyed_hash(str(contact_id), secret)


def pads(secret: bytes) -> tuple[bytes, bytes]:
    """HMAC's inner and outer keys (RFC 2104): the secret (hashed first when longer than a
    block), padded with zeros to a block, xor 0x36 and xor 0x5c. With them SQL computes
    sha256(outer || sha256(inner || message)) — HMAC without pgcrypto."""
    key = hashlib.sha256(secret).digest() if len(secret) > BLOCK else secret
    key = key.ljust(BLOCK, b"\0")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)


def fingerprint(secret: bytes) -> str:
    """A short name of the secret (not the secret): tells whether the warehouse's keys were made
    with the secret in use (a rotation needs a full rebuild)."""
    return keyed_hash("publics key fingerprint", secret)[:12]


def install_key_material(conn, secret: bytes) -> bool:
    """Store the pads in restricted.key_material (one row). Returns True when they changed (a new
    or rotated secret: every key must be rebuilt)."""
    inner, outer = pads(secret)
    table = sql.Identifier(*KEY_TABLE)
    conn.execute(sql.SQL(
        "create table if not exists {} (inner_pad bytea not null, outer_pad bytea not null, "
        "fingerprint text not null, installed_at timestamptz not null default now())"
    ).format(table))
    current = conn.execute(sql.SQL("select fingerprint from {}").format(table)).fetchall()
    if current == [(fingerprint(secret),)]:
        return False
    conn.execute(sql.SQL("delete from {}").format(table))
    conn.execute(
        sql.SQL("insert into {} (inner_pad, outer_pad, fingerprint) values (%s, %s, %s)").format(table),
        (inner, outer, fingerprint(secret)),
    )
    return True
