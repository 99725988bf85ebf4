"""Public shapes and queries for policies, violations and risk (API, CLI, UI)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from govern.policies import store
from govern.policies.facts import aware
from govern.registry.models import Automation, Policy, PolicyResult
from govern.registry.views import iso

VIOLATION_FILTERS = ("state", "policy", "severity", "namespace", "mode", "automation")


def policy_rows(session: Session) -> list[dict[str, Any]]:
    counts: dict[tuple[str, str], int] = {}
    query = select(PolicyResult.policy_id, PolicyResult.state, func.count()).group_by(
        PolicyResult.policy_id, PolicyResult.state
    )
    for pid, state, n in session.exec(query):
        counts[(pid, state or "")] = n
    rows = []
    for row in session.exec(select(Policy).order_by(Policy.policy_id)):
        p = store.compiled(row)
        rows.append(
            {
                **p.summary(),
                "enabled": row.enabled,
                "open": counts.get((row.policy_id, "open"), 0),
                "waived": counts.get((row.policy_id, "waived"), 0),
                "resolved": counts.get((row.policy_id, "resolved"), 0),
                "updatedAt": iso(aware(row.updated_at)),
            }
        )
    return rows


def result_dict(r: PolicyResult, key: str, title: str = "") -> dict[str, Any]:
    return {
        "id": r.id,
        "policy": r.policy_id,
        "title": title,
        "automation": key,
        "status": r.status,
        "state": r.state,
        "severity": r.severity,
        "mode": r.mode,
        "explanation": r.explanation,
        "evidence": r.evidence,
        "waiverId": r.waiver_id,
        "firstSeen": iso(aware(r.first_seen)),
        "lastSeen": iso(aware(r.last_seen)),
        "resolvedAt": iso(aware(r.resolved_at)),
    }


def list_results(
    session: Session, filters: dict[str, list[str]], *, offset: int = 0, limit: int = 50
) -> tuple[list[dict[str, Any]], int]:
    """Stored results (violations: open, waived; and resolved ones), newest first."""
    query = select(PolicyResult, Automation.key).join(
        Automation, col(Automation.id) == col(PolicyResult.automation_id)
    )
    count = (
        select(func.count())
        .select_from(PolicyResult)
        .join(Automation, col(Automation.id) == col(PolicyResult.automation_id))
    )
    columns = {
        "state": PolicyResult.state,
        "policy": PolicyResult.policy_id,
        "severity": PolicyResult.severity,
        "mode": PolicyResult.mode,
        "namespace": Automation.namespace,
        "automation": Automation.key,
    }
    for name, values in filters.items():
        if name not in columns:
            raise ValueError(f"unknown filter {name!r}; use one of: {', '.join(columns)}")
        if values:
            query = query.where(col(columns[name]).in_(values))
            count = count.where(col(columns[name]).in_(values))
    titles = {p.policy_id: p.title for p in session.exec(select(Policy))}
    total = session.exec(count).one()
    query = query.order_by(col(PolicyResult.last_seen).desc(), col(PolicyResult.id).desc())
    items = [
        result_dict(r, key, titles.get(r.policy_id, ""))
        for r, key in session.exec(query.offset(offset).limit(limit))
    ]
    return items, total


def risk_overview(session: Session, *, top: int = 20) -> dict[str, Any]:
    tiers = {t: 0 for t in ("low", "medium", "high", "critical")}
    query = (
        select(Automation.risk_tier, func.count())
        .where(Automation.lifecycle != "retired")
        .group_by(Automation.risk_tier)
    )
    for tier, n in session.exec(query):
        tiers[tier] = n
    riskiest = session.exec(
        select(Automation)
        .where(Automation.lifecycle != "retired")
        .order_by(col(Automation.risk_score).desc(), Automation.key)
        .limit(top)
    )
    return {
        "tiers": tiers,
        "top": [
            {
                "automation": a.key,
                "score": a.risk_score,
                "tier": a.risk_tier,
                "factors": a.risk_factors,
            }
            for a in riskiest
        ],
    }
