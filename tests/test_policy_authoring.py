"""Authoring tools: govern policy test (like opa test), explain, list, apply, enable."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import automation_manifest
from policy_support import register_all

from govern.db import write_session
from govern.policies.setup import install_pack

FIXTURES = Path(__file__).parent / "fixtures" / "policies"


def test_policy_test_runs_custom_policies_with_their_cases(runner):
    result = runner("policy", "test", str(FIXTURES / "custom"), "-v")
    assert result.exit_code == 0, result.output
    assert "PASS: 1/1" in result.output


def test_policy_test_fails_when_no_test_ran(runner, tmp_path):
    result = runner("policy", "test", str(tmp_path))
    assert result.exit_code == 1
    assert "no tests ran" in result.output


def test_policy_test_fails_on_a_wrong_expectation(runner, tmp_path):
    case = (
        (FIXTURES / "custom" / "org_test.yaml")
        .read_text()
        .replace(
            "marketing/b: {marketing-needs-backup: pass}",
            "marketing/b: {marketing-needs-backup: fail}",
        )
    )
    (tmp_path / "org.yaml").write_text((FIXTURES / "custom" / "org-policies.yaml").read_text())
    (tmp_path / "org_test.yaml").write_text(case)
    result = runner("policy", "test", str(tmp_path))
    assert result.exit_code == 1
    assert "marketing/b marketing-needs-backup: expected fail, got pass" in result.output


def test_policy_test_rejects_bad_case_files(runner, tmp_path):
    (tmp_path / "x_test.yaml").write_text(
        "tests:\n  - name: n\n    given: []\n    expect: {a/b: {p: passes}}\n    gven: []\n"
    )
    result = runner("policy", "test", str(tmp_path))
    assert result.exit_code == 2
    assert "tests[0].gven: unknown key" in result.output
    assert "'passes' is not one of" in result.output


def test_explain_list_apply_enable(runner, engine, tmp_path):
    install_pack(engine)
    with write_session(engine) as s:
        register_all(s, [automation_manifest(name="hook", trigger={"type": "webhook"})])
    assert runner("policy", "evaluate").exit_code == 0
    text = runner("policy", "explain", "finance/hook").output
    assert "FAIL unauthenticated-webhook [high, enforce]" in text
    assert "how to fix:" in text
    about = runner("policy", "explain", "unauthenticated-webhook").output
    assert "applies to automations where all of:" in about
    listed = runner("policy", "list").output
    assert "unauthenticated-webhook" in listed and "restricted-data-to-external-ai" in listed
    assert runner("policy", "enable", "unauthenticated-webhook", "--off").exit_code == 0
    out = json.loads(runner("policy", "explain", "finance/hook", "--format", "json").output)
    assert "unauthenticated-webhook" not in {r["policy"] for r in out["results"]}
    custom = tmp_path / "org.yaml"
    custom.write_text((FIXTURES / "custom" / "org-policies.yaml").read_text())
    result = runner("policy", "apply", str(custom))
    assert result.exit_code == 0 and "re-evaluated" in result.output
    bad = tmp_path / "bad.yaml"
    bad.write_text(custom.read_text().replace("severity: medium", "severity: urgent"))
    result = runner("policy", "apply", str(bad))
    assert result.exit_code == 2 and "severity" in result.output


def test_init_installs_the_builtin_pack_idempotently(runner, engine):
    from sqlmodel import select

    from govern.db import read_session
    from govern.policies.loader import builtin_policies
    from govern.registry.models import AuditEvent, Policy

    assert runner("init").exit_code == 0
    with read_session(engine) as s:
        rows = {p.policy_id: p.revision for p in s.exec(select(Policy))}
        events = len(list(s.exec(select(AuditEvent).where(AuditEvent.entity_type == "policy"))))
    assert rows == {p.id: p.revision for p in builtin_policies()}
    assert runner("init").exit_code == 0
    with read_session(engine) as s:
        again = len(list(s.exec(select(AuditEvent).where(AuditEvent.entity_type == "policy"))))
    assert again == events  # nothing rewritten
