"""Enforce mode: failing enforce-mode policies that are not waived block approval
(``set_review`` answers 409 with these reasons) and promotion to production."""

from __future__ import annotations

from sqlmodel import Session

from govern.policies.evaluate import compute


def blocking_results(session: Session, key: str):
    """Current failing, unwaived enforce-mode results for ``key`` (evaluated now)."""
    comp = compute(session, keys=[key])
    return [r for rs in comp.failures.values() for r in rs if r.blocking]


def blocking_reasons(session: Session, key: str) -> list[str]:
    return [
        f"{r.policy.id} ({r.policy.severity}): {r.explanation} How to fix: {r.policy.remediation}"
        for r in blocking_results(session, key)
    ]


def approval_blockers(session: Session, key: str) -> list[str]:
    """Plain-language reasons approving ``key`` must be refused; empty when none."""
    return blocking_reasons(session, key)
