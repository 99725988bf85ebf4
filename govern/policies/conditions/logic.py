"""Composition: all, any and not are ordinary conditions."""

from __future__ import annotations

from govern.policies.conditions.base import CONDITION_REF, Condition, Verdict, conditions


class _Group(Condition):
    schema = {"type": "array", "minItems": 1, "items": CONDITION_REF}

    def __init__(self, spec, path, build):
        super().__init__(spec, path, build)
        self.children = [build(item, f"{path}[{i}]") for i, item in enumerate(spec)]

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


@conditions.register
class All(_Group):
    """Holds when every listed condition holds (an empty list is not allowed)."""

    name = "all"
    summary = "every listed condition holds"
    examples = [
        {
            "all": [
                {"field": {"path": "track", "op": "eq", "value": "production"}},
                {"field": {"path": "justification", "op": "exists"}},
            ]
        }
    ]

    def test(self, facts, ctx) -> bool:
        return all(c.test(facts, ctx) for c in self.children)

    def _predicate(self):
        parts = tuple(c.predicate() for c in self.children)
        if len(parts) == 1:
            return parts[0]
        if len(parts) == 2:
            a, b = parts
            return lambda f, ctx: a(f, ctx) and b(f, ctx)
        return lambda f, ctx: all(p(f, ctx) for p in parts)

    def explain(self, facts, ctx) -> Verdict:
        verdicts = [c.explain(facts, ctx) for c in self.children]
        failing = [v for v in verdicts if not v.holds]
        chosen = failing or verdicts
        return Verdict(
            not failing,
            "; ".join(v.reason for v in chosen),
            [e for v in chosen for e in v.evidence],
        )

    def describe(self) -> str:
        return "all of: (" + "; ".join(c.describe() for c in self.children) + ")"


@conditions.register
class Any_(_Group):
    """Holds when at least one listed condition holds."""

    name = "any"
    summary = "at least one listed condition holds"
    examples = [
        {
            "any": [
                {"field": {"path": "criticality", "op": "in", "value": ["high", "critical"]}},
                {"field": {"path": "track", "op": "eq", "value": "production"}},
            ]
        }
    ]

    def test(self, facts, ctx) -> bool:
        return any(c.test(facts, ctx) for c in self.children)

    def _predicate(self):
        parts = tuple(c.predicate() for c in self.children)
        if len(parts) == 1:
            return parts[0]
        if len(parts) == 2:
            a, b = parts
            return lambda f, ctx: a(f, ctx) or b(f, ctx)
        return lambda f, ctx: any(p(f, ctx) for p in parts)

    def explain(self, facts, ctx) -> Verdict:
        verdicts = [c.explain(facts, ctx) for c in self.children]
        holding = [v for v in verdicts if v.holds]
        chosen = holding or verdicts
        return Verdict(
            bool(holding),
            "; ".join(v.reason for v in chosen),
            [e for v in chosen for e in v.evidence],
        )

    def describe(self) -> str:
        return "any of: (" + "; ".join(c.describe() for c in self.children) + ")"


@conditions.register
class Not(Condition):
    """Holds when the inner condition does not hold."""

    name = "not"
    summary = "the inner condition does not hold"
    schema = CONDITION_REF
    examples = [{"not": {"field": {"path": "secret_count", "op": "gt", "value": 0}}}]

    def __init__(self, spec, path, build):
        super().__init__(spec, path, build)
        self.child = build(spec, path)

    def walk(self):
        yield self
        yield from self.child.walk()

    def test(self, facts, ctx) -> bool:
        return not self.child.test(facts, ctx)

    def _predicate(self):
        inner = self.child.predicate()
        return lambda f, ctx: not inner(f, ctx)

    def explain(self, facts, ctx) -> Verdict:
        inner = self.child.explain(facts, ctx)
        return Verdict(not inner.holds, inner.reason, inner.evidence)

    def describe(self) -> str:
        return f"not ({self.child.describe()})"
