"""/metrics in one process: inventory figures, naming, labels, HTTP metrics, auth, formats."""

from __future__ import annotations

import gzip
import re
import subprocess
import time

import pytest
from conftest import automation_manifest
from metrics_support import (
    LAST_SUCCESS_AGO,
    OLDEST_PENDING_DAYS,
    by_key,
    check_expected,
    seed,
    wait_for,
)
from metrics_support import samples as parse_samples
from prometheus_client.parser import text_string_to_metric_families

from govern import events
from govern.db import utcnow, write_session
from govern.registry.models import Automation
from govern.web import create_app

pytestmark = pytest.mark.postgres
FORBIDDEN_LABELS = {"email", "owner", "person", "path", "location", "key", "id", "name", "user"}


def scrape(client, **kwargs) -> str:
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.data
    return response.get_data(as_text=True)


def value(text: str, name: str, **labels: str) -> float:
    """A sample's value, 0 when the series does not exist yet (counters start at 0)."""
    for sample_name, sample_labels, sample_value in parse_samples(text):
        if sample_name == name and sample_labels == labels:
            return sample_value
    return 0.0


@pytest.fixture
def seeded_client(engine, client):
    seed(engine)
    return client


def test_inventory_figures_equal_the_registry(seeded_client):
    text = scrape(seeded_client)
    found = by_key(text)  # also proves no series appears twice
    check_expected(found)
    for track, days in OLDEST_PENDING_DAYS.items():
        age = found[("govern_review_oldest_pending_age_seconds", (("track", track),))]
        assert age == pytest.approx(days * 86400, abs=120)
    now = utcnow().timestamp()
    last = {
        labels["target"]: v
        for name, labels, v in parse_samples(text)
        if name == "govern_scan_last_success_timestamp_seconds"
    }
    # disabled targets and run names that are paths are never exported
    assert set(last) == set(LAST_SUCCESS_AGO)
    for target, ago in LAST_SUCCESS_AGO.items():
        assert now - last[target] == pytest.approx(ago.total_seconds(), abs=120)


def test_registering_an_automation_changes_the_figures(seeded_client, headers):
    before = by_key(scrape(seeded_client))
    manifest = automation_manifest(name="invoice-bot", namespace="finance", platform="uipath")
    response = seeded_client.post("/api/v1/automations", json=manifest, headers=headers("admin"))
    assert response.status_code == 201, response.json
    after = by_key(scrape(seeded_client))
    assert after[("govern_automations", ())] == before[("govern_automations", ())] + 1
    key = ("govern_automations_by_platform", (("platform", "uipath"),))
    assert (before[key], after[key]) == (0, 1)


def test_naming_help_and_bounded_labels(seeded_client):
    seeded_client.get("/api/v1/automations/finance/close")  # some HTTP traffic
    text = scrape(seeded_client)
    families = [f for f in text_string_to_metric_families(text) if f.name.startswith("govern_")]
    assert len(families) > 30
    for family in families:
        assert family.documentation.strip(), f"{family.name} has no HELP"
        assert re.fullmatch(r"govern_[a-z][a-z0-9_]*", family.name)
        if family.type == "counter":
            assert all(s.name.endswith(("_total", "_created")) for s in family.samples)
        for s in family.samples:
            assert not FORBIDDEN_LABELS & set(s.labels), (family.name, s.labels)
            for label, label_value in s.labels.items():
                assert "@" not in label_value, (family.name, label, label_value)
                if label != "route":
                    assert "/" not in label_value, (family.name, label, label_value)
    assert "_created" not in text  # same exposition as under gunicorn


