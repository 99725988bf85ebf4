"""Inventory aggregates (govern.registry.stats) on a known inventory, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from metrics_support import LAST_SUCCESS_AGO, OLDEST_PENDING_DAYS, seed

from govern.db import read_session, utcnow
from govern.registry import stats

pytestmark = pytest.mark.postgres


@pytest.fixture
def seeded(engine):
    seed(engine)
    return engine


def test_empty_inventory(engine):
    with read_session(engine) as session:
        figures = stats.summary(session)
    assert figures["automations"]["total"] == 0
    assert figures["automations"]["by_platform"] == {}
    assert figures["duplicates"] == {"groups": 0, "automations": 0}
    assert figures["orphans"]["total"] == 0
    assert figures["violations"]["open"] == 0
    assert figures["compliance"] == {
        "automations": 0,
        "with_open_violations": 0,
        "compliant": 0,
        "ratio": 1.0,
    }
    assert figures["waivers"] == {"active": 0, "expired": 0, "expiring_within_days": {7: 0, 30: 0}}
    assert figures["review"]["pending"] == 0 and figures["review"]["oldest_age_seconds"] is None
    assert figures["people"] == {"total": 0, "active": 0, "certified": 0, "certified_by_level": {}}
    assert figures["scan_targets"] == {}


def test_automation_breakdowns_count_live_automations(seeded):
    with read_session(seeded) as session:
        a = stats.automation_counts(session)
    assert a["total"] == 6
    assert a["by_platform"] == {
        "python": 2,
        "power-automate": 1,
        "vba": 1,
        "shell": 1,
        "zapier": 1,
    }
    assert a["by_department"] == {"finance": 2, "hr": 2, "marketing": 1, "unassigned": 1}
    assert a["by_origin"] == {"declared": 2, "discovered": 3, "both": 1}
    assert a["by_reconciliation"] == {"registered": 3, "shadow": 3}
    assert a["by_review"] == {"approved": 1, "pending": 3, "changes-requested": 1, "rejected": 1}
    assert a["by_risk_tier"] == {"high": 2, "medium": 1, "low": 2, "critical": 1}
    assert a["by_track"] == {"production": 2, "sandbox": 4}
    assert a["by_lifecycle"] == {"active": 5, "deprecated": 1, "retired": 1}
    assert a["shadow"] == 3 and a["uses_ai"] == 2


def test_selected_dimensions_only(seeded):
    with read_session(seeded) as session:
        a = stats.automation_counts(session, dimensions=["track"])
    assert "by_platform" not in a and a["by_track"] == {"production": 2, "sandbox": 4}


def test_duplicates_ignore_retired_and_singletons(seeded):
    with read_session(seeded) as session:
        # F1 is shared by three live automations; F2's second holder is retired
        assert stats.duplicates(session) == {"groups": 1, "automations": 3}


def test_orphans_by_reason(seeded):
    with read_session(seeded) as session:
        assert stats.orphans(session) == {
            "total": 3,
            "no_owner": 1,
            "unknown_owner": 1,
            "inactive_owner": 1,
        }


def test_violations_open_and_waived(seeded):
    with read_session(seeded) as session:
        v = stats.violations(session)
        c = stats.compliance(session)
    assert v["open"] == 3
    assert v["open_by_policy"] == {"no-secrets": {"critical": 2}, "owner-active": {"high": 1}}
    assert v["open_by_severity"] == {"critical": 2, "high": 1}
    assert v["waived"] == 1 and v["waived_by_policy"] == {"owner-active": {"high": 1}}
    assert c == {"automations": 6, "with_open_violations": 3, "compliant": 3, "ratio": 0.5}


def test_waivers_windows(seeded):
    with read_session(seeded) as session:
        w = stats.waivers(session)
        later = stats.waivers(session, now=utcnow() + timedelta(days=4), windows_days=(1, 100))
    assert w == {"active": 3, "expired": 1, "expiring_within_days": {7: 1, 30: 2}}
    # four days on, the three-day waiver has expired and the 90-day one is within 100 days
    assert later == {"active": 2, "expired": 2, "expiring_within_days": {1: 0, 100: 2}}


def test_review_backlog_and_oldest_age(seeded):
    with read_session(seeded) as session:
        r = stats.review_backlog(session)
    assert r["pending"] == 3 and r["by_track"] == {"production": 1, "sandbox": 2}
    for track, days in OLDEST_PENDING_DAYS.items():
        assert r["oldest_age_seconds_by_track"][track] == pytest.approx(days * 86400, abs=120)
    assert r["oldest_age_seconds"] == pytest.approx(20 * 86400, abs=120)


def test_people_certified(seeded):
    with read_session(seeded) as session:
        p = stats.people(session)
    assert p == {"total": 5, "active": 4, "certified": 2, "certified_by_level": {2: 1, 3: 1}}


def test_scan_targets_last_success(seeded):
    now = utcnow()
    with read_session(seeded) as session:
        targets = stats.scan_targets(session)
    assert set(targets) == {
        "fileserver-finance",
        "egress-logs",
        "disabled-target",
        "never-succeeded",
    }
    assert targets["disabled-target"]["enabled"] is False
    for name, ago in LAST_SUCCESS_AGO.items():
        at = targets[name]["last_success_at"]
        assert at.tzinfo is not None
        assert abs((now - at) - ago) < timedelta(minutes=2)
