"""The data subjects' rights: access (`export`, GDPR art. 15) and erasure (`forget`, art. 17).

`forget` writes tombstones (`raw.gdpr_tombstones`: keys of the e-mail address, of Mailchimp's
subscriber hash of it and of the person's SecuTix contact numbers, made by
`keys.identifier_key`, never the values), removes the person from `raw`, the quarantine folder,
the server log and the access bundles written for them; the caller rebuilds dbt (restricted,
staging, intermediate, marts and scores are built from raw). `apply_tombstones` runs after
every ingestion (publics.pipeline.do_ingest): a later delivery that brings the person back is
dropped from raw before anything is built from it. `remains` proves nothing is left: every text
column of every schema searched for the address, the phone numbers and the full name."""

from __future__ import annotations

import csv
import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from psycopg import sql

from publics.gdpr import files
from publics.gdpr.keys import identifier_key
from publics.gdpr.purge import erased_identifier
from publics.project import project_root
from publics.warehouse import ConnInfo, connect

TOMBSTONES = ("raw", "gdpr_tombstones")
# The raw columns that name a person: e-mail addresses, Mailchimp's subscriber hash (md5 of the
# lower-cased address, Mailchimp API "subscriber_hash"), SecuTix contact numbers. `delete`: the
# row goes; `anonymise`: the column becomes the erased identifier (`[effacé RGPD]`, var
# `gdpr_erased_identifier`, as the purge does): an order or a ticket keeps its amount, so the
# revenue history survives, and staging knows it had a buyer (`is_buyer_erased`).
PERSON_COLUMNS = [
    ("secutix_contacts", "email", "email", "delete"),
    ("secutix_contacts", "contact_number", "contact", "delete"),
    ("secutix_orders", "buying_contact_number", "contact", "anonymise"),
    ("secutix_tickets", "cultural_contact_number", "contact", "anonymise"),
    ("mailchimp_email_activity", "email_address", "email", "delete"),
    ("mailchimp_email_activity", "email_id", "mailchimp_hash", "delete"),
    ("brevo_contacts", "email", "email", "delete"),
    ("spreadsheet_invitations", "email", "email", "delete"),
]


def bundle_folder() -> Path:
    return project_root() / ".local" / "gdpr-exports"


def ensure_tombstones(conn) -> None:
    conn.execute(sql.SQL("create table if not exists {} (key_kind text not null, key text not null, "
                         "forgotten_on date not null default current_date, primary key (key_kind, key))")
                 .format(sql.Identifier(*TOMBSTONES)))


def _exists(conn, schema: str, table: str) -> bool:
    return conn.execute("select to_regclass(%s) is not null", (f'"{schema}"."{table}"',)).fetchone()[0]


def _has_column(conn, table: str, column: str) -> bool:
    return bool(conn.execute("select 1 from information_schema.columns where table_schema = 'raw' "
                             "and table_name = %s and column_name = %s", (table, column)).fetchone())


def apply_tombstones(conn) -> dict[str, int]:
    """Remove (or anonymise) from raw every row naming a tombstoned person; rows by raw table."""
    ensure_tombstones(conn)
    tomb = {(k, v) for k, v in conn.execute(sql.SQL("select key_kind, key from {}").format(
        sql.Identifier(*TOMBSTONES)))}
    done: dict[str, int] = {}
    if not tomb:
        return done
    for table, column, kind, action in PERSON_COLUMNS:
        if not _exists(conn, "raw", table) or not _has_column(conn, table, column):
            continue
        t, c = sql.Identifier("raw", table), sql.Identifier(column)
        values = [v for (v,) in conn.execute(sql.SQL("select distinct lower(trim({c})) from {t} where {c} is not null")
                                             .format(c=c, t=t))]
        hit = [v for v in values if (kind, identifier_key(v)) in tomb]
        if not hit:
            continue
        if action == "delete":
            n = conn.execute(sql.SQL("delete from {t} where lower(trim({c})) = any(%s)").format(t=t, c=c), (hit,)).rowcount
        else:
            n = conn.execute(sql.SQL("update {t} set {c} = %s where lower(trim({c})) = any(%s)").format(t=t, c=c),
                             (erased_identifier(), hit)).rowcount
        done[f"raw.{table}"] = done.get(f"raw.{table}", 0) + n
    return done


@dataclass
class Person:
    """What identifies one person in the warehouse (held in memory only)."""
    email: str
    contact_numbers: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    names: set[tuple[str, str]] = field(default_factory=set)  # (first name, last name)
    email_keys: set[str] = field(default_factory=set)
    person_keys: set[str] = field(default_factory=set)

    @property
    def mailchimp_hash(self) -> str:
        return hashlib.md5(self.email.encode("utf-8")).hexdigest()  # Mailchimp's subscriber_hash

    def values(self) -> list[str]:
        """The values files are searched for (names alone are too common to delete lines by)."""
        return sorted({self.email, *self.phones})


