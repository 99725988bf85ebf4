"""Whether a transaction left its automations' data flows as the committed graph shows them.

A registration that changes an automation's description, schedule, owner or review state
(most of them) moves no data differently. Its incremental evaluation can then use the
process-wide lineage graph of committed data, exact for these automations, instead of
reading a lineage neighbourhood through the caller's session, and automations that only
share an asset with it need no re-evaluation: no path through them changed.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlmodel import Session

from govern.policies.facts import AutomationFacts
from govern.registry.models import AutomationLink

_OUT_MODES = ("write", "call")


def graph_if_same_flows(session: Session, facts: list[AutomationFacts], engine):
    """The committed lineage graph when it shows every automation in ``facts`` with the
    data flows (edges, masking, the assets' attributes, trigger links, retirement) that
    ``session`` sees; otherwise None. ``facts`` must be loaded through ``session``."""
    if not facts:
        return None
    from govern.policies.evaluate import committed_graph

    # committed data only, read outside the pool the caller's write transaction holds from
    graph = committed_graph(engine, own_connection=True)
    if graph is None:
        return None
    with graph.lock:
        nodes = graph.g._node
        if not all(_same_edges(graph, f) for f in facts):
            return None
        ids = {nodes[f"automation:{f.key}"]["id"] for f in facts}
        if _links(session, ids) != _graph_links(graph, facts):
            return None
    return graph


def _same_edges(graph, f: AutomationFacts) -> bool:
    from govern.lineage.evidence import primary

    g = graph.g
    node = f"automation:{f.key}"
    attrs = g._node.get(node)
    if attrs is None or attrs.get("id") != f.id:
        return False
    if (node in graph.retired) != (f.values.get("lifecycle") == "retired"):
        return False
    shown: dict[tuple[str, str], bool] = {}
    for asset, data in g._pred[node].items():
        if asset.startswith("asset:") and "read" in data:
            shown[(asset[6:], "read")] = primary(data["read"]).masking
    for asset, data in g._succ[node].items():
        if asset.startswith("asset:"):
            for mode in _OUT_MODES:
                if mode in data:
                    shown[(asset[6:], mode)] = primary(data[mode]).masking
    seen = {(a.asset.key, a.mode): a.masking for a in f.accesses}
    if shown != seen:
        return False
    return all(_same_asset(g._node.get(f"asset:{a.asset.key}"), a.asset) for a in f.accesses)


def _same_asset(attrs: dict | None, asset) -> bool:
    return attrs is not None and (
        attrs.get("classification") == asset.classification
        and frozenset(attrs.get("tags", ())) == asset.tags
        and attrs.get("external") == asset.external
        and attrs.get("approved") == asset.approved
        and attrs.get("ai_provider") == asset.ai_provider
        and attrs.get("kind") == asset.kind
    )


def _links(session: Session, ids: Iterable[int]) -> set[tuple[int, int]]:
    c = AutomationLink.__table__.c
    query = select(c.source_id, c.target_id).where(c.source_id.in_(sorted(ids)))
    return {(s, t) for s, t in session.execute(query)}


def _graph_links(graph, facts: list[AutomationFacts]) -> set[tuple[int, int]]:
    g = graph.g
    found = set()
    for f in facts:
        node = f"automation:{f.key}"
        source = g._node[node]["id"]
        for other, data in g._succ[node].items():
            if "triggers" in data:
                found.add((source, g._node[other]["id"]))
    return found
