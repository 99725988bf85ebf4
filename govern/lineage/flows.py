"""Where sensitive data ends up: taint propagation along read -> write -> read hops.

An automation that reads a tainted asset taints every asset it writes or calls, unless
the read edge or the outgoing edge is declared masking (anonymising). A path is a chain
of hops ``asset --read--> automation --write/call--> asset``; for each (source, sink)
pair the shortest one is reported, with the evidence for every edge. Taint carries the
source asset's classification and tags. Retired automations move no data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from govern import gc_pause
from govern.lineage.evidence import primary
from govern.lineage.index import flow_index, selected
from govern.lineage.nodes import node_key
from govern.lineage.selectors import matcher, validate
from govern.registry.models.vocab import CLASSIFICATION_RANK

if TYPE_CHECKING:
    from govern.lineage.graph import LineageGraph

MAX_HOPS = 12


class Hop:
    """One automation moving data from one asset to another, with the evidence for both edges.

    The evidence dicts are built on first access: a query over a large inventory finds
    hundreds of thousands of paths and most callers only read their keys.
    """

    __slots__ = ("automation", "from_asset", "to_asset", "_read", "_write")

    def __init__(self, automation: str, from_asset: str, to_asset: str, read, write):
        self.automation = automation
        self.from_asset = from_asset
        self.to_asset = to_asset
        self._read = read  # Evidence, or a dict
        self._write = write

    @staticmethod
    def _dict(ev) -> dict[str, Any]:
        if ev is None:
            return {}
        return dict(ev) if isinstance(ev, dict) else ev.as_dict()

    @property
    def read_evidence(self) -> dict[str, Any]:
        return self._dict(self._read)

    @property
    def write_evidence(self) -> dict[str, Any]:
        return self._dict(self._write)

    def as_dict(self) -> dict[str, Any]:
        return {
            "automation": self.automation,
            "from_asset": self.from_asset,
            "to_asset": self.to_asset,
            "read_evidence": self.read_evidence,
            "write_evidence": self.write_evidence,
        }

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Hop) and self.as_dict() == other.as_dict()

    def __hash__(self) -> int:
        return hash((self.automation, self.from_asset, self.to_asset))

    def __repr__(self) -> str:
        return f"Hop({self.from_asset} -> {self.automation} -> {self.to_asset})"


class FlowPath(NamedTuple):
    """A chain of hops carrying data from a source asset to a sink asset.

    A named tuple: an all-paths query builds hundreds of thousands of them, and a tuple
    is made in C, three times faster than a dataclass instance.
    """

    source: str
    sink: str
    automations: list[str]
    hops: list[Hop]
    classification: str | None
    tags: list[str]
    sink_attributes: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "sink": self.sink,
            "classification": self.classification,
            "tags": list(self.tags),
            "automations": list(self.automations),
            "length": len(self.hops),
            "sink_attributes": dict(self.sink_attributes),  # shared between paths: copy
            "hops": [h.as_dict() for h in self.hops],
        }

    def describe(self) -> str:
        parts = [self.source]
        for hop in self.hops:
            parts += [f"[{hop.automation}]", hop.to_asset]
        return " -> ".join(parts)


def _out_evidence(data: dict):
    for mode in ("write", "call"):
        ev = data.get(mode)
        if ev is not None and not primary(ev).masking:
            return primary(ev)
    return None


def _forward(
    g,
    start_assets: dict[str, str | None],
    max_hops: int,
    retired: set[str],
    skip: str | None = None,
):
    """BFS over tainting edges from assets; parent links and hop counts for every asset."""
    succ = g._succ
    parent: dict[str, str | None] = dict(start_assets)
    hops: dict[str, int] = dict.fromkeys(start_assets, 0)
    frontier = list(start_assets)
    blocked = retired if skip is None else retired | {skip}
    # every edge dict carries "flow" (False for triggers and ownership)
    for depth in range(1, max_hops + 1):
        nxt = []
        for asset in frontier:
            for auto, rd in succ[asset].items():
                if not rd["flow"] or auto in parent or auto in blocked:
                    continue
                parent[auto] = asset
                for out, wd in succ[auto].items():
                    if wd["flow"] and out not in parent and out[1] == "s":  # asset:
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
        node_key(auto),
        node_key(asset),
        node_key(out),
        primary(succ[asset][auto]["read"]),
        _out_evidence(succ[auto][out]),
    )


def _hop_ids(succ, names: list[str], keys: list, asset: int, auto: int, out: int) -> Hop:
    """``_hop`` for index ids, with node keys cached in ``keys`` (one per index id)."""
    a, u, o = names[asset], names[auto], names[out]
    from_key = keys[asset]
    if from_key is None:
        from_key = keys[asset] = a[6:]  # "asset:"
    auto_key = keys[auto]
    if auto_key is None:
        auto_key = keys[auto] = u[11:]  # "automation:"
    to_key = keys[out]
    if to_key is None:
        to_key = keys[out] = o[6:]
    ev = succ[a][u]["read"]
    read = ev[0] if len(ev) == 1 else primary(ev)
    data = succ[u][o]
    ev = data.get("write")
    write = None
    if ev is not None:
        write = ev[0] if len(ev) == 1 else primary(ev)
        if write.masking:
            write = None
    if write is None:  # a call, or a masked write beside an unmasked call
        ev = data.get("call")
        if ev is not None:
            write = ev[0] if len(ev) == 1 else primary(ev)
            if write.masking:
                write = None
    return Hop(auto_key, from_key, to_key, read, write)


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


def _sink_attributes(attrs: dict) -> dict[str, Any]:
    return {
        "kind": attrs.get("kind"),
        "external": attrs.get("external"),
        "approved": attrs.get("approved"),
        "ai_provider": attrs.get("ai_provider"),
        "classification": attrs.get("classification"),
    }


def _make_path(g, source: str, sink: str, triples, memo: dict | None = None) -> FlowPath:
    memo = {} if memo is None else memo
    hops = []
    for triple in triples:
        hop = memo.get(triple)
        if hop is None:
            hop = memo[triple] = _hop(g, *triple)
        hops.append(hop)
    head = memo.get(source)
    if head is None:
        src = g._node[source]
        head = memo[source] = (node_key(source), src.get("classification"), src.get("tags", ()))
    tail = memo.get(sink)
    if tail is None:
        tail = memo[sink] = (node_key(sink), _sink_attributes(g._node[sink]))
    return FlowPath(
        head[0], tail[0], [h.automation for h in hops], hops, head[1], list(head[2]), tail[1]
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
    """Tainting paths from source assets to sink assets within ``max_hops``.

    One path per (source, sink, automation that delivers to the sink): the shortest one
    through that last automation, so every automation that leaks is a separate finding.

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
            with gc_pause.paused():
                cached = _compute(self, source_sel, sink_sel, max_hops, through)
            self._cache[key] = cached
    return list(cached if limit is None else cached[:limit])


