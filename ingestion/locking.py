"""One pipeline at a time per database, whatever the step.

Every step that writes (ingest, build, check, dashboards publish, gdpr purge / forget, demo
reset, `publics run`) runs inside `pipeline_lock(info, step)`: a session-level PostgreSQL
advisory lock held on a connection of its own for as long as the step runs. A second process
asking for it is refused with `PipelineBusy` (exit code `BUSY_EXIT`), naming the step that
holds it, its pid, host and start — read from the holder's `application_name` — or, with
`wait`, queues behind it up to `timeout` seconds.

Re-entrant within one process: `publics run` takes the lock, and the ingest, build and check it
calls take it again without waiting for themselves; the holder's `application_name` names the
innermost step (`run > build`). A killed process loses its connection, and the lock with it.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

import psycopg

from ingestion.connection import ConnInfo, connect

LOCK_KEY = 0x7075626C6963  # "public": the key every writing step takes
BUSY_EXIT = 75  # EX_TEMPFAIL: another pipeline step holds the lock; try again later (or --wait)
DEFAULT_WAIT_TIMEOUT = 3600.0
APP_PREFIX = "publics: "
POLL_SECONDS = 1.0


class PipelineBusy(RuntimeError):
    """Another process holds the pipeline lock of this database (the message names it)."""

    code = BUSY_EXIT


@dataclass
class Policy:
    """What a refused step does: refuse at once (default) or wait up to `timeout` seconds."""

    wait: bool = False
    timeout: float = DEFAULT_WAIT_TIMEOUT


_policy = Policy()


def set_policy(wait: bool = False, timeout: float | None = None) -> None:
    """The CLI's `--wait` / `--wait-timeout`, for every lock this process takes."""
    global _policy
    _policy = Policy(wait, DEFAULT_WAIT_TIMEOUT if timeout is None else float(timeout))


@dataclass
class _Held:
    conn: psycopg.Connection
    since: datetime
    steps: list[str] = field(default_factory=list)


_held: dict[tuple[str, int, str], _Held] = {}
_guard = threading.RLock()


def _key(info: ConnInfo) -> tuple[str, int, str]:
    return (info.host, info.port, info.dbname)


def _app_name(steps: list[str], since: datetime) -> str:
    """`publics: run › build pid 123@host since 2026-12-02T13:40:02Z`, cut to PostgreSQL's 63 bytes
    (the host goes first when it must)."""
    what = " > ".join(steps)  # application_name is ASCII: anything else becomes "?"
    host = socket.gethostname().split(".")[0]
    tail = f" since {since:%Y-%m-%dT%H:%M:%SZ}"
    text = f"{APP_PREFIX}{what} pid {os.getpid()}@{host}{tail}"
    if len(text.encode()) > 63:
        text = f"{APP_PREFIX}{what} pid {os.getpid()}{tail}"
    while len(text.encode()) > 63:
        text = text[:-1]
    return text


def _set_app_name(held: _Held) -> None:
    held.conn.execute("select set_config('application_name', %s, false)", (_app_name(held.steps, held.since),))


def holder(conn: psycopg.Connection) -> str | None:
    """Who holds the lock of this connection's database, as its application_name says."""
    row = conn.execute(
        "select a.application_name, a.pid from pg_locks l join pg_stat_activity a on a.pid = l.pid "
        "where l.locktype = 'advisory' and l.granted and l.database = "
        "(select oid from pg_database where datname = current_database()) "
        "and l.classid = %s and l.objid = %s and l.objsubid = 1",
        ((LOCK_KEY >> 32) & 0xFFFFFFFF, LOCK_KEY & 0xFFFFFFFF),
    ).fetchone()
    if row is None:
        return None
    name, pid = row
    if name and name.startswith(APP_PREFIX):
        return name[len(APP_PREFIX):]
    return f"a session without a publics step name (server pid {pid})"


def busy_message(step: str, who: str | None, waited: float | None = None) -> str:
    running = who or "a step that has just ended"
    if waited is not None:
        return (f"{step}: still locked after waiting {waited:.0f} s — another pipeline step is running "
                f"on this database: {running}")
    return (f"{step}: another pipeline step is running on this database: {running}. Run again when it "
            f"ends, or add --wait to queue behind it (exit code {BUSY_EXIT})")


@contextmanager
def pipeline_lock(info: ConnInfo, step: str, wait: bool | None = None, timeout: float | None = None,
                  progress: Callable[[str], None] = print) -> Iterator[None]:
    """Hold the database's pipeline lock while `step` runs (re-entrant within this process)."""
    wait = _policy.wait if wait is None else wait
    timeout = _policy.timeout if timeout is None else timeout
    key = _key(info)
    with _guard:
        held = _held.get(key)
        if held is not None:
            held.steps.append(step)
    if held is not None:  # re-entered: `run` → `build`
        try:
            _set_app_name(held)
            yield
        finally:
            held.steps.pop()
            try:
                _set_app_name(held)
            except psycopg.Error:
                pass
        return
    conn = connect(info, autocommit=True)
    try:
        _acquire(conn, step, wait, timeout, progress)
        held = _Held(conn, datetime.now(UTC), [step])
        _set_app_name(held)
        with _guard:
            _held[key] = held
        try:
            yield
        finally:
            with _guard:
                _held.pop(key, None)
            try:
                conn.execute("select pg_advisory_unlock(%s)", (LOCK_KEY,))
            except psycopg.Error:
                pass  # the connection is gone, and its lock with it
    finally:
        conn.close()


def _acquire(conn: psycopg.Connection, step: str, wait: bool, timeout: float,
             progress: Callable[[str], None]) -> None:
    def try_lock() -> bool:
        return conn.execute("select pg_try_advisory_lock(%s)", (LOCK_KEY,)).fetchone()[0]

    if try_lock():
        return
    if not wait:
        raise PipelineBusy(busy_message(step, holder(conn)))
    who = holder(conn)
    progress(f"  {step}: waiting (up to {timeout:.0f} s) for the running pipeline step to end: {who}")
    t0 = time.monotonic()
    while True:
        time.sleep(POLL_SECONDS)
        if try_lock():
            progress(f"  {step}: lock obtained after {time.monotonic() - t0:.0f} s")
            return
        if time.monotonic() - t0 >= timeout:
            raise PipelineBusy(busy_message(step, holder(conn), waited=time.monotonic() - t0))


def held_steps(info: ConnInfo) -> list[str]:
    """The steps of this process holding the lock on `info` (outermost first), [] when none."""
    with _guard:
        held = _held.get(_key(info))
        return list(held.steps) if held else []
