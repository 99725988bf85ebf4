"""Waivers: an accepted risk for one policy on one automation (or a selector of them),
with a reason, an approver, a ticket and a required expiry of at most one year.

Whether a waiver applies is decided in exactly one place, ``ActiveWaivers``, which the
single evaluation path uses; an expired or revoked waiver simply is not loaded, so
expiry is honoured by the API, the CLI and the scheduler alike.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from govern.db import utcnow
from govern.policies.facts import AutomationFacts, aware
from govern.policies.model import Result
from govern.registry import audit
from govern.registry.auth import Principal, require_role
from govern.registry.models import Automation, Waiver
from govern.registry.views import iso

MAX_DAYS = 366  # "at most one year", allowing for a leap day


class WaiverInvalid(ValueError):
    """A waiver request that cannot be accepted; the message says how to fix it."""


def is_active(w: Waiver, now: datetime) -> bool:
    return w.revoked_at is None and aware(w.expires_at) > now


class ActiveWaivers:
    """The waivers in force at ``now``, indexed for lookups during evaluation."""

    def __init__(self, session: Session, now: datetime):
        from govern.policies.loader import _Invalid, compile_condition

        self.now = now
        self.by_pair: dict[tuple[str, int], Waiver] = {}
        self.by_policy: dict[str, list[tuple[Waiver, Any]]] = {}
        c = Waiver.__table__.c
        query = select(
            c.id, c.policy_id, c.automation_id, c.selector, c.reason, c.expires_at, c.revoked_at
        ).where(c.revoked_at.is_(None), c.expires_at > _naive(now))
        for w in session.execute(query):
            if not is_active(w, now):
                continue
            if w.automation_id is not None:
                current = self.by_pair.get((w.policy_id, w.automation_id))
                if current is None or aware(current.expires_at) < aware(w.expires_at):
                    self.by_pair[(w.policy_id, w.automation_id)] = w
            elif w.selector:
                try:
                    cond = compile_condition(w.selector, "selector")
                except _Invalid:
                    continue  # validated on creation; an old invalid one never applies
                self.by_policy.setdefault(w.policy_id, []).append((w, cond))

    def find(self, result: Result, facts: AutomationFacts, ctx) -> Waiver | None:
        if result.automation_id is not None:
            w = self.by_pair.get((result.policy.id, result.automation_id))
            if w is not None:
                return w
        for w, cond in self.by_policy.get(result.policy.id, ()):
            if cond.test(facts, ctx):
                return w
        return None


def _naive(value: datetime) -> datetime:
    """Comparison value for a timestamp column (stored as UTC)."""
    return value


def parse_expiry(text: str | datetime, now: datetime) -> datetime:
    if isinstance(text, datetime):
        value = aware(text)
    else:
        try:
            value = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
        except ValueError:
            raise WaiverInvalid(
                f"expires: {text!r} is not a date; write YYYY-MM-DD, e.g. "
                f"{(now + timedelta(days=90)).date().isoformat()}"
            ) from None
        value = aware(value)
        if len(str(text)) == 10:
            value = value.replace(hour=23, minute=59, second=59)
    return value


def create(
    session: Session,
    *,
    policy_id: str,
    automation_key: str | None = None,
    selector: dict | None = None,
    reason: str,
    approver: str,
    ticket: str = "",
    expires: str | datetime,
    principal: Principal,
    now: datetime | None = None,
) -> Waiver:
    """Record a waiver (reviewers and admins only), audited."""
    from govern.policies.loader import _Invalid, compile_condition
    from govern.policies.store import known_policy_ids

    require_role(principal, "reviewer", "granting a waiver")
    now = now or utcnow()
    if policy_id not in known_policy_ids(session):
        raise WaiverInvalid(f"policy: no policy {policy_id!r}; see `govern policy list`")
    if bool(automation_key) == bool(selector):
        raise WaiverInvalid("give either an automation key or a selector (exactly one)")
    automation_id = None
    if automation_key:
        found = session.exec(select(Automation).where(Automation.key == automation_key)).first()
        if found is None:
            raise WaiverInvalid(f"automation: no automation {automation_key!r}")
        automation_id = found.id
    if selector:
        try:
            compile_condition(selector, "selector")
        except _Invalid as exc:
            raise WaiverInvalid("; ".join(m for _, m in exc.problems)) from None
    if not reason or not reason.strip():
        raise WaiverInvalid("reason: say why the risk is accepted")
    if not approver or "@" not in approver:
        raise WaiverInvalid("approver: give the approver's email")
    expires_at = parse_expiry(expires, now)
    if expires_at <= now:
        raise WaiverInvalid("expires: must be in the future")
    if expires_at > now + timedelta(days=MAX_DAYS):
        raise WaiverInvalid("expires: a waiver lasts at most one year; pick an earlier date")
    waiver = Waiver(
        policy_id=policy_id,
        automation_id=automation_id,
        selector=selector,
        reason=reason.strip(),
        approver=approver.strip().lower(),
        ticket=ticket.strip(),
        expires_at=expires_at,
        created_by=principal.actor,
        created_at=now,
    )
    session.add(waiver)
    session.flush()
    audit.record(
        session,
        actor=principal.actor,
        action="waiver.created",
        entity_type="waiver",
        entity_key=str(waiver.id),
        after=waiver_dict(waiver, automation_key, now),
    )
    return waiver


def revoke(session: Session, waiver_id: int, *, principal: Principal, comment: str = "") -> Waiver:
    require_role(principal, "reviewer", "revoking a waiver")
    waiver = session.get(Waiver, waiver_id)
    if waiver is None:
        from govern.registry.automations import NotFound

        raise NotFound(f"no waiver {waiver_id}")
    if waiver.revoked_at is None:
        waiver.revoked_at = utcnow()
        session.add(waiver)
        audit.record(
            session,
            actor=principal.actor,
            action="waiver.revoked",
            entity_type="waiver",
            entity_key=str(waiver.id),
            comment=comment,
        )
    return waiver


def state(w: Waiver, now: datetime) -> str:
    if w.revoked_at is not None:
        return "revoked"
    return "active" if aware(w.expires_at) > now else "expired"


def waiver_dict(w: Waiver, automation_key: str | None, now: datetime) -> dict[str, Any]:
    expires = aware(w.expires_at)
    return {
        "id": w.id,
        "policy": w.policy_id,
        "automation": automation_key,
        "selector": w.selector,
        "reason": w.reason,
        "approver": w.approver,
        "ticket": w.ticket,
        "expiresAt": iso(expires),
        "daysLeft": max(0, (expires - now).days) if expires > now else 0,
        "state": state(w, now),
        "createdBy": w.created_by,
        "createdAt": iso(aware(w.created_at)),
        "revokedAt": iso(aware(w.revoked_at)),
    }


def list_waivers(
    session: Session,
    *,
    state_filter: str | None = None,
    policy_id: str | None = None,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    now = now or utcnow()
    query = select(Waiver, Automation.key).join(
        Automation, Automation.id == Waiver.automation_id, isouter=True
    )
    if policy_id:
        query = query.where(Waiver.policy_id == policy_id)
    out = []
    for w, key in session.exec(query.order_by(col(Waiver.expires_at))):
        item = waiver_dict(w, key, now)
        if state_filter and item["state"] != state_filter:
            continue
        out.append(item)
    return out
