"""The append-only audit log: every write names its actor and keeps before/after."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from govern.db import utcnow
from govern.registry.models import AuditEvent


def diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Field-level changes between two flat-ish snapshots (nested values compared whole)."""
    before = before or {}
    after = after or {}
    changes = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old != new:
            changes.append({"field": key, "before": old, "after": new})
    return changes


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    entity_type: str,
    entity_key: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    comment: str = "",
) -> AuditEvent:
    """Add an audit event to the caller's transaction (the caller commits)."""
    event = AuditEvent(
        actor=actor,
        action=action,
        entity_type=entity_type,
        entity_key=entity_key,
        before=before,
        after=after,
        diff=diff(before, after),
        comment=comment,
    )
    session.add(event)
    return event


def record_many(session: Session, events: list[dict[str, Any]]) -> None:
    """Bulk form of :func:`record` for large registrations (one INSERT per 1,000 events).

    Each event is a dict of ``record``'s keyword arguments.
    """
    if not events:
        return
    now = utcnow()
    rows = [
        {
            "at": now,
            "actor": e["actor"],
            "action": e["action"],
            "entity_type": e["entity_type"],
            "entity_key": e["entity_key"],
            "before": e.get("before"),
            "after": e.get("after"),
            "diff": diff(e.get("before"), e.get("after")),
            "comment": e.get("comment", ""),
        }
        for e in events
    ]
    for start in range(0, len(rows), 1000):
        session.execute(AuditEvent.__table__.insert(), rows[start : start + 1000])


def history(
    session: Session, *, entity_type: str, entity_key: str, limit: int = 200
) -> list[AuditEvent]:
    """Events for one entity, newest first."""
    query = (
        select(AuditEvent)
        .where(AuditEvent.entity_type == entity_type, AuditEvent.entity_key == entity_key)
        .order_by(col(AuditEvent.id).desc())
        .limit(limit)
    )
    return list(session.exec(query))


def list_events(
    session: Session,
    *,
    entity_type: str | None = None,
    entity_key: str | None = None,
    actor: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    before_id: int | None = None,
    limit: int = 50,
) -> list[AuditEvent]:
    """Events newest first; ``before_id`` pages backwards (keyset on the id)."""
    query = select(AuditEvent)
    if entity_type:
        query = query.where(AuditEvent.entity_type == entity_type)
    if entity_key:
        query = query.where(AuditEvent.entity_key == entity_key)
    if actor:
        query = query.where(AuditEvent.actor == actor)
    if action:
        if action.endswith("."):
            query = query.where(col(AuditEvent.action).startswith(action))
        else:
            query = query.where(AuditEvent.action == action)
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    return list(session.exec(query.order_by(col(AuditEvent.id).desc()).limit(limit)))
