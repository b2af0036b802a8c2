"""dbt, run in-process: `publics build` is `dbt seed` + `dbt run` + `dbt test` in DAG order."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from datetime import UTC
from pathlib import Path

from publics.project import environment, project_root
from publics.warehouse import ConnInfo, connect


class DbtFailed(RuntimeError):
    pass


def dbt_environment(info: ConnInfo):
    """The variables profiles.yml reads, set for the duration of the dbt call."""
    return environment({**info.dbt_env(), "DBT_PROFILES_DIR": str(project_root())})


def invoke(info: ConnInfo, args: list[str]):
    from dbt.cli.main import dbtRunner

    root = str(project_root())
    with dbt_environment(info):
        return dbtRunner().invoke([*args, "--project-dir", root, "--profiles-dir", root])


def dbt_manifest(info: ConnInfo) -> Path:
    """`dbt parse`: the project's manifest (target/manifest.json), as dbt-metabase reads it."""
    res = invoke(info, ["parse"])
    if not res.success:
        raise DbtFailed(f"dbt parse failed: {res.exception or 'see the dbt log above'}")
    return project_root() / "target" / "manifest.json"


def dbt_parse_offline() -> Path:
    """`dbt parse` without a warehouse: the profile's variables keep their defaults and parsing
    sends nothing to the server. For what reads the project only (the GDPR register)."""
    from dbt.cli.main import dbtRunner

    root = str(project_root())
    res = dbtRunner().invoke(["parse", "--project-dir", root, "--profiles-dir", root])
    if not res.success:
        raise DbtFailed(f"dbt parse failed: {res.exception or 'see the dbt log above'}")
    return project_root() / "target" / "manifest.json"


# The project code the dbt unit tests judge: a unit test's inputs and expected rows are fixed, so
# its outcome changes only with this code (dbt's advice: run them in development and CI, not on
# every production run). The warehouse records the code whose unit tests passed on it.
CODE_PATHS = ("dbt_project.yml", "models", "macros", "seeds")
UNIT_TESTS_PASSED = "quality.dbt_unit_tests_passed"


def code_hash() -> str:
    """sha256 of the project code the unit tests depend on (CODE_PATHS), file names included."""
    root = project_root()
    digest = hashlib.sha256()
    for top in CODE_PATHS:
        path = root / top
        for f in sorted([path] if path.is_file() else (p for p in path.rglob("*") if p.is_file())):
            digest.update(str(f.relative_to(root)).encode() + b"\0" + f.read_bytes() + b"\0")
    return digest.hexdigest()


def unit_tests_passed_on(info: ConnInfo, code: str):
    """(when the unit tests last passed on this warehouse for `code` — None: never, whether
    they passed for another code before: the code changed since an earlier build)."""
    with connect(info, autocommit=True) as conn:
        if conn.execute("select to_regclass(%s)", (UNIT_TESTS_PASSED,)).fetchone()[0] is None:
            return None, False
        rows = dict(conn.execute(f"select code_hash, passed_at from {UNIT_TESTS_PASSED}").fetchall())
        return rows.get(code), bool(rows) and code not in rows


def record_unit_tests_passed(info: ConnInfo, code: str) -> None:
    with connect(info, autocommit=True) as conn:
        conn.execute(f"create table if not exists {UNIT_TESTS_PASSED} "
                     "(code_hash text primary key, passed_at timestamptz not null default now())")
        conn.execute(f"insert into {UNIT_TESTS_PASSED} (code_hash) values (%s) "
                     "on conflict (code_hash) do update set passed_at = now()", (code,))


def dbt_build(info: ConnInfo, select: list[str] | None = None, full_refresh: bool = False,
              refresh_models: list[str] | None = None, args: list[str] | None = None,
              unit_tests: bool | None = None) -> str:
    """`dbt build`; `full_refresh`: every incremental model rebuilt whole (--full-refresh),
    `refresh_models`: only these (publics/incremental.py); `args`: more of dbt's own options,
    e.g. --state, --defer, --target-path (publics ci). `unit_tests`: run dbt's unit tests (True),
    leave them out (False), or (None) run them only when they have not passed on this warehouse
    for the project's current code (a new release, a model edited): a daily run on unchanged code
    does not run them again."""
    code = code_hash()
    passed_at, changed = unit_tests_passed_on(info, code)
    if unit_tests is not None:
        passed_at = None
    run_unit_tests = unit_tests if unit_tests is not None else passed_at is None
    extra = ["--full-refresh"] if full_refresh else []
    if refresh_models:
        extra += ["--vars", json.dumps({"full_refresh_models": sorted(refresh_models)})]
    if not run_unit_tests:
        extra += ["--exclude-resource-type", "unit_test"]
    res = invoke(info, ["build", *(["--select", *select] if select else []), *extra, *(args or [])])
    if res.exception is not None:
        raise DbtFailed(f"dbt could not run: {res.exception}")
    counts: Counter[tuple[str, str]] = Counter()
    failures = []
    for r in res.result or []:
        kind = r.node.resource_type.value if hasattr(r.node.resource_type, "value") else str(r.node.resource_type)
        status = str(r.status.value if hasattr(r.status, "value") else r.status)
        counts[(kind, status)] += 1
        if status in ("error", "fail"):
            failures.append(f"{kind} {r.node.name}: {(r.message or status).strip()}")
    kinds = sorted({k for k, _ in counts})
    parts = []
    for kind in kinds:
        statuses = {s: n for (k, s), n in counts.items() if k == kind}
        parts.append(f"{sum(statuses.values())} {kind}(s) " + "/".join(f"{n} {s}" for s, n in sorted(statuses.items())))
    summary = ", ".join(parts) or "nothing to build"
    if not res.success:
        detail = "\n    ".join(failures[:20]) or "see the dbt log above"
        raise DbtFailed(f"{summary}\n    {detail}")
    if run_unit_tests and counts.get(("unit_test", "pass")) and not select:
        record_unit_tests_passed(info, code)
    if passed_at is not None:
        summary += f"; unit tests not run again: they passed on this code on {passed_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    elif not run_unit_tests:
        summary += "; unit tests left out"
    if changed and not full_refresh:
        summary += ("\n  ! the dbt code changed since an earlier build on this warehouse: the incremental "
                    "models keep the rows the former code computed; `publics build --full-refresh` recomputes them")
    return summary
