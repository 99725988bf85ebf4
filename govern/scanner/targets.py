"""Scan targets: places the service scans on a schedule. Admin-managed, audited."""

from __future__ import annotations

from typing import Any

from croniter import croniter
from sqlmodel import Session, select

from govern.db import utcnow
from govern.registry import audit
from govern.registry.auth import Principal, require_role
from govern.registry.automations import Conflict, NotFound
from govern.registry.models import ScanTarget

KINDS = ("path", "egress")
FIELDS = (
    "kind",
    "location",
    "namespace",
    "interval_seconds",
    "cron",
    "ignore",
    "enabled",
    "missing_after_runs",
)


class TargetInvalid(ValueError):
    """A target field is wrong; the message names it."""


def target_dict(t: ScanTarget) -> dict[str, Any]:
    return {
        "id": t.id,
        "name": t.name,
        "kind": t.kind,
        "location": t.location,
        "namespace": t.namespace,
        "interval_seconds": t.interval_seconds,
        "cron": t.cron,
        "ignore": list(t.ignore or []),
        "enabled": t.enabled,
        "missing_after_runs": t.missing_after_runs,
        "last_success_at": t.last_success_at.isoformat() if t.last_success_at else None,
        "created_at": t.created_at.isoformat() if t.created_at else None,
        "updated_at": t.updated_at.isoformat() if t.updated_at else None,
    }


def _check(values: dict[str, Any]) -> None:
    if "kind" in values and values["kind"] not in KINDS:
        raise TargetInvalid(f"kind: must be one of {', '.join(KINDS)}")
    if "location" in values and (
        not isinstance(values["location"], str) or not values["location"].strip()
    ):
        raise TargetInvalid("location: a path (or log file for kind egress) is required")
    interval = values.get("interval_seconds")
    if interval is not None and (not isinstance(interval, int) or interval < 60):
        raise TargetInvalid("interval_seconds: a whole number of seconds, at least 60")
    cron = values.get("cron")
    if cron is not None and (not isinstance(cron, str) or not croniter.is_valid(cron)):
        raise TargetInvalid(f"cron: {cron!r} is not a valid 5-field cron expression")
    ignore = values.get("ignore")
    if ignore is not None and (
        not isinstance(ignore, list) or not all(isinstance(i, str) for i in ignore)
    ):
        raise TargetInvalid("ignore: a list of glob patterns")
    missing = values.get("missing_after_runs")
    if missing is not None and (not isinstance(missing, int) or missing < 1):
        raise TargetInvalid("missing_after_runs: a whole number >= 1")
    if "enabled" in values and not isinstance(values["enabled"], bool):
        raise TargetInvalid("enabled: true or false")


def get(session: Session, name: str) -> ScanTarget:
    target = session.exec(select(ScanTarget).where(ScanTarget.name == name)).first()
    if target is None:
        raise NotFound(f"scan target {name!r} does not exist")
    return target


def create(session: Session, values: dict[str, Any], *, principal: Principal) -> ScanTarget:
    require_role(principal, "admin", "managing scan targets")
    name = values.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 120:
        raise TargetInvalid("name: a short unique name is required")
    unknown = set(values) - set(FIELDS) - {"name"}
    if unknown:
        raise TargetInvalid(
            f"{sorted(unknown)[0]}: unknown field; allowed: name, {', '.join(FIELDS)}"
        )
    _check({"location": values.get("location"), **values})
    if session.exec(select(ScanTarget).where(ScanTarget.name == name)).first():
        raise Conflict(f"scan target {name!r} already exists")
    target = ScanTarget(name=name.strip(), **{k: values[k] for k in FIELDS if k in values})
    if target.interval_seconds is None and target.cron is None:
        target.interval_seconds = 86400
    session.add(target)
    session.flush()
    audit.record(
        session,
        actor=principal.actor,
        action="scan-target.created",
        entity_type="scan_target",
        entity_key=target.name,
        after=target_dict(target),
    )
    return target


def update(
    session: Session, name: str, values: dict[str, Any], *, principal: Principal
) -> ScanTarget:
    require_role(principal, "admin", "managing scan targets")
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise TargetInvalid(f"{sorted(unknown)[0]}: unknown field; allowed: {', '.join(FIELDS)}")
    _check(values)
    target = get(session, name)
    before = target_dict(target)
    for key, value in values.items():
        setattr(target, key, value)
    target.updated_at = utcnow()
    session.add(target)
    audit.record(
        session,
        actor=principal.actor,
        action="scan-target.updated",
        entity_type="scan_target",
        entity_key=name,
        before=before,
        after=target_dict(target),
    )
    return target


def delete(session: Session, name: str, *, principal: Principal) -> None:
    require_role(principal, "admin", "managing scan targets")
    target = get(session, name)
    before = target_dict(target)
    from govern.registry.models import ScanRun

    for run in session.exec(select(ScanRun).where(ScanRun.target_id == target.id)):
        run.target_id = None
        session.add(run)
    session.delete(target)
    audit.record(
        session,
        actor=principal.actor,
        action="scan-target.deleted",
        entity_type="scan_target",
        entity_key=name,
        before=before,
    )


def list_targets(session: Session) -> list[ScanTarget]:
    return list(session.exec(select(ScanTarget).order_by(ScanTarget.name)))
