"""The xlsx reader on workbooks as teams really keep them (tests/sheet_workbooks.py says where
each detail comes from): titles above the header, the sheet chosen by its header, merged cells,
total / sum / note rows dropped and reported, hand-typed headers (aliases), formulas' saved values
and formulas never computed."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from ingestion import contracts
from ingestion.readers.base import RejectedFile
from ingestion.readers.xlsx import HEADER_SCAN_ROWS, read_xlsx
from tests import sheet_workbooks as books


def read(path: Path):
    parsed = read_xlsx(path, contracts.entity_for(path))
    return parsed, list(parsed.rows)


def test_budget_below_its_title_on_the_sheet_whose_header_matches(tmp_path: Path) -> None:
    parsed, rows = read(books.budgets(tmp_path))
    assert parsed.columns == ["saison", "campagne", "canal", "plateforme", "budget", "debut", "fin"]
    assert rows == [
        (5, ["2025-26", "25-26_conquete_carmen_jeunes", "Social payant", "Meta", "1200.5", "2026-02-01", "2026-03-12"]),
        (6, ["2025-26", "25-26_relance_tosca_abonnes", "Search", "Google Ads", "1 200,50\u00a0€", "12/03/2026",
             "31/03/2026"]),
        (7, ["2025-26", "25-26_newsletter_mars", "Emailing", "Brevo", "360", None, None]),  # the formula's saved value
    ]
    sheet, dropped = parsed.warnings
    assert sheet == ("sheet 'Budget 2025-26' read (the first sheet whose header has the contract's columns); "
                     "other sheets: 'Notes', 'Archive 2024-25' (hidden, not read)")
    assert dropped == ("sheet 'Budget 2025-26': 3 row(s) below or inside the table are not data and were not "
                       "loaded: row 8 (a sum or blank-key row: saison, campagne, canal empty); "
                       "row 9 (a total row: « TOTAL GÉNÉRAL »); row 11 (a note: « Budget validé en CA du 12/09/2025 »)")


def test_invitations_merged_show_and_dates_belong_to_every_invitee(tmp_path: Path) -> None:
    parsed, rows = read(books.invitations(tmp_path))
    assert parsed.columns == ["nom", "prenom", "email", "categorie", "spectacle", "date_de_representation",
                              "nombre_de_places", "present"]
    assert [(n, r[4], r[5], r[6], r[7]) for n, r in rows] == [
        (3, "Carmen", "2026-03-12 20:00:00", "2", "x"),
        (4, "Carmen", "2026-03-12 20:00:00", "1", None),
        (5, "Carmen", "14/03/2026", "2", "oui"),
        (6, "Carmen", "14/03/2026", "1", "non"),
    ]
    assert parsed.warnings == [("sheet 'Invités': 1 row(s) below or inside the table are not data and were not "
                               "loaded: row 7 (a total row: « Total »)")]


def test_a_formula_never_computed_is_rejected_naming_its_cell(tmp_path: Path) -> None:
    parsed = read_xlsx(path := books.invitations(tmp_path, never_opened=True), contracts.entity_for(path))
    with pytest.raises(RejectedFile) as err:
        list(parsed.rows)
    assert err.value.line == 5
    assert "cell G5 holds a formula with no saved value" in err.value.reason
    # the same never-opened budget: E7 (a data row) is named; the total rows' formulas are not data
    parsed = read_xlsx(path := books.budgets(tmp_path, never_opened=True), contracts.entity_for(path))
    with pytest.raises(RejectedFile, match="cell E7 holds a formula with no saved value"):
        list(parsed.rows)


def test_no_header_says_which_rows_were_tried_and_what_was_missing(tmp_path: Path) -> None:
    path = books.budgets_without_header(tmp_path)
    with pytest.raises(RejectedFile) as err:
        read(path)
    assert err.value.line == 3
    assert err.value.reason == (
        f"sheet 'Budget': no header row with the contract's columns among the first {HEADER_SCAN_ROWS} rows "
        "(non-empty rows tried: 1, 3, 4); the closest, row 3, has missing required column(s): budget")


def test_the_header_is_the_row_with_most_contract_columns_and_not_below_the_scan(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["utm_source", "utm_medium", "utm_campaign"])  # a legend row naming the columns
    ws.append(["utm_source", "utm_medium", "utm_campaign", "utm_content"])
    ws.append(["google", "cpc", "carmen", "a"])
    wb.save(path := tmp_path / "plan_utm.xlsx")
    parsed, rows = read(path)
    assert parsed.columns[-1] == "utm_content" and rows == [(3, ["google", "cpc", "carmen", "a"])]
    wb = openpyxl.Workbook()
    for _ in range(HEADER_SCAN_ROWS):
        wb.active.append(["Plan de marquage"])
    wb.active.append(["utm_source", "utm_medium", "utm_campaign"])
    wb.save(path := tmp_path / "plan_utm_loin.xlsx")
    with pytest.raises(RejectedFile, match="non-empty rows tried: 1, 2, .* …\\); the closest, row 1"):
        read(path)


def test_hidden_sheet_is_read_only_when_named(tmp_path: Path) -> None:
    path = books.budgets(tmp_path)
    entity = contracts.entity_for(path)
    named = contracts.Entity(**{**entity.__dict__, "options": (("sheet", "Archive 2024-25"),)})
    parsed = read_xlsx(path, named)
    assert list(parsed.rows) == [(2, ["2024-25", "ancienne", "Search", "999"])] and parsed.warnings == []


def test_too_many_merged_ranges_is_a_bound(tmp_path: Path) -> None:
    from ingestion.readers.xlsx import MAX_MERGES

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["utm_source", "utm_medium", "utm_campaign"])
    for row in range(2, MAX_MERGES + 3):
        ws.merge_cells(start_row=row, end_row=row, start_column=1, end_column=2)
    wb.save(path := tmp_path / "plan_utm.xlsx")
    with pytest.raises(RejectedFile, match=f"more than {MAX_MERGES:,} merged cell ranges"):
        read(path)


def test_subtotal_rows_inside_the_table_are_dropped_and_numbers_alone_are_not_notes(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["utm_source", "utm_medium", "utm_campaign", "utm_content"])
    ws.append(["google", "cpc", "carmen", "a"])
    ws.append(["Sous-total Google", None, None, None])
    ws.append(["meta", "paid_social", "tosca", "b"])
    ws.append([None, None, None, 12])  # a number alone, in a key column (utm_content): data, not a note
    ws.append(["Totalement gratuit", "x", "y", "z"])  # `Total…` in a word is no total
    wb.save(path := tmp_path / "plan_utm.xlsx")
    parsed, rows = read(path)
    assert [n for n, _ in rows] == [2, 4, 5, 6]
    assert parsed.warnings == [("sheet 'Sheet': 1 row(s) below or inside the table are not data and were not "
                                "loaded: row 3 (a total row: « Sous-total Google »)")]
