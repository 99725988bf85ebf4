"""Helpers for policy tests: register manifests, people and discoveries in one call."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlmodel import select

from govern.db import write_session
from govern.registry.auth import LOCAL_ADMIN
from govern.registry.manifest import Document, LoadResult
from govern.registry.models import Automation, Discovery
from govern.registry.register import register

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def person(email: str, *, active: bool = True, level: int = 0, expires: str | None = None):
    spec: dict[str, Any] = {"email": email, "active": active}
    if level or expires:
        spec["certification"] = {"level": level, **({"expires": expires} if expires else {})}
    return {
        "apiVersion": "govern/v1",
        "kind": "Person",
        "metadata": {"name": email.split("@")[0].replace(".", "-")},
        "spec": spec,
    }


def asset(uri: str, **spec):
    return {
        "apiVersion": "govern/v1",
        "kind": "Asset",
        "metadata": {"name": uri.split("/")[-1] or "asset"},
        "spec": {"uri": uri, **spec},
    }


def register_all(session, docs: list[dict], *, evaluate: bool = False) -> None:
    loaded = LoadResult(documents=[Document("test", i, d) for i, d in enumerate(docs)])
    register(session, loaded, principal=LOCAL_ADMIN, evaluate=evaluate)


def setup(engine, docs: list[dict], *, state: dict[str, dict] | None = None) -> None:
    """Register ``docs`` then force automation fields (e.g. reconciliation_state)."""
    with write_session(engine) as session:
        register_all(session, docs)
        for key, values in (state or {}).items():
            a = session.exec(select(Automation).where(Automation.key == key)).one()
            for name, value in values.items():
                setattr(a, name, value)
            session.add(a)


def add_secret(engine, key: str, location: str = "//fs01/x.py") -> None:
    with write_session(engine) as session:
        a = session.exec(select(Automation).where(Automation.key == key)).one()
        session.add(
            Discovery(
                location=location,
                platform="python",
                automation_id=a.id,
                secrets=[
                    {"type": "aws-access-key", "line": 3, "preview": "AKIA****", "hash": "ab"}
                ],
            )
        )
