"""`govern scan` (json/table, --ingest, --push to a live server), `govern targets`, `govern scheduler`."""  # noqa: E501

from __future__ import annotations

import json
import threading

import pytest
from scanner_support import corpus, share
from sqlmodel import func, select
from werkzeug.serving import make_server

from govern.db import read_session
from govern.registry.models import Discovery, ScanRun, ScanTarget


def test_scan_json_and_table(runner):
    root = corpus()
    out = runner("scan", str(root), "--format", "json")
    assert out.exit_code == 0, out.output
    doc = json.loads(out.output)
    assert set(doc) == {"scan", "discoveries"}
    for d in doc["discoveries"]:
        assert {
            "location",
            "platform",
            "name",
            "fingerprint",
            "triggers",
            "reads",
            "writes",
            "calls",
            "ai_services",
            "secrets",
            "owner_hint",
            "errors",
        } <= set(d)
    table = runner("scan", str(root))
    assert table.exit_code == 0 and "n8n" in table.output and "discoveries" in table.output


def test_scan_invalid_input(runner, tmp_path):
    missing = runner("scan", str(tmp_path / "nope"))
    assert missing.exit_code == 2 and "does not exist" in missing.output
    assert runner("scan").exit_code == 2
    no_token = runner("scan", str(tmp_path), "--push", "http://127.0.0.1:9")
    assert no_token.exit_code == 2 and "--token" in no_token.output


def test_scan_ingest(runner, tmp_path, engine):
    share(tmp_path)
    out = runner("scan", str(tmp_path), "--ingest", "--format", "json", "--target", "local")
    assert out.exit_code == 0, out.output
    with read_session(engine) as s:
        assert s.exec(select(func.count()).select_from(Discovery)).one() == 20


@pytest.mark.slow
def test_push_to_a_live_server(app, runner, tmp_path, make_token, engine):
    share(tmp_path)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}"
        token = make_token("developer", namespaces=["*"])
        out = runner(
            "scan",
            str(tmp_path),
            "--push",
            url,
            "--token",
            token,
            "--batch-size",
            "6",
            "--target",
            "fs09",
            "--format",
            "json",
        )
        assert out.exit_code == 0, out.output
        bad = runner(
            "scan", str(tmp_path), "--push", url, "--token", "gov_wrong", "--format", "json"
        )
        assert bad.exit_code == 1 and "401" in bad.output
    finally:
        server.shutdown()
    with read_session(engine) as s:
        run = s.exec(select(ScanRun).where(ScanRun.target_name == "fs09")).one()
        assert run.status == "success" and run.batches == [0, 1, 2, 3] and run.discoveries == 20


def test_targets_commands_and_scheduler_once(runner, tmp_path, engine):
    share(tmp_path)
    assert (
        runner(
            "targets", "add", "fs01", str(tmp_path), "--cron", "0 3 * * *", "--namespace", "ops"
        ).exit_code
        == 0
    )
    bad = runner("targets", "add", "fs02", str(tmp_path), "--interval", "5")
    assert bad.exit_code == 2 and "interval_seconds" in bad.output
    listed = runner("targets", "list")
    assert "fs01" in listed.output and "0 3 * * *" in listed.output
    ran = runner("targets", "run", "fs01")
    assert ran.exit_code == 0 and "20 discoveries" in ran.output, ran.output
    once = runner("scheduler", "--once")
    assert once.exit_code == 0 and "fs01: success, 20 discoveries, 0 new shadow" in once.output
    assert runner("targets", "update", "fs01", "--disable").exit_code == 0
    assert runner("targets", "run", "fs01").exit_code == 1
    with read_session(engine) as s:
        target = s.exec(select(ScanTarget)).one()
        assert target.last_success_at is not None and not target.enabled
        assert s.exec(select(func.count()).select_from(ScanRun)).one() == 2
    assert runner("targets", "remove", "fs01").exit_code == 0
    assert runner("targets", "remove", "fs01").exit_code == 1


def test_build_scheduler_jobs(settings, engine, tmp_path, monkeypatch):
    from govern import events, scheduler
    from govern.db import write_session
    from govern.scanner.run import run_target

    with write_session(engine) as s:
        s.add(ScanTarget(name="a", location=str(tmp_path), interval_seconds=600))
        s.add(ScanTarget(name="b", location=str(tmp_path), cron="*/30 * * * *"))
        s.add(ScanTarget(name="c", location=str(tmp_path), enabled=False))
    sched = scheduler.build_scheduler(settings, engine)
    jobs = {j.name: j for j in sched.get_jobs()}
    assert {"scan a", "scan b", "pick up scan target changes"} <= set(jobs)
    assert "scan c" not in jobs
    assert all(j.max_instances == 1 and j.coalesce for j in jobs.values())
    calls = []
    monkeypatch.setattr(events, "scan_finished", lambda **kw: calls.append(kw))
    (tmp_path / "x.ps1").write_text("Get-Date\n")
    with read_session(engine) as s:
        target_id = s.exec(select(ScanTarget).where(ScanTarget.name == "a")).one().id
    run = run_target(settings, engine, target_id)
    assert (
        run.status == "success" and calls[0]["target"] == "a" and calls[0]["outcome"] == "success"
    )
    with write_session(engine) as s:
        s.get(ScanTarget, target_id).location = str(tmp_path / "vanished")
    failed = run_target(settings, engine, target_id)
    assert failed.status == "partial" and calls[-1]["outcome"] == "partial"