def test_promtool_check_metrics_is_silent(seeded_client):
    seeded_client.get("/api/v1/automations")
    seeded_client.get("/nowhere")
    events.scan_finished(
        target="fileserver-finance", outcome="success", files=3, discoveries=1, duration_seconds=2
    )
    events.policy_evaluation(duration_seconds=0.2, results={"pass": 3, "fail": 1}, kind="full")
    text = scrape(seeded_client)
    result = subprocess.run(
        ["promtool", "check", "metrics"], input=text, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0 and result.stdout == "" and result.stderr == "", (
        result.stdout + result.stderr
    )


def test_http_requests_are_labelled_by_route_template(client, headers):
    route = "/api/v1/automations/<namespace>/<name>"
    before = scrape(client)
    h = headers("viewer")
    assert client.get("/api/v1/automations/finance/no-such-thing", headers=h).status_code == 404
    assert client.get("/api/v1/automations/hr/other-thing", headers=h).status_code == 404
    assert client.get("/definitely/not/a/route").status_code == 404
    after = scrape(client)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("govern_http_requests_total", method="GET", route=route, status="404") == 2
    assert delta("govern_http_requests_total", method="GET", route="unmatched", status="404") == 1
    count = "govern_http_request_duration_seconds_count"
    assert delta(count, method="GET", route=route) == 2
    assert "finance/no-such-thing" not in after and "/definitely" not in after
    # the scrape itself is counted too, under its own template
    assert value(after, "govern_http_requests_total", method="GET", route="/metrics", status="200")


def test_scan_and_policy_events(client):
    before = scrape(client)
    events.scan_finished(
        target="nightly-share", outcome="success", files=40, discoveries=3, duration_seconds=12.5
    )
    events.scan_finished(
        target="/srv/private/path", outcome="exploded", files=1, discoveries=0, duration_seconds=1
    )
    events.policy_evaluation(
        duration_seconds=0.3, results={"pass": 5, "fail": 2, "not-applicable": 0}, kind="full"
    )
    events.policy_evaluation(duration_seconds=0.01, results={"bogus": 1}, kind="weird")
    after = scrape(client)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("govern_scan_runs_total", target="nightly-share", outcome="success") == 1
    assert delta("govern_scan_files_total", target="nightly-share") == 40
    assert delta("govern_scan_discoveries_total", target="nightly-share") == 3
    assert delta("govern_scan_duration_seconds_sum", target="nightly-share") == 12.5
    assert delta("govern_scan_duration_seconds_bucket", target="nightly-share", le="30.0") == 1
    assert delta("govern_scan_duration_seconds_bucket", target="nightly-share", le="10.0") == 0
    # a path is never a label value; unknown outcomes fold into "other"
    assert delta("govern_scan_runs_total", target="adhoc", outcome="other") == 1
    assert "/srv/private" not in after
    assert delta("govern_policy_evaluations_total", kind="full") == 1
    assert delta("govern_policy_evaluations_total", kind="other") == 1
    assert delta("govern_policy_evaluation_results_total", status="pass") == 5
    assert delta("govern_policy_evaluation_results_total", status="fail") == 2
    assert delta("govern_policy_evaluation_results_total", status="other") == 1
    assert delta("govern_policy_evaluation_duration_seconds_count", kind="full") == 1


def test_label_values_are_capped_per_process():
    bounded = events._Bounded(limit=2)
    assert [bounded(v) for v in ("a", "b", "c", "a", "d")] == ["a", "b", "other", "a", "other"]
    assert events.target_label("../etc") == "adhoc"
    assert events.target_label("https://example.com") == "adhoc"
    assert events.target_label("") == "adhoc"


def test_department_label_is_capped(engine, settings):
    seed(engine)
    app = create_app(settings, {"TESTING": True, "GOVERN_METRICS_MAX_DEPARTMENTS": "2"})
    try:
        found = by_key(scrape(app.test_client()))
    finally:
        app.extensions["govern"].engine.dispose()
    departments = {
        labels[0][1]: v for (name, labels), v in found.items()
        if name == "govern_automations_by_department"
    }  # fmt: skip
    # finance and hr (2 each) are kept; marketing and unassigned (1 each) become "other"
    assert departments == {"finance": 2, "hr": 2, "other": 2}


def test_token_protects_metrics(settings, tmp_path):
    app = create_app(settings, {"TESTING": True, "GOVERN_METRICS_TOKEN": "s3cret-token"})
    client = app.test_client()
    try:
        missing = client.get("/metrics")
        assert missing.status_code == 401
        assert missing.headers["WWW-Authenticate"].startswith("Bearer")
        assert "govern_" not in missing.get_data(as_text=True)
        wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        assert "govern_automations" in scrape(
            client, headers={"Authorization": "Bearer s3cret-token"}
        )
    finally:
        app.extensions["govern"].engine.dispose()
    token_file = tmp_path / "metrics.token"
    token_file.write_text("from-a-file\n")
    app = create_app(settings, {"TESTING": True, "GOVERN_METRICS_TOKEN_FILE": str(token_file)})
    try:
        client = app.test_client()
        assert client.get("/metrics").status_code == 401
        scrape(client, headers={"Authorization": "Bearer from-a-file"})
    finally:
        app.extensions["govern"].engine.dispose()


def test_bad_settings_are_refused(settings, tmp_path):
    from govern.config import ConfigError

    for overrides, message in (
        ({"GOVERN_METRICS_MAX_DEPARTMENTS": "0"}, "at least 1"),
        ({"GOVERN_METRICS_MAX_POLICIES": "many"}, "whole number"),
        ({"GOVERN_METRICS": "perhaps"}, "boolean"),
        ({"GOVERN_METRICS_MAX_AGE": "-1"}, "between 0 and 3600"),
        ({"GOVERN_METRICS_TOKEN_FILE": str(tmp_path / "absent")}, "cannot be read"),
    ):
        with pytest.raises(ConfigError, match=message):
            create_app(settings, {"TESTING": True, **overrides})


def test_max_age_reuses_recent_figures(engine, settings, headers):
    app = create_app(settings, {"TESTING": True, "GOVERN_METRICS_MAX_AGE": "300"})
    client = app.test_client()
    try:
        first = by_key(scrape(client))
        assert first[("govern_inventory_age_seconds", ())] == 0
        seed(engine)
        second = by_key(scrape(client))
        assert second[("govern_automations", ())] == 0  # reused, not recomputed
        assert second[("govern_inventory_age_seconds", ())] > 0
    finally:
        app.extensions["govern"].engine.dispose()
    stale = create_app(settings, {"TESTING": True, "GOVERN_METRICS_MAX_AGE": "0.2"})
    client = stale.test_client()
    try:
        assert by_key(scrape(client))[("govern_automations", ())] == 6
        with write_session(engine) as session:
            session.add(Automation(key="hr/late", namespace="hr", name="late", platform="vba"))
        time.sleep(0.3)
        # answers at once with the old figures and refreshes them in the background
        assert by_key(scrape(client))[("govern_automations", ())] == 6
        wait_for(
            lambda: by_key(scrape(client))[("govern_automations", ())] == 7,
            10,
            "the background refresh",
        )
    finally:
        stale.extensions["govern"].engine.dispose()
    fresh = create_app(settings, {"TESTING": True})
    try:
        assert by_key(scrape(fresh.test_client()))[("govern_automations", ())] == 7
    finally:
        fresh.extensions["govern"].engine.dispose()


def test_metrics_can_be_switched_off(settings):
    app = create_app(settings, {"TESTING": True, "GOVERN_METRICS": "false"})
    try:
        assert app.test_client().get("/metrics").status_code == 404
    finally:
        app.extensions["govern"].engine.dispose()


def test_openmetrics_gzip_and_name_filter(seeded_client):
    response = seeded_client.get(
        "/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0"}
    )
    assert response.content_type.startswith("application/openmetrics-text")
    assert response.get_data(as_text=True).endswith("# EOF\n")
    zipped = seeded_client.get("/metrics", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert b"govern_automations 6.0" in gzip.decompress(zipped.data)
    only = scrape(seeded_client, query_string={"name[]": "govern_compliance_ratio"})
    assert [name for name, _, _ in parse_samples(only)] == ["govern_compliance_ratio"]


def test_each_app_reads_its_own_database(seeded_client, tmp_path):
    from govern import schema
    from govern.config import Settings
    from govern.db import make_engine

    other = Settings(
        data_dir=tmp_path, database_url=f"sqlite:///{tmp_path}/other.db", secret_key="k" * 40
    ).resolved()
    engine = make_engine(other)
    schema.upgrade(engine)
    engine.dispose()
    app = create_app(other, {"TESTING": True})
    try:
        assert by_key(scrape(app.test_client()))[("govern_automations", ())] == 0
    finally:
        app.extensions["govern"].engine.dispose()
    assert by_key(scrape(seeded_client))[("govern_automations", ())] == 6


def test_a_failing_collector_is_reported_not_fatal(app, client, caplog):
    before = scrape(client)
    state = app.extensions["govern_metrics"]
    collector = next(
        c for c in state.registry._collector_to_names if type(c).__name__ == "InventoryCollector"
    )
    from sqlalchemy import create_engine

    collector.engine = create_engine("sqlite:///file:nowhere?mode=ro&uri=true")
    try:
        after = scrape(client)
    finally:
        collector.engine.dispose()
    assert value(after, "govern_inventory_collect_success") == 0
    assert value(after, "govern_inventory_collect_errors_total") == (
        value(before, "govern_inventory_collect_errors_total") + 1
    )
    assert "govern_automations " not in after  # no made-up figures
    assert "computing inventory metrics failed" in caplog.text


def test_multiprocess_mode_refuses_a_late_environment(engine, monkeypatch, tmp_path):
    from govern.web.metrics.endpoint import build_registry
    from govern.web.metrics.options import MetricsOptions

    with pytest.raises(RuntimeError, match="set after prometheus_client was imported"):
        build_registry(engine, MetricsOptions(multiprocess_dir=str(tmp_path)))
    with pytest.raises(RuntimeError, match="not a directory"):
        build_registry(engine, MetricsOptions(multiprocess_dir=str(tmp_path / "absent")))
