"""The scheduler: `publics schedule --at 02:00 <inbox>` sleeps until that time of day, runs
`publics run --wait <inbox>` (a process of its own, so each night starts clean), and does it
again the next day. The run queues behind a step already running (someone's `publics build` by
hand) rather than being refused, up to `--wait-timeout` seconds; its outcome goes to the run
history (`publics runs`, dashboard 18) with the trigger `scheduler`. The time is the container's
local time (TZ). The compose stack's `scheduler` service runs it (docker-compose.yml).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from datetime import time as day_time
from pathlib import Path

from publics.runs import TRIGGER_ENV

DEFAULT_AT = "02:00"


def parse_time(text: str) -> day_time:
    try:
        hours, minutes = (int(part) for part in text.split(":"))
        return day_time(hours, minutes)
    except ValueError:
        raise SystemExit(f"publics schedule: --at {text!r} is not a time of day HH:MM") from None


def next_run(now: datetime, at: day_time) -> datetime:
    """The first moment at `at` strictly after `now` (today's if it is still to come)."""
    today = now.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
    return today if today > now else today + timedelta(days=1)


def command(folder: Path, wait_timeout: float) -> list[str]:
    return [sys.executable, "-m", "publics.cli", "run", "--wait", "--wait-timeout", f"{wait_timeout:g}", str(folder)]


def run_once(folder: Path, wait_timeout: float, printer: Callable[[str], None] = print) -> int:
    printer(f"scheduler: {datetime.now():%Y-%m-%d %H:%M} — publics run --wait {folder}")
    code = subprocess.run(command(folder, wait_timeout), env={**os.environ, TRIGGER_ENV: "scheduler"},
                          check=False).returncode
    printer(f"scheduler: run ended with exit code {code} (history: `publics runs`)")
    return code


def loop(at: day_time, folder: Path, once: bool = False, wait_timeout: float = 3600,
         printer: Callable[[str], None] = print, sleep: Callable[[float], None] = time.sleep,
         clock: Callable[[], datetime] = datetime.now) -> int:
    """Forever (or `once`): sleep until the next `at`, run the pipeline. A failed night does not
    stop the next one; its exit code is in the history."""
    while True:
        due = next_run(clock(), at)
        printer(f"scheduler: next run at {due:%Y-%m-%d %H:%M} on {folder}")
        while (left := (due - clock()).total_seconds()) > 0:
            sleep(min(left, 300))  # short naps: a suspended host or a changed clock catches up
        code = run_once(folder, wait_timeout, printer)
        if once:
            return code
