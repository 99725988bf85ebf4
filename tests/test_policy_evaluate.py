"""Evaluation against the real database: stored violations, resolution, decision log,
risk scores, incremental evaluation on registration, and enforce mode."""

from __future__ import annotations

import pytest
from conftest import automation_manifest
from policy_support import add_secret, person, register_all
from sqlmodel import select

from govern.db import read_session, write_session
from govern.policies.evaluate import evaluate
from govern.policies.setup import install_pack
from govern.registry.models import Automation, Decision, PolicyResult

JUST = "Consolidates fourteen ledgers; replaces three days of work."


@pytest.fixture
def pack(engine):
    install_pack(engine)
    return engine


def results(engine, key: str) -> dict[str, PolicyResult]:
    with read_session(engine) as s:
        a = s.exec(select(Automation).where(Automation.key == key)).one()
        rows = s.exec(select(PolicyResult).where(PolicyResult.automation_id == a.id))
        return {r.policy_id: r for r in rows}


def test_violation_is_stored_then_resolved_with_decisions(pack):
    with write_session(pack) as s:
        register_all(s, [automation_manifest(name="hook", trigger={"type": "webhook"})])
        summary = evaluate(s)
    assert summary.results["fail"] >= 1 and summary.kind == "full"
    row = results(pack, "finance/hook")["unauthenticated-webhook"]
    assert (row.status, row.state) == ("fail", "open")
    assert row.first_seen and row.last_seen and row.evidence
    assert "trigger.authenticated is not set" in row.explanation
    fixed = automation_manifest(name="hook", trigger={"type": "webhook", "authenticated": True})
    with write_session(pack) as s:
        register_all(s, [fixed], evaluate=True)  # the registry's incremental hook
    row = results(pack, "finance/hook")["unauthenticated-webhook"]
    assert (row.status, row.state) == ("pass", "resolved") and row.resolved_at
    with read_session(pack) as s:
        log = [
            (d.policy_id, d.result)
            for d in s.exec(select(Decision).order_by(Decision.id))
            if d.policy_id == "unauthenticated-webhook"
        ]
        revision = s.exec(select(Decision)).first().policy_revision
    assert (
        log[0] == ("unauthenticated-webhook", "fail") and ("unauthenticated-webhook", "pass") in log
    )
    assert len(revision) == 64


def test_multi_hop_ai_leak_caught_and_masked_hop_clears_it(pack):
    export = automation_manifest(
        name="export",
        reads=[{"asset": "postgres://crm:5432/crm.customers", "classification": "restricted"}],
        writes=[{"asset": "file://fs01/out/customers.csv"}],
    )
    enrich = automation_manifest(
        name="enrich",
        reads=[{"asset": "file://fs01/out/customers.csv"}],
        writes=[{"asset": "file://fs01/out/enriched.csv"}],
    )
    summarise = automation_manifest(
        name="summarise",
        reads=[{"asset": "file://fs01/out/enriched.csv"}],
        calls=[{"asset": "https://api.openai.com/v1"}],
    )
    with write_session(pack) as s:
        register_all(s, [export, enrich, summarise], evaluate=True)
    row = results(pack, "finance/summarise")["restricted-data-to-external-ai"]
    assert row.status == "fail"
    assert "finance/export -> finance/enrich -> finance/summarise" in row.explanation
    assert row.evidence[0]["path"]["hops"]
    export["spec"]["reads"][0]["masking"] = True
    with write_session(pack) as s:
        register_all(s, [export], evaluate=True)
        evaluate(s)
    row = results(pack, "finance/summarise")["restricted-data-to-external-ai"]
    assert (row.status, row.state) == ("pass", "resolved")


def _decisions(engine) -> dict[str, int]:
    with read_session(engine) as s:
        keys = {a.id: a.key for a in s.exec(select(Automation))}
        counts: dict[str, int] = {}
        for d in s.exec(select(Decision)):
            counts[keys[d.automation_id]] = counts.get(keys[d.automation_id], 0) + 1
        return counts


