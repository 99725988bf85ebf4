"""Helpers for the metrics tests: a known inventory, real servers, scraping and waiting."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.engine import Engine

from govern.config import Settings
from govern.db import utcnow, write_session
from govern.registry.models import (
    Automation,
    Person,
    PolicyResult,
    ScanRun,
    ScanTarget,
    Waiver,
)

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"

# What the inventory built by ``seed`` must show (see the comments there).
EXPECTED: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {
    ("govern_automations", ()): 6,
    ("govern_automations_by_platform", (("platform", "python"),)): 2,
    ("govern_automations_by_platform", (("platform", "vba"),)): 1,
    ("govern_automations_by_platform", (("platform", "cron"),)): 0,
    ("govern_automations_by_department", (("department", "finance"),)): 2,
    ("govern_automations_by_department", (("department", "hr"),)): 2,
    ("govern_automations_by_department", (("department", "marketing"),)): 1,
    ("govern_automations_by_department", (("department", "unassigned"),)): 1,
    ("govern_automations_by_origin", (("origin", "declared"),)): 2,
    ("govern_automations_by_origin", (("origin", "discovered"),)): 3,
    ("govern_automations_by_origin", (("origin", "both"),)): 1,
    ("govern_automations_by_reconciliation_state", (("state", "registered"),)): 3,
    ("govern_automations_by_reconciliation_state", (("state", "shadow"),)): 3,
    ("govern_automations_by_reconciliation_state", (("state", "missing"),)): 0,
    ("govern_automations_by_review_state", (("state", "pending"),)): 3,
    ("govern_automations_by_review_state", (("state", "approved"),)): 1,
    ("govern_automations_by_review_state", (("state", "changes-requested"),)): 1,
    ("govern_automations_by_review_state", (("state", "rejected"),)): 1,
    ("govern_automations_by_risk_tier", (("tier", "critical"),)): 1,
    ("govern_automations_by_risk_tier", (("tier", "high"),)): 2,
    ("govern_automations_by_risk_tier", (("tier", "medium"),)): 1,
    ("govern_automations_by_risk_tier", (("tier", "low"),)): 2,
    ("govern_automations_by_track", (("track", "production"),)): 2,
    ("govern_automations_by_track", (("track", "sandbox"),)): 4,
    ("govern_automations_by_lifecycle", (("lifecycle", "active"),)): 5,
    ("govern_automations_by_lifecycle", (("lifecycle", "deprecated"),)): 1,
    ("govern_automations_by_lifecycle", (("lifecycle", "retired"),)): 1,
    ("govern_shadow_automations", ()): 3,
    ("govern_automations_using_ai", ()): 2,
    ("govern_duplicate_automations", ()): 3,
    ("govern_duplicate_groups", ()): 1,
    ("govern_orphaned_automations", (("reason", "no-owner"),)): 1,
    ("govern_orphaned_automations", (("reason", "unknown-owner"),)): 1,
    ("govern_orphaned_automations", (("reason", "inactive-owner"),)): 1,
    ("govern_open_violations", (("policy", "no-secrets"), ("severity", "critical"))): 2,
    ("govern_open_violations", (("policy", "owner-active"), ("severity", "high"))): 1,
    ("govern_waived_violations", (("policy", "owner-active"), ("severity", "high"))): 1,
    ("govern_automations_with_open_violations", ()): 3,
    ("govern_compliance_ratio", ()): 0.5,
    ("govern_waivers_active", ()): 3,
    ("govern_waivers_expiring", (("within_days", "7"),)): 1,
    ("govern_waivers_expiring", (("within_days", "30"),)): 2,
    ("govern_review_backlog", (("track", "production"),)): 1,
    ("govern_review_backlog", (("track", "sandbox"),)): 2,
    ("govern_people", (("status", "active"),)): 4,
    ("govern_people", (("status", "inactive"),)): 1,
    ("govern_people_certified", (("level", "1"),)): 0,
    ("govern_people_certified", (("level", "2"),)): 1,
    ("govern_people_certified", (("level", "3"),)): 1,
    ("govern_inventory_collect_success", ()): 1,
}
# Ages and timestamps depend on the clock: checked within a tolerance.
OLDEST_PENDING_DAYS = {"production": 20, "sandbox": 10}
LAST_SUCCESS_AGO = {"fileserver-finance": timedelta(hours=2), "egress-logs": timedelta(minutes=30)}


def seed(engine: Engine) -> None:
    """A small inventory where every figure is known (EXPECTED above)."""
    now = utcnow()
    days = lambda n: now - timedelta(days=n)  # noqa: E731
    with write_session(engine) as session:
        session.add_all(
            [
                Person(email="li.wei@example.com", department="finance", certification_level=2,
                       certification_expires=utcnow().date() + timedelta(days=300)),
                Person(email="anna.k@example.com", department="finance", certification_level=1,
                       certification_expires=utcnow().date() - timedelta(days=1)),  # expired
                Person(email="bob@example.com", department="hr", active=False,
                       certification_level=3),  # inactive: not certified
                Person(email="carol@example.com", department="it", certification_level=3),
                Person(email="dan@example.com", department="hr"),
            ]
        )  # fmt: skip
        rows = [
            # key, platform, dept, origin, reconciliation, review, tier, track, lifecycle,
            # owner, fingerprint, uses_ai, created_at, reviewed_at
            ("finance/close", "python", "finance", "declared", "registered", "approved",
             "high", "production", "active", "li.wei@example.com", "F1", True, days(40), None),
            ("finance/close-copy", "python", "finance", "discovered", "shadow", "pending",
             "medium", "sandbox", "active", "anna.k@example.com", "F1", False, days(30), days(1)),
            ("hr/onboard", "power-automate", "hr", "both", "registered", "pending",
             "low", "production", "active", "bob@example.com", None, False, days(20), None),
            ("hr/payroll-macro", "vba", "hr", "discovered", "shadow", "pending",
             "critical", "sandbox", "active", None, "F2", True, days(10), None),
            ("it/backup", "shell", None, "declared", "registered", "changes-requested",
             "low", "sandbox", "active", "ghost@example.com", None, False, days(5), None),
            ("it/old-job", "cron", "it", "declared", "missing", "approved",
             "low", "sandbox", "retired", "carol@example.com", "F2", False, days(400), None),
            ("marketing/leads", "zapier", "marketing", "discovered", "shadow", "rejected",
             "high", "sandbox", "deprecated", "dan@example.com", "F1", False, days(2), None),
        ]  # fmt: skip
        autos = {}
        for (key, platform, dept, origin, rec, review, tier, track, life, owner, fp, ai,
             created, reviewed) in rows:  # fmt: skip
            namespace, name = key.split("/")
            autos[name] = Automation(
                key=key, namespace=namespace, name=name, platform=platform, department=dept,
                origin=origin, reconciliation_state=rec, review_state=review, risk_tier=tier,
                track=track, lifecycle=life, owner_email=owner, fingerprint=fp, uses_ai=ai,
                created_at=created, reviewed_at=reviewed,
            )  # fmt: skip
        session.add_all(autos.values())
        session.flush()
        results = [
            ("no-secrets", "close", "fail", "open", "critical"),
            ("no-secrets", "payroll-macro", "fail", "open", "critical"),
            ("no-secrets", "old-job", "fail", "open", "critical"),  # retired: not counted
            ("owner-active", "onboard", "fail", "open", "high"),
            ("owner-active", "backup", "fail", "waived", "high"),
            ("owner-active", "close", "pass", None, "high"),
            ("ai-approved", "close-copy", "pass", "resolved", "medium"),
            ("ai-approved", "leads", "not-applicable", None, "medium"),
        ]
        session.add_all(
            PolicyResult(policy_id=p, automation_id=autos[a].id, status=s, state=st, severity=sev)
            for p, a, s, st, sev in results
        )
        for expires, revoked in (
            (timedelta(days=3), None),
            (timedelta(days=20), None),
            (timedelta(days=90), None),
            (timedelta(days=-2), None),  # expired
            (timedelta(days=5), now),  # revoked
        ):
            session.add(
                Waiver(policy_id="owner-active", automation_id=autos["backup"].id, reason="r",
                       approver="sec@example.com", expires_at=now + expires, revoked_at=revoked)
            )  # fmt: skip
        session.add_all(
            [
                ScanTarget(name="fileserver-finance", location="/srv/finance",
                           last_success_at=now - timedelta(hours=2)),
                ScanTarget(name="egress-logs", location="/var/log/egress",
                           last_success_at=now - timedelta(minutes=30)),
                ScanTarget(name="never-succeeded", location="/srv/new"),
                ScanTarget(name="disabled-target", location="/srv/old", enabled=False,
                           last_success_at=now - timedelta(days=1)),
            ]
        )  # fmt: skip
        # runs do not decide the last success: ingesting a successful run sets the target's
        session.add(
            ScanRun(run_uid="r1", target_name="fileserver-finance", status="success",
                    finished_at=now - timedelta(minutes=1))
        )  # fmt: skip


# -- reading an exposition ----------------------------------------------------------


def samples(text: str) -> list[tuple[str, dict[str, str], float]]:
    out = []
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out.append((s.name, dict(s.labels), s.value))
    return out


def by_key(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Samples keyed like EXPECTED; raises if any series appears twice."""
    found: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for name, labels, value in samples(text):
        key = (name, tuple(sorted(labels.items())))
        if key in found:
            raise AssertionError(f"series {key} appears more than once")
        found[key] = value
    return found


