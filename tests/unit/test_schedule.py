"""The scheduler's clock arithmetic and loop, with a fake clock (no sleeping, no subprocess)."""

from __future__ import annotations

from datetime import datetime, timedelta
from datetime import time as day_time
from pathlib import Path

import pytest

from publics import schedule


@pytest.mark.parametrize(("now", "expected"), [
    (datetime(2026, 12, 2, 1, 59, 59), datetime(2026, 12, 2, 2, 0)),   # later today
    (datetime(2026, 12, 2, 2, 0), datetime(2026, 12, 3, 2, 0)),        # just run: tomorrow
    (datetime(2026, 12, 31, 23, 0), datetime(2027, 1, 1, 2, 0)),       # over the year's end
])
def test_next_run(now, expected):
    assert schedule.next_run(now, day_time(2, 0)) == expected


def test_parse_time_refuses_what_is_not_a_time():
    assert schedule.parse_time("02:30") == day_time(2, 30)
    with pytest.raises(SystemExit, match="not a time of day"):
        schedule.parse_time("25:00")


def test_loop_sleeps_until_the_time_then_runs_with_wait(monkeypatch):
    now = [datetime(2026, 12, 2, 1, 0)]
    slept: list[float] = []
    ran: list[list[str]] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += timedelta(seconds=seconds)

    class Done:
        returncode = 2

    def fake_run(cmd, env, check):
        ran.append(cmd)
        assert env[schedule.TRIGGER_ENV] == "scheduler"
        return Done()

    monkeypatch.setattr(schedule.subprocess, "run", fake_run)
    code = schedule.loop(day_time(2, 0), Path("/data/inbox"), once=True, wait_timeout=600,
                         printer=lambda _: None, sleep=sleep, clock=lambda: now[0])
    assert code == 2
    assert sum(slept) == 3600 and max(slept) <= 300  # an hour, in short naps
    assert len(ran) == 1 and ran[0][-5:] == ["run", "--wait", "--wait-timeout", "600", "/data/inbox"]
