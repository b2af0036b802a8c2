"""`publics ci` on the commits of a fixture repository (a git copy of the dbt project): commit A
is production (built, its manifest and quality metrics exported), then three pull requests from
A — B changes a model (only it and its children are built, passes), C loses e-mail addresses
(a quality regression, named), D breaks a contract. One production build shares the cases; the
data are the hand-made SecuTix fixtures (6 files), the same for production and CI."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from publics import warehouse
from tests.conftest import FIXTURES, ROOT, run_cli

INBOX = FIXTURES / "secutix" / "good"
PROJECT = ["dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "tests/dbt", "expectations"]
DIM_PERSONS = Path("models/marts/core/dim_persons.sql")
FILE_DATES = Path("models/marts/quality/quality_file_data_dates.sql")
GAPS = Path("models/marts/quality/quality_delivery_gaps.sql")
QUALITY_YML = Path("models/marts/quality/_quality__models.yml")
# The contract commit A declares on quality_delivery_gaps (the project declares none of its own
# yet): a small model, few parents, so that the broken case builds little.
CONTRACT_MODEL = "quality_delivery_gaps"
COLUMN_TYPES = {"gap_type": "text", "record_id": "text", "tickets": "bigint", "ticket_ids": "text",
                "first_source_file": "text", "gap_description": "text"}


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout


def edit(repo: Path, path: Path, old: str, new: str) -> None:
    text = (repo / path).read_text(encoding="utf-8")
    assert old in text, f"{path}: {old!r} not found (the fixture's edit no longer applies)"
    (repo / path).write_text(text.replace(old, new, 1), encoding="utf-8")


def with_contract(repo: Path) -> None:
    """CONTRACT_MODEL with an enforced contract: each column's data type declared."""
    text = (repo / QUALITY_YML).read_text(encoding="utf-8")
    start = text.index(f"  - name: {CONTRACT_MODEL}\n")
    end = text.index("\n  - name: ", start) + 1
    block = text[start:end].replace("    config:\n", "    config:\n      contract: {enforced: true}\n", 1)
    for column, data_type in COLUMN_TYPES.items():
        block = block.replace(f"      - name: {column}\n", f"      - name: {column}\n        data_type: {data_type}\n", 1)
    assert block.count("data_type:") == len(COLUMN_TYPES)
    (repo / QUALITY_YML).write_text(text[:start] + block + text[end:], encoding="utf-8")


def env(repo: Path, info: warehouse.ConnInfo) -> dict[str, str]:
    return {"PUBLICS_HOME": str(repo), "DATABASE_URL": info.url, "PUBLICS_TODAY": "2026-01-15"}


@pytest.fixture(scope="module")
def production(module_db: warehouse.ConnInfo, tmp_path_factory):
    """Commit A, built as production would be; its manifest and quality export saved."""
    base = tmp_path_factory.mktemp("ci")
    repo = base / "repo"
    for item in PROJECT:
        src, dst = ROOT / item, repo / item
        dst.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, dst)
    with_contract(repo)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=ci", "-c", "user.email=ci@example.org", "commit", "-qm", "A: production")
    e = env(repo, module_db)
    # Production's models and seeds (its tests are not what a pull request is compared with).
    for args in (("ingest", str(INBOX), "--quarantine", str(base / "q")),
                 ("build", "--select", "resource_type:model", "resource_type:seed"),
                 ("quality", "export", "--out", str(base / "prod" / "quality.json"), "--state-out",
                  str(base / "prod" / "state"))):
        result = run_cli(*args, env=e, cwd=repo)
        assert result.code == 0, result
    return repo, base / "prod"


def pull_request(production, info: warehouse.ConnInfo, name: str, change) -> tuple:
    """A branch from A with `change` applied and committed, then `publics ci` on it."""
    repo, prod = production
    git(repo, "checkout", "-q", "main")
    git(repo, "checkout", "-q", "-B", name)
    change(repo)
    git(repo, "-c", "user.name=ci", "-c", "user.email=ci@example.org", "commit", "-qam", name)
    result = run_cli("ci", "--state", str(prod / "state"), "--base-results", str(prod / "quality.json"),
                     "--inbox", str(INBOX), env=env(repo, info), cwd=repo)
    results = repo / "target" / "ci" / "dbt" / "run_results.json"
    ran = json.loads(results.read_text(encoding="utf-8"))["results"] if results.exists() else []
    return result, ran


def test_a_change_builds_only_the_modified_model_and_its_children(production, fresh_db) -> None:
    def change(repo: Path) -> None:
        edit(repo, FILE_DATES, "\nfinal as (", "\n-- a reviewed change that alters nothing\nfinal as (")

    result, ran = pull_request(production, fresh_db, "b-harmless-change", change)
    assert result.code == 0, result
    models = {r["unique_id"] for r in ran if r["unique_id"].startswith("model.")}
    # The model and its children (dbt's graph: the sources' freshness and stalled sources), nothing else.
    assert models == {"model.publics.quality_file_data_dates", "model.publics.quality_source_freshness",
                      "model.publics.quality_stalled_sources"}, result
    assert not [r["unique_id"] for r in ran if r["status"] in ("error", "fail", "skipped")]
    assert any(r["unique_id"].startswith("test.") for r in ran), "their tests ran"
    assert "the change does not reach marts.quality_metrics" in result.out
    assert "✔ ci: the change passes" in result.out


def test_a_quality_regression_fails_naming_the_metric_its_values_and_the_tolerance(production, fresh_db) -> None:
    reference = json.loads((production[1] / "quality.json").read_text(encoding="utf-8"))["metrics"]
    assert reference["persons_with_email_share"] == pytest.approx(0.8)  # 4 persons of 5 (fixture README)

    def change(repo: Path) -> None:  # one person's address lost: 3 of 5 → 0.6
        # An individual's: the metric leaves structures out, and which key is smallest depends on
        # the run's pseudonymisation key (random in CI).
        edit(repo, DIM_PERSONS, "    located.has_email,",
             "    located.has_email and located.person_key <> (select min(l.person_key) from located as l "
             "where l.has_email and l.contact_type <> 'STRUCTURE') as has_email,")

    result, _ = pull_request(production, fresh_db, "c-regression", change)
    assert result.code == 1, result
    line = next(x for x in result.out.splitlines() if "✘" in x and "persons_with_email_share" in x)
    assert "production 0.8000, now 0.6000 (tolerance 0.02)" in line, result


def test_a_broken_contract_fails(production, fresh_db) -> None:
    def change(repo: Path) -> None:  # tickets as text: not the contract's bigint
        edit(repo, GAPS, "        tickets,\n        ticket_ids,", "        cast(tickets as text) as tickets,\n        ticket_ids,")

    result, _ = pull_request(production, fresh_db, "d-contract", change)
    assert result.code == 1, result
    assert CONTRACT_MODEL in result.out and "contract" in result.out.lower(), result
    assert "Traceback" not in result.out
