"""Demo data for the policy engine: the built-in pack, waivers (active, expiring within
30 days, and already expired) and a full evaluation, so the demo shows violations,
waived findings and risk scores. ``govern demo`` calls ``extend`` last."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlmodel import Session, select

from govern.config import Settings
from govern.db import utcnow
from govern.policies import store
from govern.policies.evaluate import evaluate
from govern.policies.loader import builtin_policies
from govern.policies.waivers import create
from govern.registry.auth import Principal
from govern.registry.models import Automation, PolicyResult

APPROVER = "nadia.security@example.com"
REVIEWER = Principal(name="demo-reviewer", role="reviewer", email=APPROVER)
REASONS = (
    "Vendor is adding request signing; tracked with the supplier",
    "Replacement flow is being built by the platform team",
    "Data owner accepted the risk for the quarter-end close",
    "Backup owner being trained; covered by the team lead meanwhile",
    "Migration to the approved AI endpoint is scheduled",
)
# (days the waiver was granted before now, days it lasts): active, expiring soon, expired
PLANS = ((10, 180), (20, 200), (60, 75), (40, 60), (200, 180), (120, 100))


def extend(session: Session, rng: random.Random, settings: Settings) -> None:
    store.install(session, builtin_policies(), actor="demo-seed", source="builtin")
    now = utcnow()
    evaluate(session, now=now)
    failing = list(
        session.exec(
            select(PolicyResult.policy_id, Automation.key)
            .join(Automation, Automation.id == PolicyResult.automation_id)
            .where(PolicyResult.status == "fail", PolicyResult.mode == "enforce")
            .order_by(PolicyResult.policy_id, Automation.key)
        )
    )
    if not failing:
        return
    chosen = rng.sample(failing, k=min(len(PLANS), len(failing)))
    for index, ((policy_id, key), (granted_days_ago, lasts)) in enumerate(
        zip(chosen, PLANS, strict=False)
    ):
        granted = now - timedelta(days=granted_days_ago)
        create(
            session,
            policy_id=policy_id,
            automation_key=key,
            reason=REASONS[index % len(REASONS)],
            approver=APPROVER,
            ticket=f"SEC-{1000 + index}",
            expires=granted + timedelta(days=lasts),
            principal=REVIEWER,
            now=granted,
        )
    evaluate(session, now=now)
