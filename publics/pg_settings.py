"""PostgreSQL settings for an analytics warehouse, sized from the machine (docs/reglages-postgresql.md).

    recommended(ram_bytes, cores, throwaway=True)   → {setting: value}
    settings_for_local_cluster()                    → the machine's sizing + PUBLICS_PG_SETTINGS
    compose_command(settings)                       → ["postgres", "-c", "k=v", …]

One function computes them (`recommended`); the local cluster gets them at `publics db up`
(written to its postgresql.auto.conf, re-applied to a cluster made before them), and the same
sizing, without the throwaway cluster's durability trade-offs, is what docker-compose.yml passes
to the warehouse. `PUBLICS_PG_SETTINGS` overrides any of them: `work_mem=128MB,jit=on`, or the
path of a file of `name = value` lines; `PUBLICS_PG_SETTINGS=none` puts the cluster back on the
settings it had before this tuning (`BASELINE`: the benchmark's "untuned" run).

The workload: a few connections (the loader's two, dbt's four threads) each running large scans,
hash joins and sorts, no concurrency of many small transactions. Hence a large `work_mem`, few
connections, parallel workers up to the cores, JIT off (its compile time dominated several of the
marts' queries, for plans that run in seconds), an SSD's `random_page_cost`, large WAL
checkpoints and `synchronous_commit = off` (a crash loses the last commits, never consistency:
a file's rows and its ledger row commit together). Only the throwaway local cluster also turns
off `fsync` and `full_page_writes` and logs the minimum WAL: a crash may corrupt it, and it is
rebuilt from the files — never do that on a warehouse of your own.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

MB = 1024 * 1024
GB = 1024 * MB

ENV = "PUBLICS_PG_SETTINGS"
OFF = "none"  # PUBLICS_PG_SETTINGS=none: no tuning at all

# The server docker-compose.yml's warehouse is sized for (its `command`, checked by
# tests/unit/test_pg_settings.py): a modest server of the house's. For another, print its
# settings with `python -c "from publics import pg_settings as s; print(s.compose_command(
# s.recommended(RAM_BYTES, CORES, throwaway=False)))"` and edit the command.
COMPOSE_RAM = 8 * 1024**3
COMPOSE_CORES = 4

# Settings a crash can turn into a corrupt cluster: the throwaway local cluster only.
THROWAWAY_ONLY = ("fsync", "full_page_writes", "wal_level", "max_wal_senders")


def _size(n_bytes: float, floor: int, ceiling: int) -> str:
    """A memory size clamped to [floor, ceiling], in whole megabytes, as PostgreSQL writes it."""
    n = int(min(max(n_bytes, floor), ceiling)) // MB
    return f"{n // 1024}GB" if n % 1024 == 0 else f"{n}MB"


def recommended(ram_bytes: int, cores: int, throwaway: bool = True) -> dict[str, str]:
    """The settings for a machine of `ram_bytes` and `cores` running the pipeline and its warehouse.

    Memory: shared_buffers a quarter of the RAM (≤ 8 GB: beyond, the kernel's cache does as
    well); effective_cache_size half of it (the Python process and dbt share the machine);
    work_mem RAM / 64 (dbt's four threads × a few hash or sort nodes each × hash_mem_multiplier
    stay within a quarter of the RAM), 16 MB – 1 GB; maintenance_work_mem RAM / 16, 64 MB – 2 GB
    (index builds, VACUUM). Parallelism: every core for parallel workers, half of them per query
    (at least one), so that dbt's threads do not starve each other.
    """
    if ram_bytes <= 0 or cores <= 0:
        raise ValueError(f"a machine has positive RAM and cores, not {ram_bytes} bytes and {cores} cores")
    per_gather = max(1, cores // 2)
    settings = {
        "shared_buffers": _size(ram_bytes / 4, 128 * MB, 8 * GB),
        "effective_cache_size": _size(ram_bytes / 2, 256 * MB, 64 * GB),
        "work_mem": _size(ram_bytes / 64, 16 * MB, 1 * GB),
        "maintenance_work_mem": _size(ram_bytes / 16, 64 * MB, 2 * GB),
        "max_worker_processes": str(max(8, cores)),
        "max_parallel_workers": str(cores),
        "max_parallel_workers_per_gather": str(per_gather),
        "max_parallel_maintenance_workers": str(per_gather),
        "jit": "off",
        "random_page_cost": "1.1",
        "effective_io_concurrency": "200",
        "max_wal_size": "8GB" if throwaway else "4GB",
        "min_wal_size": "1GB",
        "checkpoint_timeout": "15min",
        "checkpoint_completion_target": "0.9",
        "wal_compression": "on",
        "synchronous_commit": "off",
    }
    if throwaway:
        settings.update({
            "fsync": "off",
            "full_page_writes": "off",
            # a table dbt creates and fills in one transaction writes no WAL
            "wal_level": "minimal",
            "max_wal_senders": "0",
        })
    return settings


_LINE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_.]*)\s*=?\s*(.*?)\s*$")


def parse_overrides(text: str) -> dict[str, str]:
    """`name=value` pairs separated by commas or new lines (a file's `name = 'value'` lines and
    `#` comments too); quotes around a value are dropped."""
    out = {}
    for raw in re.split(r"[\n,]", text):
        item = raw.split("#", 1)[0].strip()
        if not item:
            continue
        m = _LINE.match(item)
        if not m or "=" not in item:
            raise ValueError(f"{ENV}: {item!r} is not `name=value`")
        out[m.group(1).lower()] = m.group(2).strip().strip("'\"")
    return out


def overrides(env: dict[str, str] | None = None) -> dict[str, str] | None:
    """What PUBLICS_PG_SETTINGS asks for: None for `none` (no tuning), else the overrides (a
    value naming an existing file is read as that file)."""
    value = (os.environ if env is None else env).get(ENV, "").strip()
    if value.lower() == OFF:
        return None
    if value and Path(value).expanduser().is_file():
        value = Path(value).expanduser().read_text(encoding="utf-8")
    return parse_overrides(value)


def machine() -> tuple[int, int]:
    """This machine's RAM (bytes) and the cores this process may use."""
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return ram, cores


