"""Policies kept in the Policy table: installing documents and reading them back."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlmodel import Session, select

from govern.db import utcnow
from govern.policies.loader import compile_documents
from govern.policies.model import CompiledPolicy
from govern.registry import audit
from govern.registry.manifest import Document, LoadResult
from govern.registry.models import Policy

_COMPILED: dict[str, CompiledPolicy] = {}  # by revision: a pure function of the content


def compiled(row: Policy) -> CompiledPolicy:
    """The compiled form of a stored policy (cached by its content hash)."""
    policy = _COMPILED.get(row.revision)
    if policy is None:
        loaded = LoadResult(documents=[Document(f"policy {row.policy_id}", 0, row.document)])
        policy = compile_documents(loaded, row.source)[0]
        if len(_COMPILED) > 2000:
            _COMPILED.clear()
        _COMPILED[row.revision] = policy
    policy.enabled = row.enabled
    policy.source = row.source
    return policy


def active_policies(session: Session) -> list[CompiledPolicy]:
    """Enabled policies; documents are read only for revisions not compiled yet."""
    c = Policy.__table__.c
    heads = session.execute(
        select(c.policy_id, c.revision, c.source).where(c.enabled.is_(True)).order_by(c.policy_id)
    ).all()
    missing = [h.policy_id for h in heads if h.revision not in _COMPILED]
    if missing:
        for row in session.exec(select(Policy).where(Policy.policy_id.in_(missing))):
            compiled(row)
    out = []
    for h in heads:
        policy = _COMPILED[h.revision]
        policy.enabled, policy.source = True, h.source
        out.append(policy)
    return out


def all_policies(session: Session) -> list[CompiledPolicy]:
    return [compiled(r) for r in session.exec(select(Policy).order_by(Policy.policy_id))]


def known_policy_ids(session: Session) -> set[str]:
    return set(session.exec(select(Policy.policy_id)))


def install(
    session: Session, policies: Iterable[CompiledPolicy], *, actor: str, source: str | None = None
) -> dict[str, list[str]]:
    """Upsert policies by id; unchanged revisions write nothing. Returns what changed.

    A policy an operator disabled stays disabled when the pack is reinstalled.
    """
    existing = {p.policy_id: p for p in session.exec(select(Policy))}
    changed: dict[str, list[str]] = {"created": [], "updated": [], "unchanged": []}
    now = utcnow()
    for policy in policies:
        row = existing.get(policy.id)
        if row is not None and row.revision == policy.revision:
            changed["unchanged"].append(policy.id)
            continue
        before = _snapshot(row) if row else None
        action = "updated" if row else "created"
        if row is None:
            row = Policy(policy_id=policy.id, enabled=policy.enabled, created_at=now)
        row.revision = policy.revision
        row.title = policy.title
        row.severity = policy.severity
        row.mode = policy.mode
        row.source = source or policy.source
        row.document = policy.document
        row.updated_at = now
        session.add(row)
        changed[action].append(policy.id)
        audit.record(
            session,
            actor=actor,
            action=f"policy.{action}",
            entity_type="policy",
            entity_key=policy.id,
            before=before,
            after=_snapshot(row),
        )
    return changed


def set_enabled(session: Session, policy_id: str, enabled: bool, *, actor: str) -> Policy:
    row = session.exec(select(Policy).where(Policy.policy_id == policy_id)).first()
    if row is None:
        from govern.registry.automations import NotFound

        raise NotFound(f"no policy {policy_id!r}; see `govern policy list`")
    if row.enabled != enabled:
        before = _snapshot(row)
        row.enabled = enabled
        row.updated_at = utcnow()
        session.add(row)
        audit.record(
            session,
            actor=actor,
            action="policy.enabled" if enabled else "policy.disabled",
            entity_type="policy",
            entity_key=policy_id,
            before=before,
            after=_snapshot(row),
        )
    return row


def _snapshot(row: Policy) -> dict[str, Any]:
    return {
        "revision": row.revision,
        "title": row.title,
        "severity": row.severity,
        "mode": row.mode,
        "enabled": row.enabled,
        "source": row.source,
    }
