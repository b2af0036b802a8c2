"""The static rendering's building blocks on hand-made inputs: French number formatting, axis
ticks, the SVG chart builders (geometry measured on the SVG itself) and the cards' states."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path

import pytest

from publics.dashboards.definitions import Dashboard
from publics.dashboards.html.cards import TABLE_MAX_ROWS, CardResult
from publics.dashboards.html.charts import Series, bar_chart_svg, line_chart_svg, pie_chart_svg
from publics.dashboards.html.formats import (
    column_kind,
    column_label,
    format_compact,
    format_number,
    format_value,
    nice_ticks,
)
from publics.dashboards.html.pages import DashboardResult, dashboard_html, index_html

THIN, NBSP = "\u202f", "\u00a0"
SVG = "{http://www.w3.org/2000/svg}"
AT = dt.datetime(2025, 1, 6, 9, 0, tzinfo=dt.UTC)


def marks(svg: str, tag: str = "rect") -> list[ET.Element]:
    root = ET.fromstring(svg)  # also proves the SVG is well-formed XML
    return [e for e in root.iter(SVG + tag) if e.get("class") == "mark"]


def f(e: ET.Element, attr: str) -> float:
    return float(e.get(attr))


# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(("value", "decimals", "expected"), [
    (1234.5, 2, f"1{THIN}234,50"),
    (Decimal("1234567.891"), 2, f"1{THIN}234{THIN}567,89"),
    (Decimal("0.125"), 2, "0,13"),  # half up, not banker's rounding
    (0.125, 2, "0,13"),  # floats through their decimal text, not their binary value
    (-1234.5, 2, f"-1{THIN}234,50"),
    (Decimal("-0.001"), 2, "0,00"),  # no negative zero
    (999, 0, "999"),
    (8788, 0, f"8{THIN}788"),
    (None, 2, "—"),
    (float("nan"), 2, "—"),
])
def test_format_number_french(value, decimals, expected) -> None:
    assert format_number(value, decimals) == expected


@pytest.mark.parametrize(("value", "kind", "expected"), [
    (1234.5, "eur", f"1{THIN}234,50{NBSP}€"),
    (Decimal("577222.75"), "eur", f"577{THIN}222,75{NBSP}€"),
    (Decimal("0.51758499413833528722"), "percent", f"51,8{NBSP}%"),
    (Decimal("0E-24"), "percent", f"0,0{NBSP}%"),
    (Decimal(8788), "number", f"8{THIN}788"),
    (Decimal("0.00"), "number", "0"),
    (Decimal("1.54"), "number", "1,54"),
    (dt.date(2023, 5, 8), "number", "08/05/2023"),
    (dt.datetime(2026, 11, 23, 8, 55, tzinfo=dt.UTC), "number", "23/11/2026 09:55"),  # Paris time
    (True, "number", "oui"),
    ("Guichet", "number", "Guichet"),
    (None, "eur", "—"),
    # by the units of publics.kpis.UNITS (issue 14: 0.0041 was printed « 0,00 » on dashboard 18)
    (Decimal("0.0041"), "share", f"0,41{NBSP}%"),
    (Decimal("0.01"), "share", f"1,0{NBSP}%"),
    (Decimal("0.392"), "share", f"39,2{NBSP}%"),
    (Decimal("1234.5"), "count", f"1{THIN}234,5"),
    (Decimal("8320.0000"), "count", f"8{THIN}320"),
    (Decimal("1.5"), "ratio", "1,50"),
    (Decimal(2), "ratio", "2,00"),
    (Decimal("0.148"), "relative_error", f"14,8{NBSP}%"),  # dashboard 4's MAPE, once printed « 0,15 »
    (Decimal("1.25"), "relative_error", f"125,0{NBSP}%"),  # an error may exceed the true value
    (Decimal("1.25"), "days", f"1,3{NBSP}j"),
    (Decimal(3), "days", f"3{NBSP}j"),
    (Decimal("0.45"), "eur", f"0,45{NBSP}€"),
])
def test_format_value(value, kind, expected) -> None:
    assert format_value(value, kind) == expected


def test_format_agrees_with_cldr_french() -> None:
    """An independent answer: babel's CLDR data for fr_FR (same spaces, same symbols)."""
    babel_numbers = pytest.importorskip("babel.numbers")
    assert format_value(1234.5, "eur") == babel_numbers.format_currency(1234.5, "EUR", locale="fr_FR")
    assert format_value(-98765.4, "eur") == babel_numbers.format_currency(-98765.4, "EUR", locale="fr_FR")
    assert format_value(0.52, "percent") == babel_numbers.format_percent(0.52, "#,##0.0\u00a0%", locale="fr_FR")


