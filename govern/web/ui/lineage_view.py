"""The lineage explorer's drawing: a neighbourhood from the lineage service, laid out
by distance (upstream left, downstream right), with restricted -> external flows in red."""

from __future__ import annotations

from typing import Any

from flask import url_for

from govern.web.ui.graph_svg import GEdge, GNode
from govern.web.ui.helpers import automation_url

SENSITIVE_SOURCE = {"min_classification": "restricted"}
EXTERNAL_SINK = {"external": True}


def lineage_service():
    try:
        import govern.lineage as lineage
    except ModuleNotFoundError as exc:
        if exc.name and not "govern.lineage".startswith(exc.name):
            raise
        return None
    return lineage if hasattr(lineage, "graph_for") else None


def hot_paths(graph, limit: int = 200) -> list[Any]:
    """Flows of restricted data to external services (the lineage service decides)."""
    return graph.flow_paths(source=SENSITIVE_SOURCE, sink=EXTERNAL_SINK, limit=limit)


def hot_edges(paths) -> set[tuple[str, str]]:
    edges: set[tuple[str, str]] = set()
    for path in paths:
        for hop in path.hops:
            auto = f"automation:{hop.automation}"
            edges.add((f"asset:{hop.from_asset}", auto))
            edges.add((auto, f"asset:{hop.to_asset}"))
    return edges


def node_href(node_id: str) -> str:
    kind, _, key = node_id.partition(":")
    if kind == "automation":
        return automation_url(key)
    return url_for("ui.lineage", node=node_id)


def drawing(nb: dict[str, Any], hot: set[tuple[str, str]]) -> tuple[list[GNode], list[GEdge]]:
    nodes: list[GNode] = []
    hot_nodes = {n for edge in hot for n in edge}
    for n in nb["nodes"]:
        node_id = n["id"]
        kind = n.get("type") or node_id.partition(":")[0]
        if kind == "person":
            continue
        classes: set[str] = set()
        if n.get("classification") in ("restricted", "confidential"):
            classes.add(n["classification"])
        if n.get("external"):
            classes.add("external")
        if node_id == nb["root"]:
            classes.add("center")
        if node_id in hot_nodes:
            classes.add("hot")
        if kind == "automation":
            sub = " · ".join(x for x in (n.get("platform"), n.get("owner")) if x)
            label = node_id.partition(":")[2]
        else:
            sub = " · ".join(
                x
                for x in (
                    n.get("kind"),
                    n.get("classification"),
                    "external" if n.get("external") else "",
                )
                if x
            )
            label = n.get("label") or node_id.partition(":")[2]
        nodes.append(
            GNode(
                node_id, label, int(n.get("distance") or 0), kind, sub, node_href(node_id), classes
            )
        )
    present = {n.id for n in nodes}
    edges = [
        GEdge(
            e["source"], e["target"], e.get("relation", ""), hot=(e["source"], e["target"]) in hot
        )
        for e in nb["edges"]
        if e.get("relation") != "owns" and e["source"] in present and e["target"] in present
    ]
    return nodes, edges
