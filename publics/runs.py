"""Writing steps: the pipeline lock and the run history (`quality.pipeline_runs`, `_steps`).

`writing(info, command)` is what every step that writes runs inside: the database's pipeline
lock (`ingestion.locking`, re-entrant: `run` → `ingest` → `build`) and, for the outermost one of
the process, a run of the history — one row in `quality.pipeline_runs` written when it starts
(status `running`), one row per step in `quality.pipeline_run_steps` as each step ends (what
`publics.pipeline.step` reports), the end, exit code and status written when it ends: `ok`,
`partial` (some input files rejected, exit 2), `failed`, `interrupted`. A run killed outright
keeps `running` with no end; the mart calls it interrupted once its lock is gone — any later run
means so (`marts.quality_pipeline_runs`). No person and no OS user is recorded: the command,
the trigger (`manual`, or `scheduler` from PUBLICS_RUN_TRIGGER), the steps and their messages.
"""

from __future__ import annotations

import functools
import os
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ingestion.connection import ConnInfo, connect
from ingestion.locking import pipeline_lock

RUNS = "quality.pipeline_runs"
STEPS = "quality.pipeline_run_steps"
TRIGGER_ENV = "PUBLICS_RUN_TRIGGER"
MESSAGE_CHARS = 500  # a step's message is kept short (a summary, or the error's first lines)

DDL = f"""
create table if not exists {RUNS} (
    run_id uuid primary key,
    command text not null,
    trigger text not null,
    started_at timestamptz not null,
    ended_at timestamptz,
    seconds numeric,
    exit_code integer,
    status text not null,
    rejected_files integer not null default 0,
    message text
);
create table if not exists {STEPS} (
    run_id uuid not null references {RUNS} (run_id) on delete cascade,
    step_no integer not null,
    step text not null,
    started_at timestamptz not null,
    seconds numeric not null,
    status text not null,
    message text,
    primary key (run_id, step_no)
);
"""

STATUS_OF_CODE = {0: "ok", 2: "partial", 130: "interrupted"}


def status_of(code: int) -> str:
    return STATUS_OF_CODE.get(code, "failed")


@dataclass
class Run:
    info: ConnInfo
    command: str
    run_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    t0: float = field(default_factory=time.monotonic)
    steps: int = 0
    rejected_files: int = 0
    code: int = 0


_current: Run | None = None


def ensure_tables(info: ConnInfo) -> None:
    with connect(info, autocommit=True) as conn:
        conn.execute(DDL)


def _short(message: str | None) -> str | None:
    if message is None:
        return None
    return message if len(message) <= MESSAGE_CHARS else message[: MESSAGE_CHARS - 1] + "…"


def _write(info: ConnInfo, query: str, params: tuple) -> None:
    with connect(info, autocommit=True) as conn:
        conn.execute(query, params)


@contextmanager
def writing(info: ConnInfo, command: str, progress: Callable[[str], None] | None = None) -> Iterator[Run | None]:
    """Hold the pipeline lock while `command` runs; record it when it is the process's first."""
    global _current
    with pipeline_lock(info, command, progress=progress or _say):
        if _current is not None:
            yield _current
            return
        ensure_tables(info)
        run = Run(info, command)
        _write(info, f"insert into {RUNS} (run_id, command, trigger, started_at, status) "
                     "values (%s, %s, %s, %s, 'running')",
               (run.run_id, command, os.environ.get(TRIGGER_ENV) or "manual", run.started_at))
        _current = run
        message, failed = None, False
        try:
            yield run
        except KeyboardInterrupt:
            run.code, message, failed = 130, "interrupted", True
            raise
        except BaseException as exc:
            run.code = getattr(exc, "code", None) if isinstance(getattr(exc, "code", None), int) else 1
            run.code = run.code or 1
            message, failed = f"{getattr(exc, 'step', command)}: {exc}", True
            raise
        finally:
            _current = None
            _write(info, f"update {RUNS} set ended_at = %s, seconds = %s, exit_code = %s, status = %s, "
                         "rejected_files = %s, message = %s where run_id = %s",
                   (datetime.now(UTC), round(time.monotonic() - run.t0, 3), run.code,
                    "interrupted" if run.code == 130 else "failed" if failed else status_of(run.code),
                    run.rejected_files, _short(message), run.run_id))


def _say(message: str) -> None:
    print(message, flush=True)


def writes(command: str) -> Callable:
    """Decorator of a step function taking the warehouse (its ConnInfo argument): run it
    `writing`; an int it returns is its exit code (ingest: 2 when files were rejected)."""
    def decorate(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            info = next(a for a in (*args, *kwargs.values()) if isinstance(a, ConnInfo))
            with writing(info, command) as run:
                result = fn(*args, **kwargs)
                if isinstance(result, int) and not isinstance(result, bool) and run is not None:
                    run.code = max(run.code, result)
                return result
        return wrapper
    return decorate


def note_rejected(n: int) -> None:
    """The files an ingestion rejected, counted in the current run."""
    if _current is not None:
        _current.rejected_files += n


def record_step(name: str, started_at: datetime, seconds: float, ok: bool, message: str | None) -> None:
    """One step of the current run (nothing outside a run: a read-only command)."""
    run = _current
    if run is None:
        return
    run.steps += 1
    _write(run.info, f"insert into {STEPS} (run_id, step_no, step, started_at, seconds, status, message) "
                     "values (%s, %s, %s, %s, %s, %s, %s)",
           (run.run_id, run.steps, name, started_at, round(seconds, 3), "ok" if ok else "failed", _short(message)))


def last_runs(info: ConnInfo, n: int = 10) -> list[dict]:
    """The `n` latest runs, newest first, each with its steps."""
    ensure_tables(info)
    with connect(info, autocommit=True) as conn:
        cur = conn.execute(f"select run_id, command, trigger, started_at, seconds, exit_code, status, "
                           f"rejected_files, message from {RUNS} order by started_at desc limit %s", (n,))
        names = [c.name for c in cur.description]
        runs = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
        for run in runs:
            run["steps"] = conn.execute(
                f"select step, seconds, status, message from {STEPS} where run_id = %s order by step_no",
                (run["run_id"],)).fetchall()
    return runs


def format_runs(runs: list[dict]) -> list[str]:
    """`publics runs`: one line per run, then its steps."""
    if not runs:
        return ["no pipeline run recorded yet"]
    header = (f"{'started (UTC)':<20} {'command':<14} {'trigger':<9} {'status':<11} {'exit':>4} "
              f"{'rejected':>8} {'s':>8}")
    lines = [header]
    for r in runs:
        seconds = f"{r['seconds']:.1f}" if r["seconds"] is not None else "—"
        code = "—" if r["exit_code"] is None else str(r["exit_code"])
        lines.append(f"{r['started_at'].astimezone(UTC):%Y-%m-%d %H:%M:%S} {r['command']:<14} {r['trigger']:<9} "
                     f"{r['status']:<11} {code:>4} {r['rejected_files']:>8} {seconds:>8}")
        for step, secs, status, message in r["steps"]:
            mark = "✔" if status == "ok" else "✘"
            lines.append(f"    {mark} {step} ({secs:.1f} s)" + (f": {message}" if status != "ok" and message else ""))
        if r["status"] not in ("ok", "running") and r["message"]:
            lines.append(f"    ✘ {r['message']}")
    return lines
