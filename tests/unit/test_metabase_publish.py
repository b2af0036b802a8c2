"""`publics dashboards publish`, against a fake Metabase v0.56 served over HTTP (tests/fakes).

The fake's warehouse is what Metabase would see after syncing the marts: every mart model with
the columns its dbt YAML documents. The real definitions in dashboards/*.yml are published.
"""

from __future__ import annotations

import copy
import json
import socket
from pathlib import Path

import pytest
import yaml

from publics.dashboards import definitions as dash_defs
from publics.dashboards.definitions import TAG, Dashboard
from publics.dashboards.metabase.client import (
    MetabaseAuthError,
    MetabaseError,
    Settings,
    WarehouseDetails,
)
from publics.dashboards.metabase.datamodel import push_model_docs
from publics.dashboards.metabase.publish import publish, write_exposures
from tests.conftest import ROOT
from tests.fakes.metabase import FakeMetabase

READER_PASSWORD = "reader-secret"


def marts_warehouse() -> dict[tuple[str, str], list[str]]:
    tables = {}
    for path in sorted((ROOT / "models" / "marts").rglob("_*.yml")):
        for model in yaml.safe_load(path.read_text(encoding="utf-8")).get("models", []):
            tables[("marts", model["name"])] = [c["name"] for c in model.get("columns", [])]
    return tables


def reader_only(details: dict) -> str | None:
    """The fake's connection test: only publics_reader with its password gets in."""
    if details.get("user") != "publics_reader" or details.get("password") != READER_PASSWORD:
        return 'FATAL: password authentication failed for user "{}"'.format(details.get("user"))
    return None


@pytest.fixture
def fake():
    with FakeMetabase(marts_warehouse(), accept=reader_only) as mb:
        yield mb


