"""`publics ingest` on the demo's marketing deliveries (renderers/ads.py, social.py,
spreadsheets.py) against the throwaway Postgres: every good file lands whole (row counts = what the
generator says it wrote, spend = the deliveries), every planted broken file is rejected with its
expected problem."""

from __future__ import annotations

import pytest

from publics_demo.renderers import ads, social, spreadsheets
from publics_demo.world.campaigns import build_campaigns, deliveries
from publics_demo.world.model import build_world
from tests.conftest import assert_broken_files_reported, assert_inbox_loaded_whole, run_cli

SCALE, SEED = 0.02, 11
TABLE_OF = {"meta_ads_insights": "meta_ads_insights", "google_ads_campaigns": "google_ads_campaigns",
            "social_insights": "social_posts", "budgets_campagnes": "spreadsheet_campaign_budgets",
            "plan_utm": "spreadsheet_utm_plan", "invitations": "spreadsheet_invitations"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo_marketing")
    world = build_world(seed=SEED, scale=SCALE)
    counts, planted, truths = {}, [], {}
    for module in (ads, social, spreadsheets):
        written, truths[module.SOURCE] = module.write(world, out)
        counts.update(written)
        planted += module.write_broken(out)
    demo_marketing_truth[SCALE] = truths
    return out, world, counts, planted


demo_marketing_truth: dict[float, dict] = {}  # the generators' truth, by scale (filled by `demo`)


def ingest(folder, quarantine, db):
    return run_cli("ingest", str(folder), "--quarantine", str(quarantine), env={"DATABASE_URL": db.url})


def test_generated_inbox_loads_whole(demo, tmp_path, fresh_db, query):
    out, world, counts, _ = demo
    result = ingest(out / "inbox", tmp_path / "quarantine", fresh_db)
    assert result.code == 0, result
    assert "REJECTED" not in result.out and "not in the contract" not in result.out, result

    assert_inbox_loaded_whole(query, counts, TABLE_OF)

    # Google cost lands as integer micros; its total is the Google deliveries'.
    plan = [c for c in build_campaigns(world) if c.platform == "google_ads"]
    cents = sum(d.spend_cents for c in plan for d in deliveries(world, c))
    (micros,) = query("select sum(metrics_cost_micros::bigint) from raw.google_ads_campaigns")[0]
    assert micros == cents * ads.MICROS_PER_CENT

    # The teams' workbooks: total and note rows left out and named in the ledger; the budgets'
    # euros are the plan's (the TOTAL GÉNÉRAL row is not counted twice).
    truth = demo_marketing_truth[SCALE]["spreadsheets"]
    warnings = dict(query("select file_name, array_to_string(warnings, ' | ') from raw.load_ledger"))
    (not_data,) = [d for d in truth["defects"] if d["defect"] == "budget_total_and_note_rows"]
    assert not_data["count"] == len(world.seasons)
    for file, total_row, note_row in not_data["where"]:
        text = warnings[file.rsplit("/", 1)[-1]]
        assert f"row {total_row} (a total row: « TOTAL GÉNÉRAL »)" in text and f"row {note_row} (a note: « Budget" in text
    planned = sum(c["budget_eur"] for c in truth["campaigns"] if c["paid"])
    (budget,) = query("select sum(replace(budget, ',', '.')::numeric) from raw.spreadsheet_campaign_budgets")[0]
    print(f"\ndemo budgets: {budget} € in raw, {planned} € planned")
    assert budget == planned
    (merged,) = [d for d in truth["defects"] if d["defect"] == "merged_show_and_date"]
    assert merged["count"] > 0
    assert query("select count(*) from raw.spreadsheet_invitations where spectacle is null "
                 "or date_de_representation is null") == [(0,)]


def test_every_planted_broken_file_is_rejected_with_its_problem(demo, tmp_path, fresh_db, query):
    out, _, _, planted = demo
    assert {item["file"].split("/")[1] for item in planted} == {"ads", "social", "spreadsheets"}
    quarantine = tmp_path / "quarantine"
    result = ingest(out / "broken", quarantine, fresh_db)
    assert_broken_files_reported(result, planted, quarantine)
    assert query("select count(*) from raw.load_ledger where status = 'rejected'") == [(len(planted),)]