def settings_for_local_cluster(env: dict[str, str] | None = None) -> dict[str, str]:
    """The throwaway local cluster's settings: the machine's sizing, then PUBLICS_PG_SETTINGS;
    with PUBLICS_PG_SETTINGS=none, the cluster's settings before this tuning (`BASELINE`)."""
    extra = overrides(env)
    if extra is None:
        return dict(BASELINE)
    return {**recommended(*machine(), throwaway=True), **extra}


def compose_command(settings: dict[str, str]) -> list[str]:
    """The warehouse container's command: `postgres -c name=value …`."""
    command = ["postgres"]
    for name, value in settings.items():
        command += ["-c", f"{name}={value}"]
    return command


MARK = "# --- publics: analytics settings (publics/pg_settings.py; PUBLICS_PG_SETTINGS overrides) ---"

# What the local cluster was created with before this tuning (kept as the benchmark's
# "untuned" reference, PUBLICS_PG_SETTINGS=none): durability off, modest memory, JIT on.
BASELINE = {
    "fsync": "off", "synchronous_commit": "off", "full_page_writes": "off",
    "shared_buffers": "256MB", "work_mem": "64MB", "maintenance_work_mem": "256MB", "max_wal_size": "2GB",
}


def apply_to_conf(conf: Path, settings: dict[str, str]) -> bool:
    """Write `settings` as the managed block (after `MARK`) of a postgresql.auto.conf-style
    file: the block is rewritten whole, lines before it that set the same names are dropped,
    every other line is kept. Returns True when the file changed."""
    text = conf.read_text() if conf.exists() else ""
    head = text.split(MARK + "\n", 1)[0] if MARK in text else text
    kept = [line for line in head.splitlines()
            if not ((m := _LINE.match(line)) and "=" in line and m.group(1).lower() in settings)]
    new = "\n".join([*kept, MARK, *(f"{k} = '{v}'" for k, v in settings.items())]) + "\n"
    if new == text:
        return False
    conf.write_text(new)
    return True


def pending_restart(conn) -> list[str]:
    """The settings written but waiting for a restart of the server (shared_buffers…)."""
    return [r[0] for r in conn.execute("select name from pg_settings where pending_restart order by name")]
