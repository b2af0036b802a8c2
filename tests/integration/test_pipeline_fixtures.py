"""The whole chain on the hand-made SecuTix fixtures, whose answers were computed by hand
(tests/fixtures/secutix/README.md): raw → staging → fct_tickets → dashboard 15 → GX."""

from __future__ import annotations

from decimal import Decimal

import pytest

from publics import quality, warehouse
from publics.dashboards.definitions import check_cards, discover, runnable_sql
from tests.conftest import FIXTURES, ROOT, querier, run_cli

GOOD = FIXTURES / "secutix" / "good"


def build(info: warehouse.ConnInfo, quarantine) -> object:
    result = run_cli("run", str(GOOD), "--quarantine", str(quarantine), env={"DATABASE_URL": info.url})
    assert result.code == 0, result
    return result


@pytest.fixture(scope="module")
def shared(module_db: warehouse.ConnInfo, tmp_path_factory):
    """One build shared by the read-only tests below."""
    return build(module_db, tmp_path_factory.mktemp("q")), module_db, querier(module_db)


@pytest.fixture
def built(fresh_db: warehouse.ConnInfo, tmp_path):
    """A build of its own, for the tests that damage it."""
    return build(fresh_db, tmp_path / "q")


def declared_unit_tests() -> int:
    """The dbt unit tests the project declares (models/**/*.yml)."""
    import yaml

    return sum(len((yaml.safe_load(p.read_text(encoding="utf-8")) or {}).get("unit_tests", []))
               for p in (ROOT / "models").rglob("*.yml"))


def test_run_prints_every_step_with_what_it_did(shared) -> None:
    out = shared[0].out
    unit_tests = declared_unit_tests()
    assert unit_tests >= 10
    for line in ("✔ ingest", "6 file(s) loaded", "✔ build (dbt seed, run, test)", f"unit_test(s) {unit_tests} pass",
                 "✔ check (Great Expectations)", "0 critical failure(s)", "✔ dashboards", "pipeline finished in"):
        assert line in out, line
    assert "Traceback" not in out


def test_dashboard_15_figures_equal_the_hand_computed_answers(shared) -> None:
    query = shared[2]
    total = query("select sum(tickets_sold), sum(revenue_eur), sum(tickets_unknown_holder), sum(tickets_cancelled) "
                  "from marts.dash_15_sales_channels")
    assert total == [(9, Decimal("285.00"), 3, 2)]
    by_channel = {
        row[0]: (row[1], row[2])
        for row in query("select sales_channel, sum(tickets_sold), sum(revenue_eur) from marts.dash_15_sales_channels "
                         "where tickets_sold > 0 group by 1")
    }
    assert by_channel == {
        "web": (3, Decimal("105.00")), "box_office": (2, Decimal("90.00")),
        "reseller": (3, Decimal("90.00")), "administration": (1, Decimal("0.00")),
    }
    by_season = {r[0]: r[1] for r in query("select season, sum(revenue_eur) from marts.dash_15_sales_channels group by 1")}
    assert by_season == {"2025-26": Decimal("270.00"), "2024-25": Decimal("15.00")}
    assert query("select tickets_sold from marts.dim_performances where performance_id = 'P100'") == [(7,)]


def test_cards_answer_and_filters_narrow_them(shared) -> None:
    info = shared[1]
    checks = check_cards(info)
    assert checks and all(c.ok for c in checks), [c for c in checks if not c.ok]
    # SecuTix only: the ticketing dashboards have data, attribution has nothing to show but runs
    assert not [c for c in checks if c.empty and c.dashboard in ("Canaux de vente", "Publics & Fidélisation")]
    d = next(d for d in discover() if d.id == 15)
    card = next(c for c in d.cards if c["id"] == "online_share")
    with warehouse.connect(info) as conn:
        share = conn.execute(*runnable_sql(d, card)).fetchone()[0]
        share_2425 = conn.execute(*runnable_sql(d, card, {"season": "2024-25"})).fetchone()[0]
    # The season filter opens on the current season: today's has no sale in the fixtures, so the
    # latest season with sales (2025-26, marts.dim_current_season): 90 € online of 270 € (of all
    # seasons: 105 / 285, the only 2024-25 sale being 15 € online).
    assert round(share, 4) == Decimal("0.3333")
    assert share_2425 == 1


def test_direct_identifiers_stay_in_the_restricted_schema(shared) -> None:
    query = shared[2]
    outside = query(
        "select table_schema || '.' || table_name || '.' || column_name from information_schema.columns "
        "where column_name in ('email', 'first_name', 'last_name', 'firstname', 'lastname', 'phone', "
        "'mobile_phone', 'line1', 'address_line', 'comment') and table_schema not in ('raw', 'restricted', 'pg_catalog', 'information_schema')"
    )
    assert outside == []
    assert query("select count(*) from restricted.restricted_contact_identities where email is not null") == [(5,)]


