"""Public shapes of records: what the API, CLI and exports show.

Table models never leave the service layer as-is; these functions decide what is
visible, so a token hash or an unredacted value cannot leak by accident.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from typing import Any

from govern.registry.declared import automation_snapshot  # noqa: F401 - re-exported
from govern.registry.models import Asset, AuditEvent, Automation, Person


def iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


@lru_cache(maxsize=2048)
def schedule_text(cron: str | None) -> str | None:
    """The schedule in words for non-engineers, e.g. 'At 06:00, on day 1 of the month'."""
    if not cron:
        return None
    from govern.registry.manifest import describe_cron

    return describe_cron(cron)


def automation_dict(a: Automation, *, full: bool = True) -> dict[str, Any]:
    data: dict[str, Any] = {
        "key": a.key,
        "namespace": a.namespace,
        "name": a.name,
        "title": a.title or a.name,
        "platform": a.platform,
        "owner": a.owner_email,
        "backupOwner": a.backup_owner_email,
        "department": a.department,
        "track": a.track,
        "criticality": a.criticality,
        "lifecycle": a.lifecycle,
        "origin": a.origin,
        "reconciliationState": a.reconciliation_state,
        "reviewState": a.review_state,
        "riskScore": a.risk_score,
        "riskTier": a.risk_tier,
        "usesAI": a.uses_ai,
        "trigger": a.trigger,
        "schedule": a.schedule,
        "scheduleText": schedule_text(a.schedule),
        "updatedAt": iso(a.updated_at),
    }
    if full:
        data.update(
            {
                "description": a.description,
                "justification": a.justification,
                "location": a.location,
                "fingerprint": a.fingerprint,
                "tags": list(a.tags or []),
                "annotations": dict(a.annotations or {}),
                "riskFactors": list(a.risk_factors or []),
                "reviewedBy": a.reviewed_by,
                "reviewedAt": iso(a.reviewed_at),
                "reviewComment": a.review_comment,
                "firstSeen": iso(a.first_seen),
                "lastSeen": iso(a.last_seen),
                "createdAt": iso(a.created_at),
                "manifest": a.manifest,
            }
        )
    return data


def asset_dict(a: Asset) -> dict[str, Any]:
    return {
        "key": a.key,
        "namespace": a.namespace,
        "name": a.name,
        "title": a.title,
        "kind": a.kind,
        "classification": a.classification,
        "tags": list(a.tags or []),
        "external": a.external,
        "approved": a.approved,
        "systemOfRecord": a.system_of_record,
        "aiProvider": a.ai_provider,
        "owner": a.owner_email,
        "declared": a.declared,
        "description": a.description,
        "updatedAt": iso(a.updated_at),
    }


def person_dict(p: Person) -> dict[str, Any]:
    return {
        "email": p.email,
        "name": p.name,
        "department": p.department,
        "active": p.active,
        "certification": {
            "level": p.certification_level,
            "expires": iso(p.certification_expires),
        },
        "manager": p.manager_email,
        "updatedAt": iso(p.updated_at),
    }


def audit_dict(e: AuditEvent) -> dict[str, Any]:
    return {
        "id": e.id,
        "at": iso(e.at),
        "actor": e.actor,
        "action": e.action,
        "entityType": e.entity_type,
        "entityKey": e.entity_key,
        "diff": e.diff,
        "before": e.before,
        "after": e.after,
        "comment": e.comment,
    }
