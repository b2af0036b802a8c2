"""The code the dbt unit tests judge (publics/dbt_runner.py code_hash): a change to a model, a
macro, a seed or dbt_project.yml changes it, a file elsewhere does not."""

from __future__ import annotations

from publics import dbt_runner


def test_the_code_hash_follows_the_dbt_code_only(tmp_path, monkeypatch):
    monkeypatch.setattr(dbt_runner, "project_root", lambda: tmp_path)
    (tmp_path / "models" / "staging").mkdir(parents=True)
    (tmp_path / "macros").mkdir()
    (tmp_path / "dbt_project.yml").write_text("name: x\n")
    (tmp_path / "models" / "staging" / "a.sql").write_text("select 1\n")
    (tmp_path / "macros" / "m.sql").write_text("{% macro m() %}1{% endmacro %}\n")
    first = dbt_runner.code_hash()
    assert dbt_runner.code_hash() == first  # deterministic

    (tmp_path / "README.md").write_text("docs only\n")
    assert dbt_runner.code_hash() == first

    (tmp_path / "models" / "staging" / "a.sql").write_text("select 2\n")
    edited = dbt_runner.code_hash()
    assert edited != first

    (tmp_path / "models" / "staging" / "a.sql").rename(tmp_path / "models" / "staging" / "b.sql")
    assert dbt_runner.code_hash() not in (first, edited)  # a renamed model is another model

    (tmp_path / "seeds").mkdir()
    renamed = dbt_runner.code_hash()
    (tmp_path / "seeds" / "s.csv").write_text("a\n1\n")
    assert dbt_runner.code_hash() != renamed
