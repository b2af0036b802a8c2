"""What a report file says of itself above its header: its report period.

A Google Ads UI download (Campaigns table or Report editor → Download) opens with the report's
name and its date range, as the API's "Include Report Header" option describes them ("a header
row containing the report name and date range", data-integrations/google-ads docs), e.g.
`Campaign report` / `"March 1, 2026 - March 31, 2026"`, `Rapport sur les campagnes` /
`1 septembre 2025 - 30 septembre 2025` (tests/fixtures/ads, docs/formats.md §4). No export date
was found in any public description of that layout: the period's end is what the file says of
its age (it cannot have been exported before that day). A range the UI writes in words ("All
time", « Toute la période ») or any line this does not read gives no period.
"""

from __future__ import annotations

import re
from datetime import date

MONTHS = {
    # English, full and abbreviated (Sept. too)
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
    "sep": 9, "sept": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
    # French, full and abbreviated (janv., févr., avr., juil., sept., oct., nov., déc.)
    "janvier": 1, "janv": 1, "fevrier": 2, "fevr": 2, "fev": 2, "mars": 3, "avril": 4, "avr": 4,
    "mai": 5, "juin": 6, "juillet": 7, "juil": 7, "aout": 8, "septembre": 9, "octobre": 10,
    "novembre": 11, "decembre": 12,
}
_MONTH = r"([a-zéèûô]+)\.?"
_DATES = (
    # March 1, 2026
    (re.compile(_MONTH + r"\s+(\d{1,2}),?\s+(\d{4})"), ("month", "day", "year")),
    # 1 mars 2026, 1er mars 2026
    (re.compile(r"(\d{1,2})(?:er)?\s+" + _MONTH + r"\s+(\d{4})"), ("day", "month", "year")),
    # 2026-03-01
    (re.compile(r"(\d{4})-(\d{2})-(\d{2})"), ("year", "month", "day")),
)
_ACCENTS = str.maketrans("éèêëûüôîïàâç", "eeeeuuoiiaac")


def _dates(line: str) -> list[tuple[int, date]]:
    found = []
    text = line.lower().translate(_ACCENTS).replace("\u00a0", " ").replace("\u202f", " ")
    for pattern, order in _DATES:
        for match in pattern.finditer(text):
            parts = dict(zip(order, match.groups(), strict=True))
            month = parts["month"]
            number = int(month) if month.isdigit() else MONTHS.get(month.rstrip("."))
            try:
                found.append((match.start(), date(int(parts["year"]), number, int(parts["day"]))))
            except (TypeError, ValueError):
                continue  # not a month name, or no such day
    return sorted(found)


def report_period(preamble: list[str]) -> tuple[date, date] | None:
    """The first preamble line holding exactly two dates, start before end: (start, end)."""
    for line in preamble:
        dates = [d for _at, d in _dates(line)]
        if len(dates) == 2 and dates[0] <= dates[1]:
            return dates[0], dates[1]
    return None
