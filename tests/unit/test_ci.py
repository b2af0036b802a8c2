"""The gate on pull requests without a database: the workflow files for GitHub Actions and GitLab
CI (their documented structure), and the quality regression rule."""

from __future__ import annotations

import re

import pytest
import yaml

from publics.ci import Rule, regressions, rules
from tests.conftest import ROOT

CI = ROOT / "setup" / "ci"
SHA = re.compile(r"^[\w.-]+/[\w.-]+@[0-9a-f]{40}$")
# GitHub Actions' workflow syntax (docs.github.com, « Workflow syntax for GitHub Actions »).
GITHUB_TOP = {"name", "run-name", "on", "permissions", "env", "defaults", "concurrency", "jobs"}
GITHUB_JOB = {"name", "permissions", "needs", "if", "runs-on", "snapshot", "environment", "concurrency", "outputs",
              "env", "defaults", "steps", "timeout-minutes", "strategy", "continue-on-error", "container",
              "services", "uses", "with", "secrets"}
GITHUB_STEP = {"id", "if", "name", "uses", "run", "working-directory", "shell", "with", "env", "continue-on-error",
               "timeout-minutes"}
# GitLab CI's job keywords (docs.gitlab.com, « CI/CD YAML syntax reference »).
GITLAB_JOB = {"after_script", "allow_failure", "artifacts", "before_script", "cache", "coverage",
              "dast_configuration", "dependencies", "environment", "extends", "hooks", "identity", "id_tokens",
              "image", "inherit", "interruptible", "manual_confirmation", "needs", "pages", "parallel", "release",
              "resource_group", "retry", "rules", "script", "run", "secrets", "services", "stage", "tags",
              "timeout", "trigger", "variables", "when"}
GITLAB_GLOBAL = {"default", "include", "stages", "variables", "workflow"}


def load(name: str) -> dict:
    return yaml.safe_load((CI / name).read_text(encoding="utf-8"))


def test_github_actions_workflow_has_the_documented_structure_and_runs_publics_ci() -> None:
    doc = load("github-actions.yml")
    on = doc.get("on", doc.get(True))  # YAML 1.1 reads a bare `on` as true
    assert set(on) == {"pull_request", "push"}
    assert set(doc) - {True} <= GITHUB_TOP
    job = doc["jobs"]["publics-ci"]
    assert set(job) <= GITHUB_JOB and job["runs-on"]
    postgres = job["services"]["postgres"]
    assert re.fullmatch(r"postgres:\d+\.\d+-\w+", postgres["image"]), "a pinned PostgreSQL image"
    assert job["env"]["DATABASE_URL"].startswith("postgresql://")
    for step in job["steps"]:
        assert set(step) <= GITHUB_STEP and ("uses" in step) != ("run" in step), step
        if "uses" in step:
            assert SHA.match(step["uses"]), f"{step['uses']}: actions are pinned by commit SHA"
    runs = "\n".join(s.get("run", "") for s in job["steps"])
    assert "publics ci" in runs and "publics quality export" in runs and "-r requirements.lock" in runs
    setup_python = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/setup-python@"))
    assert setup_python["with"]["cache"] == "pip"  # the cache
    uploads = [s for s in job["steps"] if s.get("uses", "").startswith("actions/upload-artifact@")]
    reference = next(s for s in uploads if s["with"]["name"] == "publics-reference")
    assert "gh run download" in runs and "--name publics-reference" in runs, "the reference is downloaded"
    assert reference["if"] == "github.event_name == 'push'"


def test_gitlab_ci_job_has_the_documented_keywords_and_runs_publics_ci() -> None:
    doc = load("gitlab-ci.yml")
    jobs = {k: v for k, v in doc.items() if k not in GITLAB_GLOBAL}
    assert set(jobs) == {"publics-ci"}
    job = jobs["publics-ci"]
    assert set(job) <= GITLAB_JOB
    assert re.fullmatch(r"python:3\.11\.\d+-slim-\w+", job["image"]), "a pinned image"
    assert any(re.fullmatch(r"postgres:\d+\.\d+-\w+", s["name"]) for s in job["services"])
    assert job["variables"]["DATABASE_URL"].startswith("postgresql://")
    assert job["cache"]["key"]["files"] == ["requirements.lock"]
    script = "\n".join(job["script"])
    assert "publics ci" in script and "publics quality export" in script
    assert "jobs/artifacts/$CI_DEFAULT_BRANCH/download?job=publics-ci" in script, "the reference is downloaded"
    assert ".ci-reference/" in job["artifacts"]["paths"]
    assert [r["if"] for r in job["rules"]] == ['$CI_PIPELINE_SOURCE == "merge_request_event"',
                                             "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"]


def test_each_rate_of_the_quality_metrics_declares_its_regression_rule(dbt_manifest) -> None:
    by_name = {r.metric: r for r in rules(dbt_manifest)}
    assert by_name["persons_with_email_share"] == Rule("persons_with_email_share", "higher", 0.02)
    assert by_name["duplicate_contact_rate"].better == "lower"
    assert "raw_free_text_comments" not in by_name  # a count, not a rate
    columns = dbt_manifest["nodes"]["model.publics.quality_metrics"]["columns"]
    assert {c for c in columns if c.endswith("_share")} <= set(by_name)


@pytest.mark.parametrize(("better", "reference", "now", "regressed"), [
    ("higher", 0.80, 0.79, False),   # within the tolerance
    ("higher", 0.80, 0.60, True),    # a share dropped
    ("higher", 0.80, 0.95, False),   # better
    ("lower", 0.01, 0.02, False),
    ("lower", 0.01, 0.05, True),     # a defect rate rose
    ("higher", 0.80, None, True),    # measured in production, empty now
    ("higher", None, 0.10, False),   # not measured in production: not judged
])
def test_regression_rule(better, reference, now, regressed) -> None:
    rule = Rule("m", better, 0.02)
    found = regressions([rule], {"m": reference}, {"m": now})
    assert bool(found) is regressed
    if found:
        assert "production" in str(found[0]) and "tolerance 0.02" in str(found[0])


def test_the_production_manifest_is_read_under_the_throwaway_database_name(tmp_path) -> None:
    import json

    from publics.ci import state_for
    from publics.warehouse import ConnInfo

    manifest = {"nodes": {"model.p.a": {"database": "publics", "relation_name": '"publics"."marts"."a"'}},
                "sources": {"source.p.s.t": {"database": "publics", "relation_name": '"publics"."raw"."t"'}}}
    (tmp_path / "prod").mkdir()
    (tmp_path / "prod" / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    info = ConnInfo("h", 5432, "u", "", "publics_ci_1")
    out = json.loads((state_for(tmp_path / "prod", info, tmp_path / "state") / "manifest.json").read_text())
    assert out["nodes"]["model.p.a"] == {"database": "publics_ci_1", "relation_name": '"publics_ci_1"."marts"."a"'}
    assert out["sources"]["source.p.s.t"]["relation_name"] == '"publics_ci_1"."raw"."t"'
    assert json.loads((tmp_path / "prod" / "manifest.json").read_text()) == manifest  # the original is untouched
