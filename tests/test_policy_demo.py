"""The demo gains violations, waivers (active, expiring soon, expired) and risk scores."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import select

from govern.db import read_session, utcnow
from govern.policies.waivers import list_waivers
from govern.registry.models import Automation, PolicyResult


def test_demo_has_violations_waivers_and_risk(runner, engine):
    result = runner("demo", "--automations", "60")
    assert result.exit_code == 0, result.output
    with read_session(engine) as s:
        waivers = list_waivers(s)
        states = {w["state"] for w in waivers}
        soon = [w for w in waivers if w["state"] == "active" and w["daysLeft"] <= 30]
        open_count = s.exec(
            select(func.count()).select_from(PolicyResult).where(PolicyResult.state == "open")
        ).one()
        waived = s.exec(
            select(func.count()).select_from(PolicyResult).where(PolicyResult.state == "waived")
        ).one()
        tiers = set(s.exec(select(Automation.risk_tier)))
        scored = s.exec(
            select(func.count()).select_from(Automation).where(Automation.risk_score > 0)
        ).one()
    assert {"active", "expired"} <= states and soon
    assert open_count > 10 and waived >= 1
    assert scored > 30 and len(tiers) >= 3
    assert all(w["expiresAt"] for w in waivers) and utcnow()
