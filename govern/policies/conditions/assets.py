"""Conditions on the assets an automation reads, writes or calls."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from govern.policies.conditions.base import Condition, Verdict, conditions
from govern.policies.facts import AccessFact, AssetFact
from govern.registry.models.vocab import (
    ACCESS_MODES,
    ASSET_KINDS,
    CLASSIFICATION_RANK,
    CLASSIFICATIONS,
)

# Keys the lineage engine also understands (a lineage selector uses only these).
LINEAGE_SELECTOR_PROPERTIES: dict[str, Any] = {
    "classification": {
        "type": "array",
        "minItems": 1,
        "items": {"enum": list(CLASSIFICATIONS)},
        "description": "the asset's classification is one of these",
    },
    "min_classification": {
        "enum": list(CLASSIFICATIONS),
        "description": "the asset is classified at least this sensitive",
    },
    "tags": {
        "type": "array",
        "minItems": 1,
        "items": {"type": "string"},
        "description": "the asset carries any of these tags",
    },
    "external": {"type": "boolean", "description": "outside the company boundary"},
    "approved": {"type": "boolean", "description": "an approved (contracted) service"},
    "kind": {
        "type": "array",
        "minItems": 1,
        "items": {"enum": list(ASSET_KINDS)},
        "description": "the asset kind is one of these",
    },
    "ai": {"type": "boolean", "description": "the asset is an AI service"},
    "keys": {
        "type": "array",
        "minItems": 1,
        "items": {"type": "string"},
        "description": "exact asset names",
    },
}
ASSET_SELECTOR_PROPERTIES: dict[str, Any] = {
    **LINEAGE_SELECTOR_PROPERTIES,
    "system_of_record": {"type": "boolean", "description": "the authoritative store of its data"},
    "scheme": {
        "type": "array",
        "minItems": 1,
        "items": {"type": "string"},
        "description": "the asset name starts with one of these schemes, e.g. http, ftp",
    },
}


def selector_schema(properties: dict[str, Any]) -> dict[str, Any]:
    """An asset selector: every given key must match (an empty selector is refused, so a
    selector never silently matches everything)."""
    return {
        "type": "object",
        "additionalProperties": False,
        "minProperties": 1,
        "properties": properties,
    }


def asset_matcher(where: dict[str, Any]) -> Callable[[AssetFact], bool]:
    """Compile a selector into one predicate; every key given must match."""
    tests: list[Callable[[AssetFact], bool]] = []
    if "classification" in where:
        allowed = frozenset(where["classification"])
        tests.append(lambda a: a.classification in allowed)
    if "min_classification" in where:
        floor = CLASSIFICATION_RANK[where["min_classification"]]
        tests.append(lambda a: a.rank >= floor)
    if "tags" in where:
        wanted = frozenset(where["tags"])
        tests.append(lambda a: not wanted.isdisjoint(a.tags))
    for key, attr in (("external", "external"), ("approved", "approved")):
        if key in where:
            flag = bool(where[key])
            tests.append(lambda a, attr=attr, flag=flag: getattr(a, attr) is flag)
    if "system_of_record" in where:
        flag = bool(where["system_of_record"])
        tests.append(lambda a: a.system_of_record is flag)
    if "kind" in where:
        kinds = frozenset(where["kind"])
        tests.append(lambda a: a.kind in kinds)
    if "ai" in where:
        flag = bool(where["ai"])
        tests.append(lambda a: (a.ai_provider is not None or a.kind == "ai-service") is flag)
    if "keys" in where:
        keys = frozenset(where["keys"])
        tests.append(lambda a: a.key in keys)
    if "scheme" in where:
        schemes = frozenset(s.lower() for s in where["scheme"])
        tests.append(lambda a: a.scheme in schemes)
    if len(tests) == 1:
        return tests[0]
    if len(tests) == 2:
        first, second = tests
        return lambda a: first(a) and second(a)
    return lambda a: all(t(a) for t in tests)


def describe_selector(where: dict[str, Any]) -> str:
    return "assets with " + selector_terms(where)


def selector_terms(where: dict[str, Any]) -> str:
    parts = []
    for key, value in where.items():
        if isinstance(value, list):
            value = " or ".join(str(v) for v in value)
        if isinstance(value, bool):
            parts.append(("" if value else "not ") + key.replace("_", " "))
            continue
        parts.append(f"{key.replace('_', ' ')} {value}")
    return ", ".join(parts)


def access_evidence(acc: AccessFact) -> dict[str, Any]:
    a = acc.asset
    return {
        "asset": a.key,
        "mode": acc.mode,
        "classification": a.classification,
        "tags": sorted(a.tags),
        "external": a.external,
        "approved": a.approved,
        "aiProvider": a.ai_provider,
        "masked": acc.masking,
    }


@conditions.register
class AssetsCondition(Condition):
    """Quantify over the assets an automation touches in the given modes: ``any`` holds
    when at least one matches, ``none`` when none does, ``all`` when every one does
    (also when it touches no asset in those modes)."""

    name = "assets"
    summary = "any, all or none of the assets read, written or called match a selector"
    schema = {
        "type": "object",
        "additionalProperties": False,
        "required": ["modes", "quantifier", "where"],
        "properties": {
            "modes": {
                "type": "array",
                "minItems": 1,
                "uniqueItems": True,
                "items": {"enum": list(ACCESS_MODES)},
                "description": "read, write and/or call",
            },
            "quantifier": {"enum": ["any", "all", "none"]},
            "where": selector_schema(ASSET_SELECTOR_PROPERTIES),
            "masked": {
                "type": "boolean",
                "description": "only edges where data is (true) or is not (false) masked",
            },
        },
    }
    examples = [
        {
            "assets": {
                "modes": ["read", "write", "call"],
                "quantifier": "any",
                "where": {"min_classification": "confidential"},
            }
        },
        {
            "assets": {
                "modes": ["read"],
                "quantifier": "any",
                "where": {"tags": ["pii"], "classification": ["restricted"]},
                "masked": False,
            }
        },
        {
            "assets": {
                "modes": ["call"],
                "quantifier": "none",
                "where": {"ai": True, "approved": False},
            }
        },
        {
            "assets": {
                "modes": ["write"],
                "quantifier": "all",
                "where": {"external": False},
            }
        },
        {
            "assets": {
                "modes": ["write", "call"],
                "quantifier": "any",
                "where": {"scheme": ["http", "ftp"], "external": True},
            }
        },
        {
            "assets": {
                "modes": ["write"],
                "quantifier": "any",
                "where": {"system_of_record": True, "kind": ["table", "database"]},
            }
        },
    ]

    def __init__(self, spec, path, build):
        super().__init__(spec, path, build)
        self.modes = frozenset(spec["modes"])
        self.quantifier = spec["quantifier"]
        self.where = spec["where"]
        self.masked = spec.get("masked")
        self.match = asset_matcher(self.where)

    def _edges(self, facts) -> list[AccessFact]:
        masked = self.masked
        return [
            a
            for a in facts.accesses
            if a.mode in self.modes and (masked is None or a.masking is masked)
        ]

    def test(self, facts, ctx) -> bool:
        edges = self._edges(facts)
        if self.quantifier == "any":
            return any(self.match(a.asset) for a in edges)
        if self.quantifier == "none":
            return not any(self.match(a.asset) for a in edges)
        return all(self.match(a.asset) for a in edges)

    def _predicate(self):
        modes, masked, match, quantifier = self.modes, self.masked, self.match, self.quantifier

        def hits(f) -> bool:  # some edge in scope matches
            for a in f.accesses:
                if a.mode in modes and (masked is None or a.masking is masked) and match(a.asset):
                    return True
            return False

        def every(f) -> bool:
            for a in f.accesses:
                in_scope = a.mode in modes and (masked is None or a.masking is masked)
                if in_scope and not match(a.asset):
                    return False
            return True

        if quantifier == "any":
            return lambda f, ctx: hits(f)
        if quantifier == "none":
            return lambda f, ctx: not hits(f)
        return lambda f, ctx: every(f)

    def explain(self, facts, ctx) -> Verdict:
        edges = self._edges(facts)
        hits = [a for a in edges if self.match(a.asset)]
        misses = [a for a in edges if not self.match(a.asset)]
        modes = _verbs(self.modes)
        what = selector_terms(self.where)
        if self.quantifier == "all":
            holds = not misses
            shown_edges = misses if misses else hits
            if not edges:
                reason = f"it {modes} no asset"
            elif misses:
                reason = (
                    f"{_names(misses)} {'does' if len(misses) == 1 else 'do'} not match: {what}"
                )
            else:
                reason = f"every asset it {modes} matches: {what}"
        else:
            holds = bool(hits) if self.quantifier == "any" else not hits
            shown_edges = hits
            if hits:
                reason = f"it uses {_names(hits)}, matching: {what}"
            else:
                reason = f"no asset it {modes} matches: {what}"
        return Verdict(holds, reason, [access_evidence(a) for a in shown_edges])

    def describe(self) -> str:
        modes = _verbs(self.modes)
        mask = "" if self.masked is None else (" over masked edges" if self.masked else " unmasked")
        what = describe_selector(self.where)
        return f"{self.quantifier} of the assets it {modes}{mask} are {what}"


def _verbs(modes) -> str:
    names = {"read": "reads", "write": "writes", "call": "calls"}
    return " or ".join(names[m] for m in ("read", "write", "call") if m in modes)


def _names(edges: list[AccessFact]) -> str:
    keys = sorted({f"{a.asset.key} ({a.mode})" for a in edges})
    more = f" and {len(keys) - 3} more" if len(keys) > 3 else ""
    return ", ".join(keys[:3]) + more
