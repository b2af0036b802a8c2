"""The consent regimes as a setting (var web_tools_consent): attribution may not name an exempt
tool, and a regime outside exempt | consent is refused (the dbt unit tests hold the SQL side:
an exempt Matomo visit reaches no touchpoint and no person)."""

from __future__ import annotations

import json

import pytest

from publics import dbt_runner, warehouse


def compile_touchpoints(info: warehouse.ConnInfo, variables: dict):
    return dbt_runner.invoke(info, ["compile", "--quiet", "-s", "int_attribution__touchpoints",
                                    "--vars", json.dumps(variables)])


def test_attribution_never_picks_an_exempt_tool(fresh_db: warehouse.ConnInfo) -> None:
    refused = compile_touchpoints(fresh_db, {"attribution_web_tool": "matomo"})
    assert not refused.success
    assert "matomo is consent-exempt" in str(refused.exception or refused.result)
    allowed = compile_touchpoints(fresh_db, {"attribution_web_tool": "matomo",
                                             "web_tools_consent": {"matomo": "consent", "ga4": "consent"}})
    assert allowed.success, allowed.exception


@pytest.mark.parametrize("regime", ["yes", "opt-in"])
def test_an_unknown_regime_is_refused(fresh_db: warehouse.ConnInfo, regime: str) -> None:
    res = compile_touchpoints(fresh_db, {"web_tools_consent": {"matomo": regime, "ga4": "consent"}})
    assert not res.success
    assert f"matomo is '{regime}', expected exempt or consent" in str(res.exception or res.result)


def test_auto_compiles_to_the_consent_based_tools_only(fresh_db: warehouse.ConnInfo) -> None:
    res = compile_touchpoints(fresh_db, {})
    assert res.success, res.exception
    code = res.result.results[0].node.compiled_code
    assert "tool in ('ga4')" in code and "'matomo'" not in code
