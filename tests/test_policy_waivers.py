"""Waivers: required expiry (at most a year), and an expired waiver stops applying in
the API, the CLI and the scheduler alike (one evaluate() path)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from conftest import automation_manifest
from policy_support import register_all
from sqlmodel import select

from govern.db import read_session, utcnow, write_session
from govern.policies import schedule
from govern.policies.evaluate import evaluate
from govern.policies.setup import install_pack
from govern.policies.waivers import WaiverInvalid, create
from govern.registry.auth import LOCAL_ADMIN, Principal
from govern.registry.models import Automation, PolicyResult, Waiver

KEY = "finance/hook"
POLICY = "unauthenticated-webhook"


@pytest.fixture
def waived(engine):
    """A failing enforce-mode policy covered by an active waiver."""
    install_pack(engine)
    with write_session(engine) as s:
        register_all(s, [automation_manifest(name="hook", trigger={"type": "webhook"})])
        create(
            s,
            policy_id=POLICY,
            automation_key=KEY,
            reason="vendor adds signing next sprint",
            approver="ciso@example.com",
            ticket="SEC-42",
            expires=(utcnow() + timedelta(days=10)).date().isoformat(),
            principal=LOCAL_ADMIN,
        )
        evaluate(s)
    assert state(engine) == "waived"
    return engine


def state(engine) -> str:
    with read_session(engine) as s:
        a = s.exec(select(Automation).where(Automation.key == KEY)).one()
        row = s.exec(
            select(PolicyResult).where(
                PolicyResult.automation_id == a.id, PolicyResult.policy_id == POLICY
            )
        ).one()
        return row.state


def expire(engine) -> None:
    """Time passes: the waiver's expiry is now in the past."""
    with write_session(engine) as s:
        for w in s.exec(select(Waiver)):
            w.expires_at = utcnow() - timedelta(minutes=1)
            s.add(w)


def test_expired_waiver_stops_applying_in_the_api(waived, client, headers):
    h = headers("reviewer")
    live = client.get("/api/v1/automations/finance/hook/policies", headers=h).json["items"]
    assert next(i for i in live if i["policy"] == POLICY)["waived"] is True
    assert client.get("/api/v1/violations", headers=h).json["counts"]["waived"] == 1
    blocked = client.post("/api/v1/automations/finance/hook/review", json={"state": "approved"},
                          headers=h)  # fmt: skip
    assert blocked.status_code == 200  # waived: approval is allowed
    expire(waived)
    live = client.get("/api/v1/automations/finance/hook/policies", headers=h).json["items"]
    assert next(i for i in live if i["policy"] == POLICY)["waived"] is False
    assert client.post("/api/v1/evaluate", json={}, headers=h).status_code == 200
    assert state(waived) == "open"
    waivers = client.get("/api/v1/waivers?state=expired", headers=h).json["items"]
    assert [w["ticket"] for w in waivers] == ["SEC-42"]
    again = client.post("/api/v1/automations/finance/hook/review", json={"state": "approved"},
                        headers=h)  # fmt: skip
    assert again.status_code == 409


def test_expired_waiver_stops_applying_in_the_cli(waived, runner):
    out = json.loads(runner("policy", "explain", KEY, "--format", "json").output)
    assert next(i for i in out["results"] if i["policy"] == POLICY)["waived"] is True
    expire(waived)
    out = json.loads(runner("policy", "explain", KEY, "--format", "json").output)
    assert next(i for i in out["results"] if i["policy"] == POLICY)["waived"] is False
    result = runner("policy", "evaluate")
    assert result.exit_code == 0, result.output
    assert state(waived) == "open"
    listed = runner("waiver", "list", "--state", "expired")
    assert "unauthenticated-webhook" in listed.output


def test_expired_waiver_stops_applying_in_the_scheduler(waived):
    assert schedule.run_waiver_expiry(waived)["automations"] == 0  # nothing lapsed yet
    expire(waived)
    summary = schedule.run_waiver_expiry(waived)
    assert summary["automations"] == 1
    assert state(waived) == "open"


def test_scheduled_full_evaluation_honours_expiry_too(waived):
    expire(waived)
    schedule.run_full_evaluation(waived)
    assert state(waived) == "open"


def test_register_jobs_on_apscheduler(engine):
    scheduler = BackgroundScheduler()
    schedule.register_jobs(scheduler, engine)
    ids = {job.id for job in scheduler.get_jobs()}
    assert ids == {"policies.full-evaluation", "policies.waiver-expiry"}


def test_waiver_rules(engine):
    install_pack(engine)
    with write_session(engine) as s:
        register_all(s, [automation_manifest(name="hook", trigger={"type": "webhook"})])
    common = dict(policy_id=POLICY, automation_key=KEY, reason="r", approver="a@example.com",
                  principal=LOCAL_ADMIN)  # fmt: skip
    too_far = (utcnow() + timedelta(days=400)).date().isoformat()
    for expires, message in (
        (too_far, "at most one year"),
        ("2001-01-01", "in the future"),
        ("someday", "not a date"),
    ):
        with write_session(engine) as s, pytest.raises(WaiverInvalid, match=message):
            create(s, expires=expires, **common)
    with write_session(engine) as s, pytest.raises(WaiverInvalid, match="no policy"):
        create(s, **{**common, "policy_id": "nope"}, expires="2099-01-01")
    dev = Principal(name="dev", role="developer")
    with write_session(engine) as s, pytest.raises(Exception, match="reviewer role"):
        create(s, **{**common, "principal": dev}, expires=too_far)


def test_selector_waiver_covers_matching_automations(engine, runner):
    install_pack(engine)
    with write_session(engine) as s:
        register_all(s, [automation_manifest(name="hook", trigger={"type": "webhook"})])
    selector = json.dumps({"field": {"path": "namespace", "op": "eq", "value": "finance"}})
    expires = (utcnow() + timedelta(days=30)).date().isoformat()
    result = runner("waiver", "create", "--policy", POLICY, "--selector", selector, "--reason",
                    "pilot", "--approver", "ciso@example.com", "--expires", expires)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert state(engine) == "waived"
    waiver_id = result.output.split()[1]
    assert runner("waiver", "revoke", waiver_id).exit_code == 0
    assert state(engine) == "open"
    bad = runner("waiver", "create", "--policy", POLICY, "--selector", '{"feild": {}}',
                 "--reason", "x", "--approver", "a@example.com", "--expires", expires)  # fmt: skip
    assert bad.exit_code == 2 and "did you mean 'field'" in bad.output
