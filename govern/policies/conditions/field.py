"""Field comparisons on the automation record. Operators are a lookup table."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from govern.policies.conditions.base import Condition, Verdict, conditions, shown
from govern.policies.fields import (
    BOOL,
    FIELDS,
    LIST,
    NUMBER,
    OPERATORS_BY_TYPE,
    TEXT,
    TIME,
)

OPERATORS = ("eq", "ne", "in", "not-in", "lt", "le", "gt", "ge", "regex", "exists", "absent",
             "older-than-days")  # fmt: skip
NO_VALUE = ("exists", "absent")
PHRASES = {
    "eq": "equals",
    "ne": "differs from",
    "in": "is one of",
    "not-in": "is none of",
    "lt": "is before/less than",
    "le": "is at most",
    "gt": "is after/greater than",
    "ge": "is at least",
    "regex": "matches the pattern",
    "exists": "is set",
    "absent": "is not set",
    "older-than-days": "is more than this many days ago:",
}


def _present(v: Any) -> bool:
    return v is not None and v != "" and v != []


def _parse_time(text: str) -> datetime:
    if len(text) == 10:
        d = date.fromisoformat(text)
        return datetime(d.year, d.month, d.day, tzinfo=UTC)
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _ordered(cmp: Callable[[Any, Any], bool]) -> Callable[[Any, Any, Any], bool]:
    return lambda v, ref, ctx: v is not None and cmp(v, ref)


def _in(v, ref, ctx) -> bool:
    if isinstance(v, list):
        return any(item in ref for item in v)
    return v is not None and v in ref


def _older(v, days, ctx) -> bool:
    return v is not None and v < ctx.now - timedelta(days=days)


# op -> function(value, reference, ctx) -> bool
EVALUATORS: dict[str, Callable[[Any, Any, Any], bool]] = {
    "eq": lambda v, ref, ctx: v == ref,
    "ne": lambda v, ref, ctx: v != ref,
    "in": _in,
    "not-in": lambda v, ref, ctx: not _in(v, ref, ctx),
    "lt": _ordered(lambda a, b: a < b),
    "le": _ordered(lambda a, b: a <= b),
    "gt": _ordered(lambda a, b: a > b),
    "ge": _ordered(lambda a, b: a >= b),
    "regex": lambda v, ref, ctx: isinstance(v, str) and ref.search(v) is not None,
    "exists": lambda v, ref, ctx: _present(v),
    "absent": lambda v, ref, ctx: not _present(v),
    "older-than-days": _older,
}


@conditions.register
class FieldCondition(Condition):
    """Compare one automation field with a value. ``exists``/``absent`` take no value;
    a field that is not set never satisfies ``eq``, ``in``, ordering, ``regex`` or
    ``older-than-days``, and always satisfies ``ne`` and ``not-in``."""

    name = "field"
    summary = "compare an automation field (eq, ne, in, not-in, lt, le, gt, ge, regex, ...)"
    schema = {
        "type": "object",
        "additionalProperties": False,
        "required": ["path", "op"],
        "properties": {
            "path": {"enum": sorted(FIELDS), "description": "the automation field"},
            "op": {"enum": list(OPERATORS), "description": "the comparison"},
            "value": {
                "type": ["string", "number", "boolean", "array"],
                "description": "what to compare with (not used by exists/absent)",
            },
        },
    }
    examples = [
        {"field": {"path": "track", "op": "eq", "value": "production"}},
        {"field": {"path": "criticality", "op": "in", "value": ["high", "critical"]}},
        {"field": {"path": "platform", "op": "not-in", "value": ["python", "shell"]}},
        {"field": {"path": "secret_count", "op": "gt", "value": 0}},
        {"field": {"path": "duplicate_count", "op": "ge", "value": 1}},
        {"field": {"path": "access_count", "op": "lt", "value": 20}},
        {"field": {"path": "created_at", "op": "le", "value": "2026-01-01"}},
        {"field": {"path": "justification", "op": "regex", "value": "\\w+ \\w+ \\w+"}},
        {"field": {"path": "backup_owner_email", "op": "exists"}},
        {"field": {"path": "reviewed_at", "op": "absent"}},
        {"field": {"path": "last_activity", "op": "older-than-days", "value": 90}},
        {"field": {"path": "trigger.authenticated", "op": "ne", "value": False}},
    ]

    def __init__(self, spec, path, build):
        super().__init__(spec, path, build)
        self.field = spec["path"]
        self.op = spec["op"]
        self.raw = spec.get("value")
        self.type = FIELDS[self.field].type
        self.ref = self._reference()
        self._fn = EVALUATORS[self.op]

    def _reference(self) -> Any:
        raw, op = self.raw, self.op
        try:
            if op == "regex" and isinstance(raw, str):
                return re.compile(raw)
            if op in ("in", "not-in") and isinstance(raw, list):
                return frozenset(raw)
            if self.type == TIME and op in ("lt", "le", "gt", "ge") and isinstance(raw, str):
                return _parse_time(raw)
        except (re.error, ValueError):
            return None
        return raw

    def check(self) -> list[tuple[str, str]]:
        path, op, raw, kind = self.path, self.op, self.raw, self.type
        allowed = OPERATORS_BY_TYPE[kind]
        if op not in allowed:
            return [
                (
                    f"{path}.op",
                    f"{path}.op: {op!r} does not apply to {self.field} ({kind}); "
                    f"use one of: {', '.join(allowed)}",
                )
            ]
        if op in NO_VALUE:
            if "value" in self.spec:
                return [(f"{path}.value", f"{path}.value: '{op}' takes no value; remove it")]
            return []
        if "value" not in self.spec:
            return [(f"{path}.value", f"{path}.value is missing; '{op}' compares with a value")]
        where = f"{path}.value"
        if op in ("in", "not-in"):
            if not isinstance(raw, list) or not raw:
                return [(where, f"{where}: '{op}' needs a non-empty list, e.g. [a, b]")]
            bad = [v for v in raw if not isinstance(v, str | int | float) or isinstance(v, bool)]
            if bad:
                return [(where, f"{where}: list items must be text or numbers, got {bad[0]!r}")]
            return []
        if op == "regex":
            if not isinstance(raw, str):
                return [(where, f"{where}: 'regex' needs a pattern as text")]
            if self.ref is None:
                return [(where, f"{where}: {raw!r} is not a valid regular expression")]
            return []
        if op == "older-than-days":
            if not isinstance(raw, int | float) or isinstance(raw, bool) or raw < 0:
                return [(where, f"{where}: 'older-than-days' needs a number of days >= 0")]
            return []
        if kind == TIME:
            if not isinstance(raw, str) or self.ref is None:
                return [(where, f"{where}: {raw!r} is not a date; write YYYY-MM-DD")]
            return []
        expected = {TEXT: str, BOOL: bool, NUMBER: (int, float), LIST: list}[kind]
        ok = isinstance(raw, expected) and not (kind == NUMBER and isinstance(raw, bool))
        if not ok:
            noun = {TEXT: "text", BOOL: "true or false", NUMBER: "a number"}.get(kind, kind)
            return [(where, f"{where}: {self.field} is {noun}, so compare it with {noun}")]
        return []

    def test(self, facts, ctx) -> bool:
        return self._fn(facts.values.get(self.field), self.ref, ctx)

    def _predicate(self):
        name, ref, fn, op = self.field, self.ref, self._fn, self.op
        if op == "eq":
            return lambda f, ctx: f.values.get(name) == ref
        if op == "ne":
            return lambda f, ctx: f.values.get(name) != ref
        if op == "exists":
            return lambda f, ctx: _present(f.values.get(name))
        if op == "absent":
            return lambda f, ctx: not _present(f.values.get(name))
        if op == "older-than-days":
            days = timedelta(days=ref)

            def older(f, ctx) -> bool:
                v = f.values.get(name)
                return v is not None and v < ctx.now - days

            return older
        return lambda f, ctx: fn(f.values.get(name), ref, ctx)

    def explain(self, facts, ctx) -> Verdict:
        value = facts.values.get(self.field)
        holds = self._fn(value, self.ref, ctx)
        reason = f"{self.field} is {shown(value)}"
        if self.op == "older-than-days" and value is not None:
            reason += f" ({(ctx.now - value).days} days ago)"
        evidence = [{"field": self.field, "value": _jsonable(value)}]
        if self.field == "secret_count" and facts.secrets:
            evidence += [{"secret": s} for s in facts.secrets]
        if self.field == "duplicate_count" and facts.duplicates:
            reason += f" ({', '.join(facts.duplicates[:5])})"
            evidence += [{"duplicate": k} for k in facts.duplicates]
        return Verdict(holds, reason, evidence)

    def describe(self) -> str:
        if self.op in NO_VALUE:
            return f"{self.field} {PHRASES[self.op]}"
        return f"{self.field} {PHRASES[self.op]} {shown(self.raw)}"


def _jsonable(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value
