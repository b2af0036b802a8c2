"""Dashboards 7 « Conquête jeune public », 8 « Nouveaux publics » and 17 « Relations publiques &
invitations » against the demo's planted truth (the shared `demo_warehouse`): new buyers by
season and age group and their 12-month return, counted on the world's people
(publics_demo.world.new_audiences); invitations, seats and scanned invitees from the
spreadsheets' truth. Headline figures are printed."""

from __future__ import annotations

from publics_demo import truth as demo_truth
from publics_demo.world.model import build_world
from publics_demo.world.new_audiences import new_audience_truth
from tests.conftest import DEMO_SCALE, DEMO_SEED


def _rate(num, den):
    return f"{num / den:.1%} ({num}/{den})" if den else "non mesuré"


def test_new_buyers_and_their_return_equal_the_truth(demo_warehouse) -> None:
    """Dashboards 7 and 8: new buyers per season and age group (young = under 28 on the day of
    the first purchase), those whose 12 months are over and those who came back, equal the
    world's; the first season of the data is « non mesuré » (null) on both."""
    query = demo_warehouse.query
    (as_of,), = query("select as_of_date from intermediate.int_persons__as_of")
    truth = new_audience_truth(build_world(seed=int(DEMO_SEED), scale=float(DEMO_SCALE)), as_of)
    got7 = {(s, g): (n, j, r) for s, g, n, j, r in query(
        "select season, age_group, new_buyers, new_buyers_judgeable, new_buyers_returned_12m "
        "from marts.dash_07_youth_audiences where row_kind = 'public'")}
    first_season = min(s for s, _ in got7)
    assert all(v == (None, None, None) for (s, _), v in got7.items() if s == first_season)
    expected = {(s, g): (row["new_buyers"], row["judgeable"], row["returned"])
                for s, groups in truth.items() for g, row in groups.items()}
    assert {k: v for k, v in got7.items() if k[0] != first_season} == expected
    got8 = {s: (n, j, r) for s, n, j, r in query(
        "select season, sum(new_buyers), sum(new_buyers_judgeable), sum(new_buyers_returned_12m) "
        "from marts.dash_08_new_audiences group by season")}
    for season, groups in truth.items():
        n, j, r = (sum(row[k] for row in groups.values()) for k in ("new_buyers", "judgeable", "returned"))
        assert got8[season] == (n, j or None, r if j else None), season
    assert got8[first_season] == (None, None, None)
    for season in sorted(truth):
        young, other = truth[season].get("jeune", {}), truth[season].get("autre", {})
        print(f"\nnew audiences {season}: {sum(g['new_buyers'] for g in truth[season].values())} new buyers, "
              f"second purchase within 12 months: young {_rate(young.get('returned', 0), young.get('judgeable', 0))}, "
              f"28+ {_rate(other.get('returned', 0), other.get('judgeable', 0))}")


def test_youth_campaign_and_young_shares_are_consistent(demo_warehouse) -> None:
    """Dashboard 7: the youth campaign's spend equals the ad platforms' spend of its name, its
    attributed young new buyers are null outside the web window (never 0), and the cards answer."""
    query = demo_warehouse.query
    rows = query("select season, attribution_model, spend_eur, spend_measured_eur, young_new_buyers_attributed, "
                 "other_new_buyers_attributed, measurement_status from marts.dash_07_youth_audiences "
                 "where row_kind = 'campagne' and is_youth_campaign order by season, attribution_model")
    assert rows, "the demo plants a youth campaign every season"
    spend = dict(query("select utm_campaign, sum(spend_eur) from intermediate.int_marketing__ad_spend_daily "
                       "where right(utm_campaign, 7) = '_jeunes' group by utm_campaign"))
    assert sum(spend.values()) * 6 == sum(r[2] for r in rows)  # six attribution models, one spend
    for season, model, _, measured, young, other, status in rows:
        assert (young is None) == (status == "non mesuré"), (season, model)
        if status == "mesuré" and model == "last_non_direct":
            print(f"\nyouth campaign {season}: {measured} € measured spend, {young} young and {other} other new "
                  f"buyers attributed (last non-direct click)")
    (share, base), = query(
        "select sum(case when age_group = 'jeune' then buyers else 0 end)::numeric / "
        "nullif(sum(case when age_group in ('jeune', 'autre') then buyers end), 0), "
        "sum(case when age_group in ('jeune', 'autre') then buyers end) "
        "from marts.dash_07_youth_audiences where row_kind = 'public' and season = '2025-26'")
    assert 0 < share < 1
    print(f"\nunder-28 share among 2025-26 buyers: {share:.1%} of {base}")


def test_invitations_equal_the_truth(demo_warehouse) -> None:
    """Dashboard 17: every invitation line and seat of the lists is counted (matched or apart),
    each invitee is matched to the planted person's key (e-mail, else name and postcode), and
    scanned invitations equal the invitees with a ticket controlled at the door."""
    query, out = demo_warehouse.query, demo_warehouse.out
    truth = demo_truth.read_truth(out, "spreadsheets")["invitations"]
    (invitations, seats, scanned, unmatched, by_name), = query(
        "select sum(invitations), sum(seats), sum(invitations_scanned), "
        "sum(case when match_rule = 'aucune' then invitations else 0 end), "
        "sum(case when match_rule = 'nom_code_postal' then invitations else 0 end) from marts.dash_17_invitations")
    assert (invitations, seats) == (truth["rows"], truth["seats"])
    truth_attended = sum(p["attended"] for p in truth["people"])
    # every invitee of the demo is matched (e-mail, else name and postcode): all scans are found
    assert unmatched == 0 and scanned == truth_attended
    assert unmatched * 10 < invitations
    (conv_num, conv_den, too_recent), = query(
        "select sum(invitations_converted_12m), sum(invitations_conversion_judgeable), sum(invitations_too_recent) "
        "from marts.dash_17_invitations")
    print(f"\ninvitations: {invitations} lines, {seats} seats, {by_name} matched by name and postcode, "
          f"{unmatched} unmatched; scanned {scanned} (truth: {truth_attended} attended); "
          f"conversion within 12 months {_rate(conv_num, conv_den)}, {too_recent} too recent")
