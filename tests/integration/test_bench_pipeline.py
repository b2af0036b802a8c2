"""`publics bench pipeline --daily` at scale 0.01: it runs, and its JSON has every step, the models,
the formats, the memory, a positive bare-COPY limit and the daily delivery's steps, models and
what an applied purge would rebuild. A benchmark measures: no timing is asserted."""

from __future__ import annotations

import json

from publics import warehouse
from publics.incremental import models_to_refresh
from publics.project import project_root
from publics_demo.bench_pipeline import BENCH_DB, SLOWEST, STEPS
from tests.conftest import run_cli


def test_bench_pipeline_runs_and_reports_every_step(cluster):
    out = project_root() / "target" / "bench" / "pipeline-0.01.json"
    out.unlink(missing_ok=True)
    result = run_cli("bench", "pipeline", "--scale", "0.01", "--daily", timeout=900)
    assert result.code == 0, result
    assert "| **total** |" in result.out and "bare COPY" in result.out
    r = json.loads(out.read_text())

    assert [s["step"] for s in r["steps"]] == list(STEPS)
    assert all(s["seconds"] >= 0 for s in r["steps"])
    ingest = r["steps"][0]
    assert ingest["rows"] > 0 and ingest["rejected"] == 0
    assert sum(f["rows"] for f in r["formats"]) == ingest["rows"]  # every loaded file has its format
    assert {"ga4_ndjson", "matomo_json", "secutix_csv", "delimited"} <= {f["format"] for f in r["formats"]}

    assert 0 < len(r["models"]) <= SLOWEST
    assert [m["seconds"] for m in r["models"]] == sorted((m["seconds"] for m in r["models"]), reverse=True)
    assert "stg_ga4__events" in {m["model"] for m in r["models"]}

    copy = r["limit"]["copy"]
    assert copy["mb_per_s"] > 0 and copy["bytes"] > 0
    by_format = {f["format"]: f for f in copy["formats"]}
    ingested = {f["format"]: f for f in r["formats_comparable"]}
    # the same GA4 files: one event a line, as many rows through bare COPY as through the loader
    assert by_format["ga4_ndjson"]["rows"] == ingested["ga4_ndjson"]["rows"] > 0
    assert by_format["secutix_csv"]["rows"] == ingested["secutix_csv"]["rows"] > 0
    ctas = {c["table"]: c["rows"] for c in r["limit"]["ctas"]}
    assert ctas.get("raw.ga4_events") == by_format["ga4_ndjson"]["rows"]

    assert r["memory"]["python"]["self_mb"] > 0
    assert r["memory"]["postgres"]["sampled"] and r["memory"]["postgres"]["peak_cluster_pss_mb"] > 0
    assert r["settings"]["jit"] == "off"  # the local cluster's analytics settings are in force

    # --daily: the newest delivery of each source held back, then `publics run` on it
    d = r["daily"]
    assert d["files"] > 0 and d["exit_code"] == 0
    names = [s["step"] for s in d["steps"]]
    assert names[0].startswith("ingest"), names  # the steps as `publics runs` names them
    assert any(n.startswith("build") for n in names) and any(n.startswith("check") for n in names), names
    assert any(n.startswith("gdpr purge (dry run)") for n in names), names
    assert all(s["status"] == "ok" for s in d["steps"])
    assert 0 < len(d["models"]) <= SLOWEST
    # the purge's dry run names what an applied purge removes and the models it rebuilds whole,
    # each with its full-build seconds (the demo holds prospects past retention)
    purge = d["purge"]
    assert purge["rows_by_rule"].get("prospect", 0) > 0
    assert set(purge["rebuilt_whole"]) == set(models_to_refresh(purge["places"])) != set()
    assert all(r["model_seconds"][m] == s for m, s in purge["rebuilt_whole"].items())
    assert "| daily delivery: step |" in result.out and "Retention purge (dry run" in result.out

    with warehouse.connect(cluster.admin_info.with_db("postgres"), autocommit=True) as conn:
        assert conn.execute("select count(*) from pg_database where datname = %s", (BENCH_DB,)).fetchone()[0] == 0
