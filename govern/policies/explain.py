"""``govern policy explain``: why each policy passes, fails or does not apply to one
automation, and what a policy checks, in plain words."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from govern.policies.evaluate import compute
from govern.policies.model import CompiledPolicy
from govern.policies.waivers import ActiveWaivers  # noqa: F401  (same path as evaluate)
from govern.registry import automations


def explain_automation(session: Session, key: str) -> list[dict[str, Any]]:
    """Every enabled policy's result for ``key``, evaluated now (nothing is stored)."""
    automations.get(session, key)  # NotFound with a helpful message
    comp = compute(session, keys=[key], explain=True)
    out = []
    for r in comp.all_results or []:
        item = r.as_dict()
        item["checks"] = r.policy.condition.describe()
        item["appliesTo"] = r.policy.selector.describe()
        out.append(item)
    order = {"fail": 0, "pass": 1, "not-applicable": 2}
    return sorted(out, key=lambda i: (order[i["status"]], i["policy"]))


def describe_policy(policy: CompiledPolicy) -> dict[str, Any]:
    return {
        **policy.summary(),
        "appliesTo": policy.selector.describe(),
        "checks": policy.condition.describe(),
    }


def format_explanation(key: str, items: list[dict[str, Any]]) -> str:
    lines = [f"{key}:"]
    for i in items:
        mark = {"fail": "FAIL", "pass": "pass", "not-applicable": "n/a "}[i["status"]]
        waived = " (waived)" if i.get("waived") else ""
        lines.append(f"  {mark} {i['policy']} [{i['severity']}, {i['mode']}]{waived}")
        lines.append(f"       {i['explanation']}")
        if i["status"] == "fail":
            lines.append(f"       how to fix: {i['remediation']}")
    return "\n".join(lines)
