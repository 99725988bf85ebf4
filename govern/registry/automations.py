"""Reading and changing automations after registration: queries, lifecycle, review."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, false, func, or_
from sqlalchemy.orm import load_only
from sqlmodel import Session, col, select

from govern.db import utcnow
from govern.registry import audit
from govern.registry.auth import Principal, require_change, require_role
from govern.registry.models import Access, Asset, Automation, AutomationLink
from govern.registry.models.vocab import LIFECYCLES, REVIEW_STATES
from govern.registry.views import automation_snapshot

FILTER_COLUMNS = {
    "platform": Automation.platform,
    "namespace": Automation.namespace,
    "owner": Automation.owner_email,
    "origin": Automation.origin,
    "reconciliation": Automation.reconciliation_state,
    "review": Automation.review_state,
    "risk": Automation.risk_tier,
    "track": Automation.track,
    "lifecycle": Automation.lifecycle,
    "department": Automation.department,
    "criticality": Automation.criticality,
}
# Each sort is a list of (column, descending); every sort ends with the unique key, so
# the order is total and pages never overlap or skip a row.
SORTS: dict[str, list[tuple[Any, bool]]] = {
    "key": [(Automation.key, False)],
    "-risk": [(Automation.risk_score, True), (Automation.key, False)],
    "risk": [(Automation.risk_score, False), (Automation.key, False)],
    "-updated": [(Automation.updated_at, True), (Automation.key, False)],
    "updated": [(Automation.updated_at, False), (Automation.key, False)],
    "-created": [(Automation.created_at, True), (Automation.key, False)],
    "platform": [(Automation.platform, False), (Automation.key, False)],
    "owner": [(Automation.owner_email, False), (Automation.key, False)],
}


SUMMARY_COLUMNS = (
    Automation.id,
    Automation.key,
    Automation.namespace,
    Automation.name,
    Automation.title,
    Automation.platform,
    Automation.owner_email,
    Automation.backup_owner_email,
    Automation.department,
    Automation.track,
    Automation.criticality,
    Automation.lifecycle,
    Automation.origin,
    Automation.reconciliation_state,
    Automation.review_state,
    Automation.risk_score,
    Automation.risk_tier,
    Automation.uses_ai,
    Automation.trigger,
    Automation.schedule,
    Automation.updated_at,
    Automation.created_at,
)


class NotFound(LookupError):
    pass


class Conflict(Exception):
    """The request contradicts the current state (HTTP 409); ``reasons`` says why."""

    def __init__(self, message: str, reasons: list[str] | None = None):
        super().__init__(message)
        self.reasons = reasons or []


@dataclass
class Query:
    """Filters for listing automations; each list holds accepted values (OR)."""

    filters: dict[str, list[str]] = field(default_factory=dict)
    search: str = ""
    uses_ai: bool | None = None
    include_retired: bool = False
    sort: str = "key"


@dataclass
class Page:
    items: list[Automation]
    total: int
    offset: int
    limit: int
    next_cursor: str | None = None


class BadCursor(ValueError):
    """A pagination cursor that was not made by this service (or for another sort)."""


def _apply(query, q: Query):
    for name, values in q.filters.items():
        column = FILTER_COLUMNS.get(name)
        if column is None:
            raise ValueError(f"unknown filter {name!r}; use one of: {', '.join(FILTER_COLUMNS)}")
        values = [v for v in values if v]
        if values:
            query = query.where(col(column).in_(values))
    if not q.include_retired and "lifecycle" not in q.filters:
        query = query.where(Automation.lifecycle != "retired")
    if q.uses_ai is not None:
        query = query.where(Automation.uses_ai == q.uses_ai)
    if q.search:
        like = f"%{q.search.lower()}%"
        query = query.where(
            or_(
                func.lower(Automation.key).like(like),
                func.lower(Automation.title).like(like),
                func.lower(Automation.description).like(like),
                func.lower(func.coalesce(Automation.owner_email, "")).like(like),
                func.lower(func.coalesce(Automation.location, "")).like(like),
            )
        )
    return query


def list_automations(
    session: Session,
    q: Query,
    *,
    offset: int = 0,
    limit: int = 50,
    cursor: str | None = None,
    with_total: bool = True,
    summary: bool = False,
) -> Page:
    """One page in a stable order.

    Two ways to page: ``offset`` (simple, may shift if rows are added meanwhile) or
    ``cursor`` (keyset: the page after the row the cursor names; stable under
    concurrent writes and fast at any depth). Every page carries ``next_cursor``.
    With ``summary`` only the columns a list shows are loaded (not the manifest);
    touching another attribute of an item then costs a query.
    """
    if q.sort not in SORTS:
        raise ValueError(f"unknown sort {q.sort!r}; use one of: {', '.join(SORTS)}")
    order = SORTS[q.sort]
    total = -1
    if with_total:
        total = session.exec(_apply(select(func.count()).select_from(Automation), q)).one()
    query = _apply(select(Automation), q)
    if summary:
        query = query.options(load_only(*SUMMARY_COLUMNS))
    if cursor:
        query = query.where(_after(order, decode_cursor(cursor, q.sort)))
        offset = 0
    query = query.order_by(*_order_by(order))
    items = list(session.exec(query.offset(offset).limit(limit + 1)))
    more = len(items) > limit
    items = items[:limit]
    next_cursor = encode_cursor(items[-1], q.sort) if more and items else None
    return Page(items=items, total=total, offset=offset, limit=limit, next_cursor=next_cursor)


def encode_cursor(last: Automation, sort: str) -> str:
    values = [_plain(getattr(last, c.key)) for c, _ in SORTS[sort]]
    raw = json.dumps({"s": sort, "v": values}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        values = data["v"]
        if data["s"] != sort or len(values) != len(SORTS[sort]):
            raise BadCursor("the cursor belongs to another sort order; start again without it")
    except BadCursor:
        raise
    except (ValueError, KeyError, TypeError):
        raise BadCursor("the cursor is not valid; use the next_cursor of a previous page") from None
    out = []
    for (column, _), value in zip(SORTS[sort], values, strict=True):
        if value is not None and column.key.endswith("_at"):
            value = datetime.fromisoformat(value)
        out.append(value)
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    return value


def _after(order: list[tuple[Any, bool]], values: list[Any]):
    """Rows strictly after ``values`` in ``order``: (a > x) or (a = x and b > y) ..."""
    clauses = []
    for i, (column, desc) in enumerate(order):
        value = values[i]
        equal = [_eq(c, v) for (c, _), v in zip(order[:i], values[:i], strict=True)]
        # NULL sorts as the smallest value on every database (see _order_by).
        if value is None:
            step = false() if desc else col(column).is_not(None)
        elif desc:
            step = or_(col(column) < value, col(column).is_(None))
        else:
            step = col(column) > value
        clauses.append(and_(*equal, step))
    return or_(*clauses)


def _order_by(order: list[tuple[Any, bool]]) -> list[Any]:
    """NULL first ascending and last descending, the same on SQLite and PostgreSQL.

    NOT NULL columns get a plain ORDER BY, so PostgreSQL can walk their index.
    """
    terms = []
    for column, desc in order:
        term = col(column).desc() if desc else col(column).asc()
        if Automation.__table__.c[column.key].nullable:
            term = term.nulls_last() if desc else term.nulls_first()
        terms.append(term)
    return terms


def _eq(column, value):
    return col(column).is_(None) if value is None else col(column) == value


def get(session: Session, key: str) -> Automation:
    automation = session.exec(select(Automation).where(Automation.key == key)).first()
    if automation is None:
        raise NotFound(f"no automation {key!r}; keys look like namespace/name")
    return automation


def relations(session: Session, automation: Automation) -> dict[str, list[dict[str, Any]]]:
    """What an automation touches (accesses) and which automations it starts or is started by."""
    rows = session.exec(
        select(Access, Asset)
        .join(Asset, col(Asset.id) == col(Access.asset_id))
        .where(Access.automation_id == automation.id)
        .order_by(col(Access.mode), col(Asset.key))
    )
    accesses = [
        {
            "asset": asset.key,
            "mode": acc.mode,
            "learned": acc.learned,
            "kind": asset.kind,
            "classification": asset.classification,
            "tags": list(asset.tags or []),
            "external": asset.external,
            "approved": asset.approved,
            "aiProvider": asset.ai_provider,
            "purpose": acc.purpose,
            "masking": acc.masking,
        }
        for acc, asset in rows
    ]
    out_links = session.exec(
        select(AutomationLink.kind, Automation.key)
        .join(Automation, col(Automation.id) == col(AutomationLink.target_id))
        .where(AutomationLink.source_id == automation.id)
        .order_by(col(Automation.key))
    )
    in_links = session.exec(
        select(AutomationLink.kind, Automation.key)
        .join(Automation, col(Automation.id) == col(AutomationLink.source_id))
        .where(AutomationLink.target_id == automation.id)
        .order_by(col(Automation.key))
    )
    return {
        "accesses": accesses,
        "triggers": [key for _, key in out_links],
        "triggeredBy": [key for _, key in in_links],
    }


def set_lifecycle(
    session: Session, key: str, lifecycle: str, *, principal: Principal, comment: str = ""
) -> Automation:
    if lifecycle not in LIFECYCLES:
        raise ValueError(f"lifecycle {lifecycle!r} is not one of: {', '.join(LIFECYCLES)}")
    automation = get(session, key)
    require_change(principal, automation.namespace, automation.owner_email, key)
    if automation.lifecycle == lifecycle:
        return automation
    return _change(
        session, automation, principal, "automation.lifecycle", comment, lifecycle=lifecycle
    )


def retire(session: Session, key: str, *, principal: Principal, comment: str = "") -> Automation:
    """Soft retirement: the record and its history stay; lists hide it by default."""
    return set_lifecycle(session, key, "retired", principal=principal, comment=comment)


def set_review(
    session: Session,
    key: str,
    state: str,
    *,
    principal: Principal,
    comment: str = "",
    blockers: list[str] | None = None,
) -> Automation:
    """Reviewers approve, request changes or reject. ``blockers`` (from enforce-mode
    policies) make an approval a 409 Conflict that lists them."""
    require_role(principal, "reviewer", "changing review state")
    if state not in REVIEW_STATES:
        raise ValueError(f"review state {state!r} is not one of: {', '.join(REVIEW_STATES)}")
    automation = get(session, key)
    if state == "approved" and blockers is None:
        blockers = approval_blockers(session, key)
    if state == "approved" and blockers:
        raise Conflict(f"{key} cannot be approved while enforce-mode policies fail", blockers)
    return _change(
        session,
        automation,
        principal,
        "automation.review",
        comment,
        review_state=state,
        reviewed_by=principal.actor,
        reviewed_at=utcnow(),
        review_comment=comment,
    )


def approval_blockers(session: Session, key: str) -> list[str]:
    """Why approving ``key`` must be refused (failing enforce-mode policies), if anything."""
    try:
        from govern.policies.enforce import approval_blockers as policy_blockers
    except ModuleNotFoundError as exc:
        if exc.name and not "govern.policies.enforce".startswith(exc.name):
            raise
        return []
    return policy_blockers(session, key)


def _change(
    session: Session,
    automation: Automation,
    principal: Principal,
    action: str,
    comment: str,
    **values: Any,
) -> Automation:
    before = automation_snapshot(automation)
    for name, value in values.items():
        setattr(automation, name, value)
    automation.updated_at = utcnow()
    session.add(automation)
    audit.record(
        session,
        actor=principal.actor,
        action=action,
        entity_type="automation",
        entity_key=automation.key,
        before=before,
        after=automation_snapshot(automation),
        comment=comment,
    )
    return automation
