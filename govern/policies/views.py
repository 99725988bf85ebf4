"""Public shapes and queries for policies, violations and risk (API, CLI, UI)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func
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


_RESULT_COLUMNS = {
    "state": PolicyResult.state,
    "policy": PolicyResult.policy_id,
    "severity": PolicyResult.severity,
    "mode": PolicyResult.mode,
}
_AUTOMATION_COLUMNS = {"namespace": Automation.namespace, "automation": Automation.key}


def _filtered(query, filters: dict[str, list[str]]):
    """``query`` (over policy_result) narrowed by ``filters``; joins the automation table
    only when a filter names one of its columns."""
    joined = False
    for name, values in filters.items():
        column = _RESULT_COLUMNS.get(name)
        if column is None:
            column = _AUTOMATION_COLUMNS.get(name)
            if column is None:
                known = ", ".join([*_RESULT_COLUMNS, *_AUTOMATION_COLUMNS])
                raise ValueError(f"unknown filter {name!r}; use one of: {known}")
            if values and not joined:
                query = query.join(
                    Automation, col(Automation.id) == col(PolicyResult.automation_id)
                )
                joined = True
        if values:
            query = query.where(col(column).in_(values))
    return query


def list_results(
    session: Session,
    filters: dict[str, list[str]],
    *,
    offset: int = 0,
    limit: int = 50,
    total: int | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """Stored results (violations: open, waived; and resolved ones), newest first.

    The page walks ``ix_policy_result_recent`` backwards and stops after ``limit`` rows;
    the total is counted (unless the caller already did, see ``counts_by_state``)
    without the automation table unless a filter needs it."""
    if total is None:
        count = select(func.count()).select_from(PolicyResult)
        total = session.exec(_filtered(count, filters)).one()
    ids = _filtered(select(PolicyResult.id), filters)
    ids = ids.order_by(col(PolicyResult.last_seen).desc(), col(PolicyResult.id).desc())
    page = list(session.exec(ids.offset(offset).limit(limit)))
    if not page:
        return [], total
    rows = {
        r.id: (r, key)
        for r, key in session.exec(
            select(PolicyResult, Automation.key)
            .join(Automation, col(Automation.id) == col(PolicyResult.automation_id))
            .where(col(PolicyResult.id).in_(page))
        )
    }
    titles = {p.policy_id: p.title for p in session.exec(select(Policy))}
    items = [result_dict(*rows[i], titles.get(rows[i][0].policy_id, "")) for i in page]
    return items, total


def counts_by_state(session: Session, filters: dict[str, list[str]]) -> dict[str, int]:
    """How many results ``filters`` match (``total``) and how many are open, waived and
    resolved: one pass with conditional sums (grouping by state would sort every row)."""
    states = ("open", "waived", "resolved")
    sums = [func.coalesce(func.sum(case((PolicyResult.state == s, 1), else_=0)), 0) for s in states]
    query = select(func.count(), *sums).select_from(PolicyResult)
    row = session.exec(_filtered(query, filters)).one()
    return dict(zip(("total", *states), (int(n) for n in row), strict=True))


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
