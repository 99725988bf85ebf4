"""Large registrations queue their policy evaluation (GOVERN_INLINE_EVALUATION_LIMIT):
the batch commits with its keys queued in the same transaction, draining stores exactly
what inline evaluation would have, enforce mode still refuses blocked promotions, and
the queue survives failures and concurrent drains."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import pytest
import yaml
from click.testing import CliRunner
from conftest import automation_manifest
from registry_support import live_server, second_database
from sqlalchemy import select, text
from sqlmodel import func
from ui_support import make_users, sign_in

from govern.cli import AppContext, main
from govern.config import ConfigError, Settings
from govern.db import make_engine, read_session, utcnow, write_session
from govern.policies import pending
from govern.policies.setup import install_pack
from govern.registry.auth import LOCAL_ADMIN
from govern.registry.automations import Conflict
from govern.registry.manifest import Document, LoadResult
from govern.registry.models import Automation, Decision, EvaluationQueue, PolicyResult
from govern.registry.register import register_batch

JUST = "Consolidates fourteen ledgers; replaces three days of work."
SHARED = "postgres://crm-db:5432/crm.public.customers"


def batch(count: int, start: int = 0) -> list[dict]:
    """Automations with violations (unauthenticated webhooks, external AI calls) and
    shared assets, so results and risk depend on neighbours."""
    docs = []
    for i in range(start, start + count):
        spec: dict = {"reads": [{"asset": SHARED, "classification": "confidential"}]}
        if i % 3 == 0:
            spec["trigger"] = {"type": "webhook"}
        if i % 4 == 0:
            spec["calls"] = [{"asset": "https://api.openai.com"}]
        if i % 5 == 0:
            spec["writes"] = [{"asset": f"file://fs01/out/report-{i % 2}.xlsx"}]
        docs.append(automation_manifest(name=f"job-{i:03d}", **spec))
    return docs


def loaded(docs: list[dict]) -> LoadResult:
    return LoadResult(documents=[Document("test", i, d) for i, d in enumerate(docs)])


def reg(engine, docs: list[dict], limit: int | None):
    with write_session(engine) as session:
        return register_batch(session, loaded(docs), principal=LOCAL_ADMIN, inline_limit=limit)


def verdicts(engine) -> tuple[set, dict]:
    with read_session(engine) as s:
        rows = s.execute(
            select(
                Automation.key, PolicyResult.policy_id, PolicyResult.status, PolicyResult.state
            ).join(Automation, Automation.id == PolicyResult.automation_id)
        ).all()
        risk = s.execute(select(Automation.key, Automation.risk_score, Automation.risk_tier)).all()
    return {tuple(r) for r in rows}, {k: (score, tier) for k, score, tier in risk}


def queued(engine) -> dict[str, str]:
    with read_session(engine) as s:
        return dict(s.execute(select(EvaluationQueue.key, EvaluationQueue.reason)).all())


@pytest.fixture
def pack(engine):
    install_pack(engine)
    return engine


def test_large_batch_is_queued_then_drained_to_the_inline_result(pack, settings, tmp_path):
    reader = automation_manifest(name="reader", reads=[{"asset": "file://fs01/out/report-0.xlsx"}])
    reg(pack, [reader], limit=None)
    done = reg(pack, batch(12), limit=5)
    assert len(done.outcomes) == 12
    queue = queued(pack)
    assert {k for k, r in queue.items() if r == "changed"} == {
        f"finance/job-{i:03d}" for i in range(12)
    }
    assert queue["finance/reader"] == "neighbour"  # reads what the batch now writes
    assert set(done.queued) == set(queue)
    results, risk = verdicts(pack)
    assert not {r for r in results if r[0].startswith("finance/job-")}  # not evaluated yet
    assert all(risk[k] == (0, "low") for k in queue if k != "finance/reader")

    summary = pending.drain(pack, chunk=5)
    assert summary.automations == 13 and summary.batches == 3 and summary.remaining == 0
    assert queued(pack) == {}

    with second_database(settings, tmp_path) as other:
        engine = make_engine(other)
        try:
            install_pack(engine)
            reg(engine, [reader], limit=None)
            inline = reg(engine, batch(12), limit=None)
            assert inline.queued == []
            expected = verdicts(engine)
        finally:
            engine.dispose()
    got = verdicts(pack)
    assert any(status == "fail" for _, _, status, _ in got[0])
    assert got == expected


def test_small_batches_are_still_evaluated_inline(pack):
    done = reg(pack, batch(3), limit=5)
    assert done.queued == [] and queued(pack) == {}
    results, _ = verdicts(pack)
    assert ("finance/job-000", "unauthenticated-webhook", "fail", "open") in results


def test_blocked_promotion_in_a_large_batch_fails_with_nothing_written(pack):
    reg(pack, [automation_manifest(name="grow", track="sandbox")], limit=None)
    with read_session(pack) as s:
        before = s.execute(select(func.count()).select_from(Automation)).scalar_one()
    promoted = automation_manifest(name="grow", track="production", justification=JUST)
    with pytest.raises(Conflict) as refused:
        reg(pack, [*batch(8), promoted], limit=3)
    assert any("production-certified-owner" in r for r in refused.value.reasons)
    with read_session(pack) as s:
        assert s.execute(select(func.count()).select_from(Automation)).scalar_one() == before
        grow = s.execute(select(Automation.track).where(Automation.key == "finance/grow"))
        assert grow.scalar_one() == "sandbox"
    assert queued(pack) == {}


def test_allowed_promotion_in_a_large_batch_is_evaluated_inline(pack):
    from policy_support import person

    reg(pack, [automation_manifest(name="grow", track="sandbox")], limit=None)
    cert = person("li.wei@example.com", level=1, expires="2099-12-31")
    promoted = automation_manifest(name="grow", track="production", justification=JUST)
    done = reg(pack, [cert, *batch(8), promoted], limit=3)
    assert "finance/grow" not in done.queued and "finance/job-000" in done.queued
    with read_session(pack) as s:
        grow = s.execute(select(Automation.id).where(Automation.key == "finance/grow")).scalar_one()
        logged = s.execute(select(func.count()).where(Decision.automation_id == grow))
        assert logged.scalar_one() > 0  # evaluated in the registration's transaction


def _runner(settings: Settings, limit: int):
    runner = CliRunner()
    ctx = AppContext(replace(settings, inline_evaluation_limit=limit))
    return lambda *args: runner.invoke(main, list(args), obj=ctx)


def test_cli_register_queues_then_pending_and_wait(pack, settings, tmp_path):
    run = _runner(settings, 2)
    path = tmp_path / "many.yaml"
    path.write_text(yaml.safe_dump_all(batch(5)))
    result = run("register", "--quiet", str(path))
    assert result.exit_code == 0, result.output
    assert "policy evaluation of 5 automation(s) queued" in result.output
    assert "govern policy evaluate --pending" in result.output
    assert len(queued(pack)) == 5

    drained = run("policy", "evaluate", "--pending")
    assert drained.exit_code == 0, drained.output
    assert '"automations": 5' in drained.output and '"remaining": 0' in drained.output
    assert queued(pack) == {}
    assert ("finance/job-000", "unauthenticated-webhook", "fail", "open") in verdicts(pack)[0]

    fixed = batch(5)
    for doc in fixed:
        if doc["spec"].get("trigger"):
            doc["spec"]["trigger"]["authenticated"] = True
    path.write_text(yaml.safe_dump_all(fixed))
    waited = run("register", "--wait", str(path))
    assert waited.exit_code == 0, waited.output
    assert "queued" not in waited.output and queued(pack) == {}
    assert ("finance/job-000", "unauthenticated-webhook", "pass", "resolved") in verdicts(pack)[0]
    assert run("policy", "evaluate", "--pending", "--key", "a/b").exit_code == 2


def test_cli_blocked_promotion_in_a_large_batch_exits_2(pack, settings, tmp_path):
    run = _runner(settings, 2)
    sandbox = tmp_path / "sandbox.yaml"
    sandbox.write_text(yaml.safe_dump(automation_manifest(name="grow", track="sandbox")))
    assert run("register", str(sandbox)).exit_code == 0
    path = tmp_path / "many.yaml"
    prod = automation_manifest(name="grow", track="production", justification=JUST)
    path.write_text(yaml.safe_dump_all([*batch(5), prod]))
    result = run("register", str(path))
    assert result.exit_code == 2, result.output
    assert "blocked:" in result.output and "nothing was registered" in result.output
    assert queued(pack) == {}


def test_the_scheduler_job_drains_the_queue(pack, settings):
    from govern.scheduler import build_scheduler

    reg(pack, batch(6), limit=2)
    assert len(queued(pack)) == 6
    scheduler = build_scheduler(settings, pack)
    job = scheduler.get_job("policies.pending-evaluation")
    assert job is not None and job.trigger.interval.total_seconds() <= 10
    scheduler.start()
    try:
        scheduler.modify_job("policies.pending-evaluation", next_run_time=utcnow())
        deadline = time.monotonic() + 60
        while queued(pack) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        scheduler.shutdown(wait=True)
    assert queued(pack) == {}
    assert ("finance/job-000", "unauthenticated-webhook", "fail", "open") in verdicts(pack)[0]


def test_two_concurrent_drains_lose_nothing(pack, settings, tmp_path):
    reg(pack, batch(30), limit=2)
    assert len(queued(pack)) == 30
    errors: list[BaseException] = []
    summaries: list[pending.DrainSummary] = []

    def work():
        engine = make_engine(settings)
        try:
            summaries.append(pending.drain(engine, chunk=4))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors
    assert queued(pack) == {}
    assert sum(s.automations for s in summaries) >= 30
    with second_database(settings, tmp_path) as other:
        engine = make_engine(other)
        try:
            install_pack(engine)
            reg(engine, batch(30), limit=None)
            expected = verdicts(engine)
        finally:
            engine.dispose()
    assert verdicts(pack) == expected


def test_a_key_queued_again_during_a_drain_is_kept(pack):
    reg(pack, batch(3), limit=1)
    with read_session(pack) as s:
        snapshot = s.execute(select(EvaluationQueue.key, EvaluationQueue.queued_at)).all()
    with write_session(pack) as s:  # a registration re-queues one key meanwhile
        pending.enqueue(s, ["finance/job-001"])
    with write_session(pack) as s:  # the drain deletes what it read, and only that
        s.execute(pending._DELETE, [{"k": k, "q": q} for k, q in snapshot])
    assert set(queued(pack)) == {"finance/job-001"}


def _failing_decisions(engine, on: bool) -> None:
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            if on:
                conn.execute(
                    text(
                        "CREATE TRIGGER refuse_decisions BEFORE INSERT ON decision "
                        "BEGIN SELECT RAISE(ABORT, 'decision log unavailable'); END"
                    )
                )
            else:
                conn.execute(text("DROP TRIGGER refuse_decisions"))
            return
        if on:
            conn.execute(
                text(
                    "CREATE FUNCTION refuse_decisions() RETURNS trigger AS $$ BEGIN "
                    "RAISE EXCEPTION 'decision log unavailable'; END $$ LANGUAGE plpgsql"
                )
            )
            conn.execute(
                text(
                    "CREATE TRIGGER refuse_decisions BEFORE INSERT ON decision "
                    "FOR EACH ROW EXECUTE FUNCTION refuse_decisions()"
                )
            )
        else:
            conn.execute(text("DROP TRIGGER refuse_decisions ON decision"))
            conn.execute(text("DROP FUNCTION refuse_decisions()"))


def test_queue_rows_survive_a_failed_drain(pack):
    reg(pack, batch(4), limit=1)
    _failing_decisions(pack, on=True)
    try:
        with pytest.raises(Exception, match="decision log unavailable"):
            pending.drain(pack)
    finally:
        _failing_decisions(pack, on=False)
    assert len(queued(pack)) == 4
    assert not verdicts(pack)[0]
    assert pending.drain(pack).automations == 4
    assert queued(pack) == {}


def test_api_reports_queued_evaluation_and_pending_automations(pack, settings, make_token):
    from govern.web import create_app

    app = create_app(replace(settings, inline_evaluation_limit=2), {"TESTING": True})
    try:
        client = app.test_client()
        h = {"Authorization": f"Bearer {make_token('admin')}"}
        response = client.post("/api/v1/manifests", json=batch(4), headers=h)
        assert response.status_code == 201, response.json
        assert response.json["evaluationQueued"] == 4
        one = client.get("/api/v1/automations/finance/job-000", headers=h).json
        assert one["evaluation"] == "pending"
        listed = client.get("/api/v1/automations", headers=h).json["items"]
        assert {i["key"]: i["evaluation"] for i in listed}["finance/job-001"] == "pending"
        risk = client.get("/api/v1/automations/finance/job-000/risk", headers=h).json
        assert risk["evaluation"] == "pending"
        for path in ("/api/v1/violations", "/api/v1/results"):
            assert client.get(path, headers=h).json["evaluationPending"] == 4, path
        make_users(pack)
        browser = app.test_client()
        sign_in(browser, "vic")
        page = browser.get("/automations/finance/job-000").get_data(as_text=True)
        assert 'id="evaluation-pending"' in page
        bad = client.post("/api/v1/manifests?wait=maybe", json=batch(1), headers=h)
        assert bad.status_code == 400 and "wait" in bad.json["detail"]
        small = client.post("/api/v1/manifests", json=[automation_manifest(name="solo")], headers=h)
        assert small.json["evaluationQueued"] == 0
        pending.drain(pack)
        one = client.get("/api/v1/automations/finance/job-000", headers=h).json
        assert one["evaluation"] == "current"
        risk = client.get("/api/v1/automations/finance/job-000/risk", headers=h).json
        assert risk["evaluation"] == "current" and risk["score"] > 0
        assert client.get("/api/v1/violations", headers=h).json["evaluationPending"] == 0
        page = browser.get("/automations/finance/job-000").get_data(as_text=True)
        assert 'id="evaluation-pending"' not in page and "unauthenticated-webhook" in page
    finally:
        app.extensions["govern"].engine.dispose()


def test_remote_register_reports_queued_evaluation_and_waits(pack, settings, make_token, tmp_path):
    from govern.web import create_app

    app = create_app(replace(settings, inline_evaluation_limit=2), {"TESTING": True})
    run = _runner(settings, 1000)  # the local limit must not matter with --url
    path = tmp_path / "many.yaml"
    path.write_text(yaml.safe_dump_all(batch(4)))
    token = make_token("admin")
    try:
        with live_server(app) as url:
            pushed = run("register", "--quiet", "--url", url, "--token", token, str(path))
            assert pushed.exit_code == 0, pushed.output
            assert "policy evaluation of 4 automation(s) queued on the service" in pushed.output
            assert len(queued(pack)) == 4
            pending.drain(pack)
            path.write_text(yaml.safe_dump_all(batch(4, start=10)))
            waited = run("register", "--wait", "--url", url, "--token", token, str(path))
            assert waited.exit_code == 0, waited.output
            assert "queued" not in waited.output and queued(pack) == {}
            assert ("finance/job-012", "unauthenticated-webhook", "fail", "open") in verdicts(pack)[
                0
            ]
    finally:
        app.extensions["govern"].engine.dispose()


def test_inline_limit_setting():
    env = {"GOVERN_INLINE_EVALUATION_LIMIT": "50", "GOVERN_SECRET_KEY": "k" * 40}
    assert Settings.from_env(env).inline_evaluation_limit == 50
    assert Settings.from_env({"GOVERN_SECRET_KEY": "k" * 40}).inline_evaluation_limit == 200
    with pytest.raises(ConfigError, match="GOVERN_INLINE_EVALUATION_LIMIT"):
        Settings.from_env({**env, "GOVERN_INLINE_EVALUATION_LIMIT": "-1"})


@pytest.mark.parametrize("limit", [None, 3])
def test_a_large_batch_refuses_what_the_inline_path_refuses(pack, limit):
    """A batch that lapses the certification of the owner of an automation promoted
    earlier is refused inline; the queued path refuses it too."""
    from policy_support import person

    cert = person("li.wei@example.com", level=1, expires="2099-12-31")
    reg(pack, [cert, automation_manifest(name="grow", track="sandbox")], limit=None)
    promoted = automation_manifest(name="grow", track="production", justification=JUST)
    reg(pack, [promoted], limit=None)
    lapsed = person("li.wei@example.com")
    with pytest.raises(Conflict):
        reg(pack, [lapsed, *batch(8)], limit=limit)
    assert queued(pack) == {}
