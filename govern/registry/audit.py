"""The append-only audit log: every write names its actor and keeps before/after."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from govern.db import utcnow
from govern.registry.bulk_insert import insert_rows
from govern.registry.declared import diff
from govern.registry.models import AuditEvent


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


def record_many(session: Session, events: list[dict[str, Any]], *, as_text: bool = False) -> None:
    """Bulk form of :func:`record` for large registrations (one executemany).

    Each event is a dict of ``record``'s keyword arguments; with ``as_text``, its
    ``before``, ``after`` and ``diff`` (given too) are JSON text already
    (``govern.registry.declared.to_json``).
    """
    if not events:
        return
    rows = [
        {
            "actor": e["actor"],
            "action": e["action"],
            "entity_type": e["entity_type"],
            "entity_key": e["entity_key"],
            "before": e.get("before"),
            "after": e.get("after"),
            "diff": e["diff"] if as_text else diff(e.get("before"), e.get("after")),
            "comment": e.get("comment", ""),
        }
        for e in events
    ]
    common = {"at": utcnow()}
    insert_rows(session, AuditEvent.__table__, rows, common=common, texts=_TEXTS if as_text else ())


_TEXTS = ("before", "after", "diff")


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
