"""The one function that turns an identifier into the key a tombstone keeps (never the value).

Isolated here so that the project's keyed hash (HMAC with a secret from the environment) can
replace it in one place: today md5 of the trimmed, lower-cased value, as staging's `email_key`
(macros/pseudonymise.sql), so that a tombstone matches what staging computes."""

from __future__ import annotations

import hashlib


def identifier_key(value: str | None) -> str | None:
    text = (value or "").strip().lower()
    return hashlib.md5(text.encode("utf-8")).hexdigest() if text else None
