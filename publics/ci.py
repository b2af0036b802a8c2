"""`publics ci`: the gate on pull requests (docs/ci.md).

On a throwaway database, with throwaway data (the demo at a small scale, or the files of
`--inbox`), it builds what a change touches: dbt's `state:modified+` against the production
manifest of `--state DIR` (DIR/manifest.json), deferring to it, or everything without one. The
unchanged parents of the modified models and of their children (`@state:modified`) are built
first, without their tests (a throwaway
database holds none of production's relations, so dbt's deferral alone has nothing to read).
Then the selected models' dbt tests (`buildable`: a test that also reads a model the change does
not reach, e.g. a relationship from an unchanged fact, is left to production) (contracts, data and unit tests) and the Great Expectations
suites of the tables it built, then the quality regression check: each rate of
marts.quality_metrics against the reference export (`publics quality export`), within the
tolerance its definition declares (models/marts/quality/_quality__models.yml, `meta.regression`).

Exit 1 on the first failed step, 0 when the change passes.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from psycopg import sql

from publics import warehouse
from publics.pipeline import StepFailed, do_ingest, prepare_build, say, step
from publics.project import project_root

METRICS_TABLE = ("marts", "quality_metrics")
METRICS_MODEL = "model.publics.quality_metrics"
DEMO_SCALE = 0.01  # the default throwaway data: the demo institution, about 1,000 files, 120,000 rows
DEMO_SEED = 42


# --------------------------------------------------------------------------- quality export


def read_metrics(info: warehouse.ConnInfo) -> dict[str, float | None] | None:
    """The one row of marts.quality_metrics, numbers as floats (None: not built)."""
    with warehouse.connect(info, autocommit=True) as conn:
        exists = conn.execute("select to_regclass(%s)", (".".join(METRICS_TABLE),)).fetchone()[0]
        if exists is None:
            return None
        cur = conn.execute(sql.SQL("select * from {}").format(sql.Identifier(*METRICS_TABLE)))
        rows = cur.fetchall()
    if len(rows) != 1:
        raise StepFailed("quality", f"{'.'.join(METRICS_TABLE)} holds {len(rows)} rows, one expected")
    values = dict(zip([c.name for c in cur.description], rows[0]))
    return {k: (None if v is None else float(v)) for k, v in values.items()
            if v is None or isinstance(v, int | float) or hasattr(v, "as_integer_ratio")}


def export_quality(info: warehouse.ConnInfo, out: Path, state_out: Path | None = None,
                   manifest: Path | None = None) -> dict:
    """`publics quality export`: the quality metrics of this warehouse as JSON (the reference a
    pull request is compared with) and, with `state_out`, the manifest of the last build there
    (`manifest`, default target/manifest.json; a `publics ci` run's is target/ci/dbt/manifest.json)."""
    metrics = read_metrics(info)
    if metrics is None:
        raise StepFailed("quality export", f"{'.'.join(METRICS_TABLE)} does not exist: run `publics build` first")
    doc = {"table": ".".join(METRICS_TABLE), "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
           "warehouse": f"{info.host}:{info.port}/{info.dbname}", "metrics": metrics}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    say(f"✔ quality metrics ({len(metrics)}) exported to {out}")
    if state_out:
        manifest = manifest or project_root() / "target" / "manifest.json"
        if not manifest.exists():
            raise StepFailed("quality export", f"{manifest} does not exist: run `publics build` first")
        state_out.mkdir(parents=True, exist_ok=True)
        (state_out / "manifest.json").write_bytes(manifest.read_bytes())
        say(f"✔ dbt manifest copied to {state_out / 'manifest.json'}")
    return doc


# --------------------------------------------------------------------------- regression rule


@dataclass(frozen=True)
class Rule:
    metric: str
    better: str  # "higher" (a share) or "lower" (a rate of defects)
    tolerance: float


@dataclass(frozen=True)
class Regression:
    rule: Rule
    reference: float
    value: float | None

    def __str__(self) -> str:
        now = "empty (nothing measured)" if self.value is None else f"{self.value:.4f}"
        way = "dropped" if self.rule.better == "higher" else "rose"
        return (f"{self.rule.metric} {way}: production {self.reference:.4f}, now {now} "
                f"(tolerance {self.rule.tolerance:g})")


def rules(manifest: dict) -> list[Rule]:
    """The regression rule of each metric of quality_metrics, from its YAML definition: a column
    with `meta: {regression: higher|lower}` is compared, within its `tolerance` or the model's
    `regression_tolerance` (declared once, for every metric that states none)."""
    node = manifest["nodes"][METRICS_MODEL]
    model_meta = {**(node.get("meta") or {}), **((node.get("config") or {}).get("meta") or {})}
    default = float(model_meta.get("regression_tolerance", 0.02))
    out = []
    for name, column in node.get("columns", {}).items():
        meta = {**(column.get("meta") or {}), **((column.get("config") or {}).get("meta") or {})}
        better = meta.get("regression")
        if better is None:
            continue
        if better not in ("higher", "lower"):
            raise StepFailed("quality regression", f"{name}: meta.regression must be higher or lower, not {better!r}")
        out.append(Rule(name, better, float(meta.get("tolerance", default))))
    return out


def regressions(rules_: list[Rule], reference: dict, current: dict) -> list[Regression]:
    """The metrics worse than the reference by more than their tolerance. A metric the reference
    did not measure is not judged; one it measured and the change leaves empty is a regression."""
    found = []
    for rule in rules_:
        ref = reference.get(rule.metric)
        if ref is None:
            continue
        now = current.get(rule.metric)
        drop = None if now is None else (ref - now if rule.better == "higher" else now - ref)
        if drop is None or drop > rule.tolerance + 1e-12:
            found.append(Regression(rule, float(ref), now))
    return found


# --------------------------------------------------------------------------- the gate


@dataclass
class Throwaway:
    info: warehouse.ConnInfo
    drop: bool
    admin: warehouse.ConnInfo | None = None

    def close(self) -> None:
        if self.drop and self.admin is not None:
            warehouse.drop_database(self.admin, self.info.dbname)


def throwaway_database() -> Throwaway:
    """DATABASE_URL (a CI job's service container: throwaway by nature), else a new database on
    the local cluster, dropped afterwards."""
    if not os.environ.get("PUBLICS_KEY_SECRET") and os.environ.get("DATABASE_URL"):
        # Throwaway data, throwaway keys: the pseudonyms of a CI run are never compared to others.
        os.environ["PUBLICS_KEY_SECRET"] = secrets.token_hex(32)
    if os.environ.get("DATABASE_URL"):
        info = warehouse.ConnInfo.from_url(os.environ["DATABASE_URL"])
        warehouse.ensure_schemas(info)
        return Throwaway(info, drop=False)
    info, admin = warehouse.scratch_database(f"publics_ci_{uuid.uuid4().hex[:10]}")
    warehouse.ensure_schemas(info)
    return Throwaway(info, drop=True, admin=admin)


def demo_inbox(out: Path, scale: float, seed: int) -> Path:
    """The demo institution's files, generated by the demo's own command (the product does not
    import the demo package)."""
    cmd = [sys.executable, "-m", "publics.cli", "demo", "generate", "--scale", str(scale), "--seed", str(seed),
           "--out", str(out)]
    proc = subprocess.run(cmd, text=True, capture_output=True, check=False)
    if proc.returncode != 0:
        raise StepFailed("ci data", f"`publics demo generate` failed (is the demo package installed? "
                                    f"otherwise give --inbox):\n{proc.stdout}{proc.stderr}")
    return out / "inbox"


def state_for(state: Path, info: warehouse.ConnInfo, out: Path) -> Path:
    """The production manifest, its database renamed to the throwaway one's: the database's name
    is where a build runs, not what it builds. dbt compares the rendered database of each source
    (every model would otherwise be « modified ») and defers to relations in it (a throwaway
    database reaches no other)."""
    from collections import Counter

    manifest = json.loads((state / "manifest.json").read_text(encoding="utf-8"))
    entries = [e for group in ("nodes", "sources") for e in manifest.get(group, {}).values()]
    names = Counter(e.get("database") for e in entries if e.get("database"))
    if names:
        production = names.most_common(1)[0][0]
        for e in entries:
            if e.get("database") == production:
                e["database"] = info.dbname
                if e.get("relation_name"):
                    e["relation_name"] = e["relation_name"].replace(f'"{production}".', f'"{info.dbname}".', 1)
    out.mkdir(parents=True, exist_ok=True)
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return out


def run_results(target: Path) -> list[dict]:
    path = target / "run_results.json"
    return json.loads(path.read_text(encoding="utf-8"))["results"] if path.exists() else []


def built_nodes(target: Path) -> list[str]:
    """The unique ids of the models and seeds a dbt build of `target` ran successfully."""
    return [r["unique_id"] for r in run_results(target)
            if r["unique_id"].split(".")[0] in ("model", "seed") and r["status"] == "success"]


def dbt(info: warehouse.ConnInfo, name: str, args: list[str], target: Path) -> str:
    from publics.dbt_runner import DbtFailed, dbt_build

    (target / "run_results.json").unlink(missing_ok=True)  # what is read after is this call's
    with step(name) as report:
        try:
            # the gate always runs the unit tests its selection holds (the change is new code)
            summary = dbt_build(info, args=[*args, "--target-path", str(target)], unit_tests=True)
        except DbtFailed as exc:
            raise StepFailed("ci", f"{name}: {exc}") from None
        report(summary)
    return summary


def run_ci(state: Path | None = None, base_results: Path | None = None, inbox: Path | None = None,
           scale: float = DEMO_SCALE, seed: int = DEMO_SEED, keep: bool = False) -> int:
    from publics.quality import discover_suites, run_checks

    root = project_root()
    work = root / "target" / "ci"
    work.mkdir(parents=True, exist_ok=True)
    if state is not None and not (state / "manifest.json").exists():
        raise StepFailed("ci", f"{state / 'manifest.json'} does not exist (--state: the folder of the "
                               "production manifest, `publics quality export --state-out`)")
    reference = None
    if base_results is not None:
        reference = json.loads(base_results.read_text(encoding="utf-8"))["metrics"]
    db = throwaway_database()
    if keep:
        db.drop = False
    say(f"  throwaway warehouse: {db.info.host}:{db.info.port}/{db.info.dbname}")
    try:
        if inbox is None:
            with step(f"ci data: the demo institution (scale {scale}, seed {seed})") as report:
                inbox = demo_inbox(work / "demo", scale, seed)
                report(str(inbox))
        code = do_ingest(inbox, db.info, work / "quarantine")
        if code == 1:
            raise StepFailed("ci", "the throwaway data could not be ingested")
        prepare_build(db.info)
        target = work / "dbt"  # one target for both dbt calls: the second one reuses the parse (partial parsing)
        if state is None:
            dbt(db.info, "dbt build: everything (no production manifest given)", [], target)
        else:
            state_args = ["--state", str(state_for(state, db.info, work / "state"))]
            dbt(db.info, "dbt: the unchanged parents of the change (no tests)",
                ["--select", "@state:modified", "--exclude", "state:modified+",
                 "--exclude-resource-type", "test", "unit_test", *state_args], target)
            dbt(db.info, "dbt build: state:modified+ (deferring to the production manifest)",
                ["--select", "state:modified+", "--defer", "--indirect-selection", "buildable", *state_args],
                target)
        built = built_nodes(target)
        say(f"  built and tested: {len(built)} model(s)/seed(s)")
        for uid in built:
            say(f"    {uid}")
        manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
        relations = {f"{manifest['nodes'][u]['schema']}.{manifest['nodes'][u]['alias']}" for u in built}
        suites = [s for s in discover_suites() if state is None or f"{s.schema}.{s.table}" in relations]
        if suites:
            with step(f"ci: Great Expectations ({len(suites)} suite(s) of the tables built)") as report:
                outcome = run_checks(db.info, printer=say, suites=suites, docs_dir=work / "gx_data_docs")
                report(outcome.summary)
                if outcome.critical_failures:
                    raise StepFailed("ci", f"{outcome.critical_failures} critical expectation(s) failed")
        else:
            say("  no Great Expectations suite reads a table the change built")
        quality_gate(manifest, reference, METRICS_MODEL in built, db.info)
    finally:
        db.close()
    say("✔ ci: the change passes")
    return 0


def quality_gate(manifest: dict, reference: dict | None, rebuilt: bool, info: warehouse.ConnInfo) -> None:
    if reference is None:
        say("  quality regression: not checked (no --base-results)")
        return
    if not rebuilt:
        say("  quality regression: the change does not reach marts.quality_metrics")
        return
    with step("ci: quality regression against the production results") as report:
        rules_ = rules(manifest)
        current = read_metrics(info) or {}
        found = regressions(rules_, reference, current)
        for r in found:
            say(f"    ✘ {r}")
        report(f"{len(rules_)} metric(s) compared, {len(found)} regression(s)")
        if found:
            raise StepFailed("ci", "quality regression: " + "; ".join(str(r) for r in found))
