"""govern check: offline findings for a manifest or scanned files; text, JSON, SARIF."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from jsonschema import Draft202012Validator, FormatChecker

FIXTURES = Path(__file__).parent / "fixtures" / "policies"
CHECK = FIXTURES / "check"


def sarif_validator() -> Draft202012Validator:
    schema = json.loads((FIXTURES / "sarif-2.1.0-subset.json").read_text())
    return Draft202012Validator(schema, format_checker=FormatChecker())


def test_manifest_with_problems_exits_1_with_plain_findings(runner):
    result = runner("check", str(CHECK / "webhook.yaml"))
    assert result.exit_code == 1, result.output
    out = result.output
    assert "marketing/lead-router" in out
    assert "Webhook trigger accepts unauthenticated calls" in out and "BLOCKS APPROVAL" in out
    assert "how to fix: Require authentication on the trigger" in out
    assert "restricted-data-to-external-ai" in out  # pii straight to an unapproved AI
    assert "would block approval" in out


def test_clean_manifest_exits_0(runner):
    result = runner("check", str(CHECK / "clean.yaml"), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["summary"]["blocking"] == 0
    (auto,) = data["automations"]
    statuses = {r["policy"]: r["status"] for r in auto["results"]}
    assert statuses["production-certified-owner"] == "pass"
    assert statuses["sandbox-sensitive-data"] == "not-applicable"


def test_sarif_output_validates_against_the_sarif_schema(runner, tmp_path):
    out = tmp_path / "findings.sarif"
    result = runner("check", str(CHECK / "webhook.yaml"), "--format", "sarif", "-o", str(out))
    assert result.exit_code == 1
    log = json.loads(out.read_text())
    errors = list(sarif_validator().iter_errors(log))
    assert not errors, [e.message for e in errors]
    run = log["runs"][0]
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert {r["ruleId"] for r in run["results"]} >= {"unauthenticated-webhook"}
    for r in run["results"]:
        assert rule_ids[r["ruleIndex"]] == r["ruleId"]
        assert r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "webhook.yaml"


def test_sarif_subset_rejects_invented_properties():
    bad = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "findings": []}]}
    assert list(sarif_validator().iter_errors(bad))


def test_scanned_folder_reports_the_planted_secret_with_its_line(runner, tmp_path):
    folder = tmp_path / "mine"
    shutil.copytree(CHECK / "scripts", folder)
    result = runner("check", str(folder), "--format", "sarif", "--owner", "sam@example.com")
    assert result.exit_code == 1, result.output  # hard-coded secrets are enforce-mode
    log = json.loads(result.output)
    assert not list(sarif_validator().iter_errors(log))
    secret = next(r for r in log["runs"][0]["results"] if r["ruleId"] == "hardcoded-secrets")
    location = secret["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "report_bot.py"
    assert location["region"]["startLine"] == 4
    assert "fake-Passw0rd" not in result.output  # never shown in clear
    text = runner("check", str(folder), "--owner", "sam@example.com").output
    assert "Calls an AI provider that is not approved" in text


def test_invalid_manifest_exits_2_with_path(runner, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text((CHECK / "webhook.yaml").read_text().replace("owner: sam@", "ownr: sam@"))
    result = runner("check", str(bad))
    assert result.exit_code == 2
    assert "spec.ownr" in result.output


def test_custom_policy_file_replaces_builtin(runner, tmp_path):
    custom = tmp_path / "org.yaml"
    custom.write_text((FIXTURES / "custom" / "org-policies.yaml").read_text())
    result = runner("check", str(CHECK / "webhook.yaml"), "--policies", str(custom))
    assert "marketing-needs-backup" in result.output
