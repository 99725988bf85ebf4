"""Where sensitive data ends up: taint propagation along read -> write -> read hops.

An automation that reads a tainted asset taints every asset it writes or calls, unless
the read edge or the outgoing edge is declared masking (anonymising). A path is a chain
of hops ``asset --read--> automation --write/call--> asset``; for each (source, sink)
pair the shortest one is reported, with the evidence for every edge. Taint carries the
source asset's classification and tags. Retired automations move no data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from govern.lineage.evidence import primary
from govern.lineage.nodes import node_key
from govern.lineage.selectors import matcher, validate
from govern.registry.models.vocab import CLASSIFICATION_RANK

if TYPE_CHECKING:
    from govern.lineage.graph import LineageGraph

MAX_HOPS = 12


@dataclass
class Hop:
    """One automation moving data from one asset to another, with the evidence for both edges."""

    automation: str
    from_asset: str
    to_asset: str
    read_evidence: dict[str, Any]
    write_evidence: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {
            "automation": self.automation,
            "from_asset": self.from_asset,
            "to_asset": self.to_asset,
            "read_evidence": dict(self.read_evidence),
            "write_evidence": dict(self.write_evidence),
        }


@dataclass
class FlowPath:
    """A chain of hops carrying data from a source asset to a sink asset."""

    source: str
    sink: str
    automations: list[str]
    hops: list[Hop]
    classification: str | None
    tags: list[str] = field(default_factory=list)
    sink_attributes: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "sink": self.sink,
            "classification": self.classification,
            "tags": list(self.tags),
            "automations": list(self.automations),
            "length": len(self.hops),
            "sink_attributes": dict(self.sink_attributes),
            "hops": [h.as_dict() for h in self.hops],
        }

    def describe(self) -> str:
        parts = [self.source]
        for hop in self.hops:
            parts += [f"[{hop.automation}]", hop.to_asset]
        return " -> ".join(parts)


def _out_evidence(data: dict) -> dict[str, Any]:
    for mode in ("write", "call"):
        ev = data.get(mode)
        if ev is not None and not primary(ev).masking:
            return primary(ev).as_dict()
    return {}


def _forward(
    g, start_assets: dict[str, str | None], max_hops: int, retired_set, skip: str | None = None
):
    """BFS over tainting edges from assets; parent links and hop counts for every asset."""
    succ = g._succ
    retired = retired_set
    parent: dict[str, str | None] = dict(start_assets)
    hops: dict[str, int] = {a: 0 for a in start_assets}
    frontier = list(start_assets)
    for depth in range(1, max_hops + 1):
        nxt = []
        for asset in frontier:
            for auto, rd in succ[asset].items():
                if auto in parent or auto == skip or auto in retired or not rd.get("flow"):
                    continue
                parent[auto] = asset
                for out, wd in succ[auto].items():
                    if out in parent or not wd.get("flow") or not out.startswith("asset:"):
                        continue
                    parent[out] = auto
                    hops[out] = depth
                    nxt.append(out)
        if not nxt:
            break
        frontier = nxt
    return parent, hops


def _backward(g, through: str, max_hops: int, retired: set[str]):
    """Assets whose data can reach ``through``: child links towards it and hop counts."""
    pred = g._pred
    child: dict[str, str] = {through: through}
    hops: dict[str, int] = {}
    frontier = []
    for asset, rd in pred[through].items():
        if asset.startswith("asset:") and rd.get("flow"):
            child[asset] = through
            hops[asset] = 0
            frontier.append(asset)
    for depth in range(1, max_hops):
        nxt = []
        for asset in frontier:
            for auto, wd in pred[asset].items():
                if auto in child or auto in retired or not wd.get("flow"):
                    continue
                child[auto] = asset
                for src, rd in pred[auto].items():
                    if src in child or not src.startswith("asset:") or not rd.get("flow"):
                        continue
                    child[src] = auto
                    hops[src] = depth
                    nxt.append(src)
        if not nxt:
            break
        frontier = nxt
    return child, hops


def _hop(g, asset: str, auto: str, out: str) -> Hop:
    succ = g._succ
    return Hop(
        automation=node_key(auto),
        from_asset=node_key(asset),
        to_asset=node_key(out),
        read_evidence=primary(succ[asset][auto]["read"]).as_dict(),
        write_evidence=_out_evidence(succ[auto][out]),
    )


def _chain_forward(parent: dict, sink: str) -> list[tuple[str, str, str]]:
    """(asset, automation, asset) triples from the start asset to ``sink``."""
    triples = []
    node = sink
    while parent.get(node) is not None:
        auto = parent[node]
        asset = parent[auto]
        triples.append((asset, auto, node))
        node = asset
    triples.reverse()
    return triples


def _make_path(g, source: str, sink: str, triples, memo: dict | None = None) -> FlowPath:
    src = g._node[source]
    dst = g._node[sink]
    if memo is None:
        hops = [_hop(g, a, auto, b) for a, auto, b in triples]
    else:
        hops = []
        for triple in triples:
            hop = memo.get(triple)
            if hop is None:
                hop = memo[triple] = _hop(g, *triple)
            hops.append(hop)
    return FlowPath(
        source=node_key(source),
        sink=node_key(sink),
        automations=[h.automation for h in hops],
        hops=hops,
        classification=src.get("classification"),
        tags=list(src.get("tags", ())),
        sink_attributes={
            "kind": dst.get("kind"),
            "external": dst.get("external"),
            "approved": dst.get("approved"),
            "ai_provider": dst.get("ai_provider"),
            "classification": dst.get("classification"),
        },
    )


def flow_paths(
    self: LineageGraph,
    *,
    source: dict[str, Any],
    sink: dict[str, Any],
    max_hops: int = 6,
    through: str | None = None,
    limit: int | None = None,
) -> list[FlowPath]:
    """Shortest tainting path for every (source asset, sink asset) pair within ``max_hops``.

    ``source`` and ``sink`` are selector dicts (see ``govern.lineage.selectors``);
    ``through`` is an automation key (or node id) that must be on the path.
    """
    if not isinstance(max_hops, int) or not 1 <= max_hops <= MAX_HOPS:
        raise ValueError(f"max_hops must be between 1 and {MAX_HOPS}; got {max_hops!r}")
    source_sel, sink_sel = validate(source), validate(sink)
    key = (
        "paths",
        repr(sorted(source_sel.items())),
        repr(sorted(sink_sel.items())),
        max_hops,
        through,
    )
    with self.lock:
        cached = self._cache.get(key)
        if cached is None:
            if through is None:
                cached = _all_paths(self, source_sel, sink_sel, max_hops)
            else:
                node = through if through.startswith("automation:") else f"automation:{through}"
                node = self.resolve(node)
                cached = _paths_through(self, source_sel, sink_sel, max_hops, node)
            cached.sort(
                key=lambda p: (
                    -CLASSIFICATION_RANK.get(p.classification or "", -1),
                    len(p.hops),
                    p.source,
                    p.sink,
                )
            )
            self._cache[key] = cached
    return list(cached if limit is None else cached[:limit])


def _all_paths(self: LineageGraph, source_sel, sink_sel, max_hops: int) -> list[FlowPath]:
    g = self.g
    is_source, is_sink = matcher(source_sel), matcher(sink_sel)
    paths = []
    memo: dict = {}  # hops shared by many paths are built once
    for node, attrs in g._node.items():
        if not is_source(attrs) or not g._succ[node]:
            continue
        parent, hops = _forward(g, {node: None}, max_hops, self.retired)
        for asset, depth in hops.items():
            if depth and asset != node and is_sink(g._node[asset]):
                paths.append(_make_path(g, node, asset, _chain_forward(parent, asset), memo))
    return paths


def _paths_through(self: LineageGraph, source_sel, sink_sel, max_hops: int, through: str):
    g = self.g
    is_source, is_sink = matcher(source_sel), matcher(sink_sel)
    child, back_hops = _backward(g, through, max_hops, self.retired)
    sources = [a for a in back_hops if is_source(g._node[a])]
    if not sources:
        return []
    outs = {
        out: through
        for out, wd in g._succ[through].items()
        if out.startswith("asset:") and wd.get("flow")
    }
    parent, fwd_hops = _forward(
        g, {o: None for o in outs}, max_hops - 1, self.retired, skip=through
    )
    sinks = [a for a in fwd_hops if is_sink(g._node[a])]
    paths = []
    for src in sources:
        back = []
        node = src
        while node != through:
            nxt = child[node]
            back.append(node)
            node = nxt
        # back = [src, auto, asset, auto, ..., asset_in]
        head = [(back[i], back[i + 1], back[i + 2]) for i in range(0, len(back) - 2, 2)]
        asset_in = back[-1]
        for dst in sinks:
            if dst == src or back_hops[src] + 1 + fwd_hops[dst] > max_hops:
                continue
            tail = _chain_forward(parent, dst)
            first_out = tail[0][0] if tail else dst
            triples = head + [(asset_in, through, first_out)] + tail
            autos = [t[1] for t in triples]
            if len(set(autos)) != len(autos):
                continue
            paths.append(_make_path(g, src, dst, triples))
    return paths