@pytest.mark.parametrize(("value", "kind", "expected"), [
    (395945, "eur", f"396{NBSP}k€"),
    (1234567, "number", f"1,23{NBSP}M"),
    (850, "eur", f"850{NBSP}€"),
    (0.46, "number", "0,46"),
    (0.5, "number", "0,5"),
    (0.686, "percent", f"68,6{NBSP}%"),
])
def test_format_compact(value, kind, expected) -> None:
    assert format_compact(value, kind) == expected


def test_nice_ticks() -> None:
    assert nice_ticks(0, 577222.75) == [0, 200000, 400000, 600000]  # at most 5 steps of 1, 2, 2.5 or 5 × 10ⁿ
    assert nice_ticks(0, 395945) == [0, 100000, 200000, 300000, 400000]
    assert nice_ticks(0, 0.6) == pytest.approx([0, 0.2, 0.4, 0.6])
    assert nice_ticks(0, 0.45) == pytest.approx([0, 0.1, 0.2, 0.3, 0.4, 0.5])
    assert nice_ticks(0, 0) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert nice_ticks(5, 9)[0] == 0  # the baseline is always zero
    ticks = nice_ticks(-30, 70)
    assert ticks[0] <= -30 and ticks[-1] >= 70 and 0 in ticks


def test_columns_kinds_and_labels() -> None:
    card = {"display": "line", "metrics": ["valeur"], "column_units": {"valeur": "share", "recette_eur": "eur"}}
    assert column_kind(card, "valeur") == "share"
    assert column_kind(card, "recette_eur") == "eur"
    assert column_kind(card, "canal") == "number"  # no unit: text, a date or a plain number
    assert column_label({}, "recette_eur") == "Recette (€)"
    assert column_label({}, "depense_eur") == "Dépense (€)"
    assert column_label({}, "ctr") == "CTR"
    assert column_label({"labels": {"en_u": "En U (40/20/40)"}}, "en_u") == "En U (40/20/40)"


# --------------------------------------------------------------------------- charts


def test_bar_heights_are_proportional_to_values() -> None:
    svg = bar_chart_svg(["A", "B", "C"], [Series("Billets", [10, 20, 40])], 600, 300)
    bars = marks(svg)
    assert len(bars) == 3
    heights = [f(b, "height") for b in bars]
    assert heights[1] / heights[0] == pytest.approx(2, rel=0.01)
    assert heights[2] / heights[0] == pytest.approx(4, rel=0.01)
    bottoms = {round(f(b, "y") + f(b, "height"), 1) for b in bars}
    assert len(bottoms) == 1  # one baseline
    xs = [f(b, "x") for b in bars]
    assert xs == sorted(xs) and len({f(b, "width") for b in bars}) == 1


def test_row_bars_lengths_are_proportional_and_labelled() -> None:
    svg = bar_chart_svg(["Meta", "Google Ads"], [Series("Dépense", [2100.73, 874.13], "eur")],
                        600, 200, horizontal=True)
    bars = marks(svg)
    assert f(bars[0], "width") / f(bars[1], "width") == pytest.approx(2100.73 / 874.13, rel=0.01)
    assert f(bars[0], "x") == f(bars[1], "x")  # same zero line
    assert f(bars[0], "y") < f(bars[1], "y")  # first category on top
    assert f"2{THIN}101{NBSP}€" in svg and "Google Ads" in svg


def test_negative_bar_hangs_below_the_baseline() -> None:
    bars = marks(bar_chart_svg(["gain", "perte"], [Series("Solde", [30, -10])], 400, 300))
    assert f(bars[0], "y") + f(bars[0], "height") == pytest.approx(f(bars[1], "y"), abs=0.02)
    assert f(bars[0], "height") / f(bars[1], "height") == pytest.approx(3, rel=0.01)


def test_grouped_bars_and_panels_by_unit() -> None:
    same_unit = bar_chart_svg(["Meta", "Google"], [Series("Budget", [2190, 900], "eur"),
                                                   Series("Dépense", [2100, 874], "eur")], 600, 300)
    assert len(marks(same_unit)) == 4 and same_unit.count('class="panel"') == 1
    assert 'class="legend"' in same_unit
    mixed = bar_chart_svg(["Web", "Guichet"], [Series("Recette", [395945, 57307], "eur"),
                                               Series("Billets", [5811, 1104])], 600, 300)
    assert mixed.count('class="panel"') == 2  # euros and tickets never share an axis
    root = ET.fromstring(mixed)
    panels = [g for g in root.iter(SVG + "g") if g.get("class") == "panel"]
    for panel in panels:
        bars = [e for e in panel.iter(SVG + "rect") if e.get("class") == "mark"]
        values = [float(b.get("data-value")) for b in bars]
        heights = [f(b, "height") for b in bars]
        assert heights[0] / heights[1] == pytest.approx(values[0] / values[1], rel=0.01)