def check_expected(found: dict, expected: dict | None = None) -> None:
    for key, value in (expected or EXPECTED).items():
        assert key in found, f"missing {key}"
        assert found[key] == value, f"{key}: {found[key]} != {value}"


# -- real servers ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(
    check: Callable[[], Any],
    timeout: float,
    what: str,
    interval: float = 0.2,
    diagnose: Callable[[], str] | None = None,
) -> Any:
    """Call ``check`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = check()
        except Exception as exc:  # noqa: BLE001 - retried until the deadline
            last_error = exc
        else:
            if value:
                return value
        time.sleep(interval)
    detail = diagnose() if diagnose else ""
    raise AssertionError(
        f"timed out after {timeout}s waiting for {what} (last error: {last_error}) {detail}"
    )


def http_get(url: str, token: str | None = None, timeout: float = 10) -> tuple[int, str]:
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    multiproc_dir: Path
    log: Path


def server_env(settings: Settings, data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOVERN_", "PROMETHEUS_"))}
    env.update(
        GOVERN_DATABASE_URL=settings.database_url,
        GOVERN_SECRET_KEY=settings.secret_key,
        GOVERN_DATA_DIR=str(data_dir),
        GOVERN_SCHEDULER="false",
        GOVERN_LOG_LEVEL="WARNING",
    )
    env.update(extra)
    return env


def _stop(process: subprocess.Popen, timeout: float = 15) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


@contextmanager
def gunicorn(settings: Settings, tmp: Path, *, workers: int, token: str = "") -> Iterator[Server]:
    """gunicorn with the shipped config and ``workers`` workers, on a free loopback port."""
    port = free_port()
    multiproc = tmp / "prom-multiproc"
    multiproc.mkdir(parents=True)
    log = tmp / "gunicorn.log"
    env = server_env(settings, tmp, PROMETHEUS_MULTIPROC_DIR=str(multiproc))
    if token:
        env["GOVERN_METRICS_TOKEN"] = token
    command = [
        sys.executable, "-m", "gunicorn", "-c", "python:govern.web.gunicorn_conf",
        "-w", str(workers), "-b", f"127.0.0.1:{port}", "--timeout", "60",
        "govern.web:create_app()",
    ]  # fmt: skip
    with open(log, "wb") as out:
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=out)
    server = Server(f"http://127.0.0.1:{port}", process, multiproc, log)
    try:

        def ready() -> bool:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {log.read_text()[-2000:]}")
            return http_get(server.url + "/metrics", token)[0] == 200

        wait_for(ready, 60, "gunicorn to answer /metrics")
        # every worker has booted when each has created its metrics file
        wait_for(
            lambda: len(list(multiproc.glob("counter_*.db"))) >= workers,
            60,
            "all gunicorn workers to boot",
        )
        yield server
    finally:
        _stop(process)


@dataclass
class Prometheus:
    url: str
    process: subprocess.Popen

    def get(self, path: str, **params: str) -> Any:
        """A Prometheus HTTP API call; returns its ``data``."""
        import json
        import urllib.parse

        query = ("?" + urllib.parse.urlencode(params)) if params else ""
        status, body = http_get(f"{self.url}{path}{query}")
        payload = json.loads(body)
        assert status == 200 and payload["status"] == "success", body
        return payload["data"]

    def targets(self) -> str:
        """The scrape targets' health and last error, for failure messages."""
        return str(
            [
                (t["scrapeUrl"], t["health"], t["lastError"])
                for t in self.get("/api/v1/targets")["activeTargets"]
            ]
        )

    def query(self, promql: str) -> list[dict]:
        return self.get("/api/v1/query", query=promql)["result"]


