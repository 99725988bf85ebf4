"""Every artifact type is recognised with the right platform, trigger, AI and secrets;
documents, data, binaries and library code are not automations."""

from __future__ import annotations

import json
import random

from scanner_support import FIXTURES, by_location, run, share

from govern.scanner import synthetic


def test_every_generated_type_is_found_correctly(tmp_path):
    planted = share(tmp_path)
    found = by_location(run([tmp_path]), tmp_path)
    assert set(found) == {p.location for p in planted}
    for p in planted:
        d = found[p.location]
        assert d["platform"] == p.platform, p.location
        assert p.trigger in {t["type"] for t in d["triggers"]}, (p.location, d["triggers"])
        assert set(p.ai) <= set(d["ai_services"]), (p.location, d["ai_services"])
        assert sorted(s["type"] for s in d["secrets"]) == sorted(t for t, _, _ in p.secrets), (
            p.location
        )
        assert [s["line"] for s in sorted(d["secrets"], key=lambda s: s["line"])] == sorted(
            ln for _, _, ln in p.secrets
        )


def test_schedules_are_normalised_to_cron(tmp_path):
    planted = share(tmp_path)
    found = by_location(run([tmp_path]), tmp_path)
    expect = {
        "n8n": "0 7 * * *",
        "power-automate": "0 6 * * *",
        "logic-apps": "0 */2 * * *",
        "node-red": "00 08 * * 1-5",
        "apps-script": "0 6 * * *",
        "cron": "15 2 * * *",
        "systemd-timer": "0 5 * * *",
        "windows-task": "30 6 * * *",
        "github-actions": "0 6 * * 1-5",
        "airflow": "0 1 * * *",
    }
    for p in planted:
        if p.platform in expect:
            schedules = [t["schedule"] for t in found[p.location]["triggers"]]
            assert expect[p.platform] in schedules, (p.platform, schedules)


def test_signals_name_assets(tmp_path):
    share(tmp_path)
    found = by_location(run([tmp_path]), tmp_path)
    py = found["python/job_python.py"]
    assert any(r.startswith("mssql://erp-sql") and r.endswith("/ERP") for r in py["reads"])
    assert "file://fs01/finance/close/job_python.xlsx" in py["writes"]
    assert "https://api.openai.com" in py["calls"]
    pa = found["power-automate/job_power_automate.json"]
    assert "sharepoint://contoso.sharepoint.com/sites/finance/Invoices" in pa["reads"]
    systemd = found["systemd-timer/job_systemd_timer.timer"]
    assert systemd["owner_hint"] == "svc_job_syst"
    assert "/opt/job_systemd_timer/main.py" in systemd["runs"]
    task = found["windows-task/job_windows_task.xml"]
    assert task["owner_hint"] == "CORP\\jdoe"
    assert "windows-task:stored-password" in task["credentials"]
    gha = found["github-actions/job_github_actions/.github/workflows/daily.yml"]
    assert "github-secret:OPENAI_API_KEY" in gha["credentials"]
    n8n = found["n8n/job_n8n.json"]
    assert "n8n:openAiApi:OpenAi account" in n8n["credentials"]
    assert "gpt-4o-mini" in n8n["ai_models"]
    make = found["make/job_make.json"]
    assert make["owner_hint"] == "ops@corp.example.org"


def test_not_automations_are_not_reported(tmp_path):
    rng = random.Random(3)
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "helpers.py").write_bytes(synthetic.library_module(rng))
    (tmp_path / "pkg" / "test_helpers.py").write_text(
        "import requests\nrequests.get('https://x.example.net')\n"
    )
    (tmp_path / "notes.md").write_text(
        "# Notes\nsk-proj-FAKEabcdefghijklmnopqrstuvwxyz0123 in docs\n"
    )
    (tmp_path / "data.csv").write_text("a,b\n1,2\n" * 1000)
    (tmp_path / "report.json").write_text(json.dumps({"rows": [{"a": 1}], "total": 1}))
    (tmp_path / "package.json").write_text(json.dumps({"name": "x", "dependencies": {}}))
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10)
    (tmp_path / "program.exe").write_bytes(b"MZ" + bytes(1000))
    (tmp_path / "lib.js").write_text("module.exports = function add(a, b) { return a + b; };\n")
    (tmp_path / "ci.yml").write_text("on: push\njobs: {}\n")
    gh = tmp_path / ".github" / "workflows"
    gh.mkdir(parents=True)
    (gh / "ci.yml").write_text(
        "on: [push, pull_request]\njobs:\n  test:\n    runs-on: ubuntu-latest\n"
    )
    assert run([tmp_path])["discoveries"] == []


def test_functional_fixtures(tmp_path):
    """Hand-made fixtures with expected results (bandit-style functional suite)."""
    expected = json.loads((FIXTURES / "expected.json").read_text())
    found = by_location(run([FIXTURES / "formats"]), FIXTURES / "formats")
    for location, want in expected.items():
        assert location in found, location
        got = found[location]
        assert got["platform"] == want["platform"], location
        assert {t["type"] for t in got["triggers"]} >= set(want.get("triggers", [])), location
        for key in ("ai_services", "calls", "reads", "writes", "credentials"):
            assert set(want.get(key, [])) <= set(got[key]), (location, key, got[key])
        assert sorted(s["type"] for s in got["secrets"]) == sorted(want.get("secrets", [])), (
            location
        )
        if "schedule" in want:
            assert want["schedule"] in [t["schedule"] for t in got["triggers"]], location
        if "owner_hint" in want:
            assert got["owner_hint"] == want["owner_hint"], location
    assert set(found) == set(expected)