def test_missing_values_draw_no_bar() -> None:
    assert len(marks(bar_chart_svg(["A", "B"], [Series("x", [None, 3])], 300, 200))) == 1


def test_line_positions_dates_at_their_true_distance() -> None:
    days = [dt.date(2025, 1, 1), dt.date(2025, 1, 2), dt.date(2025, 1, 11)]
    svg = line_chart_svg(days, [Series("Billets", [0, 50, 100])], 600, 300)
    dots = marks(svg, "circle")
    cx = [f(c, "cx") for c in dots]
    assert (cx[2] - cx[1]) / (cx[1] - cx[0]) == pytest.approx(9, rel=0.01)
    cy = [f(c, "cy") for c in dots]
    assert (cy[0] - cy[1]) == pytest.approx(cy[1] - cy[2], abs=0.02)  # 0 → 50 → 100: even steps up
    assert len(marks(svg, "path")) == 1


def test_line_breaks_at_missing_values() -> None:
    svg = line_chart_svg(["a", "b", "c", "d", "e"], [Series("s", [1, 2, None, 3, 4])], 600, 300)
    (path,) = marks(svg, "path")
    assert path.get("d").count("M") == 2  # two runs, no line across the gap


def test_line_series_and_percent_axis() -> None:
    svg = line_chart_svg(["2023-24", "2024-25"], [Series("Part primo", [0.55, 0.48], "percent"),
                                                  Series("Fidélisation", [None, 0.43], "percent")], 600, 300)
    assert f"60{NBSP}%" in svg and 'class="legend"' in svg
    assert len(marks(svg, "circle")) == 3 and len(marks(svg, "path")) == 1  # a lone point is a dot


def test_pie_slices_are_proportional() -> None:
    svg = pie_chart_svg(["a", "b"], [1, 3], 400, 200)
    slices = marks(svg, "path")
    assert len(slices) == 2
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", slices[0].get("d"))]
    cx, cy, _, _, r = numbers[0], numbers[1], numbers[2], numbers[3], numbers[4]
    end_x, end_y = numbers[-2], numbers[-1]  # a quarter: from noon to three o'clock
    assert (end_x, end_y) == pytest.approx((cx + r, cy), abs=0.02)


# --------------------------------------------------------------------------- cards and pages


def dashboard(cards: list[dict]) -> Dashboard:
    spec = {"id": 99, "slug": "essai", "title": "Essai <& co>", "dataset": "marts.essai",
            "canvas": {"objective": "Vérifier.", "audience": ["Direction"], "kpis": ["Recette"],
                       "sources": ["SecuTix"], "filters": ["Saison"], "refresh": "Quotidienne"},
            "filters": [{"id": "season", "label": "Saison", "type": "category", "column": "season",
                         "default": "2024-25"}],
            "cards": cards}
    return Dashboard(Path("99_essai.yml"), spec)


def card(cid: str, display: str, col: int = 0, **extra) -> dict:
    return {"id": cid, "title": f"Carte {cid}", "display": display,
            "position": {"row": 0, "col": col, "size_x": 6, "size_y": 4},
            "query": "select 1 where true [[and {{season}}]]", **extra}


def test_card_states_and_messages() -> None:
    failed = CardResult(card("a", "bar"), error='relation "marts.x" does not exist')
    assert failed.drawn[1] == "error" and "requête a échoué" in failed.drawn[0]
    assert "marts.x" in failed.drawn[0]  # the detail, for whoever fixes it
    empty = CardResult(card("b", "table"), ["x"], [])
    assert empty.drawn[1] == "empty" and "Aucune donnée" in empty.drawn[0]
    null_scalar = CardResult(card("c", "scalar"), ["x"], [(None,)])
    assert null_scalar.drawn[1] == "empty"
    nothing_to_plot = CardResult(card("d", "line"), ["x", "y"], [("a", None), ("b", None)])
    assert nothing_to_plot.drawn[1] == "empty"
    share = CardResult(card("e", "scalar", column_units={"part": "share"}), ["part"], [(Decimal("0.686"),)])
    assert share.drawn[1] == "ok" and f"68,6{NBSP}%" in share.drawn[0]