def test_the_reader_cannot_turn_person_keys_back_into_contact_numbers(shared) -> None:
    """Tried as a tester would: connected as the reader, hash the whole range of contact numbers
    (md5, sha256, with or without the e-mail) and compare with the marts' keys — nothing matches;
    the owner, who holds the secret, finds every key with ingestion.keys."""
    import hashlib
    import secrets

    from ingestion import keys

    _, info, query = shared
    password = secrets.token_urlsafe(12)
    warehouse.local_cluster().ensure_roles(reader_password=password)  # the superuser's, at `db up`
    reader = warehouse.ConnInfo(info.host, info.port, warehouse.READER_ROLE, password, info.dbname)
    with warehouse.connect(reader, autocommit=True) as conn:
        person_keys = {r[0] for r in conn.execute("select person_key from marts.dim_persons")}
        email_columns = conn.execute("select count(*) from information_schema.columns where column_name = 'email_key' "
                                     "and table_schema <> 'marts'").fetchone()[0]
    assert person_keys and email_columns == 0
    numbers = [int(r[0]) for r in query("select contact_id from restricted.restricted_contact_identities")]
    guesses = {h(str(n).encode()).hexdigest() for n in range(max(numbers) + 1000) for h in (hashlib.md5, hashlib.sha256)}
    assert person_keys.isdisjoint(guesses)
    secret = warehouse.key_secret()
    persons = query("select distinct person_contact_id from intermediate.int_identity__contacts")
    assert person_keys == {keys.person_key(c, secret) for (c,) in persons}
    emails = query("select email, email_key from restricted.restricted_contact_identities where email is not null")
    assert emails and all(k == keys.email_key(e, secret) != hashlib.md5(e.strip().lower().encode()).hexdigest()
                          for e, k in emails)


def test_rerun_changes_nothing(built, fresh_db, query, tmp_path) -> None:
    before = query("select count(*), sum(revenue_eur) from marts.fct_tickets")
    again = run_cli("run", str(GOOD), "--quarantine", str(tmp_path / "q"), env={"DATABASE_URL": fresh_db.url})
    assert again.code == 0, again
    assert "0 file(s) loaded, 6 skipped" in again.out
    assert query("select count(*), sum(revenue_eur) from marts.fct_tickets") == before
    # dbt's unit tests passed on this code at the first run: the second does not run them again
    assert f"unit_test(s) {declared_unit_tests()} pass" in built.out
    assert "unit_test(s)" not in again.out and "unit tests not run again: they passed on this code" in again.out
    runs = query("select count(distinct run_id) from quality.expectation_results")
    assert runs == [(2,)], "every check run is kept in the quality history"


def test_a_critical_expectation_failure_fails_check(built, fresh_db, query) -> None:
    query("update marts.dash_15_sales_channels set revenue_eur = -1 where sales_channel = 'web'")
    result = run_cli("check", env={"DATABASE_URL": fresh_db.url})
    assert result.code == 1, result
    assert "✘ CRITICAL column_values_to_be_between on marts.dash_15_sales_channels.revenue_eur" in result.out
    assert "✘ check failed: 1 critical expectation(s) failed" in result.out
    failed = query("select expectation, severity from quality.expectation_results "
                   "where not success and severity = 'critical'")
    assert failed == [("column_values_to_be_between", "critical")]


def test_a_sensitive_column_in_the_dataset_fails_check(built, fresh_db, query) -> None:
    query("alter table marts.dash_15_sales_channels add column email text")
    outcome = quality.run_checks(fresh_db, printer=lambda _: None)
    failed = sorted((r.suite, r.spec.expect) for r in outcome.results if not r.success and r.spec.severity == "critical")
    # caught twice: by the dataset's own column list and by the catalogue check
    assert failed == [("dash_15_sales_channels", "table_columns_to_match_set"),
                      ("minimisation_catalog", "table_row_count_to_equal")]


@pytest.mark.parametrize("table, column", [
    ("marts.fct_tickets", "remarque_sante text"),        # health data, as free text
    ("marts.dim_persons", "handicap boolean"),            # disability, even as a flag
    ("intermediate.int_identity__contacts", "telephone text"),  # a direct identifier
])
def test_a_forbidden_column_added_to_any_model_fails_check(built, fresh_db, query, table, column) -> None:
    """The catalogue check sees a column a model (or a hand) adds anywhere outside raw and
    restricted, though no suite lists that table's columns."""
    query(f"alter table {table} add column {column}")
    result = run_cli("check", env={"DATABASE_URL": fresh_db.url})
    assert result.code == 1, result
    assert "✘ CRITICAL table_row_count_to_equal on marts.quality_catalog_columns (observed: 1)" in result.out
    name = column.split()[0]
    assert query("select table_schema || '.' || table_name, column_name from marts.quality_catalog_columns") == [
        (table, name)]


