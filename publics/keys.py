"""The keyed hash of direct identifiers (HMAC-SHA256), as the product calls it: the
implementation lives in the lowest layer (`ingestion.keys`) so that ingestion can use it too."""

from ingestion.keys import (  # noqa: F401  (re-exported)
    SECRET_ENV,
    MissingKeySecret,
    email_key,
    keyed_hash,
    normalise_email,
    person_key,
)
