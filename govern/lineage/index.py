"""The taint-carrying edges as integer adjacency lists, built once per graph version.

Path queries walk the same edges many times (once per source asset). Walking
networkx's dict-of-dicts means a string hash and an edge-dict lookup per step; here
every asset and automation gets an integer, and only the edges that carry taint are
kept, as plain lists of ints, in the graph's own adjacency order (so walks visit
nodes in the same order as a walk over ``graph.g`` would).

Kept: ``reads[asset]``, the live automations reading the asset over an unmasked edge,
and ``outs[automation]``, the assets a live automation writes or calls over an unmasked
edge. Both are filled on first use (``None`` until then): a query over a large
inventory touches a fraction of the nodes, so it pays for those only, once per version.

The index lives in the graph's query cache, which every change clears.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from govern.lineage.selectors import select, validate

if TYPE_CHECKING:
    from govern.lineage.graph import LineageGraph

_EMPTY: list[int] = []  # shared by every node without taint edges; never appended to


class FlowIndex:
    """Integer ids (``ids``/``names``) and taint adjacency (``reads``, ``outs``), lazily."""

    __slots__ = ("names", "ids", "assets", "reads", "outs", "_succ", "_retired")

    def __init__(self, graph: LineageGraph) -> None:
        self.names = names = list(graph.g._node)
        self.ids = dict(zip(names, range(len(names)), strict=True))
        self.assets = [i for i, n in enumerate(names) if n[1] == "s"]  # for selections
        self.reads: list[list[int] | None] = [None] * len(names)
        self.outs: list[list[int] | None] = [None] * len(names)
        self._succ = graph.g._succ
        self._retired = graph.retired

    def reads_of(self, asset: int) -> list[int]:
        """Live automations reading ``asset`` over an unmasked edge (in graph order)."""
        found = self.reads[asset]
        if found is None:
            ids, retired = self.ids, self._retired
            nbrs = self._succ[self.names[asset]]  # an asset's successors read it
            if not nbrs:
                found = _EMPTY
            elif retired:
                found = [ids[a] for a, d in nbrs.items() if d["flow"] and a not in retired]
            else:
                found = [ids[a] for a, d in nbrs.items() if d["flow"]]
            self.reads[asset] = found
        return found

    def outs_of(self, auto: int) -> list[int]:
        """Assets a live automation writes or calls over an unmasked edge (in graph order)."""
        found = self.outs[auto]
        if found is None:
            name = self.names[auto]
            if name in self._retired:
                found = _EMPTY
            else:
                ids = self.ids
                nbrs = self._succ[name]
                found = [ids[o] for o, d in nbrs.items() if d["flow"] and o[1] == "s"] or _EMPTY
            self.outs[auto] = found
        return found


def flow_index(graph: LineageGraph) -> FlowIndex:
    """The index of ``graph`` as it is now (built on first use after each change).

    Call with ``graph.lock`` held.
    """
    index = graph._cache.get("flow-index")
    if index is None:
        index = graph._cache["flow-index"] = FlowIndex(graph)
    return index


def selected(graph: LineageGraph, selector: dict[str, Any]) -> list[int]:
    """Index ids of the assets matching ``selector``, in graph order (cached per version).

    Call with ``graph.lock`` held.
    """
    sel = validate(selector)
    key = ("selected", repr(sorted(sel.items())))
    found = graph._cache.get(key)
    if found is None:
        index = flow_index(graph)
        nodes, names = graph.g._node, index.names
        found = select(index.assets, [nodes[names[i]] for i in index.assets], sel)
        graph._cache[key] = found
    return found
