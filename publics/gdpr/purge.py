"""`publics gdpr purge`: the retention policy (seed gdpr_retention_rules) applied to what the
warehouse holds.

dbt decides what is past retention (models/intermediate/gdpr: int_gdpr__retention_status, then
int_gdpr__purge_targets, the raw rows and files to remove, as coordinates); this module removes
them from `raw` (a contact's row deleted, an order or ticket anonymised, a web-analytics or
invitation file deleted whole), rewrites the quarantine folder without the purged persons'
addresses and trims the local cluster's server log, and records each removal in the purge
ledger (`raw.gdpr_purge_ledger`: what, how many, rule, when — never a personal value). The
caller rebuilds dbt afterwards (`restricted`, staging, marts follow `raw`). Idempotent: a
second run finds nothing left. A dry run counts and changes nothing."""

from __future__ import annotations

import csv
import os
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from psycopg import sql

from publics.gdpr import files
from publics.project import project_root
from publics.warehouse import ConnInfo, connect

LEDGER = ("raw", "gdpr_purge_ledger")
TARGETS = ("intermediate", "int_gdpr__purge_targets")
# The contact number an anonymised order or ticket loses (the rest of the row, amounts, stays).
ANONYMISED = {"secutix_orders": ["buying_contact_number"], "secutix_tickets": ["cultural_contact_number"]}


def erased_identifier() -> str:
    """What an anonymised contact number becomes (dbt var `gdpr_erased_identifier`, which staging
    reads): the order is known to have had a buyer, erased by the retention rule."""
    import yaml

    doc = yaml.safe_load((project_root() / "dbt_project.yml").read_text(encoding="utf-8"))
    return doc["vars"]["gdpr_erased_identifier"]
# The columns of the raw rows a purge removes that hold e-mail addresses (looked for in files).
EMAIL_COLUMNS = {"secutix_contacts": "email", "mailchimp_email_activity": "email_address",
                 "brevo_contacts": "email", "spreadsheet_invitations": "email"}


@dataclass
class PurgeReport:
    dry_run: bool
    counts: Counter = field(default_factory=Counter)  # (rule, what, action) → rows or lines

    def by_rule(self) -> dict[str, int]:
        out: Counter = Counter()
        for (rule, _what, _action), n in self.counts.items():
            out[rule] += n
        return dict(sorted(out.items()))

    def places(self) -> list[str]:
        """Where rows or lines were (or, in a dry run, would be) removed: `raw.<table>`, …"""
        return sorted({place for (_, place, _), n in self.counts.items() if n})

    @property
    def changed(self) -> bool:
        return not self.dry_run and any(self.counts.values())

    def lines(self) -> list[str]:
        return [f"{rule:<16} {what:<40} {action:<10} {n:>8,}"
                for (rule, what, action), n in sorted(self.counts.items())]


def reference_date() -> date:
    """The day retention is judged at: PUBLICS_TODAY (as dbt's var `today`), else today."""
    today = os.environ.get("PUBLICS_TODAY")
    return date.fromisoformat(today) if today else date.today()


