"""Dashboard 9 « Prospects » against the demo's planted truth (publics_demo/world/prospects.py,
same definitions), and `publics audiences export prospects-a-relancer` on the demo: no objector
and no one without consent in the file."""

from __future__ import annotations

import csv

from publics_demo import truth as demo_truth
from tests.conftest import run_cli

COLUMNS = ["prospects", "new_prospects", "converted_prospects", "conversion_delay_days"]


def test_prospects_dataset_equals_the_planted_truth(demo_warehouse) -> None:
    truth = demo_truth.read_truth(demo_warehouse.out, "secutix")["prospects"]["by_season"]
    rows = demo_warehouse.query(
        f"select season, prospect_origin, {', '.join(f'sum({c})' for c in COLUMNS)} "
        "from marts.dash_09_prospects group by season, prospect_origin order by season, prospect_origin")
    got = {(season, origin): dict(zip(COLUMNS, values)) for season, origin, *values in rows}
    expected = {(season, origin): row for season, origins in truth.items() for origin, row in origins.items()}
    assert got == expected
    assert {origin for _, origin in got} == {"groupe_relais", "invitation", "inscription_newsletter", "compte_web"}
    last = max(truth)
    for origin, row in truth[last].items():
        rate = row["converted_prospects"] / row["prospects"]
        delay = row["conversion_delay_days"] / row["converted_prospects"] if row["converted_prospects"] else None
        print(f"\nprospects {last} {origin}: {row['prospects']} prospects, {rate:.1%} converted, "
              f"mean delay {delay and round(delay)} days")


def test_exported_prospects_hold_no_objector_and_no_one_without_consent(demo_warehouse, tmp_path) -> None:
    query = demo_warehouse.query
    near = query("select count(*) from marts.dim_prospects where is_near_retention_limit")[0][0]
    # the list before consent: some near the limit refuse communications (SecuTix « N »)
    refusing = query("""select count(*) from marts.dim_prospects as p
        inner join intermediate.int_gdpr__objections as o on o.person_key = p.person_key
        where p.is_near_retention_limit and (o.objects_to_marketing or o.objects_to_profiling)""")[0][0]
    assert near > refusing > 0
    out = tmp_path / "relance.csv"
    result = run_cli("audiences", "export", "prospects-a-relancer", "--format", "brevo",
                     "--purpose", "test : relance avant la limite de conservation", "--out", str(out),
                     env=demo_warehouse.env)
    try:
        assert result.code == 0, result
        with out.open(encoding="utf-8", newline="") as fh:
            emails = {r["EMAIL"] for r in csv.DictReader(fh, delimiter=";")}
        contactable = query("select sum(near_retention_limit_contactable) from marts.dash_09_prospects")[0][0]
        assert len(emails) == contactable > 0
        # every address of a person who objects, or whose latest SecuTix choice is not « oui »
        barred = {r[0] for r in query("""
            select identities.email
            from restricted.restricted_contact_identities as identities
            inner join intermediate.int_identity__contacts as links on links.contact_id = identities.contact_id
            left join intermediate.int_gdpr__objections as o on o.person_key = links.person_key
            inner join marts.dim_persons as persons on persons.person_key = links.person_key
            where o.objects_to_marketing or o.objects_to_profiling or not persons.has_newsletter_opt_in""")}
        assert barred and not emails & barred
        print(f"\nprospects near the retention limit: {near}, refusing {refusing}, exported {len(emails)}")
    finally:  # the shared demo warehouse stays as built
        query("drop table if exists restricted.audience_export_ledger")
