"""Lineage: does data flow from some assets to others through this automation?

The graph and its propagation rules (masking, hops) belong to govern.lineage; this
condition only asks it for flow paths.
"""

from __future__ import annotations

import json

from govern.policies.conditions.assets import (
    LINEAGE_SELECTOR_PROPERTIES,
    describe_selector,
    selector_schema,
)
from govern.policies.conditions.base import Condition, Verdict, conditions


def flow_query(source: dict, sink: dict, max_hops: int) -> str:
    """The key a lineage question is cached under (one per distinct question)."""
    return json.dumps([source, sink, max_hops], sort_keys=True)


MAX_HOPS = 10


@conditions.register
class LineageCondition(Condition):
    """Holds when data can flow from an asset matching ``from`` to an asset matching
    ``to`` within ``max_hops`` automations, along a path that passes through this
    automation. Masked edges stop sensitivity from flowing (the lineage engine's rule)."""

    name = "lineage"
    summary = "a data flow path exists from assets matching X to assets matching Y"
    uses_lineage = True
    schema = {
        "type": "object",
        "additionalProperties": False,
        "required": ["from", "to", "max_hops"],
        "properties": {
            "from": selector_schema(LINEAGE_SELECTOR_PROPERTIES),
            "to": selector_schema(LINEAGE_SELECTOR_PROPERTIES),
            "max_hops": {"type": "integer", "minimum": 1, "maximum": MAX_HOPS},
        },
    }
    examples = [
        {
            "lineage": {
                "from": {"classification": ["restricted"]},
                "to": {"ai": True, "external": True, "approved": False},
                "max_hops": 4,
            }
        },
        {
            "lineage": {
                "from": {"tags": ["pii"]},
                "to": {"external": True, "approved": False},
                "max_hops": 3,
            }
        },
    ]

    def __init__(self, spec, path, build):
        super().__init__(spec, path, build)
        self.source = spec["from"]
        self.sink = spec["to"]
        self.max_hops = spec["max_hops"]

    def _paths(self, facts, ctx) -> list:
        query = self.__dict__.get("_query")
        if query is None:
            query = self.__dict__["_query"] = flow_query(self.source, self.sink, self.max_hops)
        return ctx.flow_paths(facts.key, self.source, self.sink, self.max_hops, query=query)

    def test(self, facts, ctx) -> bool:
        return bool(self._paths(facts, ctx))

    def _predicate(self):
        query = flow_query(self.source, self.sink, self.max_hops)
        source, sink, hops = self.source, self.sink, self.max_hops
        return lambda f, ctx: bool(ctx.flow_paths(f.key, source, sink, hops, query=query))

    def explain(self, facts, ctx) -> Verdict:
        paths = self._paths(facts, ctx)
        if not paths:
            return Verdict(
                False,
                f"no data flows from {describe_selector(self.source)} to "
                f"{describe_selector(self.sink)} through it within {self.max_hops} hops",
            )
        first = paths[0]
        route = " -> ".join([first.source, *first.automations, first.sink])
        more = f" (and {len(paths) - 1} more path(s))" if len(paths) > 1 else ""
        reason = f"data flows {route}{more}"
        return Verdict(True, reason, [{"path": p.as_dict()} for p in paths[:10]])

    def describe(self) -> str:
        return (
            f"data can flow from {describe_selector(self.source)} to "
            f"{describe_selector(self.sink)} through it within {self.max_hops} hops"
        )
