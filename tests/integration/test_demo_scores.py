"""The scores of dashboards 5 and 6 (issue 18) on the shared demo warehouse: the interface of
`marts.fct_audience_scores`, no objector scored, no feature read after its season's end, the
evaluation of models and baselines on the held-out season (printed beside the best any model
could do, the AUC of the demo's true probabilities), and scoring deterministic."""

from __future__ import annotations

import pytest

from publics_demo import truth as demo_truth
from tests.conftest import run_cli

pytestmark = pytest.mark.integration

INTERFACE = {"person_key": "text", "season": "text", "score_kind": "text", "probability": "numeric",
             "decile": "integer", "top_features": "text", "scored_at": "timestamp with time zone",
             "model_version": "text"}


def test_the_scores_relation_is_the_interface(demo_warehouse) -> None:
    q = demo_warehouse.query
    columns = dict(q("select column_name, data_type from information_schema.columns "
                     "where table_schema = 'marts' and table_name = 'fct_audience_scores' order by ordinal_position"))
    assert columns == INTERFACE
    rows = q("select score_kind, season, count(*), min(decile), max(decile), min(probability), max(probability), "
             "count(distinct person_key) from marts.fct_audience_scores group by score_kind, season")
    kinds = {r[0]: r for r in rows}
    assert set(kinds) == {"attrition", "abonnement"}
    for kind, season, n, lo, hi, pmin, pmax, persons in rows:
        assert season == "2025-26"  # the season whose outcome is not known yet
        assert persons == n and lo == 1 and hi == 10 and 0 <= pmin <= pmax <= 1
    reasons = q("select top_features from marts.fct_audience_scores limit 1")[0][0]
    assert len(reasons.split("; ")) == 3


def test_no_objector_is_ever_scored(demo_warehouse) -> None:
    q = demo_warehouse.query
    assert q("select count(*) from marts.fct_audience_scores as s inner join intermediate.int_gdpr__objections as o "
             "on o.person_key = s.person_key where o.objects_to_profiling or o.objects_to_marketing") == [(0,)]
    # the demo has marketing opt-outs among those the model scored (so the filter was exercised)
    assert q("select count(*) from scores.audience_scores as s inner join intermediate.int_gdpr__objections as o "
             "on o.person_key = s.person_key where o.objects_to_marketing")[0][0] > 0


def test_no_feature_reads_a_date_after_its_season_end(demo_warehouse) -> None:
    q = demo_warehouse.query
    late, rows = q("select count(*) filter (where last_event_date > features_as_of), count(*) "
                   "from marts.fct_person_season_features")[0]
    assert rows > 0 and late == 0
    # every season is read as of its last day, the running one as of the data's as-of date
    assert q("select season, cast(max(features_as_of) as date) from marts.fct_person_season_features group by season order by season") \
        == q("select season, least(make_date(cast(left(season, 4) as int) + 1, 8, 31), max(a.as_of_date)) "
             "from marts.fct_person_season_features cross join intermediate.int_persons__as_of as a "
             "group by season order by season")


def test_models_and_baselines_on_the_held_out_season(demo_warehouse) -> None:
    q = demo_warehouse.query
    truth = demo_truth.read_truth(demo_warehouse.out, "secutix")
    rows = q("select score_kind, model, is_baseline, is_chosen, test_season, persons, positives, roc_auc, "
             "top_decile_lift, brier, top_decile_precision from marts.quality_model_evaluations where is_latest "
             "order by score_kind, is_baseline, model")
    print(f"\nscores at demo scale {truth['scale']} (held-out season {rows[0][4]}):")
    for kind in ("attrition", "abonnement"):
        mine = [r for r in rows if r[0] == kind]
        assert {r[1] for r in mine if not r[2]} == {"gradient_boosting", "logistic_regression"}
        assert sum(1 for r in mine if r[3]) == 1
        oracle = truth["outcomes"][kind][mine[0][4]]["oracle_auc"]
        for _, model, baseline, chosen, season, persons, positives, auc, lift, brier, precision in mine:
            assert abs(float(lift) - float(precision) * persons / positives) < 0.01  # lift = precision ÷ base rate
            assert 0 <= brier <= 1 and 0 <= auc <= 1
            print(f"  {kind:<10} {model:<26} AUC {auc:.3f}  lift@10% {lift:.2f}  Brier {brier:.4f}  "
                  f"({positives}/{persons}){' chosen' if chosen else ''}")
        print(f"  {kind:<10} {'true probabilities':<26} AUC {oracle:.3f} (the best any model could do)")
        best_model = max(r[7] for r in mine if not r[2])
        # No model beats the true probabilities by more than chance: one that did would read the
        # answer (a leak). At this scale (about 100 subscribers held out) the AUC is noise; the
        # targets (AUC ≥ 0.75, +0.05 over the baselines, lift ≥ 2.5) are measured at scale 0.05
        # (make demo): docs/modeles/scores-publics.md.
        assert best_model <= oracle + 0.1


def test_scoring_is_deterministic(demo_warehouse) -> None:
    q = demo_warehouse.query
    sql = ("select person_key, season, score_kind, probability, decile, top_features, model_version "
           "from scores.audience_scores order by 1, 2, 3")
    before = q(sql)
    result = run_cli("score", "--retrain", env=demo_warehouse.env)
    assert result.code == 0, result
    assert "held-out 2024-25" in result.out
    assert q(sql) == before