def find_person(conn, email: str) -> Person:
    person = Person(email.strip().lower())
    person.email_keys.add(identifier_key(person.email))
    if _exists(conn, "raw", "secutix_contacts"):
        cols = {c for (c,) in conn.execute("select column_name from information_schema.columns "
                                          "where table_schema = 'raw' and table_name = 'secutix_contacts'")}
        pick = [c for c in ("contact_number", "firstname", "lastname", "phone", "mobile_phone") if c in cols]
        if "email" in cols and pick:
            for row in conn.execute(sql.SQL("select {} from raw.secutix_contacts where lower(trim(email)) = %s")
                                    .format(sql.SQL(", ").join(map(sql.Identifier, pick))), (person.email,)):
                r = dict(zip(pick, row, strict=True))
                person.contact_numbers.add(str(r.get("contact_number") or "").strip())
                person.phones.update(p.strip() for p in (r.get("phone"), r.get("mobile_phone")) if p and p.strip())
                if r.get("firstname") and r.get("lastname"):
                    person.names.add((r["firstname"].strip(), r["lastname"].strip()))
    person.contact_numbers.discard("")
    if _exists(conn, "intermediate", "int_identity__contacts") and person.contact_numbers:
        person.person_keys.update(k for (k,) in conn.execute(
            "select distinct person_key from intermediate.int_identity__contacts where contact_id = any(%s)",
            (sorted(person.contact_numbers),)))
        person.contact_numbers.update(c for (c,) in conn.execute(
            "select contact_id from intermediate.int_identity__contacts where person_key = any(%s)",
            (sorted(person.person_keys),)))
    if _exists(conn, "restricted", "restricted_contact_identities"):
        person.email_keys.update(k for (k,) in conn.execute(
            "select email_key from restricted.restricted_contact_identities where lower(email) = %s "
            "and email_key is not null", (person.email,)))
    return person


def _bundle_stem(email: str) -> str:
    return f"acces-{identifier_key(email)[:16]}"  # the file name does not show the address


def forget(info: ConnInfo, email: str, quarantine_dir: Path | None = None,
           server_log: Path | None = None) -> dict[str, int]:
    """Tombstone the person and remove them from raw and the files; what was removed, by place."""
    with connect(info) as conn:
        person = find_person(conn, email)
        ensure_tombstones(conn)
        keys = [("email", identifier_key(person.email)), ("mailchimp_hash", identifier_key(person.mailchimp_hash))]
        keys += [("contact", identifier_key(c)) for c in sorted(person.contact_numbers)]
        for kind, key in keys:
            conn.execute(sql.SQL("insert into {} (key_kind, key) values (%s, %s) on conflict do nothing")
                         .format(sql.Identifier(*TOMBSTONES)), (kind, key))
        removed = apply_tombstones(conn)
        conn.commit()
    for change in files.scrub_folder(quarantine_dir, person.values()):
        removed[f"quarantine {change.action}"] = removed.get(f"quarantine {change.action}", 0) + 1
    if server_log:
        from publics.gdpr.purge import months_before, reference_date, retention_months

        change = files.trim_log(server_log, months_before(reference_date(), retention_months("technical_log")),
                                person.values())
        if change:
            removed["server log lines"] = change.lines
    for bundle in bundle_folder().glob(f"{_bundle_stem(person.email)}.*"):
        bundle.unlink()
        removed["access bundles"] = removed.get("access bundles", 0) + 1
    return removed


def _text_columns(conn) -> dict[tuple[str, str], list[str]]:
    out: dict[tuple[str, str], list[str]] = {}
    for schema, table, column, dtype in conn.execute(
            "select c.table_schema, c.table_name, c.column_name, c.data_type from information_schema.columns c "
            "join information_schema.tables t using (table_schema, table_name) "
            "where c.table_schema not in ('pg_catalog', 'information_schema') and c.table_schema not like 'pg_%%' "
            "and c.data_type in ('text', 'character varying', 'character', 'json', 'jsonb') "
            "order by 1, 2, c.ordinal_position"):
        out.setdefault((schema, table), []).append(column if dtype not in ("json", "jsonb") else f"{column}::")
    return out


def remains(info: ConnInfo, person: Person, quarantine_dir: Path | None = None,
            server_log: Path | None = None) -> list[str]:
    """Where anything about the person is still found: every text (and JSON) column of every
    schema searched for the address and the phone numbers, and for a row holding both the first
    and the last name; the quarantine folder and the server log for the address and phones.
    Empty: nothing remains."""
    found = []
    with connect(info, autocommit=True) as conn:
        for (schema, table), columns in _text_columns(conn).items():
            exprs = [sql.SQL("lower({}::text)").format(sql.Identifier(c.rstrip(":"))) for c in columns]
            conds, args = [], []
            for value in person.values():
                conds.append(sql.SQL("({})").format(sql.SQL(" or ").join(
                    sql.SQL("{} like %s").format(e) for e in exprs)))
                args += [f"%{value.lower()}%"] * len(exprs)
            for first, last in person.names:
                conds.append(sql.SQL("(({}) and ({}))").format(
                    sql.SQL(" or ").join(sql.SQL("{} = %s").format(e) for e in exprs),
                    sql.SQL(" or ").join(sql.SQL("{} = %s").format(e) for e in exprs)))
                args += [last.lower()] * len(exprs) + [first.lower()] * len(exprs)
            n = conn.execute(sql.SQL("select count(*) from {} where {}").format(
                sql.Identifier(schema, table), sql.SQL(" or ").join(conds)), args).fetchone()[0]
            if n:
                found.append(f"{schema}.{table}: {n} row(s)")
    for folder_or_file in (quarantine_dir, server_log):
        if not folder_or_file or not folder_or_file.exists():
            continue
        paths = [folder_or_file] if folder_or_file.is_file() else sorted(p for p in folder_or_file.rglob("*") if p.is_file())
        for path in paths:
            if files.scrub_file(path, person.values(), dry_run=True):
                found.append(str(path))
    return found


