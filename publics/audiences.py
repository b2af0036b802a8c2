"""Activation, the CRM's first step: `publics audiences export <list>` writes a list of persons
with their contact details, in the contact-import CSV of Brevo or Mailchimp, and records the
export in a ledger; `publics audiences exports` lists the ledger.

Who is in a list is decided in dbt (no business rule here): the list's members are a selection
of a mart (`marts.dim_prospects`, `marts.fct_audience_scores`), kept only when
`marts.dim_marketing_contacts` holds them — marketing consent, no objection to marketing or to
profiling, an address the e-mailing tools still reach — and the address and names are read from
`restricted.restricted_contact_identities` at export time, by a role allowed to read it.

The two file formats, as the tools document their import files:
- Brevo (help.brevo.com, « Create a file to import your contacts », article 208729849): the
  default attributes `EMAIL`, `FIRSTNAME`, `LASTNAME` as headers; values separated by `;`, `,`
  or a tab (`;` here, as the import API's `fileBody` asks); UTF-8 or Windows-1252 (UTF-8 here).
- Mailchimp (mailchimp.com/help, « Format guidelines for your import file »): a CSV with an
  `Email Address` column (the only one required), `First Name`, `Last Name` and `Tags` (tags
  separated by commas, one here: the list's name), comma-separated, UTF-8.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from psycopg import errors as pg_errors
from psycopg import sql

from publics import warehouse

IDENTITIES = "restricted.restricted_contact_identities"
CONTACTS = "marts.dim_marketing_contacts"
SCORES = "marts.fct_audience_scores"
LEDGER = ("restricted", "audience_export_ledger")
REFUSED = 2  # the exit code of an export the role may not make


class ExportRefused(Exception):
    """The role may not export contact details (no read on `restricted`), or a list cannot be made."""

    def __init__(self, message: str, code: int = REFUSED):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class AudienceList:
    name: str
    label: str
    members: str  # SQL: the person keys of the list (before consent and objections)
    needs_scores: bool = False


def _scored(kind: str) -> str:
    """The persons of deciles 1–2 of a score, in the latest season it was computed for."""
    return (f"select person_key from {SCORES} where score_kind = '{kind}' and decile <= 2 "
            f"and season = (select max(season) from {SCORES} where score_kind = '{kind}')")


LISTS: dict[str, AudienceList] = {a.name: a for a in (
    AudienceList("prospects-a-relancer", "prospects proches de la limite de conservation (3 ans après le dernier contact)",
                 "select person_key from marts.dim_prospects where is_near_retention_limit"),
    AudienceList("abonnes-a-risque", "abonnés à risque d'attrition (déciles 1 et 2)", _scored("attrition"), True),
    AudienceList("candidats-abonnement", "candidats à l'abonnement (déciles 1 et 2)", _scored("abonnement"), True),
)}


@dataclass(frozen=True)
class ImportFormat:
    name: str
    delimiter: str
    header: tuple[str, ...]
    with_tags: bool = False

    def rows(self, contacts: list[tuple[str, str, str]], tag: str) -> list[list[str]]:
        return [[email, first or "", last or ""] + ([tag] if self.with_tags else []) for email, first, last in contacts]


FORMATS: dict[str, ImportFormat] = {f.name: f for f in (
    ImportFormat("brevo", ";", ("EMAIL", "FIRSTNAME", "LASTNAME")),
    ImportFormat("mailchimp", ",", ("Email Address", "First Name", "Last Name", "Tags"), with_tags=True),
)}


@dataclass(frozen=True)
class ExportResult:
    list_name: str
    format: str
    contacts: int
    role: str
    path: Path


def _relation_exists(conn, name: str) -> bool:
    return conn.execute("select to_regclass(%s) is not null", (name,)).fetchone()[0]


def _may_read_restricted(conn) -> bool:
    return conn.execute(
        "select has_schema_privilege(current_user, 'restricted', 'USAGE') "
        "and has_table_privilege(current_user, %s, 'SELECT')", (IDENTITIES,)).fetchone()[0]


def ensure_ledger(conn) -> None:
    conn.execute(sql.SQL(
        "create table if not exists {} (export_id bigserial primary key, "
        "exported_at timestamptz not null default now(), list_name text not null, purpose text not null, "
        "contacts integer not null, format text not null, role text not null, file_name text not null)"
    ).format(sql.Identifier(*LEDGER)))


def contacts_of(conn, audience: AudienceList) -> list[tuple[str, str, str]]:
    """The list's (e-mail, first name, last name), one per address, consent and objections applied."""
    query = f"""
        with members as ({audience.members})
        select distinct on (identities.email)
            identities.email, identities.first_name, coalesce(identities.last_name, identities.structure_name)
        from members
        inner join {CONTACTS} as contacts on contacts.person_key = members.person_key
        inner join {IDENTITIES} as identities on identities.contact_id = contacts.contact_id
        where identities.email is not null
        order by identities.email, identities.updated_at desc nulls last
    """
    return [tuple(r) for r in conn.execute(query).fetchall()]


