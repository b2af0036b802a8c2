"""The right to object (issue 15) on hand-made data, the SecuTix fixtures
(tests/fixtures/secutix/README.md): contact 1001 (Hélène Œuvray, order O1, opt-in « O ») is
scored; 1003 (Zoé Muller, « O ») is on the marketing list; 1004 (Noël Garçon) said « N » to the
newsletter in SecuTix, SecuTix's opt-out: he is in dim_persons, not on the list.

`publics gdpr object` takes 1001 out of the scores and 1003 off the list; `--withdraw` brings
them back; the addresses are kept as keyed hashes only."""

from __future__ import annotations

import shutil

import pytest

from publics import warehouse
from publics.gdpr.keys import identifier_key
from tests.conftest import FIXTURES, querier, run_cli

HELENE, ZOE = "helene.oeuvray@exemple.fr", "Zoe.Muller@Exemple.fr"
SCORES = ("select recency_score, frequency_score, monetary_score, rfm_segment from marts.dim_persons "
          "join intermediate.int_identity__contacts using (person_key) where contact_id = %s")
LISTED = ("select count(*) from marts.dim_marketing_audience "
          "join intermediate.int_identity__contacts using (person_key) where contact_id = %s")


def cli(info: warehouse.ConnInfo, *args: str):
    return run_cli(*args, env={"DATABASE_URL": info.url})


@pytest.fixture(scope="module")
def world(module_db: warehouse.ConnInfo, tmp_path_factory):
    inbox, quarantine = tmp_path_factory.mktemp("inbox"), tmp_path_factory.mktemp("quarantine")
    for path in (FIXTURES / "secutix" / "good").glob("*.csv"):
        shutil.copy(path, inbox)
    result = cli(module_db, "ingest", str(inbox), "--quarantine", str(quarantine))
    assert result.code == 0, result
    result = cli(module_db, "build")
    assert result.code == 0, result.out[-3000:]
    return module_db, querier(module_db)


def scored(query, contact: str) -> bool:
    (row,) = query(SCORES, (contact,))
    return all(v is not None for v in row)


def test_secutix_opt_out_keeps_the_person_off_the_list(world):
    _info, query = world
    assert query(LISTED, ("1003",)) == [(1,)] and query(LISTED, ("1001",)) == [(1,)]
    assert query(LISTED, ("1004",)) == [(0,)]
    assert query("select count(*) from marts.dim_persons join intermediate.int_identity__contacts "
                 "using (person_key) where contact_id = '1004'") == [(1,)]
    assert query("select objects_to_marketing, marketing_objection_source from intermediate.int_gdpr__objections "
                 "join intermediate.int_identity__contacts using (person_key) where contact_id = '1004'") == \
        [(True, "secutix")]


def test_an_objection_to_profiling_removes_the_scores(world):
    info, query = world
    assert scored(query, "1001")
    others = query("select count(*) from marts.dim_persons where recency_score is not null")[0][0]
    result = cli(info, "gdpr", "object", "--email", HELENE, "--kind", "profiling")
    assert result.code == 0, result.out[-3000:]
    assert query(SCORES, ("1001",)) == [(None, None, None, None)]
    assert query("select count(*) from marts.dim_persons where recency_score is not null") == [(others - 1,)]
    assert query(LISTED, ("1001",)) == [(1,)]  # profiling only: she may still be solicited


def test_an_objection_to_marketing_leaves_the_list(world):
    info, query = world
    result = cli(info, "gdpr", "object", "--email", ZOE, "--kind", "marketing")
    assert result.code == 0, result.out[-3000:]
    assert query(LISTED, ("1003",)) == [(0,)]
    assert query("select count(*) from marts.dim_persons join intermediate.int_identity__contacts "
                 "using (person_key) where contact_id = '1003'") == [(1,)]


def test_the_addresses_are_never_kept_in_clear(world):
    _info, query = world
    rows = query("select email_key, kind, action, source from raw.gdpr_objections order by kind")
    assert rows == [(identifier_key(ZOE), "marketing", "object", "publics gdpr object"),
                    (identifier_key(HELENE), "profiling", "object", "publics gdpr object")]
    text = " ".join(str(v) for row in query("select * from raw.gdpr_objections") for v in row).lower()
    text += " ".join(str(v) for row in query("select * from intermediate.int_gdpr__objections") for v in row).lower()
    assert HELENE not in text and ZOE.lower() not in text and "muller" not in text


def test_withdrawing_restores(world):
    info, query = world
    for email, kind in ((HELENE, "profiling"), (ZOE, "marketing")):
        result = cli(info, "gdpr", "object", "--email", email, "--kind", kind, "--withdraw")
        assert result.code == 0, result.out[-3000:]
    assert scored(query, "1001")
    assert query(LISTED, ("1003",)) == [(1,)]
    assert query("select count(*) from raw.gdpr_objections") == [(4,)]  # a log: nothing erased


def test_an_unknown_kind_is_refused(world):
    info, _query = world
    result = cli(info, "gdpr", "object", "--email", HELENE, "--kind", "newsletter")
    assert result.code != 0 and "invalid choice" in result.out, result