def test_a_scalar_shows_its_scope_and_non_mesure_outside_its_window() -> None:
    """A scalar's text columns after its figure ({coverage}, {history_start}) are drawn under it;
    a null figure whose coverage says « non mesuré » reads « non mesuré » with the window, not
    « Aucune donnée » (and never 0)."""
    window = "non mesuré — mesure web du 01/06/2025 au 15/07/2026"
    outside = CardResult(card("f", "scalar"), ["roas", "mesure"], [(None, window)])
    html, state, _ = outside.drawn
    assert state == "ok" and '<p class="scalar-value">non mesuré</p>' in html and "01/06/2025" in html
    partly = CardResult(card("g", "scalar", column_units={"part": "share"}), ["part", "mesure"],
                        [(Decimal("0.25"), "partiellement mesuré — mesure web du 01/06/2025 au 15/07/2026")])
    assert f"25,0{NBSP}%" in partly.drawn[0] and "partiellement mesuré" in partly.drawn[0]
    first_season = CardResult(card("h", "scalar"), ["part", "donnees"], [(None, "depuis 2023-24, début des données")])
    assert first_season.drawn[1] == "empty"  # no base to tell why: no figure, not « non mesuré »
    # a rate whose base is null (the season before is not in the data): « non mesuré », said why
    rate = card("i", "scalar", column_units={"part": "share", "base": "count"})
    rate["base_of"] = {"base": "part"}
    before = CardResult(rate, ["part", "base", "donnees"], [(None, None, "depuis 2023-24, début des données")])
    html, state, _ = before.drawn
    assert state == "ok" and '<p class="scalar-value">non mesuré</p>' in html and "saison d&#x27;avant" in html
    assert "sur " not in html
    empty_base = CardResult(rate, ["part", "base", "donnees"], [(None, 0, "depuis 2023-24, début des données")])
    assert empty_base.drawn[1] == "empty"  # a base of 0 is a filter that keeps nobody


def test_a_table_says_non_mesure_for_a_rate_its_row_cannot_give() -> None:
    table = card("j", "table", column_units={"part": "share", "base": "count"})
    table["base_of"] = {"base": "part"}
    html = CardResult(table, ["saison", "part", "base"], [("2023-24", None, None), ("2024-25", Decimal("0.58"), 2195)]).drawn[0]
    assert "<td class=\"num\">non mesuré</td>" in html and f"58,0{NBSP}%" in html and "2\u202f195" in html


def test_a_rate_scalar_shows_its_base_and_a_count_its_total() -> None:
    renewal = CardResult(card("r", "scalar", column_units={"taux": "share", "base": "count"},
                              column_bases={"base": "Abonnés de première année la saison précédente"}),
                         ["taux", "base", "donnees"], [(Decimal("0.392"), Decimal(130), "depuis 2023-24, début des données")])
    html = renewal.drawn[0]
    assert f'<p class="scalar-value">39,2{NBSP}%</p>' in html
    assert "sur 130 — Abonnés de première année la saison précédente" in html and "depuis 2023-24" in html
    tickets = CardResult(card("t", "scalar", column_units={"attribues": "count", "billets": "count"},
                              labels={"billets": "Sur l'ensemble des billets"}),
                         ["attribues", "billets"], [(Decimal("5330.0000"), Decimal("8320.0000"))])
    assert f">5{THIN}330</p>" in tickets.drawn[0] and f"Sur l&#x27;ensemble des billets : 8{THIN}320" in tickets.drawn[0]
    outside = CardResult(card("o", "scalar", column_units={"roas": "ratio", "base_eur": "eur"},
                              column_bases={"base_eur": "Dépense des jours mesurés"}),
                         ["roas", "base_eur", "mesure"], [(None, Decimal(0), "non mesuré — mesure web du 01/06/2025 au 14/07/2026")])
    assert '<p class="scalar-value">non mesuré</p>' in outside.drawn[0] and "sur 0" not in outside.drawn[0]


def test_a_table_base_is_blank_where_its_rate_is() -> None:
    renewal = CardResult(card("r", "table", column_units={"taux": "share", "base": "count"}, base_of={"base": "taux"}),
                         ["saison", "taux", "base"], [("2023-24", None, 0), ("2025-26", Decimal("0.49"), Decimal(51))])
    html = renewal.drawn[0]
    assert f">49,0{NBSP}%</td>" in html and ">51</td>" in html and ">0</td>" not in html
    assert html.count(">non mesuré</td>") == 1 and html.count(">—</td>") == 1  # the rate said, its base blank


