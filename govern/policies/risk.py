"""The risk score: 0-100 per automation from documented, weighted factors.

Each factor adds points and says why; the score is their sum, capped at 100. The
weights are deliberately simple so a reviewer can recompute a score by hand:

| factor | points |
|---|---|
| data sensitivity (most sensitive unmasked asset) | restricted 20, confidential 12, internal 4 |
| sensitive data tags (pii, health, financial, credentials) | 5 |
| external egress (writes to or calls outside) | 8, +6 when a destination is unapproved |
| AI egress (calls an AI service) | 6, +8 when the provider is not approved |
| secrets (hard-coded, found by a scanner) | 15 |
| owner state | gone or none 15; not in the directory 5 |
| backup owner | high/critical without one 5 |
| review state | rejected 10; production and not approved 6 |
| shadow state | shadow 12; missing 4; unverified 3 |
| blast radius (automations downstream in lineage) | 1-4: 3, 5-19: 6, 20+: 10 |
| criticality | medium 3, high 6, critical 10 |
| open violations (unwaived failures) | critical 10, high 6, medium 3, low 1 each, at most 20 |

Tiers: low < 25 <= medium < 50 <= high < 75 <= critical.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from govern.policies.facts import AutomationFacts
from govern.policies.model import Result

SENSITIVE_TAGS = frozenset({"pii", "health", "financial", "credentials"})
CLASSIFICATION_POINTS = {"restricted": 20, "confidential": 12, "internal": 4}
CRITICALITY_POINTS = {"medium": 3, "high": 6, "critical": 10}
VIOLATION_POINTS = {"critical": 10, "high": 6, "medium": 3, "low": 1, "info": 0}
VIOLATION_CAP = 20
TIERS = ((75, "critical"), (50, "high"), (25, "medium"), (0, "low"))


SHADOW_POINTS = {"shadow": 12, "missing": 4, "unverified": 3}


def tier(score: int) -> str:
    for floor, name in TIERS:
        if score >= floor:
            return name
    return TIERS[-1][1]


def score(
    facts: AutomationFacts, failures: Iterable[Result], blast_radius: int | None
) -> tuple[int, str, list[dict[str, Any]]]:
    """(score, tier, factors) for one automation; ``failures`` are its failing results."""
    factors: list[dict[str, Any]] = []

    def add(name: str, points: int, detail: str) -> None:
        if points:
            factors.append({"factor": name, "points": points, "detail": detail})

    v = facts.values
    _data(facts, add)
    _egress(facts, add)
    if facts.secrets:
        add("secrets", 15, f"{len(facts.secrets)} hard-coded secret(s) found by the scanner")
    _owner(facts, add)
    if v["review_state"] == "rejected":
        add("review", 10, "the review rejected it")
    elif v["track"] == "production" and v["review_state"] != "approved":
        add("review", 6, f"production but review is {v['review_state']}")
    shadow = SHADOW_POINTS.get(v["reconciliation_state"], 0)
    add("shadow", shadow, f"reconciliation state is {v['reconciliation_state']}")
    if blast_radius:
        points = 10 if blast_radius >= 20 else 6 if blast_radius >= 5 else 3
        add("blast-radius", points, f"{blast_radius} automation(s) depend on what it produces")
    crit = v["criticality"]
    add("criticality", CRITICALITY_POINTS.get(crit, 0), f"criticality is {crit}")
    open_points = 0
    open_count = 0
    for r in failures:
        if r.status == "fail" and not r.waived:
            open_points += VIOLATION_POINTS.get(r.policy.severity, 0)
            open_count += 1
    add(
        "violations",
        min(VIOLATION_CAP, open_points),
        f"{open_count} open policy violation(s)",
    )
    total = min(100, sum(f["points"] for f in factors))
    return total, tier(total), factors


def _data(facts: AutomationFacts, add) -> None:
    best, best_asset, tagged = 0, None, set()
    for acc in facts.accesses:
        a = acc.asset
        if acc.masking:
            continue
        points = CLASSIFICATION_POINTS.get(a.classification or "", 0)
        if points > best:
            best, best_asset = points, a
        tagged |= a.tags & SENSITIVE_TAGS
    if best_asset is not None:
        add("data-sensitivity", best, f"touches {best_asset.classification} {best_asset.key}")
    if tagged:
        add("data-tags", 5, f"touches {', '.join(sorted(tagged))} data")


def _egress(facts: AutomationFacts, add) -> None:
    external = [a.asset for a in facts.accesses if a.mode in ("write", "call") and a.asset.external]
    ai = [a.asset for a in facts.accesses if a.asset.ai_provider or a.asset.kind == "ai-service"]
    plain = [a for a in external if not (a.ai_provider or a.kind == "ai-service")]
    if plain:
        add("external-egress", 8, f"sends data outside: {plain[0].key}")
        unapproved = [a for a in plain if not a.approved]
        if unapproved:
            add("unapproved-egress", 6, f"{unapproved[0].key} is not an approved service")
    if ai:
        add("ai-egress", 6, f"calls AI service {ai[0].key}")
        unapproved_ai = [a for a in ai if not a.approved]
        if unapproved_ai:
            add("unapproved-ai", 8, f"{unapproved_ai[0].key} is not an approved AI provider")


def _owner(facts: AutomationFacts, add) -> None:
    v = facts.values
    if facts.owner is not None and not facts.owner.active:
        add("owner", 15, f"owner {facts.owner.email} has left")
    elif facts.owner is None and v["owner_email"]:
        add("owner", 5, f"owner {v['owner_email']} is not in the people directory")
    elif not v["owner_email"]:
        add("owner", 15, "nobody owns it")
    if v["criticality"] in ("high", "critical") and not v["backup_owner_email"]:
        add("backup-owner", 5, f"{v['criticality']} criticality without a backup owner")
