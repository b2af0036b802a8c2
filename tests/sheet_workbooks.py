"""Workbooks as teams really keep them, built with openpyxl for the spreadsheet tests.

Where each detail comes from:
- title/subtitle rows above the header, a `TOTAL GÉNÉRAL` row, a note « Budget validé en CA du … »,
  merged cells down a block of invitees: the brief of issue 13 (how the teams' files look); the
  OOXML shape of a merge (`<mergeCells><mergeCell ref="A4:A7"/>` after `<sheetData>`, the value
  kept in the top-left cell only, the other cells empty) is what openpyxl writes and what
  ECMA-376 Part 1 §18.3.1.55 describes.
- formulas: Excel and LibreOffice save a formula's last result beside it (`<f>SUM(E5:E7)</f>
  <v>2761.5</v>`), which openpyxl's `data_only=True` returns ("the value stored the last time
  Excel read the sheet", openpyxl.reader.excel.load_workbook docs); openpyxl itself writes
  `<f>…</f><v />` (no result: it does not compute). `cached()` below patches the sheet XML the
  way Excel writes it — NOT reproduced exactly: Excel also writes `t="str"` for text results and a
  calcChain part; our numeric results need neither to be read.
- number formats `#,##0.00 "€"`, `dd/mm/yyyy`, `0 %`: Excel's built-in/custom format codes (the
  value stays the number; openpyxl returns floats and datetimes).
- a hidden sheet: `sheet_state = "hidden"` (workbook.xml `<sheet state="hidden">`).
- text typed by hand: « 1 200,50 € » with a no-break space before € as French Excel's currency
  display does (typed as text it is kept verbatim), « 12/03/2026 », tick boxes « x », « oui ».
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl

EURO = '#,##0.00 "€"'
DAY = "dd/mm/yyyy"


def cached(path: Path, results: dict[str, object]) -> Path:
    """Give formula cells their saved result, as Excel writes it (`<v>result</v>`)."""
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                text = data.decode()
                for ref, value in results.items():
                    text = re.sub(rf'(<c r="{ref}"[^>]*><f>[^<]*</f>)<v ?/>', rf"\g<1><v>{value}</v>", text)
                data = text.encode()
            dst.writestr(item, data)
    shutil.move(tmp, path)
    return path


def budgets(folder: Path, *, never_opened: bool = False) -> Path:
    """A marketing budget: an empty first sheet « Notes », a hidden archive sheet, then the
    budget with a title and a subtitle, a header typed by hand, a currency-formatted number, a
    hand-typed amount, text dates, a formula, a sum row, a total row and a merged note."""
    wb = openpyxl.Workbook()
    wb.active.title = "Notes"
    archive = wb.create_sheet("Archive 2024-25")
    archive.append(["Saison", "Campagne", "Canal", "Budget"])
    archive.append(["2024-25", "ancienne", "Search", 999])
    archive.sheet_state = "hidden"
    ws = wb.create_sheet("Budget 2025-26")
    ws.append(["Budgets des campagnes – saison 2025-26"])
    ws.merge_cells("A1:G1")
    ws.append(["Mis à jour le 12/09/2025 par C. Morel"])
    ws.append([])
    ws.append(["Saison", "Campagne ", "CANAL", "Plateforme", "Budget\nHT ", "Date de début", "Date de fin"])
    ws.append(["2025-26", "25-26_conquete_carmen_jeunes", "Social payant", "Meta", 1200.5,
               dt.datetime(2026, 2, 1), dt.datetime(2026, 3, 12)])
    ws.append(["2025-26", "25-26_relance_tosca_abonnes", "Search", "Google Ads", "1 200,50\u00a0€",
               "12/03/2026", "31/03/2026"])
    ws.append(["2025-26", "25-26_newsletter_mars", "Emailing", "Brevo", "=300*1.2", None, None])
    ws.append([None, None, None, None, "=SUM(E5:E7)"])  # a sum row: no key
    ws.append(["TOTAL GÉNÉRAL", None, None, None, "=E8"])
    ws.append([])
    ws.append(["Budget validé en CA du 12/09/2025"])
    ws.merge_cells("A11:G11")
    for row in range(5, 10):
        ws.cell(row, 5).number_format = EURO
        ws.cell(row, 6).number_format = ws.cell(row, 7).number_format = DAY
    path = folder / "budgets_campagnes_2025-26_reel.xlsx"
    wb.save(path)
    if not never_opened:
        cached(path, {"E7": 360, "E8": 2761, "E9": 2761})
    return path


def invitations(folder: Path, *, never_opened: bool = False) -> Path:
    """An invitation list: a title, a header as people write it (« Adresse mail », « Nb
    places » with a line break, « Date de la représentation »), the show merged down the whole
    block, each performance date merged down its invitees (an Excel date, then a text date),
    tick boxes, a formula for the seats and a total row."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Invités"
    ws.append(["Liste des invités – Carmen (mars 2026)"])
    ws.merge_cells("A1:H1")
    ws.append(["Nom", "Prénom", "Adresse mail", "Catégorie", "Spectacle", "Date de la représentation",
               "Nb\nplaces", "Présent(e)"])
    ws.append(["DURAND", "Marie", "Marie.Durand@Example.fr", "Presse", "Carmen", dt.datetime(2026, 3, 12, 20), 2, "x"])
    ws.append(["Petit", "Louis", "louis.petit@example.org", "partenaires", None, None, 1, None])
    ws.append(["Roux", "Anne", None, "Mécène", None, "14/03/2026", "=1+1", "oui"])
    ws.append(["Durand", "Marie", "marie.durand@example.fr", "Presse", None, None, 1, "non"])
    ws.append(["Total", None, None, None, None, None, "=SUM(G3:G6)", None])
    ws.merge_cells("E3:E6")  # the show down the whole block
    ws.merge_cells("F3:F4")  # each date down its invitees
    ws.merge_cells("F5:F6")
    ws.cell(3, 6).number_format = "dd/mm/yyyy hh:mm"
    path = folder / "invitations_carmen_reel.xlsx"
    wb.save(path)
    if not never_opened:
        cached(path, {"G5": 2, "G7": 6})
    return path


def budgets_without_header(folder: Path) -> Path:
    """Title rows, then a header without any budget column."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Budget"
    ws.append(["Budgets 2025-26"])
    ws.append([])
    ws.append(["Saison", "Campagne", "Canal", "Montant prévu"])
    ws.append(["2025-26", "x", "Search", 10])
    path = folder / "budgets_sans_colonne_budget.xlsx"
    wb.save(path)
    return path
