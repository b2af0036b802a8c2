"""The right to object (GDPR art. 21): to profiling (the RFM scores of `dim_persons`, an AIPD
processing) and to marketing (the lists of persons one may solicit).

`publics gdpr object --email X --kind profiling|marketing [--withdraw]` records one event in
`raw.gdpr_objections`: the keyed hash of the address (`keys.identifier_key`, equal to staging's
`email_key`, never the address), the kind, `object` or `withdraw`, when and from where. The
table is a log: nothing is updated, the latest event of a person and kind decides (dbt model
`int_gdpr__objections`, which also reads SecuTix's own opt-out: a contact whose
`opt_in_newsletter` says no has refused the house's communications). The models that score or
list persons read that one model (macro `gdpr_not_objecting`)."""

from __future__ import annotations

from psycopg import sql

from publics.gdpr.keys import identifier_key
from publics.warehouse import ConnInfo, connect

OBJECTIONS = ("raw", "gdpr_objections")
KINDS = ("profiling", "marketing")
SOURCE = "publics gdpr object"


def ensure_objections(conn) -> None:
    conn.execute(sql.SQL(
        "create table if not exists {} (email_key text not null, "
        "kind text not null check (kind in ('profiling', 'marketing')), "
        "action text not null check (action in ('object', 'withdraw')), "
        "recorded_at timestamp with time zone not null default now(), "
        "source text not null)").format(sql.Identifier(*OBJECTIONS)))


def record(info: ConnInfo, email: str, kind: str, withdraw: bool = False, source: str = SOURCE) -> str:
    """Record an objection (or its withdrawal) of the address; returns the key kept."""
    if kind not in KINDS:
        raise ValueError(f"kind {kind!r}: one of {', '.join(KINDS)}")
    key = identifier_key(email)
    if not key:
        raise ValueError("an e-mail address is required")
    with connect(info) as conn:
        ensure_objections(conn)
        conn.execute(sql.SQL("insert into {} (email_key, kind, action, source) values (%s, %s, %s, %s)")
                     .format(sql.Identifier(*OBJECTIONS)), (key, kind, "withdraw" if withdraw else "object", source))
        conn.commit()
    return key


def prepare(info: ConnInfo) -> None:
    """The table exists before dbt builds (its source)."""
    with connect(info) as conn:
        ensure_objections(conn)
        conn.commit()
