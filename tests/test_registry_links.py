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