def test_a_value_unit_column_formats_each_row_and_outcomes_have_their_colour() -> None:
    """Dashboard 18: one column of figures in different units, each row by its `value_unit`
    (not shown); a failure is red, a warning orange, a success green."""
    result = CardResult(card("m", "table"), ["indicateur", "valeur", "value_unit", "resultat"], [
        ("Taux de doublons", Decimal("0.0041"), "share", "avertissement"),
        ("Écart de recette", "12.5", "eur", "échec critique"),
        ("Lignes", Decimal(8320), "count", "réussie"),
        ("Texte", "Tarif inconnu", None, "réussie")])
    html = result.drawn[0]
    assert "value_unit" not in html.lower() and "Value unit" not in html
    assert f">0,41{NBSP}%</td>" in html and f">12,50{NBSP}€</td>" in html and f">8{THIN}320</td>" in html
    assert ">Tarif inconnu</td>" in html
    assert '"txt outcome-warning">avertissement' in html and '"txt outcome-failed">échec critique' in html
    assert html.count('"txt outcome-passed">réussie') == 2


def test_a_failure_series_is_red_and_a_rate_tooltip_tells_its_base() -> None:
    bars = CardResult(card("b", "bar", dimensions=["critere"], metrics=["reussis", "en_defaut"],
                           colors={"reussis": "passed", "en_defaut": "failed"},
                           column_units={"reussis": "count", "en_defaut": "count"}),
                      ["critere", "reussis", "en_defaut"], [("complétude", 10, 2), ("fraîcheur", 4, 1)])
    svg = bars.drawn[0]
    assert re.search(r'fill="#D64545" data-series="En défaut"', svg) and "#88BF4D" not in svg
    assert re.search(r'fill="#509E2F" data-series="Réussis"', svg)
    line = CardResult(card("l", "line", dimensions=["saison"], metrics=["fidelisation"],
                           bases={"fidelisation": "base"}, column_units={"fidelisation": "share", "base": "count"}),
                      ["saison", "fidelisation", "base"], [("2024-25", Decimal("0.43"), 1234), ("2025-26", Decimal("0.5"), 51)])
    svg = line.drawn[0]
    assert f"2024-25 — Fidélisation : 43,0{NBSP}% (sur 1{THIN}234)" in svg
    assert f"2025-26 — Fidélisation : 50,0{NBSP}% (sur 51)" in svg


def test_long_tables_are_capped_with_a_note() -> None:
    rows = [(f"ligne {i}", i) for i in range(120)]
    result = CardResult(card("t", "table"), ["libelle", "billets"], rows)
    body, state, note = result.drawn
    assert state == "ok" and body.count("<tr>") == TABLE_MAX_ROWS + 1  # the header row too
    assert note == f"Affichage limité aux {TABLE_MAX_ROWS} premières lignes sur 120."


def test_page_is_self_contained_deterministic_and_marks_every_card() -> None:
    cards = [card("total", "scalar", col=0, column_units={"recette_eur": "eur"}),
             card("by_channel", "bar", col=6, dimensions=["canal"], metrics=["recette_eur"],
                  column_units={"recette_eur": "eur"}),
             card("broken", "line", col=12), card("none", "table", col=18)]
    d = dashboard(cards)
    results = [CardResult(cards[0], ["recette_eur"], [(Decimal("1234.5"),)], applied={"season": "2024-25"}),
               CardResult(cards[1], ["canal", "recette_eur"], [("Web", Decimal(10)), ("Guichet", Decimal(5))]),
               CardResult(cards[2], error="boom"),
               CardResult(cards[3], ["x"], [])]
    result = DashboardResult(d, {"season": "2024-25"}, results)
    page = dashboard_html(result, AT)
    assert page == dashboard_html(result, AT)
    assert result.filename == "99_essai.html"
    for c in cards:
        assert re.search(rf'data-card-id="{c["id"]}"[^>]*data-state="\w+" data-drawn="true"', page)
    assert page.count('data-drawn="true"') == 4
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    assert "Content-Security-Policy" in page and '<html lang="fr">' in page
    assert "Essai &lt;&amp; co&gt;" in page  # escaped
    assert "grid-column: 7 / span 6; grid-row: 1 / span 4" in page
    assert f"1{THIN}234,50{NBSP}€" in page
    assert "2024-25" in page and "(par défaut)" in page and "Rendu le 06/01/2025 à 10:00" in page
    index = index_html([result], AT)
    assert 'href="99_essai.html"' in index and "4 carte(s) dont 1 sans donnée, 1 en échec" in index
