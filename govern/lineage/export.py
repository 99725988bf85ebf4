"""Exports: JSON node-link (d3, networkx), GraphML (Gephi, yEd) and OpenLineage events.

Every export can cover the whole graph or the neighbourhood of one node. Attributes
are flattened for GraphML, which only holds scalars.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

import networkx as nx

from govern.lineage.evidence import RELATION, iso, primary
from govern.lineage.queries import DEFAULT_DEPTH

if TYPE_CHECKING:
    from govern.lineage.graph import LineageGraph

_HIDDEN = {"rank", "id"}


def _scope(self: LineageGraph, node: str | None, depth: int) -> set[str] | None:
    if node is None:
        return None
    hood = self.neighbourhood(node, "both", depth)
    return {n["id"] for n in hood["nodes"]}


def _edge_attrs(data: dict) -> dict[str, Any]:
    if "owns" in data:
        return {"relation": "owns", "roles": list(data["owns"])}
    relations, evidence = [], []
    for mode in ("read", "write", "call", "triggers"):
        evs = data.get(mode)
        if not evs:
            continue
        relations.append(RELATION[mode])
        evidence += [e.as_dict() for e in evs]
    best = [primary(data[m]) for m in ("read", "write", "call", "triggers") if data.get(m)]
    return {
        "relation": relations[0] if relations else "unknown",
        "relations": relations,
        "flow": bool(data.get("flow")),
        "masking": any(e.masking for e in best),
        "learned": sorted({e["learned"] for e in evidence}),
        "first_seen": min((e["first_seen"] for e in evidence if e["first_seen"]), default=None),
        "last_seen": max((e["last_seen"] for e in evidence if e["last_seen"]), default=None),
        "evidence": evidence,
    }


def export_graph(self: LineageGraph, node: str | None = None, depth: int = DEFAULT_DEPTH):
    """A plain copy of the graph (or a neighbourhood) with JSON-friendly attributes."""
    with self.lock:
        scope = _scope(self, node, depth)
        out = nx.DiGraph()
        for n, attrs in self.g._node.items():
            if scope is not None and n not in scope:
                continue
            clean = {k: v for k, v in attrs.items() if k not in _HIDDEN}
            if "tags" in clean:
                clean["tags"] = list(clean["tags"])
            out.add_node(n, **clean)
        for u, nbrs in self.g._succ.items():
            if u not in out:
                continue
            for v, data in nbrs.items():
                if v in out:
                    out.add_edge(u, v, **_edge_attrs(data))
    return out


def node_link(self: LineageGraph, node: str | None = None, depth: int = DEFAULT_DEPTH) -> dict:
    """JSON node-link document (``nodes`` and ``links``), as networkx and d3 read it."""
    data = nx.node_link_data(export_graph(self, node, depth), edges="links")
    data["graph"] = {"name": "govern lineage", "root": node}
    return data


def _scalar(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return str(value)


def graphml(self: LineageGraph, node: str | None = None, depth: int = DEFAULT_DEPTH) -> str:
    """GraphML text; list attributes are comma-joined, evidence summarised per edge."""
    full = export_graph(self, node, depth)
    flat = nx.DiGraph(name="govern lineage")
    for n, attrs in full.nodes(data=True):
        flat.add_node(n, **{k: _scalar(v) for k, v in attrs.items()})
    for u, v, attrs in full.edges(data=True):
        attrs = dict(attrs)
        attrs.pop("evidence", None)
        flat.add_edge(u, v, **{k: _scalar(val) for k, val in attrs.items()})
    buffer = io.BytesIO()
    nx.write_graphml(flat, buffer, encoding="utf-8", prettyprint=True)
    return buffer.getvalue().decode("utf-8")


def openlineage_events(
    self: LineageGraph, node: str | None = None, depth: int = DEFAULT_DEPTH, **kwargs
) -> list[dict[str, Any]]:
    """OpenLineage JobEvents (one per automation) and DatasetEvents (one per asset)."""
    from govern.lineage.openlineage import events

    return events(self, _scope_for_ol(self, node, depth), **kwargs)


def _scope_for_ol(self: LineageGraph, node: str | None, depth: int) -> set[str] | None:
    with self.lock:
        return _scope(self, node, depth)


__all__ = ["export_graph", "graphml", "iso", "node_link", "openlineage_events"]
