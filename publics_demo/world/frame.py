"""The fixed frame of the demo: today, the extraction time, the seasons and the sizes at scale 1.

There is no clock: `TODAY` is fixed, so that the same seed and scale give the same files.
"""

from __future__ import annotations

from datetime import date, datetime

TODAY = date(2026, 7, 15)
EXPORT_TIME = datetime(2026, 7, 15, 5, 30, 0)  # when the last extracts are taken

SEASONS = ("2023-24", "2024-25", "2025-26")

# Sizes at scale 1 (one season of a 1,000-seat house; SPEC §9). Scaled linearly.
PERFORMANCES_PER_SEASON = 200
INDIVIDUALS = 150_000  # every individual contact ever created, prospects included
STRUCTURES = 900  # schools, associations, works councils…
MIN_PERFORMANCES_PER_SEASON = 3


def season_bounds(season: str) -> tuple[date, date]:
    """A season runs September → August: `2025-26` is 1 Sept 2025 – 31 Aug 2026."""
    start_year = int(season[:4])
    return date(start_year, 9, 1), date(start_year + 1, 8, 31)


def season_of(day: date) -> str:
    start_year = day.year if day.month >= 9 else day.year - 1
    return f"{start_year}-{str(start_year + 1)[2:]}"

