"""The warehouse's record of the code whose dbt unit tests passed on it (publics/dbt_runner.py):
unknown code → run them; the same code → not again; another code after an earlier one → the
build warns that the incremental models hold rows of the former code."""

from __future__ import annotations

from publics import dbt_runner, warehouse


def test_the_record_says_when_the_code_passed_and_when_it_changed(fresh_db) -> None:
    warehouse.ensure_schemas(fresh_db)
    assert dbt_runner.unit_tests_passed_on(fresh_db, "a") == (None, False)  # a new warehouse

    dbt_runner.record_unit_tests_passed(fresh_db, "a")
    passed_at, changed = dbt_runner.unit_tests_passed_on(fresh_db, "a")
    assert passed_at is not None and not changed

    assert dbt_runner.unit_tests_passed_on(fresh_db, "b") == (None, True)  # the code changed
    dbt_runner.record_unit_tests_passed(fresh_db, "b")
    assert dbt_runner.unit_tests_passed_on(fresh_db, "b")[0] is not None
    dbt_runner.record_unit_tests_passed(fresh_db, "b")  # recorded again: one row per code
    with warehouse.connect(fresh_db, autocommit=True) as conn:
        assert conn.execute(f"select count(*) from {dbt_runner.UNIT_TESTS_PASSED}").fetchone()[0] == 2