TOP_RANK = max(CLASSIFICATION_RANK.values())


def _compute(self: LineageGraph, source_sel, sink_sel, max_hops: int, through: str | None):
    """Paths ordered by (-rank, hops, source, sink, automations)."""
    if through is None:
        return _all_paths(self, source_sel, sink_sel, max_hops)  # ordered as it goes
    node = through if through.startswith("automation:") else f"automation:{through}"
    paths = _paths_through(self, source_sel, sink_sel, max_hops, self.resolve(node))
    # the first four packed in one int (strings by their place among the distinct ones)
    sources = {k: i for i, k in enumerate(sorted({p.source for p in paths}))}
    sinks = {k: i for i, k in enumerate(sorted({p.sink for p in paths}))}
    width = len(sinks)
    paths.sort(
        key=lambda p: (
            (
                ((TOP_RANK - CLASSIFICATION_RANK.get(p.classification or "", -1)) * (MAX_HOPS + 1))
                + len(p.hops)
            )
            * len(sources)
            * width
            + sources[p.source] * width
            + sinks[p.sink],
            p.automations,
        )
    )
    return paths


def _all_paths(self: LineageGraph, source_sel, sink_sel, max_hops: int) -> list[FlowPath]:
    """Every path: one breadth-first walk per source over the integer index.

    A walk does not enter assets that no automation reads (unless they are sinks): no
    path goes on from them. Each walk visits nodes in graph order, so parents (and thus
    paths) are those a plain BFS over ``graph.g`` chooses.
    """
    index = flow_index(self)
    sinks = selected(self, sink_sel)
    sources = selected(self, source_sel)
    if not sinks or not sources:
        return []
    g, names = self.g, index.names
    reads, outs, reads_of, outs_of = index.reads, index.outs, index.reads_of, index.outs_of
    nodes = g._node
    is_sink = bytearray(len(names))
    for s in sinks:
        is_sink[s] = 1
    # per node, 0 until known: assets, 1 when a walk enters them (a sink, or read by a
    # live automation), else 2; automations, 1 when they write or call a sink, else 2
    state = bytearray(len(names))
    mark = [0] * len(names)  # == stamp: visited by the current walk
    parent = [0] * len(names)
    paths: list[FlowPath] = []
    hop_memo: dict[tuple[int, int, int], Hop] = {}
    keys = index.keys  # node keys, as hops need them
    succ = g._succ
    tails: dict[int, tuple[str, dict[str, Any]]] = {}
    new = tuple.__new__  # FlowPath(...) without the keyword-handling wrapper
    # the order of _compute, packed in one int per path as paths are made
    sink_place = {s: i for i, s in enumerate(sorted(sinks, key=names.__getitem__))}
    source_place = {s: i for i, s in enumerate(sorted(sources, key=names.__getitem__))}
    width = len(sinks)
    stride = len(sources) * width
    order: list[tuple[int, list[str], int]] = []
    for stamp, source in enumerate(sources, start=1):
        mark[source] = stamp
        frontier = [source]
        delivering = []  # automations reached that write or call a sink
        for depth in range(1, max_hops + 1):
            nxt = []
            for asset in frontier:
                readers = reads[asset]
                if readers is None:
                    readers = reads_of(asset)
                for auto in readers:
                    if mark[auto] == stamp:
                        continue
                    mark[auto] = stamp
                    parent[auto] = asset
                    written = outs[auto]
                    if written is None:
                        written = outs_of(auto)
                    delivers = state[auto]
                    if not delivers:
                        delivers = state[auto] = 1 if any(is_sink[o] for o in written) else 2
                    if delivers == 1:
                        delivering.append(auto)
                    if depth == max_hops:
                        continue  # the budget ends here: paths stop at this automation
                    for out in written:
                        if mark[out] == stamp:
                            continue
                        enter = state[out]
                        if not enter:
                            enter = state[out] = 1 if is_sink[out] or reads_of(out) else 2
                        if enter == 1:
                            mark[out] = stamp
                            parent[out] = auto
                            nxt.append(out)
            if not nxt:
                break
            frontier = nxt
        if not delivering:
            continue
        src = nodes[names[source]]
        source_key = node_key(names[source])
        classification, tags = src.get("classification"), tuple(src.get("tags", ()))
        rank = (TOP_RANK - CLASSIFICATION_RANK.get(classification or "", -1)) * (MAX_HOPS + 1)
        offset = source_place[source] * width
        # hops (and automation keys) from the source to an asset, shared by the paths
        # through it; built along parent links, without recursion or closures
        prefixes: dict[int, tuple[list[Hop], list[str]]] = {source: ([], [])}
        for auto in delivering:
            entry = parent[auto]
            found = prefixes.get(entry)
            if found is None:
                chain = []
                asset = entry
                while asset not in prefixes:
                    chain.append(asset)
                    asset = parent[parent[asset]]
                found = prefixes[asset]
                for asset in reversed(chain):
                    via = parent[asset]
                    key = (parent[via], via, asset)
                    h = hop_memo.get(key)
                    if h is None:
                        h = hop_memo[key] = _hop_ids(succ, names, keys, key[0], via, asset)
                    found = prefixes[asset] = ([*found[0], h], [*found[1], h.automation])
            hops, autos = found
            for out in outs[auto]:
                if not is_sink[out] or out == source:
                    continue
                tail = tails.get(out)
                if tail is None:
                    tail = tails[out] = (node_key(names[out]), _sink_attributes(nodes[names[out]]))
                key = (entry, auto, out)
                h = hop_memo.get(key)
                if h is None:
                    h = hop_memo[key] = _hop_ids(succ, names, keys, entry, auto, out)
                chain = [*autos, h.automation]
                place = (rank + len(chain)) * stride + offset + sink_place[out]
                order.append((place, chain, len(paths)))
                path = (source_key, tail[0], chain, [*hops, h], classification, [*tags], tail[1])
                paths.append(new(FlowPath, path))
    order.sort()
    return [paths[i] for _, _, i in order]


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
    parent, fwd_hops = _forward(g, dict.fromkeys(outs), max_hops - 1, self.retired, skip=through)
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
