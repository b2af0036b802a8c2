"""The web window and its clock: the days web analytics exist, Paris wall-clock seconds, the
Europe/Paris offset to UTC, and the seeded 64-bit hashes visitor ids are made from.

**Window.** The house installed its GA4 BigQuery export and its Matomo on `WEB_START`
(1 June 2025): web analytics exist from that day to `WEB_END`, the last full day before the
extraction on `frame.TODAY` (daily tables only, no intraday one). E-mailing is older
(`mailing.py`): clicks before `WEB_START` lead to visits nobody measured.

Times are ints (seconds), not datetimes: millions of sessions are generated. Hashes come from
the seed (blake2b, SplitMix64), never from Python's `hash()`.
"""

from __future__ import annotations

import bisect
import hashlib
from datetime import date, datetime, timedelta

from publics_demo.world.frame import TODAY
from publics_demo.world.model import World

WEB_START = date(2025, 6, 1)  # GA4 BigQuery export and Matomo installed
WEB_END = TODAY - timedelta(days=1)  # last full day exported
SESSIONS_IN_WINDOW = 1_900_000  # at scale 1, all origins together
ATTRIBUTION_DAYS = 30

DAY = 86_400
EPOCH = datetime(1970, 1, 1)
MASK64 = (1 << 64) - 1


def local_seconds(when: datetime) -> int:
    """Wall-clock time in Paris as seconds since 1970-01-01 00:00 (no time zone applied)."""
    return (when - EPOCH).days * DAY + (when - EPOCH).seconds


def day_start(day: date) -> int:
    return (day - EPOCH.date()).days * DAY


def day_of(t: int) -> date:
    return EPOCH.date() + timedelta(days=t // DAY)


def _last_sunday(year: int, month: int) -> date:
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() + 1) % 7)


# Europe/Paris summer time, as local-second bounds: [last Sunday of March 02:00, last Sunday of
# October 03:00). Computed from the EU rule so that no time-zone database is needed.
_DST_BOUNDS = [b for y in range(2015, 2031)
               for b in (day_start(_last_sunday(y, 3)) + 2 * 3600, day_start(_last_sunday(y, 10)) + 3 * 3600)]


def utc_offset(t: int) -> int:
    """Seconds to subtract from Paris wall-clock time `t` to get UTC."""
    return 7200 if bisect.bisect_right(_DST_BOUNDS, t) % 2 else 3600


def mix64(x: int) -> int:
    """SplitMix64's finaliser: a fast, well-spread 64-bit hash of an integer."""
    x = (x + 0x9E3779B97F4A7C15) & MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK64
    return x ^ (x >> 31)


def salt_of(world: World, label: str) -> int:
    """A 64-bit constant for the seed and a label (blake2b: stable across runs, unlike hash())."""
    digest = hashlib.blake2b(f"publics-demo/{world.seed}/{label}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def iso_local(t: int) -> str:
    return (EPOCH + timedelta(seconds=t)).isoformat()
