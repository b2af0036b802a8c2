"""Workbooks as teams keep them (tests/sheet_workbooks.py) → `publics ingest` → raw → staging:
rows, amounts to the cent, dates, the invitee's e-mail key (the one the ticketing contact of the
same address gets: the same `pseudonymise` macro), the rows left out reported in the ledger, a
formula never computed rejected naming its cell while the other files load."""

from __future__ import annotations

from pathlib import Path

from publics import keys, warehouse
from tests import sheet_workbooks as books
from tests.conftest import run_cli


def test_real_sheets_from_file_to_staging(tmp_path: Path, fresh_db, query) -> None:
    from publics.dbt_runner import dbt_build

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    books.budgets(inbox)
    books.invitations(inbox)
    never = tmp_path / "never"
    never.mkdir()
    (inbox / "invitations_tosca_jamais_ouvert.xlsx").write_bytes(
        books.invitations(never, never_opened=True).read_bytes())
    result = run_cli("ingest", str(inbox), "--quarantine", str(tmp_path / "q"), env={"DATABASE_URL": fresh_db.url})
    assert result.code == 2, result  # one file rejected, the others loaded
    assert "invitations_tosca_jamais_ouvert.xlsx, line 5: sheet 'Invités': cell G5 holds a formula" in result.out
    assert [p.name for p in (tmp_path / "q").rglob("*.xlsx")] == ["invitations_tosca_jamais_ouvert.xlsx"]
    ledger = dict(query("select file_name, array_to_string(warnings, ' | ') from raw.load_ledger "
                        "where status = 'loaded'"))
    assert "row 9 (a total row: « TOTAL GÉNÉRAL »)" in ledger["budgets_campagnes_2025-26_reel.xlsx"]
    assert "row 11 (a note: « Budget validé en CA du 12/09/2025 »)" in ledger["budgets_campagnes_2025-26_reel.xlsx"]
    assert "row 7 (a total row: « Total »)" in ledger["invitations_carmen_reel.xlsx"]

    dbt_build(fresh_db, ["stg_spreadsheets__campaign_budgets", "stg_spreadsheets__invitations",
                         "--indirect-selection", "cautious"])
    budgets = query("select campaign_name, platform, budget_eur::text, starts_on::text, ends_on::text "
                    "from staging.stg_spreadsheets__campaign_budgets order by 1")
    assert budgets == [
        ("25-26_conquete_carmen_jeunes", "meta", "1200.50", "2026-02-01", "2026-03-12"),
        ("25-26_newsletter_mars", "brevo", "360.00", None, None),
        ("25-26_relance_tosca_abonnes", "google_ads", "1200.50", "2026-03-12", "2026-03-31"),
    ]
    assert query("select sum(budget_eur)::text from staging.stg_spreadsheets__campaign_budgets") == [("2761.00",)]
    invitations = query(
        "select show_name, performance_date::text, seats, attended, invitation_category, "
        f"email_key = '{keys.email_key('marie.durand@example.fr', warehouse.key_secret())}' "
        "from staging.stg_spreadsheets__invitations "
        "order by 2, seats desc")
    assert invitations == [
        ("Carmen", "2026-03-12", 2, True, "presse", True),  # « Marie.Durand@Example.fr »
        ("Carmen", "2026-03-12", 1, None, "partenaire", False),
        ("Carmen", "2026-03-14", 2, True, "mecene", None),  # no e-mail: no key
        ("Carmen", "2026-03-14", 1, False, "presse", True),
    ]
    assert query("select sum(seats) from staging.stg_spreadsheets__invitations") == [(6,)]  # the sheet's « Total »
