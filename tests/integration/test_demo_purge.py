"""The demo's retention purge applied, as `make demo` and a house's nightly `publics run` do
(docs/gdpr.md, « La démo »), on a copy of the shared demo warehouse: that one keeps its whole
history (a dry run) for the tests that compare its marts with the planted truth."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal

from psycopg import sql

from publics import warehouse
from publics_demo import truth as demo_truth
from publics_demo.world.frame import TODAY
from tests.conftest import querier, run_cli

RULES = {"client", "prospect", "web_analytics", "invitation_list", "technical_log"}


def purge_counts(out: str, dry_run: bool) -> dict[str, int]:
    """The counts by rule of a `gdpr purge` step line of `publics` output."""
    label = r"gdpr purge \(dry run\)" if dry_run else r"gdpr purge"
    line = re.search(rf"✔ {label} at (\S+): (.*) \(", out)
    assert line, out[-3000:]
    assert line.group(1) == TODAY.isoformat()
    counts = {rule: int(n.replace(",", "")) for rule, n in (p.split(": ") for p in line.group(2).split(", "))}
    assert set(counts) <= RULES, counts
    return counts


def copy_of(cluster: warehouse.LocalCluster, info: warehouse.ConnInfo) -> tuple[warehouse.ConnInfo, str]:
    """A copy of `info`'s database (PostgreSQL's template copy), owned by the owner role."""
    admin = cluster.admin_info.with_db("postgres")
    name = f"publics_test_{uuid.uuid4().hex[:10]}"
    with warehouse.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("create database {} template {} owner {}").format(
            sql.Identifier(name), sql.Identifier(info.dbname), sql.Identifier(warehouse.OWNER_ROLE)))
    return cluster.info.with_db(name), name


def test_the_demo_purge_applied_leaves_nothing_past_retention(cluster, demo_warehouse, tmp_path) -> None:
    dry = purge_counts(demo_warehouse.result.out, dry_run=True)
    print(f"\ndemo purge (dry run) at {TODAY}: {dry}")
    # its first season is past retention: silent prospects, a client, the invitation lists
    assert {"prospect", "client", "invitation_list"} <= {rule for rule, n in dry.items() if n > 0}
    info, name = copy_of(cluster, demo_warehouse.info)
    query = querier(info)
    try:
        env = {"DATABASE_URL": info.url, "PUBLICS_TODAY": TODAY.isoformat()}
        applied = run_cli("gdpr", "purge", "--quarantine", str(tmp_path), env=env)
        assert applied.code == 0, applied
        # the purge removes what the dry run counted, and the ledger says so, rule by rule
        assert purge_counts(applied.out, dry_run=False) == dry
        ledger = dict(query("select rule_id, sum(rows)::int from raw.gdpr_purge_ledger group by 1"))
        assert ledger == dry
        # rebuilt after it: nothing is past retention, and the retention check passes
        assert query("select count(*) from intermediate.int_gdpr__purge_targets") == [(0,)]
        assert query("select count(*) from intermediate.int_gdpr__retention_status where is_past_retention") == [(0,)]
        check = run_cli("check", env=env)
        assert check.code == 0, check
        assert "✔ check" in check.out, check
        assert "int_gdpr__purge_targets" not in check.out  # the retention expectation passed
        assert "quality_catalog_columns" not in check.out  # no direct identifier in the marts
        # orders and tickets are anonymised, not deleted: the revenue stays whole
        truth = demo_truth.read_truth(demo_warehouse.out, "secutix")
        (revenue,), = query("select sum(revenue_eur) from marts.dash_15_sales_channels")
        assert revenue == Decimal(truth["expected_revenue_eur"])
        # the purged prospects are gone from the marts, the kept ones stay
        before = demo_warehouse.query("select count(*) from marts.dim_prospects")[0][0]
        after = query("select count(*) from marts.dim_prospects")[0][0]
        assert 0 < after < before
    finally:
        warehouse.drop_database(cluster.admin_info.with_db("postgres"), name)
