"""A loaded, validated policy and the result of applying it to one automation."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from govern.policies.conditions.base import Condition

SEVERITIES = ("info", "low", "medium", "high", "critical")
MODES = ("audit", "enforce")
STATUSES = ("pass", "fail", "not-applicable")


def revision_of(document: dict[str, Any]) -> str:
    """The content hash that names a policy revision in the decision log."""
    clean = {k: v for k, v in document.items() if k != "$schema"}
    text = json.dumps(clean, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class CompiledPolicy:
    id: str
    title: str
    description: str
    severity: str
    mode: str
    remediation: str
    references: list[str]
    tags: list[str]
    enabled: bool
    selector: Condition
    condition: Condition
    document: dict[str, Any]
    revision: str
    source: str = "file"

    @property
    def uses_lineage(self) -> bool:
        return any(c.uses_lineage for root in (self.selector, self.condition) for c in root.walk())

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "severity": self.severity,
            "mode": self.mode,
            "enabled": self.enabled,
            "references": list(self.references),
            "tags": list(self.tags),
            "remediation": self.remediation,
            "revision": self.revision,
            "source": self.source,
        }


@dataclass
class Result:
    """pass, fail or not-applicable (never anything else), with why and what shows it."""

    policy: CompiledPolicy
    automation_key: str
    automation_id: int | None
    status: str
    explanation: str
    evidence: list[dict] = field(default_factory=list)
    waiver_id: int | None = None

    @property
    def waived(self) -> bool:
        return self.status == "fail" and self.waiver_id is not None

    @property
    def blocking(self) -> bool:
        return self.status == "fail" and self.policy.mode == "enforce" and not self.waived

    def as_dict(self) -> dict[str, Any]:
        p = self.policy
        return {
            "policy": p.id,
            "title": p.title,
            "severity": p.severity,
            "mode": p.mode,
            "status": self.status,
            "waived": self.waived,
            "waiverId": self.waiver_id,
            "automation": self.automation_key,
            "explanation": self.explanation,
            "evidence": self.evidence,
            "remediation": p.remediation,
            "references": list(p.references),
            "revision": p.revision,
        }
