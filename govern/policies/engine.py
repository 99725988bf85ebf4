"""Applying compiled policies to automation facts: pure, no database writes.

Bulk runs take the fast path (``test``) and explain only failures; previews and
``govern policy explain`` explain every result.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from govern.policies.facts import AutomationFacts
from govern.policies.model import CompiledPolicy, Result

_NONE: list = []  # shared "no paths" answer; callers never mutate it


class Context:
    """What conditions may consult besides the facts: the time, and the lineage graph
    (built on first use, so policies without lineage conditions never pay for it)."""

    def __init__(
        self, now: datetime, session=None, *, bulk: bool = False, graph=None, graph_factory=None
    ):
        self.now = now
        self._graph_factory = graph_factory
        self.today = now.date()
        self.session = session
        self.bulk = bulk
        self._graph = graph
        self._indexes: dict[str, dict[str, list]] = {}
        self._through: dict[tuple[str, str], list] = {}

    @property
    def graph(self):
        """The lineage graph of the session's data, or None when govern.lineage is absent."""
        if self._graph is None and self.session is not None:
            try:
                from govern.lineage import LineageGraph
            except ImportError:
                return None
            if self._graph_factory is not None:
                self._graph = self._graph_factory()
            else:
                self._graph = LineageGraph.from_session(self.session)
        return self._graph

    def _require_graph(self):
        graph = self.graph
        if graph is None:
            raise RuntimeError("lineage conditions need govern.lineage and a database session")
        return graph

    def flow_paths(
        self, key: str, source: dict, sink: dict, max_hops: int, *, query: str | None = None
    ) -> list:
        if query is None:
            query = json.dumps([source, sink, max_hops], sort_keys=True)
        if self.bulk:
            index = self._indexes.get(query)
            if index is None:
                index = defaultdict(list)
                for path in self._require_graph().flow_paths(
                    source=source, sink=sink, max_hops=max_hops
                ):
                    for automation in dict.fromkeys(path.automations):
                        index[automation].append(path)
                self._indexes[query] = index
            return index.get(key, _NONE)
        cached = self._through.get((query, key))
        if cached is None:
            cached = list(
                self._require_graph().flow_paths(
                    source=source, sink=sink, max_hops=max_hops, through=key
                )
            )
            self._through[(query, key)] = cached
        return cached

    def blast_radius(self, key: str) -> int | None:
        graph = self.graph
        return None if graph is None else int(graph.blast_radius_size(key))


def apply(
    policy: CompiledPolicy, facts: AutomationFacts, ctx: Context, *, explain: bool = False
) -> Result:
    """One policy on one automation: pass, fail or not-applicable."""
    key, aid = facts.key, facts.id
    if not explain:
        if not policy.selector.predicate()(facts, ctx):
            return Result(policy, key, aid, "not-applicable", "")
        if policy.condition.predicate()(facts, ctx):
            return Result(policy, key, aid, "pass", "")
    applies = policy.selector.explain(facts, ctx)
    if not applies.holds:
        return Result(policy, key, aid, "not-applicable", f"Does not apply: {applies.reason}.", [])
    verdict = policy.condition.explain(facts, ctx)
    if verdict.holds:
        return Result(policy, key, aid, "pass", f"Passes: {verdict.reason}.", verdict.evidence)
    return Result(policy, key, aid, "fail", _sentence(verdict.reason), verdict.evidence)


def explain_failure(policy: CompiledPolicy, facts: AutomationFacts, ctx: Context) -> Result:
    """The failing result with its explanation (the selector is known to apply)."""
    verdict = policy.condition.explain(facts, ctx)
    return Result(policy, facts.key, facts.id, "fail", _sentence(verdict.reason), verdict.evidence)


def _sentence(text: str) -> str:
    text = text.strip()
    return text + ("" if not text or text.endswith(".") else ".")


def run(
    policies: Iterable[CompiledPolicy],
    facts: Iterable[AutomationFacts],
    ctx: Context,
    *,
    explain: bool = False,
) -> Iterator[Result]:
    active = [p for p in policies if p.enabled]
    for f in facts:
        for policy in active:
            yield apply(policy, f, ctx, explain=explain)


def counts(results: Iterable[Result]) -> dict[str, Any]:
    out = {"pass": 0, "fail": 0, "not-applicable": 0, "waived": 0}
    for r in results:
        out[r.status] += 1
        if r.waived:
            out["waived"] += 1
    return out