@contextmanager
def prometheus(tmp: Path, target: str, *, token: str = "", rule_files=()) -> Iterator[Prometheus]:
    """A real Prometheus on loopback scraping ``target`` (host:port) every second."""
    import yaml

    port = free_port()
    job: dict[str, Any] = {
        "job_name": "govern",
        "scrape_interval": "1s",
        "scrape_timeout": "1s",
        "static_configs": [{"targets": [target]}],
    }
    if token:
        job["authorization"] = {"type": "Bearer", "credentials": token}
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(p) for p in rule_files],
        "scrape_configs": [job],
    }
    tmp.mkdir(parents=True, exist_ok=True)
    config_path = tmp / "prometheus.yml"
    config_path.write_text(yaml.safe_dump(config))
    log = tmp / "prometheus.log"
    command = [
        "prometheus", f"--config.file={config_path}", f"--storage.tsdb.path={tmp / 'tsdb'}",
        f"--web.listen-address=127.0.0.1:{port}",
    ]  # fmt: skip
    with open(log, "wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=out, cwd=tmp)
    server = Prometheus(f"http://127.0.0.1:{port}", process)
    try:

        def ready() -> bool:
            if process.poll() is not None:
                raise RuntimeError(f"prometheus exited: {log.read_text()[-2000:]}")
            return http_get(server.url + "/-/ready")[0] == 200

        wait_for(ready, 30, "prometheus to be ready")
        yield server
    finally:
        _stop(process)
