"""dbt, run in-process: `publics build` is `dbt seed` + `dbt run` + `dbt test` in DAG order."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from publics.project import environment, project_root
from publics.warehouse import ConnInfo


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


def dbt_build(info: ConnInfo, select: list[str] | None = None, full_refresh: bool = False,
              refresh_models: list[str] | None = None, args: list[str] | None = None) -> str:
    """`dbt build`; `full_refresh`: every incremental model rebuilt whole (--full-refresh),
    `refresh_models`: only these (publics/incremental.py); `args`: more of dbt's own options,
    e.g. --state, --defer, --target-path (publics ci)."""
    extra = ["--full-refresh"] if full_refresh else []
    if refresh_models:
        extra += ["--vars", json.dumps({"full_refresh_models": sorted(refresh_models)})]
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
    return summary