def test_a_change_that_moves_no_data_skips_neighbours_and_a_flow_change_does_not(pack):
    """Re-registering with only a new description leaves every data flow as the committed
    lineage graph shows it: only the changed automation is evaluated. Masking its read
    changes what its neighbour receives: the neighbour is re-evaluated in the same call."""
    export = automation_manifest(
        name="export",
        reads=[{"asset": "postgres://crm:5432/crm.customers", "classification": "restricted"}],
        writes=[{"asset": "file://fs01/out/customers.csv"}],
    )
    summarise = automation_manifest(
        name="summarise",
        reads=[{"asset": "file://fs01/out/customers.csv"}],
        calls=[{"asset": "https://api.openai.com/v1"}],
    )
    with write_session(pack) as s:
        register_all(s, [export, summarise])
        evaluate(s)
    assert results(pack, "finance/summarise")["restricted-data-to-external-ai"].status == "fail"
    before = _decisions(pack)
    export["metadata"]["description"] = "Nightly export of the customer table."
    with write_session(pack) as s:
        register_all(s, [export], evaluate=True)
    after = _decisions(pack)
    assert after["finance/export"] > before["finance/export"]
    assert after["finance/summarise"] == before["finance/summarise"]  # not re-evaluated
    assert results(pack, "finance/summarise")["restricted-data-to-external-ai"].status == "fail"
    export["spec"]["reads"][0]["masking"] = True
    with write_session(pack) as s:
        register_all(s, [export], evaluate=True)
    assert _decisions(pack)["finance/summarise"] > after["finance/summarise"]
    row = results(pack, "finance/summarise")["restricted-data-to-external-ai"]
    assert (row.status, row.state) == ("pass", "resolved")


def test_risk_score_with_factors(pack):
    with write_session(pack) as s:
        register_all(
            s,
            [
                automation_manifest(
                    name="risky",
                    criticality="critical",
                    reads=[{"asset": "file://fs01/hr/pay.xlsx", "classification": "restricted"}],
                    calls=[{"asset": "https://api.openai.com/v1"}],
                ),
                automation_manifest(name="tame"),
            ],
        )
    add_secret(pack, "finance/risky")
    with write_session(pack) as s:
        evaluate(s)
    with read_session(pack) as s:
        risky = s.exec(select(Automation).where(Automation.key == "finance/risky")).one()
        tame = s.exec(select(Automation).where(Automation.key == "finance/tame")).one()
    names = {f["factor"] for f in risky.risk_factors}
    assert {"data-sensitivity", "ai-egress", "unapproved-ai", "secrets", "criticality"} <= names
    assert risky.risk_score == min(100, sum(f["points"] for f in risky.risk_factors))
    assert risky.risk_tier in ("high", "critical") and risky.risk_score > tame.risk_score
    assert tame.risk_tier == "low"


def test_owner_leaving_reevaluates_their_automations(pack):
    with write_session(pack) as s:
        register_all(s, [person("li.wei@example.com"), automation_manifest()], evaluate=True)
    assert "owner-inactive" not in results(pack, "finance/monthly-close-report")
    with write_session(pack) as s:
        register_all(s, [person("li.wei@example.com", active=False)], evaluate=True)
    row = results(pack, "finance/monthly-close-report")["owner-inactive"]
    assert row.status == "fail"


def test_enforce_blocks_approval_with_reasons(app, client, headers, pack):
    h = headers("admin")
    body = automation_manifest(name="hook", trigger={"type": "webhook"})
    assert client.post("/api/v1/automations", json=body, headers=h).status_code == 201
    response = client.post(
        "/api/v1/automations/finance/hook/review", json={"state": "approved"}, headers=h
    )
    assert response.status_code == 409
    assert any("unauthenticated-webhook" in r for r in response.json["reasons"])
    body["spec"]["trigger"]["authenticated"] = True
    client.post("/api/v1/automations", json=body, headers=h)
    response = client.post(
        "/api/v1/automations/finance/hook/review", json={"state": "approved"}, headers=h
    )
    assert response.status_code == 200, response.json


def test_promotion_to_production_refused_while_enforce_fails(client, headers, pack):
    h = headers("admin")
    sandbox = automation_manifest(name="grow", track="sandbox")
    assert client.post("/api/v1/automations", json=sandbox, headers=h).status_code == 201
    prod = automation_manifest(name="grow", track="production", justification=JUST)
    response = client.post("/api/v1/automations", json=prod, headers=h)
    assert response.status_code == 409
    assert any("production-certified-owner" in r for r in response.json["reasons"])
    got = client.get("/api/v1/automations/finance/grow", headers=h).json
    assert got["track"] == "sandbox"  # nothing was kept
    cert = person("li.wei@example.com", level=1, expires="2099-12-31")
    client.post("/api/v1/automations", json=cert, headers=h)
    response = client.post("/api/v1/automations", json=prod, headers=h)
    assert response.status_code == 200, response.json


def test_cli_promotion_refused_cleanly(runner, pack, tmp_path):
    import yaml

    sandbox = tmp_path / "sandbox.yaml"
    sandbox.write_text(yaml.safe_dump(automation_manifest(name="grow", track="sandbox")))
    assert runner("register", str(sandbox)).exit_code == 0
    prod = tmp_path / "prod.yaml"
    body = automation_manifest(name="grow", track="production", justification=JUST)
    prod.write_text(yaml.safe_dump(body))
    result = runner("register", str(prod))
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "blocked:" in result.output and "production-certified-owner" in result.output
    assert "nothing was registered" in result.output
