"""The metrics and deciles of publics.scores on hand-made scores with known answers."""

from __future__ import annotations

from publics import scores


def test_deciles_put_the_highest_scores_first() -> None:
    p = [0.1 * i for i in range(20)]  # 0.0 … 1.9
    d = scores.deciles(p)
    assert d[19] == 1 and d[18] == 1 and d[0] == 10 and sorted(set(d)) == list(range(1, 11))


def test_top_decile_precision_and_lift() -> None:
    # 20 persons, 4 positives; the two highest scores are one positive and one negative
    y = [1, 0] + [1, 1, 1] + [0] * 15
    p = [0.9, 0.8] + [0.1] * 18
    precision, lift = scores.top_decile(y, p)
    assert precision == 0.5 and lift == 0.5 / (4 / 20)


def test_evaluation_of_a_perfect_and_an_inverted_score() -> None:
    y = [0, 0, 0, 1, 1]
    good = scores.evaluate("m", "m", False, y, [0.1, 0.2, 0.3, 0.8, 0.9])
    bad = scores.evaluate("m", "m", False, y, [0.9, 0.8, 0.7, 0.2, 0.1])
    assert good.roc_auc == 1.0 and bad.roc_auc == 0.0
    assert round(good.brier, 4) == round((0.01 + 0.04 + 0.09 + 0.04 + 0.01) / 5, 4)


def test_too_few_outcomes_of_one_kind_train_no_model() -> None:
    """A first season, or a small institution: one outcome seen fewer than twice trains nothing
    (scikit-learn would refuse a single class), and says why."""
    from publics.scores import _too_few

    assert "1 positive" in _too_few([0, 0, 0, 1])
    assert "0 positive" in _too_few([0, 0, 0])
    assert _too_few([0, 1, 0, 1]) is None
