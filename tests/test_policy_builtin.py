"""The built-in pack: every policy has pass, fail and not-applicable cases that hold."""

from __future__ import annotations

from pathlib import Path

from govern.policies.loader import builtin_policies
from govern.policies.testing import format_report, run_directory

FIXTURES = Path(__file__).parent / "fixtures" / "policies"


def test_pack_size_and_owasp_references():
    policies = builtin_policies()
    assert len(policies) >= 15
    for p in policies:
        assert any(r.startswith("OWASP LCNC-SEC-") for r in p.references), p.id
        assert p.remediation and p.title
    refs = {r for p in policies for r in p.references}
    assert len(refs) >= 7  # most of the Top 10 a static inventory can judge


def test_every_builtin_policy_has_pass_fail_and_not_applicable_cases():
    report = run_directory(FIXTURES / "builtin")
    assert report.ok, format_report(report)
    for p in builtin_policies():
        assert report.covered.get(p.id, set()) >= {"pass", "fail", "not-applicable"}, (
            p.id,
            report.covered.get(p.id),
        )
