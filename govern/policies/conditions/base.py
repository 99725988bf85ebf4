"""The condition registry: each condition is a small class registered under its name.

A condition is written in a policy as a one-key mapping, ``{<name>: <spec>}``. The
loader looks the class up by that key first and validates the spec against that
class's own schema, so a mistake is reported where it is, not as an unreadable
``oneOf`` failure over every possible condition.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from govern.policies.facts import AutomationFacts

CONDITION_REF = {"$ref": "#/$defs/condition"}


@dataclass
class Verdict:
    """Whether a condition holds for one automation, why, and what shows it."""

    holds: bool
    reason: str
    evidence: list[dict] = field(default_factory=list)


class Condition:
    """Base class. Subclasses set ``name``, ``summary``, ``schema`` and ``examples``."""

    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    schema: ClassVar[dict[str, Any]] = {}
    examples: ClassVar[list[dict[str, Any]]] = []
    uses_lineage: ClassVar[bool] = False

    def __init__(self, spec: Any, path: str, build: Callable[[Any, str], Condition]):
        self.spec = spec
        self.path = path

    def check(self) -> list[tuple[str, str]]:
        """Problems a JSON Schema cannot express, as (path, message) pairs."""
        return []

    def test(self, facts: AutomationFacts, ctx) -> bool:
        """The fast path used by bulk evaluation: only whether it holds."""
        return self.explain(facts, ctx).holds

    def predicate(self) -> Callable[[AutomationFacts, Any], bool]:
        """``test`` as one plain function of (facts, ctx), built once per condition.

        Subclasses return closures over their compiled parts, so evaluating a policy
        over many automations costs no attribute lookups or method dispatch per term;
        the default is the bound ``test`` (plugins need not override it).
        """
        fn = self.__dict__.get("_predicate")
        if fn is None:
            fn = self.__dict__["_predicate"] = self._predicate()
        return fn

    def _predicate(self) -> Callable[[AutomationFacts, Any], bool]:
        return self.test

    def explain(self, facts: AutomationFacts, ctx) -> Verdict:
        raise NotImplementedError

    def describe(self) -> str:
        """The condition in plain words (used by ``govern policy explain``)."""
        raise NotImplementedError

    def walk(self):
        yield self


class Registry:
    """Name -> condition class; outside packages add terms through entry points."""

    def __init__(self) -> None:
        self._classes: dict[str, type[Condition]] = {}

    def register(self, cls: type[Condition]) -> type[Condition]:
        if not cls.name or cls.name in self._classes:
            raise ValueError(f"condition name {cls.name!r} is empty or already registered")
        self._classes[cls.name] = cls
        return cls

    def get(self, name: str) -> type[Condition] | None:
        return self._classes.get(name)

    def names(self) -> list[str]:
        return sorted(self._classes)

    def items(self) -> list[tuple[str, type[Condition]]]:
        return sorted(self._classes.items())


conditions = Registry()


def shallow(schema: Any) -> Any:
    """A class schema with nested conditions replaced by 'a mapping' (they are checked
    one by one when they are built, each against its own class)."""
    if schema == CONDITION_REF:
        return {"type": "object"}
    if isinstance(schema, dict):
        return {k: shallow(v) for k, v in schema.items()}
    if isinstance(schema, list):
        return [shallow(v) for v in schema]
    return schema


def shown(value: Any) -> str:
    """A value as a reviewer reads it."""
    if value is None or value == "" or value == []:
        return "not set"
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, str):
        return repr(value) if len(value) <= 80 else repr(value[:77] + "...")
    return str(value)