def _jsonable(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (Decimal, uuid.UUID)):
        return str(value)
    return value


def _manifest_docs() -> dict[tuple[str, str], dict]:
    """Each relation's description and purpose (`meta.purpose`) from dbt's manifest, if built."""
    path = project_root() / "target" / "manifest.json"
    if not path.exists():
        return {}
    manifest = json.loads(path.read_text(encoding="utf-8"))
    docs = {}
    for node in [*manifest.get("nodes", {}).values(), *manifest.get("sources", {}).values()]:
        if node.get("resource_type") not in ("model", "source", "seed"):
            continue
        name = node.get("identifier") or node.get("alias") or node.get("name")
        docs[(node.get("schema"), name)] = {"description": (node.get("description") or "").strip(),
                                            "purpose": (node.get("meta") or {}).get("purpose"),
                                            "dbt": node.get("unique_id")}
    return docs


def export(info: ConnInfo, email: str, out: Path | None = None) -> tuple[Path, Path, int]:
    """Everything held about the person, from every schema, as one JSON bundle and one CSV
    (schema, table, row, column, value) with each table's source and purpose; (json, csv, rows)."""
    out = out or bundle_folder()
    out.mkdir(parents=True, exist_ok=True)
    docs = _manifest_docs()
    tables = []
    with connect(info, autocommit=True) as conn:
        person = find_person(conn, email)
        by_column = {"person_key": person.person_keys, "buyer_person_key": person.person_keys,
                     "holder_person_key": person.person_keys, "subject_key": person.person_keys | person.email_keys,
                     "contact_id": person.contact_numbers, "buyer_contact_id": person.contact_numbers,
                     "holder_contact_id": person.contact_numbers, "email_key": person.email_keys}
        raw_by_column = {"email": {person.email}, "email_address": {person.email},
                         "email_id": {person.mailchimp_hash}, "contact_number": person.contact_numbers,
                         "buying_contact_number": person.contact_numbers,
                         "cultural_contact_number": person.contact_numbers}
        columns: dict[tuple[str, str], list[str]] = {}
        for schema, table, column in conn.execute(
                "select c.table_schema, c.table_name, c.column_name from information_schema.columns c "
                "join information_schema.tables t using (table_schema, table_name) "
                "where c.table_schema in ('raw', 'restricted', 'staging', 'intermediate', 'marts') "
                "order by 1, 2, c.ordinal_position"):
            columns.setdefault((schema, table), []).append(column)
        for (schema, table), cols in columns.items():
            keys = raw_by_column if schema in ("raw", "restricted") else by_column
            conds, args = [], []
            for col in cols:
                wanted = keys.get(col) or (by_column.get(col) if schema == "restricted" else None)
                if wanted:
                    conds.append(sql.SQL("lower(trim({}::text)) = any(%s)").format(sql.Identifier(col)))
                    args.append(sorted(v.lower() for v in wanted))
            if not conds:
                continue
            cur = conn.execute(sql.SQL("select * from {} where {}").format(
                sql.Identifier(schema, table), sql.SQL(" or ").join(conds)), args)
            rows = [{d.name: _jsonable(v) for d, v in zip(cur.description, r, strict=True)} for r in cur]
            if rows:
                doc = docs.get((schema, table), {})
                tables.append({"schema": schema, "table": table, "source": doc.get("dbt") or f"{schema}.{table}",
                               "description": doc.get("description"), "purpose": doc.get("purpose"),
                               "rows": rows})
    stem = out / _bundle_stem(person.email)
    bundle = {"subject": person.email, "generated_at": datetime.now().isoformat(timespec="seconds"),
              "legal_basis": "RGPD article 15 (droit d'accès)", "tables": tables}
    json_path, csv_path = stem.with_suffix(".json"), stem.with_suffix(".csv")
    json_path.write_text(json.dumps(bundle, ensure_ascii=False, indent=2), encoding="utf-8")
    count = 0
    with open(csv_path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["schema", "table", "source", "purpose", "row", "column", "value"])
        for t in tables:
            for i, row in enumerate(t["rows"], 1):
                count += 1
                for col, value in row.items():
                    w.writerow([t["schema"], t["table"], t["source"], t["purpose"] or t["description"], i, col,
                                "" if value is None else value])
    return json_path, csv_path, count
