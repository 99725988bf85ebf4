"""Deferred policy evaluation: a durable queue for large registration batches.

A registration that changes more automations than ``GOVERN_INLINE_EVALUATION_LIMIT``
(the CLI and the API pass it) does not evaluate them in its own transaction. It
writes their keys, and the neighbours the inline path would have re-evaluated, to the
``evaluation_queue`` table in that same transaction, so a crash loses nothing.
Promotions to production in the batch are still evaluated inline, so enforce mode
refuses a blocked promotion exactly as before (the whole batch fails, HTTP 409 /
exit 2).

The queue is drained by the scheduler (every ``DRAIN_INTERVAL_SECONDS`` while
``govern serve`` or ``govern scheduler`` runs), by ``govern policy evaluate --pending``
and by ``govern register --wait`` (which evaluates inline instead of queuing).
Draining goes through the one ``evaluate()`` path, ``DRAIN_CHUNK`` keys per
transaction, and deletes a row only if it was not queued again meanwhile. Two
workers may drain at once: on PostgreSQL each locks the rows it takes (``SKIP
LOCKED``), on SQLite write transactions run one at a time.

While a key is queued, its stored verdicts (violations, risk) may be stale; the
automation's API representation says ``"evaluation": "pending"``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, select
from sqlmodel import Session

from govern.db import read_session, utcnow, write_session
from govern.registry.models import EvaluationQueue

log = logging.getLogger(__name__)
QUEUE = EvaluationQueue.__table__
DRAIN_CHUNK = 2000
DRAIN_INTERVAL_SECONDS = 5
_IN_CHUNK = 900


@dataclass
class DrainSummary:
    kind: str = "pending"
    automations: int = 0
    batches: int = 0
    opened: int = 0
    resolved: int = 0
    decisions: int = 0
    risk_updated: int = 0
    remaining: int = 0
    duration_seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def defer(
    session: Session,
    keys: list[str],
    *,
    promoted: Iterable[str] = (),
    created: Iterable[str] = (),
) -> list[str]:
    """Queue ``keys`` (changed by a registration in ``session``) for evaluation.

    ``promoted`` (moved from sandbox to production by the batch) are evaluated now,
    in the caller's transaction, and raise ``Conflict`` when enforce-mode policies
    block them, as does any other key whose latest change was such a promotion (what
    the inline path refuses); ``created`` (new in this batch) cannot be one. Returns
    the keys queued (changed ones plus neighbours), sorted.
    """
    from govern.policies.evaluate import _PREVIEWING, _neighbours, evaluate_changed

    if _PREVIEWING.get() or not keys:
        return []
    session.flush()
    inline = sorted(set(promoted) | promotions(session, sorted(set(keys) - set(created))))
    if inline:
        evaluate_changed(session, inline)
    changed = set(keys) - set(inline)
    neighbours = _neighbours(session, keys) - changed - set(inline)
    enqueue(session, changed, reason="changed")
    enqueue(session, neighbours, reason="neighbour")
    return sorted(changed | neighbours)


def promotions(session: Session, keys: list[str]) -> set[str]:
    """Keys whose latest audit event moved them from sandbox to production: what the
    inline path checks against enforce-mode policies (``_refuse_blocked_promotions``).
    Only the latest event of each key is read in full."""
    from govern.registry.models import AuditEvent

    ev = AuditEvent.__table__.c
    found: set[str] = set()
    ordered = sorted(set(keys))
    for start in range(0, len(ordered), _IN_CHUNK):
        chunk = ordered[start : start + _IN_CHUNK]
        newest = select(func.max(ev.id)).where(
            ev.entity_type == "automation", ev.entity_key.in_(chunk)
        )
        query = select(ev.entity_key, ev.before, ev.after).where(
            ev.id.in_(newest.group_by(ev.entity_key)),
            ev.action == "automation.updated",
        )
        for key, before, after in session.execute(query):
            moved = before and after and before.get("track") != "production"
            if moved and after.get("track") == "production":
                found.add(key)
    return found


def enqueue(
    session: Session, keys: Iterable[str], *, reason: str = "changed", now: datetime | None = None
) -> int:
    """Add ``keys`` to the queue in the caller's transaction (an already queued key
    moves to ``now``, so a drain in progress does not delete the newer request)."""
    now = now or utcnow()
    rows = [{"key": k, "queued_at": now, "reason": reason} for k in sorted(set(keys))]
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - govern supports SQLite and PostgreSQL
        raise NotImplementedError(dialect)
    stmt = insert(QUEUE)
    stmt = stmt.on_conflict_do_update(
        index_elements=[QUEUE.c.key],
        set_={"queued_at": stmt.excluded.queued_at, "reason": stmt.excluded.reason},
    )
    for start in range(0, len(rows), 1000):
        session.execute(stmt, rows[start : start + 1000])
    return len(rows)


def pending_count(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(QUEUE)).scalar_one())


def pending_keys(session: Session, keys: Iterable[str]) -> set[str]:
    """Which of ``keys`` are waiting for evaluation."""
    wanted = sorted(set(keys))
    found: set[str] = set()
    for start in range(0, len(wanted), _IN_CHUNK):
        chunk = wanted[start : start + _IN_CHUNK]
        found.update(session.execute(select(QUEUE.c.key).where(QUEUE.c.key.in_(chunk))).scalars())
    return found


def evaluation_states(session: Session, keys: Iterable[str]) -> dict[str, str]:
    """``"pending"`` or ``"current"`` per key: what the API and UI show beside stored
    verdicts (pending ones may be stale until the queue is drained)."""
    keys = list(keys)
    waiting = pending_keys(session, keys)
    return {k: "pending" if k in waiting else "current" for k in keys}


_DELETE = delete(QUEUE).where(
    QUEUE.c.key == bindparam("k"), QUEUE.c.queued_at <= bindparam("q", type_=QUEUE.c.queued_at.type)
)


def drain_once(engine, *, chunk: int = DRAIN_CHUNK, until: datetime | None = None,
               now: datetime | None = None):  # fmt: skip
    """Evaluate up to ``chunk`` queued keys (queued at or before ``until``) in one
    transaction and delete their rows; returns the evaluation summary, or None when
    nothing was waiting."""
    from govern.policies.evaluate import committed_graph, evaluate

    with write_session(engine) as session:
        query = select(QUEUE.c.key, QUEUE.c.queued_at).order_by(QUEUE.c.queued_at, QUEUE.c.key)
        if until is not None:
            query = query.where(QUEUE.c.queued_at <= until)
        rows = session.execute(query.limit(chunk).with_for_update(skip_locked=True)).all()
        if not rows:
            return None
        # Nothing is written yet in this transaction: the committed lineage graph is
        # the one this session sees, so it is reused instead of rebuilt per chunk.
        graph = committed_graph(engine)
        summary = evaluate(
            session, keys=[r.key for r in rows], now=now, kind="incremental", graph=graph
        )
        session.execute(_DELETE, [{"k": r.key, "q": r.queued_at} for r in rows])
        return summary


def drain(engine, *, chunk: int = DRAIN_CHUNK, now: datetime | None = None) -> DrainSummary:
    """Evaluate everything queued when the drain started, ``chunk`` keys per
    transaction. Keys queued later are left for the next drain."""
    import time

    started = time.perf_counter()
    until = utcnow()
    out = DrainSummary()
    with read_session(engine) as session:
        waiting = session.execute(
            select(func.count()).select_from(QUEUE).where(QUEUE.c.queued_at <= until)
        ).scalar_one()
    for _ in range(waiting // chunk + 2):  # bounded even if rows could not be deleted
        summary = drain_once(engine, chunk=chunk, until=until, now=now)
        if summary is None:
            break
        out.batches += 1
        out.automations += summary.automations
        out.opened += summary.opened
        out.resolved += summary.resolved
        out.decisions += summary.decisions
        out.risk_updated += summary.risk_updated
    with read_session(engine) as session:
        out.remaining = pending_count(session)
    out.duration_seconds = round(time.perf_counter() - started, 4)
    return out


def run_pending(engine) -> dict[str, Any]:
    """The scheduler job: drain the queue (a no-op query when it is empty)."""
    summary = drain(engine)
    if summary.automations:
        log.info("deferred policy evaluation: %s", summary.as_dict())
    return summary.as_dict()