def retention_months(rule_id: str) -> int | None:
    with open(project_root() / "seeds" / "gdpr_retention_rules.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["rule_id"] == rule_id:
                return int(row["retention_months"]) if row["retention_months"] else None
    raise KeyError(f"seeds/gdpr_retention_rules.csv has no rule {rule_id!r}")


def months_before(day: date, months: int) -> date:
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    for d in (day.day, 30, 29, 28):
        try:
            return date(y, m + 1, d)
        except ValueError:
            continue
    raise ValueError(day)


def ensure_ledger(conn) -> None:
    conn.execute(sql.SQL(
        "create table if not exists {} (purge_id bigserial primary key, run_id uuid not null, "
        "purged_at timestamptz not null default now(), reference_date date not null, rule_id text not null, "
        "target text not null, action text not null, rows integer not null)").format(sql.Identifier(*LEDGER)))


def record(conn, run_id: str, today: date, rule: str, target: str, action: str, rows: int) -> None:
    conn.execute(sql.SQL("insert into {} (run_id, reference_date, rule_id, target, action, rows) "
                         "values (%s, %s, %s, %s, %s, %s)").format(sql.Identifier(*LEDGER)),
                 (run_id, today, rule, target, action, rows))


def _exists(conn, schema: str, table: str) -> bool:
    return conn.execute("select to_regclass(%s) is not null",
                        (f'"{schema}"."{table}"',)).fetchone()[0]


def _target(level: str) -> sql.SQL:
    """The targets of the group: whole files (`file`) or single rows (`row`) of `r`."""
    same = ("p.row_number is null" if level == "file" else "p.row_number = r._row_number")
    return sql.SQL("exists (select 1 from purge_targets p where p.raw_table = %s and p.rule_id = %s "
                   "and p.action = %s and p.file_hash = r._file_hash and " + same + ")")


def _matches() -> list[tuple[sql.Composable, int]]:
    """The rows a group of targets names, in two disjoint WHERE conditions on raw rows `r`, each
    with how many times it takes the group's (table, rule, action): whole files, then single
    rows outside them. One condition (`row_number is null or row_number = r._row_number`) cannot
    be a hash join: at scale 1 it ran a nested loop over 3.75 M e-mail activity rows (minutes).
    The files are left out of the second by `not in` (a hashed subplan of a few file hashes):
    as `not exists`, PostgreSQL chose a nested-loop anti-join, minutes again for 155 k contacts
    (0.14 s this way)."""
    whole_files = sql.SQL("r._file_hash not in (select p.file_hash from purge_targets p where p.raw_table = %s "
                          "and p.rule_id = %s and p.action = %s and p.row_number is null)")
    return [(_target("file"), 1), (sql.Composed([_target("row"), sql.SQL(" and "), whole_files]), 2)]


def _apply(conn, t: sql.Composable, table: str, action: str, match: sql.Composable, args: tuple,
           dry_run: bool) -> int:
    """Deletes (or anonymises) the rows of raw table `t` that `match` names; counts them in a
    dry run. Returns how many rows."""
    if action == "anonymise":
        cols, erased = ANONYMISED[table], erased_identifier()
        where = sql.SQL(" and ({})").format(sql.SQL(" or ").join(
            sql.SQL("({} is not null and {} <> {})").format(
                sql.Identifier(c), sql.Identifier(c), sql.Literal(erased)) for c in cols))
        if dry_run:
            return conn.execute(sql.SQL("select count(*) from {} r where {}{}").format(t, match, where),
                                args).fetchone()[0]
        return conn.execute(sql.SQL("update {} r set {} where {}{}").format(
            t, sql.SQL(", ").join(sql.SQL("{} = {}").format(sql.Identifier(c), sql.Literal(erased)) for c in cols),
            match, where), args).rowcount
    if dry_run:
        return conn.execute(sql.SQL("select count(*) from {} r where {}").format(t, match), args).fetchone()[0]
    return conn.execute(sql.SQL("delete from {} r where {}").format(t, match), args).rowcount


def purge(info: ConnInfo, dry_run: bool = False, quarantine_dir: Path | None = None,
          server_log: Path | None = None) -> PurgeReport:
    report, today, run_id = PurgeReport(dry_run), reference_date(), str(uuid.uuid4())
    with connect(info) as conn:
        ensure_ledger(conn)
        conn.commit()  # the ledger exists even after a dry run (which rolls back all the rest)
        emails: dict[str, set[str]] = {}
        if _exists(conn, *TARGETS):
            conn.execute(sql.SQL("create temporary table purge_targets on commit drop as select * from {}")
                         .format(sql.Identifier(*TARGETS)))
            conn.execute("analyze purge_targets")  # a temporary table has no statistics of its own
            groups = conn.execute("select raw_table, rule_id, action from purge_targets "
                                  "group by raw_table, rule_id, action order by 1, 2, 3").fetchall()
            for table, rule, action in groups:
                if not _exists(conn, "raw", table):
                    continue
                t = sql.Identifier("raw", table)
                args = (table, rule, action)
                n = 0
                for match, uses in _matches():
                    column = EMAIL_COLUMNS.get(table)
                    if column and action == "delete":
                        emails.setdefault(rule, set()).update(v for (v,) in conn.execute(
                            sql.SQL("select distinct lower(trim({c})) from {t} r where {m} and {c} is not null")
                            .format(c=sql.Identifier(column), t=t, m=match), args * uses))
                    n += _apply(conn, t, table, action, match, args * uses, dry_run)
                if n:
                    report.counts[(rule, f"raw.{table}", action)] += n
                    if not dry_run:
                        record(conn, run_id, today, rule, f"raw.{table}", action, n)
        for rule, values in sorted(emails.items()):
            for change in files.scrub_folder(quarantine_dir, sorted(values), dry_run):
                report.counts[(rule, "quarantine files", change.action)] += 1
                if not dry_run:
                    record(conn, run_id, today, rule, "quarantine files", change.action, 1)
        months = retention_months("technical_log")
        if server_log and months:
            everything = sorted(set().union(*emails.values())) if emails else []
            change = files.trim_log(server_log, months_before(today, months), everything, dry_run)
            if change:
                report.counts[("technical_log", "server log lines", "deleted")] += change.lines
                if not dry_run:
                    record(conn, run_id, today, "technical_log", "server log lines", "deleted", change.lines)
        if dry_run:
            conn.rollback()
        else:
            conn.commit()
    return report
