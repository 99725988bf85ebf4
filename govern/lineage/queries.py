"""Graph queries: upstream/downstream walks, impact, orphans, duplicates, hubs.

Functions here become methods of ``LineageGraph`` (their first argument is the graph).
Walks follow data edges only (reads, writes, calls, triggers), never ownership, and
skip retired automations unless asked: a retired automation no longer moves data.
Depth counts edges: ``asset -> automation -> asset`` is depth 2.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from govern.lineage.evidence import RELATION
from govern.lineage.nodes import ASSET, AUTOMATION, PERSON, node_key, parse_node
from govern.registry.automations import NotFound

if TYPE_CHECKING:
    from govern.lineage.graph import LineageGraph

DEFAULT_DEPTH = 3
MAX_DEPTH = 10
IMPACT_DEPTH = MAX_DEPTH
DIRECTIONS = ("up", "down", "both")


def resolve(self: LineageGraph, node: str) -> str:
    """The typed node id for user input; NotFound (404) when the graph has no such node."""
    try:
        node_id = parse_node(node)
    except ValueError as exc:
        raise NotFound(str(exc)) from None
    if node_id not in self.g._node:
        raise NotFound(f"{node_id} is not in the lineage graph; check the key or register it")
    return node_id


def _walk(
    self: LineageGraph, start: str, direction: str, depth: int, include_retired: bool = False
) -> dict[str, int]:
    """Breadth-first walk; returns node -> distance (the start excluded)."""
    adj = self.g._succ if direction == "down" else self.g._pred
    skip = set() if include_retired else self.retired
    seen = {start: 0}
    frontier = [start]
    for dist in range(1, depth + 1):
        nxt = []
        for u in frontier:
            for v in adj[u]:
                # node ids start with a(sset|utomation) or p(erson); people are not data
                if v in seen or v[0] == "p" or v in skip:
                    continue
                seen[v] = dist
                nxt.append(v)
        if not nxt:
            break
        frontier = nxt
    del seen[start]
    return seen


def _check_depth(depth: int, maximum: int = MAX_DEPTH) -> int:
    if not isinstance(depth, int) or depth < 1 or depth > maximum:
        raise ValueError(f"depth must be between 1 and {maximum}; got {depth!r}")
    return depth


def upstream(self: LineageGraph, node: str, depth: int = DEFAULT_DEPTH) -> set[str]:
    """Node ids that feed ``node`` within ``depth`` edges."""
    _check_depth(depth)
    with self.lock:
        return set(_walk(self, resolve(self, node), "up", depth))


def downstream(self: LineageGraph, node: str, depth: int = DEFAULT_DEPTH) -> set[str]:
    """Node ids that ``node`` feeds within ``depth`` edges."""
    _check_depth(depth)
    with self.lock:
        return set(_walk(self, resolve(self, node), "down", depth))


def node_info(self: LineageGraph, node: str) -> dict[str, Any]:
    """The public attributes of one node."""
    with self.lock:
        node_id = resolve(self, node)
        attrs = dict(self.g._node[node_id])
    attrs.pop("rank", None)
    attrs.pop("id", None)
    if "tags" in attrs:
        attrs["tags"] = list(attrs["tags"])
    return {"id": node_id, **attrs}


def edge_dict(u: str, v: str, data: dict) -> dict[str, Any]:
    """One edge as the API shows it: relation(s) and the evidence rows behind it."""
    if "owns" in data:
        return {"source": u, "target": v, "relation": "owns", "roles": list(data["owns"])}
    relations, evidence = [], []
    for mode in ("read", "write", "call", "triggers"):
        for ev in data.get(mode, ()):
            if RELATION[mode] not in relations:
                relations.append(RELATION[mode])
            evidence.append(ev.as_dict())
    return {
        "source": u,
        "target": v,
        "relation": relations[0] if relations else "unknown",
        "relations": relations,
        "flow": bool(data.get("flow")),
        "evidence": evidence,
    }


def neighbourhood(
    self: LineageGraph,
    node: str,
    direction: str = "both",
    depth: int = DEFAULT_DEPTH,
    *,
    include_retired: bool = False,
) -> dict[str, Any]:
    """The subgraph around ``node``: nodes with their distance, edges with evidence, owners."""
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}; got {direction!r}")
    _check_depth(depth)
    with self.lock:
        root = resolve(self, node)
        dist: dict[str, int] = {root: 0}
        if direction in ("up", "both"):
            for n, d in _walk(self, root, "up", depth, include_retired).items():
                dist[n] = -d
        if direction in ("down", "both"):
            dist.update(_walk(self, root, "down", depth, include_retired))
        people: set[str] = set()
        for n in list(dist):
            if n.startswith("automation:"):
                people.update(p for p in self.g._pred[n] if p.startswith("person:"))
        members = set(dist) | people
        nodes = []
        for n in sorted(members, key=lambda x: (dist.get(x, 0), x)):
            info = dict(self.g._node[n])
            info.pop("rank", None)
            info.pop("id", None)
            if "tags" in info:
                info["tags"] = list(info["tags"])
            nodes.append({"id": n, "distance": dist.get(n), **info})
        edges = []
        for u in sorted(members):
            for v, data in self.g._succ[u].items():
                if v in members and (u in dist or v in dist):
                    edges.append(edge_dict(u, v, data))
    return {"root": root, "direction": direction, "depth": depth, "nodes": nodes, "edges": edges}


def impact(self: LineageGraph, node: str) -> dict[str, Any]:
    """Blast radius: what breaks or goes stale if asset X changes or automation Y stops.

    Everything downstream (bounded at ``IMPACT_DEPTH`` edges), and the people to tell:
    owners and backup owners of the affected automations and owners of affected assets.
    ``size`` is the number of affected automations (what ``blast_radius_size`` returns).
    """
    with self.lock:
        root = resolve(self, node)
        cached = self._cache.get(("impact", root))
        if cached is not None:
            return cached
        reached = _walk(self, root, "down", IMPACT_DEPTH)
        nodes = self.g._node
        automations = sorted(node_key(n) for n in reached if n.startswith("automation:"))
        assets = sorted(node_key(n) for n in reached if n.startswith("asset:"))
        people: set[str] = set()
        for n in reached:
            attrs = nodes[n]
            for field in ("owner", "backup_owner"):
                if attrs.get(field):
                    people.add(attrs[field].lower())
        result = {
            "node": root,
            "automations": automations,
            "assets": assets,
            "people": sorted(people),
            "size": len(automations),
        }
        self._cache[("impact", root)] = result
        return result


def blast_radius_size(self: LineageGraph, automation_key: str) -> int:
    """How many automations depend, directly or not, on what this one does (0 when unknown)."""
    node = automation_key if ":" in automation_key else f"automation:{automation_key}"
    with self.lock:
        if node not in self.g._node:
            return 0
        return impact(self, node)["size"]


def orphans(self: LineageGraph) -> list[dict[str, Any]]:
    """Active automations whose owner is unknown to the directory or no longer active."""
    found = []
    with self.lock:
        for n, attrs in self.g._node.items():
            if attrs.get("type") != AUTOMATION or attrs.get("lifecycle") == "retired":
                continue
            owner = attrs.get("owner")
            reason = None
            if not owner:
                reason = "no-owner"
            else:
                person = self.g._node.get(f"person:{owner.lower()}", {})
                if not person.get("known"):
                    reason = "owner-unknown"
                elif not person.get("active"):
                    reason = "owner-inactive"
            if reason is None:
                continue
            backup = attrs.get("backup_owner")
            backup_person = self.g._node.get(f"person:{backup.lower()}", {}) if backup else {}
            found.append(
                {
                    "automation": attrs["key"],
                    "owner": owner,
                    "reason": reason,
                    "backup_owner": backup,
                    "backup_active": bool(
                        backup_person.get("known") and backup_person.get("active")
                    ),
                    "blast_radius": impact(self, n)["size"],
                }
            )
    return sorted(found, key=lambda o: (-o["blast_radius"], o["automation"]))


def consolidation_candidates(self: LineageGraph) -> list[dict[str, Any]]:
    """Groups of live automations that look like the same work done more than once."""
    by_fingerprint: dict[str, list[str]] = defaultdict(list)
    by_io: dict[tuple, list[str]] = defaultdict(list)
    with self.lock:
        for n, attrs in self.g._node.items():
            if attrs.get("type") != AUTOMATION or attrs.get("lifecycle") == "retired":
                continue
            if attrs.get("fingerprint"):
                by_fingerprint[attrs["fingerprint"]].append(attrs["key"])
            inputs = tuple(sorted(node_key(p) for p in self.g._pred[n] if p.startswith("asset:")))
            outputs = tuple(sorted(node_key(s) for s in self.g._succ[n] if s.startswith("asset:")))
            if inputs and outputs:
                by_io[(inputs, outputs)].append(attrs["key"])
    groups: list[dict[str, Any]] = []
    seen: set[tuple[str, ...]] = set()
    for fingerprint, keys in sorted(by_fingerprint.items()):
        if len(keys) > 1:
            members = tuple(sorted(keys))
            seen.add(members)
            groups.append(
                {"reason": "same-fingerprint", "fingerprint": fingerprint, "automations": members}
            )
    for (inputs, outputs), keys in sorted(by_io.items()):
        members = tuple(sorted(keys))
        if len(members) > 1 and members not in seen:
            groups.append(
                {
                    "reason": "same-inputs-outputs",
                    "inputs": list(inputs),
                    "outputs": list(outputs),
                    "automations": members,
                }
            )
    for group in groups:
        group["automations"] = list(group["automations"])
    return groups


def most_depended_upon(self: LineageGraph, limit: int = 10) -> list[dict[str, Any]]:
    """Nodes the most live automations depend on directly.

    An asset's dependents are the automations that read it; an automation's are the
    automations that read what it writes or that it triggers.
    """
    ranked = []
    with self.lock:
        nodes, succ = self.g._node, self.g._succ
        for n, attrs in nodes.items():
            kind = attrs.get("type")
            if kind == ASSET:
                deps = {v for v in succ[n] if nodes[v].get("lifecycle") != "retired"}
            elif kind == AUTOMATION and attrs.get("lifecycle") != "retired":
                deps = set()
                for v in succ[n]:
                    if v.startswith("automation:"):
                        deps.add(v)
                    else:
                        deps.update(w for w in succ[v] if w.startswith("automation:"))
                deps.discard(n)
                deps = {d for d in deps if nodes[d].get("lifecycle") != "retired"}
            else:
                continue
            if deps:
                ranked.append((len(deps), n, kind))
    ranked.sort(key=lambda r: (-r[0], r[1]))
    return [
        {
            "node": n,
            "type": kind,
            "key": node_key(n),
            "label": self.g._node[n].get("label", node_key(n)),
            "dependents": count,
        }
        for count, n, kind in ranked[: max(limit, 0)]
    ]


__all__ = [
    "DEFAULT_DEPTH",
    "MAX_DEPTH",
    "PERSON",
    "blast_radius_size",
    "consolidation_candidates",
    "downstream",
    "impact",
    "most_depended_upon",
    "neighbourhood",
    "node_info",
    "orphans",
    "resolve",
    "upstream",
]
