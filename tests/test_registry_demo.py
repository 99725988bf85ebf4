"""`govern demo`: a realistic, deterministic enterprise, seeded only once."""

from __future__ import annotations

from collections import Counter

from registry_support import second_database
from sqlmodel import select

from govern.db import make_engine, read_session
from govern.registry.models import Access, Asset, Automation, Person
from govern.registry.models.vocab import CLASSIFICATIONS


def _inventory(engine):
    with read_session(engine) as session:
        return (
            list(session.exec(select(Automation).order_by(Automation.key))),
            list(session.exec(select(Person))),
            list(session.exec(select(Asset))),
            list(session.exec(select(Access))),
        )


def test_demo_enterprise_is_realistic(runner, engine, settings):
    result = runner("demo", "--seed", "7")
    assert result.exit_code == 0, result.output
    assert "seeded 300 automations" in result.output
    assert "demo-admin" in result.output and "gov_" in result.output
    tokens_file = settings.data_dir / "demo-tokens.txt"
    assert tokens_file.stat().st_mode & 0o777 == 0o600
    automations, people, assets, accesses = _inventory(engine)
    assert len(automations) >= 300  # extensions (scans) may add discoveries
    assert len({a.namespace for a in automations}) >= 8
    assert len({a.platform for a in automations}) >= 10
    assert {a.classification for a in assets} >= set(CLASSIFICATIONS)
    ai = [a for a in assets if a.kind == "ai-service" and a.external]
    assert {a.approved for a in ai} == {True, False}
    assert any(p.active is False for p in people)
    assert any(p.certification_level == 0 for p in people)
    assert any(p.certification_level >= 2 for p in people)
    emails = {p.email for p in people}
    shadow = [a for a in automations if a.reconciliation_state == "shadow"]
    assert shadow and all(a.origin == "discovered" for a in shadow)
    assert any(a.owner_email is None for a in automations)
    assert any(a.owner_email and a.owner_email not in emails for a in automations)
    assert any(a.track == "production" for a in automations)
    reviews = Counter(a.review_state for a in automations)
    assert set(reviews) == {"pending", "approved", "changes-requested", "rejected"}
    assert any(a.uses_ai for a in automations)
    assert {acc.learned for acc in accesses} >= {"declared", "scanned"}
    again = runner("demo")
    assert again.exit_code == 0 and "nothing seeded" in again.output
    assert len(_inventory(engine)[0]) == len(automations)  # re-running adds nothing


def test_same_seed_same_enterprise(runner, engine, settings, tmp_path):
    from click.testing import CliRunner

    from govern.cli import AppContext, main

    assert runner("demo", "--seed", "11", "--automations", "60").exit_code == 0
    with second_database(settings, tmp_path) as other:
        result = CliRunner().invoke(
            main, ["demo", "--seed", "11", "--automations", "60"], obj=AppContext(other)
        )
        assert result.exit_code == 0, result.output
        other_engine = make_engine(other)
        try:
            theirs = _inventory(other_engine)
        finally:
            other_engine.dispose()
    ours = _inventory(engine)

    def shape(inventory):
        automations, people, assets, _ = inventory
        return (
            [(a.key, a.owner_email, a.platform, a.review_state, a.origin) for a in automations],
            sorted((p.email, p.active, p.certification_level) for p in people),
            sorted((a.key, a.classification, a.approved) for a in assets),
        )

    assert shape(ours) == shape(theirs)