def export(info: warehouse.ConnInfo, list_name: str, fmt: str, purpose: str, out: Path) -> ExportResult:
    """Write the list to `out` in the tool's import format and record it in the ledger, in one
    transaction: no ledger row without its file, no file without its ledger row."""
    audience, import_format = LISTS[list_name], FORMATS[fmt]
    if not purpose.strip():
        raise ExportRefused("--purpose is required: say why the list is exported (it is recorded)")
    with warehouse.connect(info) as conn:
        role = conn.execute("select current_user").fetchone()[0]
        if not _may_read_restricted(conn):
            raise ExportRefused(
                f"the role {role} may not read the schema restricted (the contact details): export refused. "
                "Run it as a role allowed to read restricted (docs/acces.md).")
        for relation in (CONTACTS, IDENTITIES) + ((SCORES,) if audience.needs_scores else ()):
            if not _relation_exists(conn, relation):
                hint = "lancez d'abord `publics score`" if relation == SCORES else "lancez d'abord `publics build`"
                raise ExportRefused(f"{relation} does not exist: {hint}", code=1)
        try:
            with conn.transaction():
                ensure_ledger(conn)
                contacts = contacts_of(conn, audience)
                conn.execute(sql.SQL(
                    "insert into {} (list_name, purpose, contacts, format, role, file_name) values (%s, %s, %s, %s, %s, %s)"
                ).format(sql.Identifier(*LEDGER)), (list_name, purpose.strip(), len(contacts), fmt, role, out.name))
                write_file(out, import_format, contacts, tag=list_name)
        except pg_errors.InsufficientPrivilege as exc:
            raise ExportRefused(f"the role {role} may not record the export in {'.'.join(LEDGER)}: "
                                f"export refused ({exc.diag.message_primary})") from None
    return ExportResult(list_name, fmt, len(contacts), role, out)


def write_file(out: Path, import_format: ImportFormat, contacts: list[tuple[str, str, str]], tag: str) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=import_format.delimiter, lineterminator="\r\n")
    writer.writerow(import_format.header)
    writer.writerows(import_format.rows(contacts, tag))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(buffer.getvalue(), encoding="utf-8")


def exports(info: warehouse.ConnInfo, last: int = 20) -> list[tuple]:
    """The ledger, newest first: (when, list, purpose, contacts, format, role, file)."""
    with warehouse.connect(info, autocommit=True) as conn:
        if not _may_read_restricted(conn):
            role = conn.execute("select current_user").fetchone()[0]
            raise ExportRefused(f"the role {role} may not read the schema restricted: the export ledger is there")
        if not _relation_exists(conn, ".".join(LEDGER)):
            return []
        return [tuple(r) for r in conn.execute(sql.SQL(
            "select exported_at, list_name, purpose, contacts, format, role, file_name from {} "
            "order by exported_at desc, export_id desc limit %s").format(sql.Identifier(*LEDGER)), (last,))]


def format_exports(rows: list[tuple]) -> list[str]:
    if not rows:
        return ["no export recorded yet"]
    return [f"{at:%Y-%m-%d %H:%M} {name:<22} {fmt:<9} {n:>6} contacts  by {role}  → {file}  « {purpose} »"
            for at, name, purpose, n, fmt, role, file in rows]

