"""Reading and changing automations after registration: queries, lifecycle, review."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from govern.db import utcnow
from govern.registry import audit
from govern.registry.auth import Principal, require_change, require_role
from govern.registry.models import Automation
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
SORTS = {
    "key": (Automation.key,),
    "-risk": (col(Automation.risk_score).desc(), Automation.key),
    "risk": (Automation.risk_score, Automation.key),
    "-updated": (col(Automation.updated_at).desc(), Automation.key),
    "updated": (Automation.updated_at, Automation.key),
    "platform": (Automation.platform, Automation.key),
    "owner": (Automation.owner_email, Automation.key),
}


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


def list_automations(session: Session, q: Query, *, offset: int = 0, limit: int = 50) -> Page:
    """One page in a stable order (every sort ends with the unique key)."""
    if q.sort not in SORTS:
        raise ValueError(f"unknown sort {q.sort!r}; use one of: {', '.join(SORTS)}")
    total = session.exec(_apply(select(func.count()).select_from(Automation), q)).one()
    query = _apply(select(Automation), q).order_by(*SORTS[q.sort]).offset(offset).limit(limit)
    return Page(items=list(session.exec(query)), total=total, offset=offset, limit=limit)


def get(session: Session, key: str) -> Automation:
    automation = session.exec(select(Automation).where(Automation.key == key)).first()
    if automation is None:
        raise NotFound(f"no automation {key!r}; keys look like namespace/name")
    return automation


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
