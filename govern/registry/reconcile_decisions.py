"""People's decisions on discoveries: "not an automation", "duplicate of X", or clear.

Decisions live on the Discovery row, which rescans update but never reset, so they
survive every later scan.
"""

from __future__ import annotations

from sqlmodel import Session, select

from govern.db import utcnow
from govern.registry import audit
from govern.registry.auth import Principal, require_role
from govern.registry.automations import NotFound
from govern.registry.models import Automation, Discovery
from govern.registry.views import automation_snapshot

DECISIONS = ("not-automation", "duplicate", "clear")


def decide(
    session: Session,
    discovery_id: int,
    *,
    decision: str,
    principal: Principal,
    automation_key: str | None = None,
    comment: str = "",
) -> Discovery:
    require_role(principal, "reviewer", "deciding on discoveries")
    if decision not in DECISIONS:
        raise ValueError(f"decision must be one of {', '.join(DECISIONS)}")
    disc = session.get(Discovery, discovery_id)
    if disc is None:
        raise NotFound(f"discovery {discovery_id} does not exist")
    before = {"decision": disc.decision, "automation_id": disc.automation_id}
    previous = session.get(Automation, disc.automation_id) if disc.automation_id else None
    if decision == "not-automation":
        disc.decision = "not-automation"
        disc.automation_id = None
    elif decision == "duplicate":
        if not automation_key:
            raise ValueError(
                "a duplicate decision needs 'automation': the namespace/name it duplicates"
            )
        target = session.exec(select(Automation).where(Automation.key == automation_key)).first()
        if target is None:
            raise NotFound(f"automation {automation_key} does not exist")
        disc.decision = f"merged:{target.key}"
        disc.automation_id = target.id
        target.last_seen = utcnow()
        session.add(target)
    else:
        disc.decision = None
    disc.decided_by = principal.actor
    disc.decided_at = utcnow()
    session.add(disc)
    session.flush()
    if previous is not None and previous.id != disc.automation_id:
        _retire_if_orphaned(session, previous, principal)
    audit.record(
        session,
        actor=principal.actor,
        action=f"discovery.{decision}",
        entity_type="discovery",
        entity_key=str(disc.id),
        before=before,
        after={"decision": disc.decision, "automation_id": disc.automation_id},
        comment=comment,
    )
    return disc


def _retire_if_orphaned(session: Session, a: Automation, principal: Principal) -> None:
    """A shadow automation left with no discovery behind it is retired (audited)."""
    if a.origin != "discovered":
        return
    if session.exec(select(Discovery.id).where(Discovery.automation_id == a.id)).first():
        return
    before = automation_snapshot(a)
    a.lifecycle = "retired"
    a.updated_at = utcnow()
    session.add(a)
    audit.record(
        session,
        actor=principal.actor,
        action="automation.retired",
        entity_type="automation",
        entity_key=a.key,
        before=before,
        after=automation_snapshot(a),
        comment="no discovery left after a reviewer's decision",
    )
