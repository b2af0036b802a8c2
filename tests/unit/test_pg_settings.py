"""The PostgreSQL settings sized from the machine (publics/pg_settings.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from publics import pg_settings as s

ROOT = Path(__file__).resolve().parents[2]
GB, MB = s.GB, s.MB


def mb(value: str) -> int:
    return int(value[:-2]) * (1024 if value.endswith("GB") else 1)


def test_memory_grows_with_the_ram_within_its_bounds():
    small, mid, big = (s.recommended(ram, 2) for ram in (1 * GB, 16 * GB, 512 * GB))
    assert mb(small["shared_buffers"]) == 256 and mb(mid["shared_buffers"]) == 4096
    assert mb(big["shared_buffers"]) == 8192  # capped: beyond, the kernel's cache does as well
    assert mb(mid["effective_cache_size"]) == 8192
    assert mb(small["work_mem"]) == 16 and mb(mid["work_mem"]) == 256 and mb(big["work_mem"]) == 1024
    assert mb(small["maintenance_work_mem"]) == 64 and mb(big["maintenance_work_mem"]) == 2048
    for name in ("shared_buffers", "work_mem", "maintenance_work_mem", "effective_cache_size"):
        assert mb(small[name]) <= mb(mid[name]) <= mb(big[name])


def test_parallel_workers_follow_the_cores():
    one, two, sixteen = (s.recommended(8 * GB, cores) for cores in (1, 2, 16))
    assert (one["max_parallel_workers"], one["max_parallel_workers_per_gather"]) == ("1", "1")
    assert (two["max_parallel_workers"], two["max_parallel_workers_per_gather"]) == ("2", "1")
    assert (sixteen["max_parallel_workers"], sixteen["max_parallel_workers_per_gather"]) == ("16", "8")
    assert int(sixteen["max_worker_processes"]) >= 16 and one["max_worker_processes"] == "8"


def test_durability_is_traded_on_the_throwaway_cluster_only():
    local, server = s.recommended(8 * GB, 4), s.recommended(8 * GB, 4, throwaway=False)
    assert local["fsync"] == "off" and local["full_page_writes"] == "off" and local["wal_level"] == "minimal"
    assert not set(s.THROWAWAY_ONLY) & set(server)
    for settings in (local, server):
        assert settings["jit"] == "off" and settings["synchronous_commit"] == "off"


def test_a_machine_has_ram_and_cores():
    with pytest.raises(ValueError):
        s.recommended(0, 2)


def test_overrides_from_the_environment_or_a_file(tmp_path):
    assert s.overrides({}) == {}
    assert s.overrides({s.ENV: "work_mem=128MB, jit = on"}) == {"work_mem": "128MB", "jit": "on"}
    assert s.overrides({s.ENV: "none"}) is None
    conf = tmp_path / "pg.conf"
    conf.write_text("# mine\nshared_buffers = '1GB'\nrandom_page_cost = 4  # spinning disks\n")
    assert s.overrides({s.ENV: str(conf)}) == {"shared_buffers": "1GB", "random_page_cost": "4"}
    with pytest.raises(ValueError):
        s.overrides({s.ENV: "work_mem"})
    tuned = s.settings_for_local_cluster({s.ENV: "work_mem=7MB"})
    assert tuned["work_mem"] == "7MB" and tuned["jit"] == "off"
    assert s.settings_for_local_cluster({s.ENV: "none"}) == s.BASELINE


def test_the_managed_block_is_rewritten_and_the_rest_kept(tmp_path):
    conf = tmp_path / "postgresql.auto.conf"
    conf.write_text("port = 5999\nshared_buffers = '256MB'\nlog_error_verbosity = 'terse'\n")
    assert s.apply_to_conf(conf, {"shared_buffers": "2GB", "jit": "off"})
    assert not s.apply_to_conf(conf, {"shared_buffers": "2GB", "jit": "off"})  # idempotent
    assert s.apply_to_conf(conf, {"work_mem": "64MB"})  # back to another block: the old one goes
    lines = conf.read_text().splitlines()
    assert lines == ["port = 5999", "log_error_verbosity = 'terse'", s.MARK, "work_mem = '64MB'"]


def test_compose_passes_the_recommended_server_settings():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    expected = s.compose_command(s.recommended(s.COMPOSE_RAM, s.COMPOSE_CORES, throwaway=False))
    assert compose["services"]["warehouse"]["command"] == expected
