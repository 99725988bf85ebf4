"""A real Prometheus scrapes a real govern (gunicorn, 2 workers, bearer token) on loopback."""

from __future__ import annotations

import pytest
from conftest import automation_manifest
from metrics_support import DEPLOY, EXPECTED, gunicorn, prometheus, seed, wait_for

from govern.db import read_session, write_session
from govern.registry import auth, stats
from govern.registry.auth import LOCAL_ADMIN

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
TOKEN = "metrics-token-for-tests"


def _series(prom, promql: str) -> dict[tuple[tuple[str, str], ...], float]:
    """Instant query result keyed by labels (without job and instance)."""
    out = {}
    for item in prom.query(promql):
        labels = {
            k: v for k, v in item["metric"].items() if k not in ("__name__", "job", "instance")
        }
        out[tuple(sorted(labels.items()))] = float(item["value"][1])
    return out


def _register(url: str, token: str, manifest: dict) -> int:
    import json
    import urllib.request

    request = urllib.request.Request(
        url + "/api/v1/automations",
        data=json.dumps(manifest).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


def test_prometheus_sees_the_registry_and_its_changes(engine, settings, tmp_path):
    seed(engine)
    with write_session(engine) as session:
        _, api_token = auth.create_token(session, name="ci-admin", role="admin", actor=LOCAL_ADMIN)
    with read_session(engine) as session:
        figures = stats.summary(session)

    with (
        gunicorn(settings, tmp_path / "govern", workers=2, token=TOKEN) as server,
        prometheus(
            tmp_path / "prom",
            server.url.removeprefix("http://"),
            token=TOKEN,
            rule_files=[DEPLOY / "alerts.yml"],
        ) as prom,
    ):
        wait_for(
            lambda: _series(prom, 'up{job="govern"}') == {(): 1.0},
            30,
            "a successful scrape of govern",
            diagnose=lambda: prom.targets() + str(prom.query("up")),
        )
        names = {
            item["metric"]["__name__"]
            for item in prom.query('{__name__=~"govern_.+", job="govern"}')
        }
        assert {name for name, _ in EXPECTED} <= names

        # Every expected series, as stored in Prometheus, equals what the registry holds.
        for (name, labels), expected in EXPECTED.items():
            got = _series(prom, name)
            assert got.get(labels) == expected, (name, labels, got)
        automations = _series(prom, "govern_automations")[()]
        assert automations == figures["automations"]["total"]
        by_platform = _series(prom, "govern_automations_by_platform > 0")
        assert {dict(k)["platform"]: v for k, v in by_platform.items()} == figures["automations"][
            "by_platform"
        ]
        by_department = _series(prom, "govern_automations_by_department")
        assert {dict(k)["department"]: v for k, v in by_department.items()} == figures[
            "automations"
        ]["by_department"]
        open_violations = _series(prom, "govern_open_violations")
        assert {
            (dict(k)["policy"], dict(k)["severity"]): v for k, v in open_violations.items()
        } == {
            (policy, severity): n
            for policy, by_severity in figures["violations"]["open_by_policy"].items()
            for severity, n in by_severity.items()
        }
        last_success = _series(prom, "govern_scan_last_success_timestamp_seconds")
        assert {dict(k)["target"] for k in last_success} == {"fileserver-finance", "egress-logs"}

        # The shipped alert rules load and evaluate against real govern series.
        groups = prom.get("/api/v1/rules")["groups"]
        rules = [rule for group in groups for rule in group["rules"]]
        assert len(rules) == 10 and all(rule["health"] != "err" for rule in rules), rules

        # Register an automation over the API: Prometheus sees the figure change.
        manifest = automation_manifest(name="invoice-bot", namespace="finance", platform="uipath")
        assert _register(server.url, api_token, manifest) == 201
        wait_for(
            lambda: _series(prom, "govern_automations")[()] == automations + 1,
            30,
            "Prometheus to see the new automation",
            diagnose=prom.targets,
        )
        uipath = _series(prom, 'govern_automations_by_platform{platform="uipath"}')
        assert list(uipath.values()) == [1.0]
        # and the registration request itself was counted, under its route template
        posted = _series(
            prom,
            'sum(govern_http_requests_total{method="POST",route="/api/v1/automations"})',
        )
        assert posted == {(): 1.0}
