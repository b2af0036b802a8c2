"""A failed Great Expectations check names the rows that failed, by the columns its suite
declares as `row_label`, so that dashboard 18 says « meta : Erreur » rather than « Erreur »."""
from __future__ import annotations

from publics import quality


def _suite(tmp_path, name: str, row_label: str | None):
    lines = [f"suite: {name}", "table: marts.t_freshness"]
    if row_label:
        lines.append(f"row_label: {row_label}")
    lines += [
        "expectations:",
        "  - expect: column_values_to_be_in_set",
        "    column: data_freshness_label",
        "    value_set: ['À jour']",
        "    criterion: fiabilité",
        "    severity: warning",
        "    why: test",
        "  - expect: column_values_to_be_between",
        "    column: days_since_data",
        "    max_value: 7",
        "    criterion: fiabilité",
        "    severity: warning",
        "    why: test",
    ]
    path = tmp_path / f"{name}.yml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return quality.load_suite(path)


def test_failed_checks_name_their_rows_by_the_suites_row_label(fresh_db, query, tmp_path) -> None:
    query("create table marts.t_freshness (source text, data_freshness_label text, days_since_data int)")
    query("insert into marts.t_freshness values ('ga4', 'À jour', 2), ('meta', 'Erreur', 164), "
          "('brevo', 'En retard', 9)")
    named, anonymous = _suite(tmp_path, "named", "source"), _suite(tmp_path, "anonymous", None)
    assert named.row_label == ("source",) and anonymous.row_label == ()
    outcome = quality.run_checks(fresh_db, printer=lambda _: None, suites=[named, anonymous],
                                 docs_dir=tmp_path / "docs")
    observed = {(r.suite, r.column): r.observed.get("observed_value") for r in outcome.results}
    assert not any(r.success for r in outcome.results)
    assert observed[("named", "data_freshness_label")] == "meta : Erreur ; brevo : En retard"
    assert observed[("named", "days_since_data")] == "meta : 164 ; brevo : 9"
    assert observed[("anonymous", "data_freshness_label")] == "Erreur ; En retard"
