"""The append-only audit log: every write names its actor and keeps before/after."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

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
