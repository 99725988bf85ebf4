"""Automation -> automation links from `spec.triggers`, in any registration order."""

from __future__ import annotations

from conftest import automation_manifest
from sqlmodel import select

from govern.db import read_session, write_session
from govern.registry import automations
from govern.registry.auth import LOCAL_ADMIN
from govern.registry.manifest import Document, LoadResult
from govern.registry.register import register


def _register(engine, *bodies):
    docs = [Document("t", i, body) for i, body in enumerate(bodies)]
    with write_session(engine) as session:
        return register(session, LoadResult(documents=docs), principal=LOCAL_ADMIN)


def _relations(engine, key):
    with read_session(engine) as session:
        return automations.relations(session, automations.get(session, key))


def test_links_resolve_whichever_side_comes_first(engine):
    starter = automation_manifest(name="close", triggers=["finance/report", "finance/archive"])
    _register(engine, starter)
    assert _relations(engine, "finance/close")["triggers"] == []
    _register(engine, automation_manifest(name="report"))  # registered later: linked now
    assert _relations(engine, "finance/close")["triggers"] == ["finance/report"]
    _register(engine, automation_manifest(name="archive"), automation_manifest(name="other"))
    assert _relations(engine, "finance/close")["triggers"] == ["finance/archive", "finance/report"]
    assert _relations(engine, "finance/report")["triggeredBy"] == ["finance/close"]
    changed = automation_manifest(name="close", triggers=["finance/other"])
    _register(engine, changed)  # the declaration is the truth: old links go
    assert _relations(engine, "finance/close")["triggers"] == ["finance/other"]


def test_links_within_one_batch_and_no_duplicates(engine):
    a = automation_manifest(name="a", triggers=["finance/b", "finance/b"])
    b = automation_manifest(name="b")
    _register(engine, a, b)
    assert _relations(engine, "finance/a")["triggers"] == ["finance/b"]
    from govern.registry.models import AutomationLink

    with read_session(engine) as session:
        assert len(session.exec(select(AutomationLink)).all()) == 1


def test_a_database_made_without_migrations_still_works(tmp_path):
    """Scratch databases (create_all, e.g. for policy test cases) lack generated columns."""
    from sqlmodel import SQLModel, create_engine

    scratch = create_engine(f"sqlite:///{tmp_path / 'scratch.db'}")
    SQLModel.metadata.create_all(scratch)
    try:
        _register(scratch, automation_manifest(name="close", triggers=["finance/report"]))
        report = automation_manifest(name="report")
        report["metadata"]["title"] = "Quarterly 100% report"
        _register(scratch, report)
        assert _relations(scratch, "finance/close")["triggers"] == ["finance/report"]
        with read_session(scratch) as session:
            page = automations.list_automations(session, automations.Query(search="100%"))
            assert [a.key for a in page.items] == ["finance/report"]
            page = automations.list_automations(session, automations.Query(search="0%"))
            assert [a.key for a in page.items] == ["finance/report"]
    finally:
        scratch.dispose()