def test_an_order_disagreeing_with_its_tickets_is_a_warning_naming_it(built, fresh_db, query, tmp_path) -> None:
    # An order total that disagrees with its delivered tickets compares two deliveries (the
    # ticket delta may come a day later), not a figure we computed: the dbt reconciliation
    # warns, the marts are built, and dashboard 18's check names the order.
    folder = tmp_path / "in"
    folder.mkdir()
    header = (GOOD / "secutix_orders_20260101.csv").read_text(encoding="cp1252").splitlines()[0]
    (folder / "secutix_orders_20260201.csv").write_text(
        header + "\r\nO1;10/12/2025 21:14:05;SOLDED;TICKETSHOP;WEB;Site web;1001;95,00;PAID;EUR;01/02/2026 10:00:00\r\n",
        encoding="cp1252",
    )
    result = run_cli("run", str(folder), "--quarantine", str(tmp_path / "q"), env={"DATABASE_URL": fresh_db.url})
    assert result.code == 0, result
    assert "✔ build" in result.out and "warn" in result.out
    assert query("select gap_type, record_id from marts.quality_delivery_gaps") == [
        ("commande_et_billets_en_desaccord", "O1")]
    assert "commande O1" in result.out  # the check's warning names it


def test_check_and_dashboards_before_any_build_fail_clearly(fresh_db) -> None:
    env = {"DATABASE_URL": fresh_db.url}
    check = run_cli("check", env=env)
    assert check.code == 1, check
    assert "✘ CRITICAL table_to_exist on marts.dash_15_sales_channels" in check.out
    cards = run_cli("dashboards", "check", env=env)
    assert cards.code == 1 and "card(s) do not answer" in cards.out, cards
    assert "Traceback" not in check.out + cards.out


def test_publish_command_creates_then_updates_nothing_in_metabase(shared) -> None:
    """`publics dashboards publish` as users run it, against the fake Metabase (tests/fakes):
    the first run creates every dashboard, the second finds them all unchanged; the season's
    `default: current_season` is resolved to the warehouse's current season."""
    from tests.fakes.metabase import FakeMetabase
    from tests.unit.test_metabase_publish import READER_PASSWORD, marts_warehouse, reader_only

    info = shared[1]
    with FakeMetabase(marts_warehouse(), accept=reader_only) as mb:
        env = {"DATABASE_URL": info.url, "METABASE_URL": mb.url, "METABASE_API_KEY": mb.api_key,
               "METABASE_READER_PASSWORD": READER_PASSWORD}
        first = run_cli("dashboards", "publish", env=env)
        assert first.code == 0, first
        assert "✔ dashboards publish" in first.out and "Traceback" not in first.out
        second = run_cli("dashboards", "publish", env=env)
        assert second.code == 0, second
        assert "cards: 0 created, 0 updated" in second.out and "dashboards: 0 created, 0 updated" in second.out, second
        # dbt-metabase pushed the marts' dbt docs the first time, and found nothing to change the second
        assert "✔ dashboards publish: dbt docs → Metabase data model (dbt-metabase)" in first.out, first
        assert "data model: 0 table(s), 0 field(s) updated" not in first.out, first
        assert "data model: 0 table(s), 0 field(s) updated from the dbt docs" in second.out, second
        revenue = mb.fields[mb.field_id("marts", "dash_15_sales_channels", "revenue_eur")]
        assert revenue["semantic_type"] == "type/Currency" and revenue["description"]
        season = shared[2]("select season from marts.dim_current_season")[0][0]
        dashboard = next(d for d in mb.dashboards.values() if d["name"] == "Canaux de vente")
        [parameter] = [p for p in dashboard["parameters"] if p["id"] == "season"]
        assert parameter["default"] == [season]

    missing = run_cli("dashboards", "publish", env={"DATABASE_URL": info.url, "METABASE_URL": "http://127.0.0.1:9"})
    assert missing.code == 1 and "metabase:" in missing.out and "Traceback" not in missing.out


def test_dbt_docs_generate_documents_every_column_users_see(shared, tmp_path) -> None:
    """`dbt docs generate` works on the built warehouse, and its catalog (the columns really in
    the tables) equals what the YAML documents for every mart and restricted model: no column a
    BI user sees is undocumented, no documented column is missing."""
    import json

    from publics.dbt_runner import invoke

    info = shared[1]
    res = invoke(info, ["docs", "generate", "--target-path", str(tmp_path), "--quiet"])
    assert res.success, res.exception
    catalog = json.loads((tmp_path / "catalog.json").read_text(encoding="utf-8"))
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    checked = 0
    for uid, node in manifest["nodes"].items():
        if node["resource_type"] != "model" or node["schema"] not in ("marts", "restricted"):
            continue
        assert node["description"].strip(), f"{node['name']} has no description"
        in_table = {c.lower() for c in catalog["nodes"][uid]["columns"]}
        documented = {c.lower() for c, info in node["columns"].items() if info["description"].strip()}
        assert in_table == documented, (node["name"], sorted(in_table ^ documented))
        checked += 1
    assert checked >= 20
