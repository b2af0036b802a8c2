"""Dashboard 4 « Remplissage & rythme des ventes » against the demo's planted truth (the shared
`demo_warehouse`, scale 0.02): the curves at D-60, D-30, D-7 and D0 equal the world's sales, and
the forecast's error (MAPE) beside the naive baseline's, printed as the model card reports it
(docs/modeles/prevision-ventes.md)."""

from __future__ import annotations

import pytest

from publics_demo import truth as demo_truth

HORIZONS = (60, 30, 7)


@pytest.fixture(scope="module")
def pacing(demo_warehouse):
    truth = demo_truth.read_truth(demo_warehouse.out, "secutix")["sales_pacing"]
    return truth, demo_warehouse.query


def test_curves_equal_the_planted_sales_day_by_day(pacing) -> None:
    """Paid tickets and invitations of every performance at the end of D-60, D-30, D-7 and D0:
    rebuilt from order and cancellation dates (refunds after purchase included), exactly the
    world's."""
    truth, query = pacing
    rows = query("select performance_id, days_before, paid_tickets, invitation_tickets, capacity, curve_source "
                 "from marts.dash_04_box_office_pacing where days_before in (60, 30, 7, 0)")
    got = {(p, d): (paid, inv, cap, src) for p, d, paid, inv, cap, src in rows}
    assert {p for p, _ in got} == set(truth["performances"])
    mismatches = []
    for pid, perf in truth["performances"].items():
        for d in truth["days_before"]:
            paid, inv, cap, src = got[(pid, d)]
            assert cap == perf["capacity"] and src == "reconstruit"  # the demo is built once: no snapshot yet
            want = (perf["paid_tickets"][str(d)], perf["invitation_tickets"][str(d)])
            if (paid, inv) != want:
                mismatches.append((pid, d, (paid, inv), want))
    assert not mismatches, mismatches


def test_pacing_differs_by_genre_as_planted(pacing) -> None:
    """Operas sell early, concerts late: the share of final paid sales reached at D-30."""
    _, query = pacing
    share = dict(query(
        "select genre, sum(paid_tickets) filter (where days_before = 30)::numeric "
        "/ sum(paid_tickets) filter (where days_before = 0) "
        "from marts.dash_04_box_office_pacing group by genre"))
    print("\nshare of final paid sales reached at D-30: "
          + ", ".join(f"{g} {float(s):.0%}" for g, s in sorted(share.items())))
    assert float(share["opéra"]) > float(share["concert"]) + 0.15


def test_forecast_mape_against_the_naive_baseline(pacing) -> None:
    """The forecast of final paid tickets, held out by season (comparables of earlier seasons
    only), against the baseline (capacity × the hall's paid fill over the earlier seasons), on
    the same performances: MAPE at D-60, D-30, D-7, printed."""
    _, query = pacing
    rows = query(
        "select days_before, sum(forecast_abs_pct_error) / sum(evaluated_performances), "
        "sum(baseline_abs_pct_error) / sum(evaluated_performances), sum(evaluated_performances) "
        "from marts.dash_04_box_office_pacing where days_before in (60, 30, 7) group by days_before "
        "order by days_before desc")
    table = {d: (float(f), float(b), n) for d, f, b, n in rows}
    print("\nforecast of final paid tickets, demo scale 0.02 (held out by season)")
    print("horizon  MAPE forecast  MAPE baseline  performances")
    for d in HORIZONS:
        f, b, n = table[d]
        print(f"D-{d:<6} {f:>13.1%}  {b:>13.1%}  {n:>12}")
    assert set(table) == set(HORIZONS) and all(n > 0 for *_, n in table.values())
    # closer to the performance, the forecast knows more: D-7 beats D-60
    assert table[7][0] < table[60][0]
    # the forecast beats the baseline from D-30 on…
    assert table[30][0] < table[30][1] and table[7][0] < table[7][1], table
    # …but issue 17's target (at D-30, at least 30 % lower error than the baseline) is missed on
    # the demo (docs/modeles/prevision-ventes.md says why): printed, not asserted
    gain = 1 - table[30][0] / table[30][1]
    print(f"D-30: {gain:.0%} lower error than the baseline (target 30 %: {'met' if gain >= 0.3 else 'missed'})")
