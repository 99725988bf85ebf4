"""The taint-carrying edges as integer adjacency lists, kept across graph changes.

Path queries walk the same edges many times (once per source asset). Walking
networkx's dict-of-dicts means a string hash and an edge-dict lookup per step; here
every asset and automation gets an integer, and only the edges that carry taint are
kept, as plain lists of ints, in the graph's own adjacency order (so walks visit
nodes in the same order as a walk over ``graph.g`` would).

Kept: ``reads[asset]``, the live automations reading the asset over an unmasked edge,
and ``outs[automation]``, the assets a live automation writes or calls over an unmasked
edge. ``None`` means "not known yet": :meth:`FlowIndex.fill` computes every list (the
graph does this once it is built), :meth:`FlowIndex.reads_of` and ``outs_of`` one.

The graph tells the index which nodes each change touched (``refresh``): their lists go
back to ``None``, new nodes get the next ids, removed ones are left as tombstones. So a
change costs what it touched, not a rebuild of 400,000 nodes on the next query.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from govern.lineage.selectors import select, validate

if TYPE_CHECKING:
    from govern.lineage.graph import LineageGraph

_EMPTY: list[int] = []  # shared by every node without taint edges; never appended to


class FlowIndex:
    """Integer ids (``ids``/``names``) and taint adjacency (``reads``, ``outs``)."""

    __slots__ = (
        "names",
        "ids",
        "keys",
        "assets",
        "asset_attrs",
        "selections",
        "reads",
        "outs",
        "dead",
        "_g",
        "_retired",
    )

    def __init__(self, graph: LineageGraph) -> None:
        self.names = names = list(graph.g._node)
        self.ids = dict(zip(names, range(len(names)), strict=True))
        self.keys: list[str | None] = [None] * len(names)  # registry keys, as paths show them
        nodes = graph.g._node
        self.assets = [i for i, n in enumerate(names) if n[1] == "s"]  # for selections
        self.asset_attrs = [nodes[names[i]] for i in self.assets]  # updated in place
        self.selections: dict[str, list[int]] = {}  # kept until an asset changes
        self.reads: list[list[int] | None] = [None] * len(names)
        self.outs: list[list[int] | None] = [None] * len(names)
        self.dead = 0  # tombstones: ids of removed nodes
        self._g = graph.g
        self._retired = graph.retired

    def fill(self) -> FlowIndex:
        """Compute every list now, in one pass over the graph."""
        reads, outs = self.reads, self.outs
        for i, name in enumerate(self.names):
            if name[1] == "s":
                if reads[i] is None:
                    self.reads_of(i)
            elif name[1] == "u" and outs[i] is None:
                self.outs_of(i)
        return self

    def refresh(self, touched: set[str], assets_changed: bool) -> bool:
        """Forget the lists of ``touched`` nodes, index new ones, bury removed ones;
        selections go when any asset was added, removed or changed.

        False when the index should rather be rebuilt (too many tombstones).
        """
        if assets_changed:
            self.selections.clear()
        nodes, ids = self._g._node, self.ids
        fresh = set()
        buried = set()
        for name in touched:
            i = ids.get(name)
            if name in nodes:
                if i is not None:
                    self.reads[i] = self.outs[i] = None
                elif name[1] != "e":  # people are not part of the index
                    fresh.add(name)
            elif i is not None:
                del ids[name]
                self.reads[i] = self.outs[i] = _EMPTY
                self.dead += 1
                if name[1] == "s":
                    buried.add(i)
        if buried:
            pairs = zip(self.assets, self.asset_attrs, strict=True)
            kept = [(i, a) for i, a in pairs if i not in buried]
            self.assets = [i for i, _ in kept]
            self.asset_attrs = [a for _, a in kept]
        if fresh:
            self._append(fresh)
        return self.dead * 10 <= len(self.names)

    def _append(self, fresh: set[str]) -> None:
        """New nodes are at the end of the graph's node dict: index them in that order."""
        found = []
        for name in reversed(self._g._node):
            if name in fresh:
                found.append(name)
                if len(found) == len(fresh):
                    break
        for name in reversed(found):
            i = len(self.names)
            self.names.append(name)
            self.ids[name] = i
            self.keys.append(None)
            self.reads.append(None)
            self.outs.append(None)
            if name[1] == "s":
                self.assets.append(i)
                self.asset_attrs.append(self._g._node[name])

    def reads_of(self, asset: int) -> list[int]:
        """Live automations reading ``asset`` over an unmasked edge (in graph order)."""
        found = self.reads[asset]
        if found is None:
            ids, retired = self.ids, self._retired
            nbrs = self._g._succ[self.names[asset]]  # an asset's successors read it
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
                nbrs = self._g._succ[name]
                found = [ids[o] for o, d in nbrs.items() if d["flow"] and o[1] == "s"] or _EMPTY
            self.outs[auto] = found
        return found


def flow_index(graph: LineageGraph) -> FlowIndex:
    """The index of ``graph`` as it is now (built on first use, then kept up to date).

    Call with ``graph.lock`` held.
    """
    index = graph._cache.get("flow-index")
    if index is None:
        index = graph._cache["flow-index"] = FlowIndex(graph)
        graph._touched = set()  # from now on, each change tells the index what it touched
    return index


def selected(graph: LineageGraph, selector: dict[str, Any]) -> list[int]:
    """Index ids of the assets matching ``selector``, in graph order (kept by the index
    until an asset changes).

    Call with ``graph.lock`` held.
    """
    sel = validate(selector)
    key = repr(sorted(sel.items()))
    index = flow_index(graph)
    found = index.selections.get(key)
    if found is None:
        found = index.selections[key] = select(index.assets, index.asset_attrs, sel)
    return found
