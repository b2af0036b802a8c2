"""The one function that turns an identifier into the key a tombstone keeps (never the value):
the project's keyed hash (HMAC-SHA256, `publics.keys`) under the warehouse's secret, so that a
tombstone of an e-mail address equals the `email_key` staging computes for it.

A rotation of the secret (docs/cles.md) changes every key, the tombstones' too: they cannot be
recomputed (the values are not kept), so `publics gdpr forget` must be run again for each
tombstoned address after a rotation (docs/gdpr.md)."""

from __future__ import annotations

from publics import keys, warehouse


def identifier_key(value: str | None, secret: bytes | None = None) -> str | None:
    return keys.email_key(value, secret or warehouse.key_secret())
