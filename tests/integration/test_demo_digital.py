"""Dashboards 10 « Parcours web & conversion », 11 « Emailing » and 12 « Réseaux sociaux »
against the demo's planted truth (the shared `demo_warehouse`: scale 0.02, seed 7). Each test
prints the dashboard's headline figures beside the truth (`pytest -s`)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from publics_demo import truth as demo_truth

STEPS = ("landing", "show_page", "checkout", "purchase")


@pytest.fixture(scope="module")
def demo(demo_warehouse):
    return demo_warehouse.query, demo_truth.read_truth(demo_warehouse.out, "web"), \
        demo_truth.read_truth(demo_warehouse.out, "social")


def rate(num, den) -> float:
    return float(num) / float(den) if den else float("nan")


def test_web_funnel_of_each_tool_equals_the_truth(demo) -> None:
    query, web, _ = demo
    funnel = web["funnel"]
    rows = query("select tool, sum(sessions), sum(show_page_sessions), sum(checkout_sessions), sum(purchase_sessions), "
                 "sum(transactions), sum(revenue_eur) from marts.dash_10_web_conversion group by tool order by tool")
    seen = {r[0]: r[1:] for r in rows}
    for tool in ("ga4", "matomo"):
        got = dict(zip(STEPS, (int(n) for n in seen[tool][:4])))
        want = funnel[tool]["all"]
        print(f"\ndashboard 10, {tool}: funnel {got} (truth {want}); conversion after the cart "
              f"{rate(got['purchase'], got['checkout']):.3f}; purchases {seen[tool][4]}, revenue {seen[tool][5]} €")
        assert got == want
    # the gap is consent: GA4 sees the sessions of consenting devices only
    ga4_share = rate(seen["ga4"][0], seen["matomo"][0])
    print(f"GA4 sees {ga4_share:.3f} of Matomo's sessions (truth {web['sessions']['ga4'] / web['sessions']['matomo']:.3f}, "
          f"consent rate {web['visitors']['consent_rate']})")
    assert int(seen["ga4"][0]) == web["sessions"]["ga4"] and int(seen["matomo"][0]) == web["sessions"]["matomo"]
    # purchases each tool saw: GA4 every purchase of a consenting buyer, Matomo those whose tag fired
    untracked = next(d["count"] for d in web["defects"] if d["defect"] == "matomo_order_not_tracked")
    assert int(seen["ga4"][4]) == web["web_orders"]["in_ga4"]
    assert int(seen["matomo"][4]) == web["web_orders"]["in_matomo"] - untracked


def test_web_funnel_drops_more_on_phones_as_planted(demo) -> None:
    query, web, _ = demo
    rows = query("select device_category, sum(sessions), sum(show_page_sessions), sum(checkout_sessions), "
                 "sum(purchase_sessions) from marts.dash_10_web_conversion where tool = 'ga4' group by device_category")
    by_device = {r[0]: dict(zip(STEPS, (int(n) for n in r[1:]))) for r in rows}
    truth = web["funnel"]["ga4"]["by_device"]
    for device, steps in sorted(by_device.items()):
        print(f"GA4 {device}: {steps}, cart → purchase {rate(steps['purchase'], steps['checkout']):.3f}")
    assert by_device == truth
    assert rate(by_device["mobile"]["purchase"], by_device["mobile"]["checkout"]) \
        < rate(by_device["desktop"]["purchase"], by_device["desktop"]["checkout"])


def test_emailing_headline_click_rate_and_machine_opens_equal_the_truth(demo) -> None:
    query, web, _ = demo
    totals = web["emailing"]["totals"]
    clickers, delivered, opens, machine, human, human_base = query(
        "select sum(unique_clickers), sum(delivered), sum(unique_opens), sum(machine_opens), sum(human_unique_opens), "
        "sum(delivered_with_human_opens) from marts.dash_11_emailing where row_type = 'campagne' and tool = 'mailchimp'")[0]
    want_delivered = totals["sent"] - totals["hard"] - totals["soft"]
    print(f"\ndashboard 11: click rate {rate(clickers, delivered):.4f} ({clickers} / {delivered}; truth "
          f"{totals['clickers']} / {want_delivered}); open rate without Apple's machine opens "
          f"{rate(human, human_base):.4f}, as the tool shows it {rate(opens, delivered):.4f}; machine opens "
          f"{machine} (truth: {totals['proxy_openers']} Apple MPP openers, {totals['machine_only']} of them never read)")
    assert (int(clickers), int(delivered)) == (totals["clickers"], want_delivered)
    assert int(opens) == totals["openers"]
    assert int(machine) == totals["proxy_openers"]
    assert int(human) == totals["openers"] - totals["proxy_openers"]
    assert rate(human, human_base) < rate(opens, delivered)


def test_emailing_list_growth_and_attributed_sales(demo) -> None:
    query, web, _ = demo
    members = web["emailing"]["audience_export"]["members"]
    subscribed, cleaned = query("select sum(subscribed), sum(cleaned) from marts.dash_11_emailing where row_type = 'liste'")[0]
    print(f"\nlist: {subscribed} subscribed, {cleaned} cleaned (truth: members {members})")
    assert int(subscribed) == sum(members.values())
    assert int(cleaned) == members["cleaned"]
    # under every model, the e-mail campaigns are credited the same revenue (each order once per model)
    by_model = dict(query("select attribution_model, round(sum(attributed_revenue_eur), 2) from marts.dash_11_emailing "
                          "where row_type = 'attribution' group by attribution_model"))
    print(f"attributed to e-mails by model: {by_model}")
    assert len(by_model) == 6 and by_model["last_non_direct"] > Decimal(0)
    email_credits = query("select round(sum(credited_revenue_eur), 2) from marts.fct_attribution_credits "
                          "where attribution_model = 'last_non_direct' and channel_group = 'Email' and is_attributed")[0][0]
    assert by_model["last_non_direct"] <= email_credits


def test_social_followers_posts_and_traffic_equal_the_truth(demo) -> None:
    query, web, social = demo
    for platform, truth in sorted(social["platforms"].items()):
        posts, new_followers = query("select sum(posts), sum(new_followers) from marts.dash_12_social "
                                     "where row_type = 'mois' and platform = %s", (platform,))[0]
        last = query("select followers from marts.dash_12_social where row_type = 'mois' and platform = %s "
                     "and followers is not null order by activity_month desc limit 1", (platform,))[0][0]
        print(f"\ndashboard 12, {platform}: {posts} posts, {new_followers} new followers, {last} followers at the end "
              f"(truth {truth['posts']}, {truth['new_followers']}, {truth['followers_last_day']})")
        assert (int(posts), int(new_followers), int(last)) == (truth["posts"], truth["new_followers"],
                                                              truth["followers_last_day"])
    # reach is never summed: the month's figure is its best post's, at most the posts' largest
    assert query("select count(*) from marts.dash_12_social where row_type = 'mois' and reach is not null")[0][0] == 0
    sessions, purchasing = query("select sum(sessions), sum(purchasing_sessions) from marts.dash_12_social "
                                 "where row_type = 'trafic' and tool = 'ga4'")[0]
    want = web["funnel"]["ga4"]["by_channel"]["Organic Social"]
    print(f"Organic Social sessions in GA4: {sessions}, {purchasing} with a purchase (truth {want})")
    assert (int(sessions), int(purchasing)) == (want["sessions"], want["purchasing"])
