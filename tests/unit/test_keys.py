"""The keyed hash of direct identifiers (ingestion/keys.py): HMAC-SHA256, and the pads the SQL
macro uses give the same value (the macro's own agreement is tests/integration/test_keys_in_the_database.py)."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from ingestion import keys
from publics import keys as product_keys

SECRET = b"a-test-secret"


def sql_construction(secret: bytes, message: str) -> str:
    """What the macro postgres__keyed_hash computes: sha256(outer || sha256(inner || message))."""
    inner, outer = keys.pads(secret)
    return hashlib.sha256(outer + hashlib.sha256(inner + message.encode("utf-8")).digest()).hexdigest()


def test_rfc_4231_test_case_2() -> None:
    # RFC 4231 §4.3: key "Jefe", data "what do ya want for nothing?"
    expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    assert keys.keyed_hash("what do ya want for nothing?", b"Jefe") == expected
    assert sql_construction(b"Jefe", "what do ya want for nothing?") == expected


@pytest.mark.parametrize("secret", [b"k", b"x" * 64, b"y" * 65, "clé-été".encode()])
@pytest.mark.parametrize("message", ["", "12345", "anne.dupont@exemple.fr", "hélène|dupré"])
def test_the_pads_give_hmac_for_any_secret_length(secret: bytes, message: str) -> None:
    assert sql_construction(secret, message) == hmac.new(secret, message.encode(), hashlib.sha256).hexdigest()


def test_email_key_normalises_like_the_models_and_is_not_the_public_md5() -> None:
    key = product_keys.email_key("  Anne.Dupont@Exemple.FR ", SECRET)
    assert key == keys.keyed_hash("anne.dupont@exemple.fr", SECRET)
    assert key != hashlib.md5(b"anne.dupont@exemple.fr").hexdigest()  # Mailchimp's subscriber hash
    assert product_keys.email_key("   ", SECRET) is None and product_keys.email_key(None, SECRET) is None
    assert product_keys.email_key("anne.dupont@exemple.fr", b"another secret") != key


def test_fingerprint_names_the_secret_without_revealing_it() -> None:
    assert keys.fingerprint(SECRET) == keys.fingerprint(SECRET) != keys.fingerprint(b"other")
    assert SECRET.decode() not in keys.fingerprint(SECRET)
