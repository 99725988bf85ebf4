"""What operators get in deploy/ and docs/metrics.md agrees with what /metrics exports."""

from __future__ import annotations

import json
import re
import subprocess

import pytest
import yaml
from metrics_support import DEPLOY, ROOT

from govern import events

DOCS = ROOT / "docs" / "metrics.md"
DASHBOARD = DEPLOY / "grafana" / "govern-dashboard.json"
METRIC = re.compile(r"\bgovern_[a-z0-9_]+")
HISTOGRAM_PARTS = ("_bucket", "_sum", "_count")


def promtool(*args: str, cwd=DEPLOY) -> subprocess.CompletedProcess:
    return subprocess.run(["promtool", *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def exported(client) -> dict[str, str]:
    """Every govern_* family /metrics declares (name as exposed -> type)."""
    events.instruments()
    text = client.get("/metrics").get_data(as_text=True)
    return dict(re.findall(r"^# TYPE (govern_\w+) (\w+)$", text, flags=re.MULTILINE))


def used_in(text: str, known: dict[str, str]) -> set[str]:
    names = set()
    for name in METRIC.findall(text):
        for part in HISTOGRAM_PARTS:
            base = name.removesuffix(part)
            if base != name and known.get(base) == "histogram":
                name = base
        names.add(name)
    return names


def dashboard_exprs() -> list[str]:
    board = json.loads(DASHBOARD.read_text())
    exprs = [t["expr"] for p in board["panels"] for t in p.get("targets", [])]
    assert board["uid"] == "govern-overview" and len(exprs) > 25
    return exprs


@pytest.mark.parametrize(
    "args",
    [
        ("check", "rules", "alerts.yml"),
        ("test", "rules", "alerts_test.yml", "alerts_test_weekly.yml"),
        ("check", "config", "prometheus.yml"),
    ],
    ids=["check-rules", "test-rules", "check-config"],
)
def test_promtool_accepts_the_shipped_files(args):
    result = promtool(*args)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_every_alert_has_a_unit_test():
    rules = yaml.safe_load((DEPLOY / "alerts.yml").read_text())
    alerts = {r["alert"] for g in rules["groups"] for r in g["rules"] if "alert" in r}
    tested = set()
    for name in ("alerts_test.yml", "alerts_test_weekly.yml"):
        tests = yaml.safe_load((DEPLOY / name).read_text())
        tested |= {c["alertname"] for t in tests["tests"] for c in t.get("alert_rule_test", [])}
    assert alerts == tested


def test_dashboard_queries_parse(tmp_path):
    """promtool has no query checker; each expression becomes a recording rule instead."""
    exprs = [e.replace("$__rate_interval", "5m").replace("$job", ".*") for e in dashboard_exprs()]
    rules = {
        "groups": [
            {
                "name": "dashboard",
                "rules": [{"record": f"dashboard:q{i}", "expr": e} for i, e in enumerate(exprs)],
            }
        ]
    }
    path = tmp_path / "dashboard-rules.yml"
    path.write_text(yaml.safe_dump(rules))
    result = promtool("check", "rules", str(path), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_rules_and_dashboard_use_only_exported_metrics(client):
    known = exported(client)
    for source in (
        (DEPLOY / "alerts.yml").read_text(),
        (DEPLOY / "alerts_test.yml").read_text(),
        (DEPLOY / "alerts_test_weekly.yml").read_text(),
        "\n".join(dashboard_exprs()),
    ):
        unknown = used_in(source, known) - set(known)
        assert not unknown, unknown


def test_every_exported_metric_is_documented_and_nothing_else(client):
    known = exported(client)
    docs = DOCS.read_text()
    documented = {name for name in re.findall(r"^\| `(govern_\w+)`", docs, flags=re.MULTILINE)}
    assert set(known) - documented == set(), "exported but not documented"
    assert documented - set(known) == set(), "documented but not exported"
    for name, kind in known.items():
        if kind in ("counter", "histogram"):
            row = next(line for line in docs.splitlines() if line.startswith(f"| `{name}`"))
            assert kind in row, row


def test_deploy_files_name_metrics_that_exist_in_docs():
    docs = DOCS.read_text()
    text = (DEPLOY / "alerts.yml").read_text() + DASHBOARD.read_text()
    for name in set(METRIC.findall(text)):
        base = name
        for part in HISTOGRAM_PARTS:
            if name.endswith(part) and f"`{name.removesuffix(part)}`" in docs:
                base = name.removesuffix(part)
        assert f"`{base}`" in docs, name


@pytest.mark.slow
def test_promtool_check_metrics_on_the_demo(runner, client):
    """`govern demo` seeds a realistic enterprise; its /metrics passes promtool's lint."""
    result = runner("demo", "--automations", "40")
    assert result.exit_code == 0, result.output
    client.get("/api/v1/health")
    text = client.get("/metrics").get_data(as_text=True)
    assert re.search(r"^govern_automations [1-9]", text, flags=re.MULTILINE)
    assert "govern_open_violations{" in text
    check = subprocess.run(
        ["promtool", "check", "metrics"], input=text, capture_output=True, text=True, timeout=60
    )
    assert check.returncode == 0 and check.stdout == "" and check.stderr == "", (
        check.stdout + check.stderr
    )