def settings_for(mb: FakeMetabase, **overrides) -> Settings:
    values = {
        "url": mb.url, "api_key": mb.api_key,
        "warehouse": WarehouseDetails(host="warehouse", port=5432, dbname="publics", password=READER_PASSWORD),
        "sync_timeout": 2.0, "poll_interval": 0.01, "http_timeout": 10.0,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(scope="module")
def definitions() -> list[Dashboard]:
    found = dash_defs.discover()
    assert len(found) >= 5
    return found


def total_cards(defs: list[Dashboard]) -> int:
    return sum(len(d.cards) for d in defs)


def card_by_marker(mb: FakeMetabase, slug: str, card_id: str) -> dict:
    matches = [c for c in mb.live_cards() if c["description"].splitlines()[-1] == f"publics:{slug}/{card_id}"]
    assert len(matches) == 1, f"{slug}/{card_id}: {len(matches)} live card(s)"
    return matches[0]


# --------------------------------------------------------------------------- first publish


def test_first_publish_creates_the_connection_collection_cards_and_dashboards(fake, definitions) -> None:
    report = publish(definitions, settings_for(fake))
    n = total_cards(definitions)
    print(f"\n  first publish: {report.summary()}")

    assert report.count("created", "database") == 1 and len(fake.databases) == 1
    db = next(iter(fake.databases.values()))
    assert db["engine"] == "postgres"
    assert {k: db["details"][k] for k in ("host", "port", "dbname", "user", "password")} == {
        "host": "warehouse", "port": 5432, "dbname": "publics", "user": "publics_reader", "password": READER_PASSWORD,
    }
    assert db["details"]["schema-filters-patterns"] == "marts"

    ours = [c for c in fake.collections.values() if c["name"] == "publics — tableaux de bord"]
    assert len(ours) == 1 and report.collection_id == ours[0]["id"]
    assert report.count("created", "card") == n == len(fake.live_cards())
    assert report.count("created", "dashboard") == len(definitions) == len(fake.live_dashboards())
    assert all(c["collection_id"] == report.collection_id for c in fake.live_cards())
    assert all(d["collection_id"] == report.collection_id for d in fake.live_dashboards())
    assert {d["name"] for d in fake.live_dashboards()} == {d.title for d in definitions}


def test_cards_are_native_queries_whose_tags_are_field_filters_on_the_dataset(fake, definitions) -> None:
    publish(definitions, settings_for(fake))
    checked_tags = 0
    for d in definitions:
        schema, table = d.spec["dataset"].split(".")
        for card in d.cards:
            mb_card = card_by_marker(fake, d.spec["slug"], card["id"])
            query = mb_card["dataset_query"]
            assert query["type"] == "native" and query["database"] == next(iter(fake.databases))
            assert query["native"]["query"] == card["query"]
            assert mb_card["display"] == card["display"] and mb_card["name"] == card["title"]
            tags = query["native"]["template-tags"]
            assert set(tags) == set(TAG.findall(card["query"]))
            for name, tag in tags.items():
                f = d.filters[name]
                assert tag["type"] == "dimension"
                assert tag["dimension"] == ["field", fake.field_id(schema, table, f["column"]), None]
                assert tag["widget-type"] == ("date/all-options" if f["type"] == "date" else "string/=")
                assert tag["display-name"] == f["label"]
                checked_tags += 1
            # the card's own parameters, as Metabase's editor saves them for a native question
            assert {p["id"] for p in mb_card["parameters"]} == {t["id"] for t in tags.values()}
    assert checked_tags > 100


def test_the_model_default_applies_to_the_dashboard_and_to_cards_opened_alone(fake, definitions) -> None:
    publish(definitions, settings_for(fake))
    d = next(d for d in definitions if d.spec["slug"] == "attribution_ventes")
    dashboard = next(x for x in fake.live_dashboards() if x["name"] == d.title)
    model = next(p for p in dashboard["parameters"] if p["id"] == "model")
    assert model["type"] == "string/=" and model["default"] == ["Dernier clic non direct"]
    assert "default" not in next(p for p in dashboard["parameters"] if p["id"] == "season")
    period = next(p for p in dashboard["parameters"] if p["id"] == "period")
    assert (period["type"], period["sectionId"]) == ("date/all-options", "date")
    revenue = card_by_marker(fake, "attribution_ventes", "revenue")
    assert revenue["dataset_query"]["native"]["template-tags"]["model"]["default"] == ["Dernier clic non direct"]


def test_every_filter_is_mapped_to_exactly_the_cards_that_use_it_at_their_position(fake, definitions) -> None:
    report = publish(definitions, settings_for(fake))
    mappings = 0
    for d in definitions:
        dashboard = fake.get_dashboard(report.dashboards[d.spec["slug"]])
        assert [p["id"] for p in dashboard["parameters"]] == list(d.filters)
        assert len(dashboard["dashcards"]) == len(d.cards)
        by_card = {dc["card_id"]: dc for dc in dashboard["dashcards"]}
        for card in d.cards:
            card_id = report.cards[f"{d.spec['slug']}/{card['id']}"]
            dc = by_card[card_id]
            pos = card["position"]
            assert (dc["row"], dc["col"], dc["size_x"], dc["size_y"]) == (
                pos["row"], pos["col"], pos["size_x"], pos["size_y"])
            mapped = {m["parameter_id"]: m for m in dc["parameter_mappings"]}
            assert set(mapped) == set(TAG.findall(card["query"])), f"{d.title} › {card['id']}"
            for tag, m in mapped.items():
                assert m["card_id"] == card_id
                assert m["target"][:2] == ["dimension", ["template-tag", tag]]
                mappings += 1
    # the side-by-side card of dashboard 1 reads every model: its `model` filter must not reach it
    side = report.cards["attribution_ventes/models_side_by_side"]
    dash1 = fake.get_dashboard(report.dashboards["attribution_ventes"])
    side_dc = next(dc for dc in dash1["dashcards"] if dc["card_id"] == side)
    assert "model" not in {m["parameter_id"] for m in side_dc["parameter_mappings"]}
    assert mappings > 100


def test_every_column_is_formatted_by_its_unit_in_french(fake, definitions) -> None:
    """What Metabase stores for each card: every column with a unit formatted by it (euros as a
    currency, shares as percents, counts as plain numbers, all with French separators); a rate
    card's base is formatted too; dashboard 18's failures are red, never green."""
    publish(definitions, settings_for(fake))
    units = 0
    for d in definitions:
        for card in d.cards:
            viz = card_by_marker(fake, d.spec["slug"], card["id"])["visualization_settings"]
            settings = {json.loads(k)[1]: v for k, v in viz.get("column_settings", {}).items()}
            assert all(json.loads(k)[0] == "name" for k in viz.get("column_settings", {}))
            for column, unit in card["column_units"].items():
                assert settings[column]["number_separators"] == ", ", (card["id"], column)
                style = {"eur": "currency", "share": "percent", "relative_error": "percent"}.get(unit, "decimal")
                assert settings[column]["number_style"] == style, (d.title, card["id"], column)
                units += 1
            assert {c for c, v in settings.items() if "number_style" in v} == set(card["column_units"])
    assert units > 80
    renewal = card_by_marker(fake, "publics_fidelisation", "renewal")["visualization_settings"]["column_settings"]
    assert renewal['["name","reabonnement_premiere_annee"]'] == {"number_style": "percent", "decimals": 1,
                                                                 "number_separators": ", "}
    assert renewal['["name","sur_abonnes_premiere_annee"]'] == {"number_style": "decimal", "number_separators": ", "}
    revenue = card_by_marker(fake, "attribution_ventes", "revenue")["visualization_settings"]["column_settings"]
    assert revenue['["name","recette_eur"]'] == {"number_style": "currency", "currency": "EUR",
                                                 "currency_style": "symbol", "decimals": 2, "number_separators": ", "}
    checks = card_by_marker(fake, "qualite_des_donnees", "by_criterion")["visualization_settings"]
    assert checks["series_settings"] == {"reussis": {"color": "#509E2F"}, "en_defaut": {"color": "#D64545"}}
    matching = card_by_marker(fake, "qualite_des_donnees", "matching_last_run")["visualization_settings"]
    assert matching["column_settings"]['["name","value_unit"]'] == {"column_title": "Unité"}


def test_the_map_of_departements_is_a_region_map_on_the_custom_map(fake, definitions) -> None:
    """Dashboard 13's map is a Metabase region map on the custom map `departements_fr` (its
    regions keyed by the INSEE code, README), the département code its dimension, the buyers
    its metric."""
    publish(definitions, settings_for(fake))
    card = card_by_marker(fake, "geographie_publics", "map")
    assert card["display"] == "map"
    viz = card["visualization_settings"]
    assert (viz["map.type"], viz["map.region"], viz["map.dimension"], viz["map.metric"]) == (
        "region", "departements_fr", "departement", "acheteurs")


@pytest.mark.parametrize("stage_number", [True, False], ids=["targets-with-stage-number", "targets-as-sent"])
def test_publishing_twice_leaves_one_copy_of_everything(definitions, stage_number: bool) -> None:
    with FakeMetabase(marts_warehouse(), accept=reader_only, stage_number_in_targets=stage_number) as fake:
        _publish_twice(fake, definitions)


def _publish_twice(fake: FakeMetabase, definitions: list[Dashboard]) -> None:
    first = publish(definitions, settings_for(fake))
    writes_after_first = len(fake.writes())
    second = publish(definitions, settings_for(fake))
    print(f"\n  second publish: {second.summary()}")

    assert second.created == 0 and second.updated == 0
    assert second.unchanged == total_cards(definitions) + len(definitions) + 2  # + database + collection
    assert len(fake.databases) == 1
    assert len([c for c in fake.collections.values() if c["name"] == "publics — tableaux de bord"]) == 1
    assert len(fake.live_cards()) == total_cards(definitions)
    assert len(fake.live_dashboards()) == len(definitions)
    assert second.cards == first.cards and second.dashboards == first.dashboards
    assert len(fake.writes()) == writes_after_first, [(r.method, r.path) for r in fake.writes()[writes_after_first:]]


def _with_card(definitions: list[Dashboard], slug: str, mutate) -> list[Dashboard]:
    out = []
    for d in definitions:
        if d.spec["slug"] == slug:
            spec = copy.deepcopy(d.spec)
            mutate(spec)
            d = Dashboard(d.path, spec)
            dash_defs.validate(d)
        out.append(d)
    return out


def test_a_changed_query_updates_the_card_in_place(fake, definitions) -> None:
    first = publish(definitions, settings_for(fake))
    new_query = "select sum(revenue_eur) * 1.0 as recette_eur\nfrom marts.dash_15_sales_channels\n" \
                "where true [[and {{season}}]]\n"

    def change(spec):
        card = next(c for c in spec["cards"] if c["id"] == "revenue_total")
        card["query"] = new_query

    second = publish(_with_card(definitions, "canaux_de_vente", change), settings_for(fake))
    card_id = first.cards["canaux_de_vente/revenue_total"]
    assert second.cards["canaux_de_vente/revenue_total"] == card_id
    assert [(a.kind, a.key) for a in second.actions if a.action == "updated"] == [
        ("card", "canaux_de_vente/revenue_total"), ("dashboard", "canaux_de_vente"),
    ]
    assert second.created == 0
    card = fake.cards[card_id]
    assert card["dataset_query"]["native"]["query"] == new_query
    assert set(card["dataset_query"]["native"]["template-tags"]) == {"season"}
    assert len(fake.live_cards()) == total_cards(definitions)
    # the dashboard now maps only `season` to that card
    dash = fake.get_dashboard(first.dashboards["canaux_de_vente"])
    dc = next(dc for dc in dash["dashcards"] if dc["card_id"] == card_id)
    assert [m["parameter_id"] for m in dc["parameter_mappings"]] == ["season"]


def test_a_moved_card_and_a_removed_card_are_applied_to_the_dashboard(fake, definitions) -> None:
    first = publish(definitions, settings_for(fake))

    def change(spec):
        spec["cards"] = [c for c in spec["cards"] if c["id"] != "warnings"]
        failures = next(c for c in spec["cards"] if c["id"] == "critical_failures")
        failures["position"] = {"row": 0, "col": 8, "size_x": 16, "size_y": 3}

    second = publish(_with_card(definitions, "qualite_des_donnees", change), settings_for(fake))
    removed = first.cards["qualite_des_donnees/warnings"]
    assert fake.cards[removed]["archived"] is True
    assert ("card", "qualite_des_donnees/warnings", "archived") in [(a.kind, a.key, a.action) for a in second.actions]
    dash = fake.get_dashboard(first.dashboards["qualite_des_donnees"])
    assert removed not in {dc["card_id"] for dc in dash["dashcards"]}
    failures = first.cards["qualite_des_donnees/critical_failures"]
    moved = next(dc for dc in dash["dashcards"] if dc["card_id"] == failures)
    assert (moved["col"], moved["size_x"], moved["size_y"]) == (8, 16, 3)
    assert len(dash["dashcards"]) == len(next(d for d in definitions if d.spec["slug"] == "qualite_des_donnees").cards) - 1
    # a dashboard that was not published this time is left alone
    only_one = publish([d for d in definitions if d.spec["slug"] == "canaux_de_vente"], settings_for(fake))
    assert only_one.count("archived") == 0 and len(fake.live_dashboards()) == len(definitions)
    assert "attribution_ventes" in only_one.left_alone


def test_a_card_edited_by_hand_in_metabase_is_restored(fake, definitions) -> None:
    first = publish(definitions, settings_for(fake))
    card_id = first.cards["publics_fidelisation/retention"]
    fake.cards[card_id]["visualization_settings"] = {"column_settings": {}, "card.title": "retitled"}
    fake.cards[card_id]["display"] = "table"
    second = publish(definitions, settings_for(fake))
    assert [(a.key, a.action) for a in second.actions if a.action != "unchanged"] == [
        ("publics_fidelisation/retention", "updated")]
    viz = fake.cards[card_id]["visualization_settings"]
    assert fake.cards[card_id]["display"] == "scalar"
    assert viz["column_settings"] == {
        '["name","fidelisation"]': {"number_style": "percent", "decimals": 1, "number_separators": ", "},
        '["name","venues_saison_precedente"]': {"number_style": "decimal", "number_separators": ", "}}
    assert viz["card.title"] == "retitled"  # a setting we do not manage is kept


def test_metabase_may_take_a_moment_to_sync_the_warehouse(definitions) -> None:
    with FakeMetabase(marts_warehouse(), accept=reader_only, sync_delay=3) as mb:
        report = publish(definitions, settings_for(mb))
        assert report.count("created", "dashboard") == len(definitions)
        metadata_reads = [r for r in mb.requests if r.path.endswith("/metadata")]
        assert len(metadata_reads) == 4
        assert sum(r.path.endswith("/sync_schema") for r in mb.requests) == 1


def test_a_session_login_works_like_an_api_key(fake, definitions) -> None:
    report = publish(definitions[:1], settings_for(fake, api_key=None, user="admin@example.org",
                                                  password="admin-password-1"))
    assert report.count("created", "dashboard") == 1
    authed = [r for r in fake.requests if r.path != "/api/session"]
    assert authed and all(r.auth == "session" for r in authed)
    assert fake.requests[0].path == "/api/session"


def test_the_connection_follows_a_changed_warehouse_host(fake, definitions) -> None:
    publish(definitions[:1], settings_for(fake))
    moved = WarehouseDetails(host="db.internal", port=5433, dbname="publics", password=READER_PASSWORD)
    report = publish(definitions[:1], settings_for(fake, warehouse=moved))
    assert report.count("updated", "database") == 1 and len(fake.databases) == 1
    details = next(iter(fake.databases.values()))["details"]
    assert (details["host"], details["port"], details["password"]) == ("db.internal", 5433, READER_PASSWORD)


# --------------------------------------------------------------------------- errors a user can read


def _assert_readable(exc: Exception) -> None:
    text = str(exc)
    assert "Traceback" not in text and len(text.splitlines()) <= 3 and len(text) < 700


def test_a_wrong_api_key_is_a_clear_error_and_writes_nothing(fake, definitions) -> None:
    with pytest.raises(MetabaseAuthError, match=r"refused the credentials .*401.*METABASE_API_KEY") as exc:
        publish(definitions, settings_for(fake, api_key="not-the-key"))
    _assert_readable(exc.value)
    assert fake.writes() == [] and fake.databases == {}


def test_a_wrong_password_says_so(fake, definitions) -> None:
    with pytest.raises(MetabaseAuthError, match="did not match stored password") as exc:
        publish(definitions, settings_for(fake, api_key=None, user="admin@example.org", password="nope"))
    _assert_readable(exc.value)


def test_missing_credentials_are_named() -> None:
    with pytest.raises(MetabaseError, match="METABASE_API_KEY.*METABASE_USER and METABASE_PASSWORD"):
        Settings.from_env({"METABASE_URL": "http://localhost:3000"})


def test_settings_read_the_environment_of_the_compose_stack() -> None:
    s = Settings.from_env({
        "METABASE_URL": "http://localhost:3000/", "METABASE_API_KEY": "mb_x", "WAREHOUSE_DB": "publics",
        "METABASE_READER_PASSWORD": "pw", "METABASE_SYNC_TIMEOUT": "30",
        "METABASE_PUBLIC_URL": "https://bi.example.org/",
    })
    assert (s.url, s.api_key, s.sync_timeout) == ("http://localhost:3000", "mb_x", 30.0)
    assert s.public_url == "https://bi.example.org"
    assert (s.warehouse.host, s.warehouse.port, s.warehouse.user, s.warehouse.password) == (
        "warehouse", 5432, "publics_reader", "pw")


def test_an_unreachable_metabase_is_a_clear_error(definitions) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: nothing listens there
    settings = Settings(url=f"http://127.0.0.1:{port}", api_key="x", http_timeout=5)
    with pytest.raises(MetabaseError, match=r"cannot reach Metabase at http://127\.0\.0\.1.*METABASE_URL") as exc:
        publish(definitions, settings)
    _assert_readable(exc.value)


def test_a_warehouse_metabase_cannot_log_into_is_a_clear_error(fake, definitions) -> None:
    wrong = WarehouseDetails(password="stale-password")
    with pytest.raises(MetabaseError, match=r"cannot add the warehouse warehouse:5432/publics as publics_reader.*"
                                            r"password authentication failed.*METABASE_READER_PASSWORD") as exc:
        publish(definitions, settings_for(fake, warehouse=wrong))
    _assert_readable(exc.value)
    assert fake.databases == {}


def test_an_unknown_table_names_the_table_after_waiting_for_the_sync(definitions) -> None:
    warehouse = marts_warehouse()
    del warehouse[("marts", "dash_15_sales_channels")]
    with FakeMetabase(warehouse, accept=reader_only) as mb:
        with pytest.raises(MetabaseError, match=r"does not see the table\(s\) marts\.dash_15_sales_channels .*"
                                                r"after 0\.3 s") as exc:
            publish(definitions, settings_for(mb, sync_timeout=0.3))
        _assert_readable(exc.value)
        assert sum(r.path.endswith("/sync_schema") for r in mb.requests) == 1
        assert mb.cards == {} and mb.dashboards == {}


def test_an_unknown_filter_column_names_the_file_the_filter_and_the_column(definitions) -> None:
    warehouse = marts_warehouse()
    warehouse[("marts", "dash_03_audiences_loyalty")].remove("geo_zone_label")
    with FakeMetabase(warehouse, accept=reader_only) as mb:
        with pytest.raises(MetabaseError, match=r"dashboards/03_publics_fidelisation\.yml, filter zone: column "
                                                r"'geo_zone_label' is not a field of marts\.dash_03") as exc:
            publish(definitions, settings_for(mb, sync_timeout=0.3))
        _assert_readable(exc.value)
        assert mb.cards == {} and mb.dashboards == {}  # checked before anything is written
        assert sum(r.path.endswith("/sync_schema") for r in mb.requests) == 1  # a new column needs a sync


# --------------------------------------------------------------------------- the fake refuses like Metabase


def test_the_fake_refuses_what_metabase_refuses(fake) -> None:
    from publics.dashboards.metabase.client import Client

    anonymous = Client(fake.url)
    with pytest.raises(MetabaseAuthError, match="401 Unauthenticated"):
        anonymous.get("/api/card", f="all")
    client = Client(fake.url, api_key=fake.api_key)
    with pytest.raises(MetabaseError, match="400: display: value must be a non-blank string"):
        client.post("/api/card", {"name": "x", "dataset_query": {}, "visualization_settings": {}})
    with pytest.raises(MetabaseError, match="404: Not found"):
        client.put("/api/card/999", {"name": "x"})
    with pytest.raises(MetabaseError, match="400: name: value must be a non-blank string"):
        client.post("/api/collection", {"name": " "})
    with pytest.raises(MetabaseError, match="valid parameter type"):
        client.post("/api/dashboard", {"name": "x", "parameters": [{"id": "a", "type": "string/equals"}]})
    dash = client.post("/api/dashboard", {"name": "x"})
    with pytest.raises(MetabaseError, match="size_x: value must be an integer greater than zero"):
        client.put(f"/api/dashboard/{dash['id']}", {"dashcards": [{"id": -1, "card_id": 1, "row": 0, "col": 0,
                                                                   "size_x": 0, "size_y": 3}]})


# --------------------------------------------------------------------------- dbt exposures


def test_exposures_name_every_dashboard_and_the_marts_it_reads(fake, definitions, tmp_path: Path) -> None:
    import dbt.cli.main  # noqa: F401 — loads dbt in the order its modules expect
    from dbt.contracts.graph.unparsed import UnparsedExposure

    report = publish(definitions, settings_for(fake, public_url="https://bi.example.org/"))
    path = write_exposures(definitions, report, tmp_path / "models" / "exposures" / "metabase_dashboards.yml")
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert doc["version"] == 2
    exposures = {e["label"]: e for e in doc["exposures"]}
    assert set(exposures) == {d.title for d in definitions}
    model_files = {p.stem for p in (ROOT / "models").rglob("*.sql")}
    for d in definitions:
        e = exposures[d.title]
        UnparsedExposure.validate(e)  # dbt's own schema for an exposure
        assert e["type"] == "dashboard"
        assert e["url"] == f"https://bi.example.org/dashboard/{report.dashboards[d.spec['slug']]}"
        assert f"ref('{d.spec['dataset'].split('.')[1]}')" in e["depends_on"]
        for ref in e["depends_on"]:
            assert ref.removeprefix("ref('").removesuffix("')") in model_files, ref
    assert "ref('quality_source_freshness')" in exposures["Qualité des données"]["depends_on"]
    assert exposures["Attribution & Ventes"]["maturity"] == "high"
    assert len({e["name"] for e in doc["exposures"]}) == len(definitions)
    # regenerating the file (`publics dashboards exposures`) keeps the Metabase links it holds
    from publics.dashboards import exposures as dash_exposures

    before = path.read_text(encoding="utf-8")
    assert dash_exposures.write(definitions, path).read_text(encoding="utf-8") == before


# --------------------------------------------------------------------------- dbt docs → Metabase (dbt-metabase)


@pytest.fixture(scope="module")
def manifest(tmp_path_factory) -> Path:
    """The project's real dbt manifest, as `dbt parse` writes it (no database needed)."""
    from dbt.cli.main import dbtRunner

    out = tmp_path_factory.mktemp("dbt-target")
    res = dbtRunner().invoke(["parse", "--project-dir", str(ROOT), "--profiles-dir", str(ROOT),
                              "--target-path", str(out), "--quiet"])
    assert res.success, res.exception
    return out / "manifest.json"


def mart_docs() -> dict[str, dict]:
    docs = {}
    for path in sorted((ROOT / "models" / "marts").rglob("_*.yml")):
        for model in yaml.safe_load(path.read_text(encoding="utf-8")).get("models", []):
            docs[model["name"]] = model
    return docs


def test_dbt_docs_and_semantic_types_reach_metabase_once(fake, definitions, manifest, monkeypatch) -> None:
    import dbtmetabase._models

    monkeypatch.setattr(dbtmetabase._models, "_SYNC_PERIOD", 0.01)  # its wait between sync polls
    settings = settings_for(fake)
    publish(definitions, settings)
    report = push_model_docs(settings, manifest)
    assert report.problems == []
    docs = mart_docs()
    assert report.tables == len(docs)  # every mart has a description to push
    assert report.fields == sum(len(m.get("columns", [])) for m in docs.values())

    def field(table: str, column: str) -> dict:
        return fake.fields[fake.field_id("marts", table, column)]

    # Metabase reads what dbt docs shows: the descriptions as dbt rendered them ({{ doc() }} blocks in)
    rendered = {n["name"]: n for n in json.loads(manifest.read_text(encoding="utf-8"))["nodes"].values()
                if n["resource_type"] == "model" and n["schema"] == "marts"}
    assert set(rendered) == set(docs)
    for table, node in rendered.items():
        table_id = next(t for t, v in fake.tables.items() if v["name"] == table)
        assert fake.tables[table_id]["description"] == node["description"], table
        for column, info in node["columns"].items():
            assert field(table, column)["description"] == (info["description"] or None), (table, column)
    revenue = field("dash_01_attribution_sales", "revenue_eur")
    assert revenue["semantic_type"] == "type/Currency" and revenue["settings"] == {"currency": "EUR"}
    assert field("quality_metrics", "persons_with_email_share")["semantic_type"] == "type/Percentage"
    assert field("dash_03_audiences_loyalty", "season")["semantic_type"] == "type/Category"
    assert field("dim_persons", "person_key")["semantic_type"] == "type/PK"
    buyer = field("fct_tickets", "buyer_person_key")
    assert buyer["semantic_type"] == "type/FK"
    assert buyer["fk_target_field_id"] == fake.field_id("marts", "dim_persons", "person_key")
    assert field("dash_03_audiences_loyalty", "persons")["semantic_type"] is None  # a count: no rule

    before = len(fake.writes())
    again = push_model_docs(settings, manifest)
    assert (again.tables, again.fields, again.problems) == (0, 0, [])
    assert [w for w in fake.writes()[before:] if w.path.startswith(("/api/table", "/api/field"))] == []


def test_a_semantic_type_set_in_the_yaml_wins_over_the_naming_rule(manifest, tmp_path: Path) -> None:
    from publics.dashboards.metabase.datamodel import semantic_meta, with_semantic_types

    doc = json.loads(manifest.read_text(encoding="utf-8"))
    node = next(n for n in doc["nodes"].values() if n.get("name") == "dash_01_attribution_sales")
    node["columns"]["revenue_eur"]["meta"] = {"metabase.semantic_type": "type/Income"}
    source = tmp_path / "manifest.json"
    source.write_text(json.dumps(doc), encoding="utf-8")
    typed = json.loads(with_semantic_types(source, tmp_path / "typed.json").read_text(encoding="utf-8"))
    columns = next(n for n in typed["nodes"].values() if n.get("name") == "dash_01_attribution_sales")["columns"]
    assert columns["revenue_eur"]["meta"] == {"metabase.semantic_type": "type/Income"}
    assert columns["orders"]["meta"] == {}
    staging = next(n for n in typed["nodes"].values() if n.get("name") == "stg_secutix__orders")
    assert all("metabase.semantic_type" not in c.get("meta", {}) for c in staging["columns"].values())
    assert semantic_meta("spend_eur")["metabase.currency"] == "EUR"
    assert semantic_meta("channel_group_label") == {"metabase.semantic_type": "type/Category"}


def test_pushing_docs_before_the_database_exists_says_so(fake, manifest) -> None:
    with pytest.raises(MetabaseError, match="Database not found: publics — entrepôt"):
        push_model_docs(settings_for(fake), manifest)
