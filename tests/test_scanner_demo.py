"""The demo gains discoveries, shadow automations and duplicates from a real scan."""

from __future__ import annotations

import random

from sqlmodel import func, select

from govern.db import read_session, write_session
from govern.demo.scans import COPIES, extend
from govern.registry.models import Automation, Discovery, ScanRun, ScanTarget


def test_demo_extend(settings, engine):
    with write_session(engine) as session:
        extend(session, random.Random(7), settings)
    share = settings.data_dir / "demo-share"
    assert (share / "finance" / "team-a" / "fx_rates_refresh.py").exists()
    with read_session(engine) as s:
        discoveries = s.exec(select(Discovery)).all()
        assert len(discoveries) >= 20
        assert any(d.secrets for d in discoveries)
        copies = [d for d in discoveries if d.location.endswith("fx_rates_refresh.py")]
        assert len(copies) == len(COPIES) + 1 and len({d.automation_id for d in copies}) == 1
        shadows = s.exec(
            select(Automation).where(Automation.reconciliation_state == "shadow")
        ).all()
        assert len(shadows) >= 15
        assert {a.namespace for a in shadows} >= {"finance", "hr", "marketing", "it"}
        assert s.exec(select(func.count()).select_from(ScanRun)).one() == 1
        assert s.exec(select(ScanTarget)).one().name == "demo-share"
