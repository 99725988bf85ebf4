"""Reconciliation: registered / shadow / missing; idempotent runs; rescans change nothing;
decisions survive rescans; copies share one shadow automation."""

from __future__ import annotations

import shutil

from conftest import automation_manifest
from scanner_support import run, share
from sqlmodel import func, select

from govern.db import read_session, write_session
from govern.registry.auth import LOCAL_ADMIN
from govern.registry.ingest import ingest
from govern.registry.manifest import Document, LoadResult
from govern.registry.models import Access, AuditEvent, Automation, Discovery, ScanRun, ScanTarget
from govern.registry.reconcile_decisions import decide
from govern.registry.register import register


def _ingest(engine, result, target="share"):
    with write_session(engine) as session:
        return ingest(
            session,
            result,
            target_name=target,
            agent="test",
            run_uid=result["scan"]["run_uid"],
            principal=LOCAL_ADMIN,
        )


def _register(engine, body):
    with write_session(engine) as session:
        register(session, LoadResult(documents=[Document("t", 0, body)]), principal=LOCAL_ADMIN)


def _counts(engine):
    with read_session(engine) as s:
        return tuple(
            s.exec(select(func.count()).select_from(m)).one()
            for m in (Automation, Discovery, Access)
        ) + (
            s.exec(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.entity_type == "automation")
            ).one(),
        )


def test_shadow_registered_and_idempotent(tmp_path, engine):
    root = tmp_path / "share"
    share(root)
    _register(
        engine,
        automation_manifest(
            name="ledger", namespace="finance", location="//fs01/share/python/job_python.py"
        ),
    )
    result = run([root])
    run1 = _ingest(engine, result)
    assert run1.status == "success" and run1.discoveries == 20
    with read_session(engine) as s:
        declared = s.exec(select(Automation).where(Automation.key == "finance/ledger")).one()
        assert (declared.origin, declared.reconciliation_state) == ("both", "registered")
        shadows = s.exec(
            select(Automation).where(Automation.reconciliation_state == "shadow")
        ).all()
        assert len(shadows) == 19
        assert {a.namespace for a in shadows} >= {"n8n", "power-automate", "uipath"}
        assert all(a.origin == "discovered" for a in shadows)
        assert (
            s.exec(
                select(func.count()).select_from(Access).where(Access.learned == "scanned")
            ).one()
            > 20
        )
        n8n = next(a for a in shadows if a.platform == "n8n")
        assert n8n.uses_ai and n8n.trigger_type == "schedule" and n8n.schedule == "0 7 * * *"
    before = _counts(engine)
    again = _ingest(engine, result)  # same run_uid: nothing happens
    assert again.id == run1.id and _counts(engine) == before
    _ingest(engine, run([root]))  # a rescan changes nothing either
    assert _counts(engine) == before


def test_copies_share_one_shadow_automation(tmp_path, engine):
    root = tmp_path / "share"
    planted = share(root)
    source = root / next(p.location for p in planted if p.platform == "python")
    for i in range(12):
        target = root / f"team{i}" / "copy.py"
        target.parent.mkdir()
        target.write_text(source.read_text().replace("    ", "\t"))
    result = run([root])
    copies = [
        d for d in result["discoveries"] if d["location"].endswith(("copy.py", "job_python.py"))
    ]
    assert len(copies) == 13 and len({d["fingerprint"] for d in copies}) == 1
    assert {d["copies"] for d in copies} == {13}
    _ingest(engine, result)
    with read_session(engine) as s:
        ids = {d.automation_id for d in s.exec(select(Discovery).where(Discovery.copies == 13))}
        assert len(ids) == 1


def test_gone_and_missing(tmp_path, engine):
    root = tmp_path / "share"
    share(root)
    with write_session(engine) as s:
        s.add(ScanTarget(name="share", location=str(root), missing_after_runs=2))
    _register(
        engine,
        automation_manifest(
            name="declared-job", namespace="it", location=str(root / "it" / "gone.py")
        ),
    )
    _ingest(engine, run([root]))
    shutil.rmtree(root / "n8n")
    run2 = _ingest(engine, run([root]))
    assert run2.gone == 1
    with read_session(engine) as s:
        gone = s.exec(select(Discovery).where(Discovery.status == "gone")).one()
        assert gone.location.endswith("job_n8n.json")
        shadow = s.get(Automation, gone.automation_id)
        assert shadow.reconciliation_state == "missing"
        declared = s.exec(select(Automation).where(Automation.key == "it/declared-job")).one()
        assert declared.reconciliation_state == "missing" and declared.missing_runs == 2
        assert s.exec(select(ScanTarget)).one().last_success_at is not None


def test_decisions_survive_rescans(tmp_path, engine):
    root = tmp_path / "share"
    share(root)
    _register(engine, automation_manifest(name="canonical", namespace="ops"))
    _ingest(engine, run([root]))
    with write_session(engine) as s:
        shell = s.exec(select(Discovery).where(Discovery.platform == "shell")).one()
        batch = s.exec(select(Discovery).where(Discovery.platform == "batch")).one()
        decide(
            s, shell.id, decision="not-automation", principal=LOCAL_ADMIN, comment="a test fixture"
        )
        decide(
            s, batch.id, decision="duplicate", automation_key="ops/canonical", principal=LOCAL_ADMIN
        )
        shell_id, batch_id = shell.id, batch.id
    _ingest(engine, run([root]))
    with read_session(engine) as s:
        shell = s.get(Discovery, shell_id)
        batch = s.get(Discovery, batch_id)
        assert shell.decision == "not-automation" and shell.automation_id is None
        assert batch.decision == "merged:ops/canonical"
        assert s.get(Automation, batch.automation_id).key == "ops/canonical"
        retired = s.exec(select(Automation).where(Automation.lifecycle == "retired")).all()
        assert {a.platform for a in retired} == {"shell", "batch"}
        assert s.exec(select(func.count()).select_from(ScanRun)).one() == 2


def test_match_by_fingerprint_annotation(tmp_path, engine):
    root = tmp_path / "share"
    share(root)
    result = run([root])
    fp = next(d["fingerprint"] for d in result["discoveries"] if d["platform"] == "make")
    body = automation_manifest(name="digest", namespace="marketing", platform="make")
    body["metadata"]["annotations"] = {"govern/fingerprint": fp}
    _register(engine, body)
    _ingest(engine, result)
    with read_session(engine) as s:
        a = s.exec(select(Automation).where(Automation.key == "marketing/digest")).one()
        assert a.origin == "both" and a.fingerprint == fp
        assert (
            s.exec(select(Discovery).where(Discovery.automation_id == a.id)).one().platform
            == "make"
        )
