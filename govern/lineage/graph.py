"""The lineage graph: a networkx DiGraph whose edges point the way data flows.

Edges: ``asset -> automation`` (reads), ``automation -> asset`` (writes, calls),
``automation -> automation`` (triggers) and ``person -> automation`` (owns). Each edge
keeps, per access mode, the evidence rows behind it (how it was learned, when it was
first and last seen, masking), so a path can show why it exists.

This module only holds the structure and the row-level mutations; queries live in
``queries`` and ``flows``, loading from the database in ``sync``.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterable
from typing import Any

import networkx as nx

from govern import gc_pause
from govern.lineage.evidence import DATA_MODES, OUT_MODES, Evidence, flows
from govern.lineage.nodes import (
    ASSET,
    AUTOMATION,
    PERSON,
    asset_node,
    automation_node,
    person_node,
)
from govern.registry.models.vocab import CLASSIFICATION_RANK

_intern = sys.intern


class LineageGraph:
    """Typed nodes and evidence-carrying edges, changed row by row, read under one lock."""

    def __init__(self) -> None:
        self.g = nx.DiGraph()
        self.lock = threading.RLock()
        self.version = 0
        self.auto_by_id: dict[int, str] = {}
        self.asset_by_id: dict[int, str] = {}
        self.person_by_id: dict[int, str] = {}
        self.access_tally: dict[int, list[int]] = {}
        self.link_tally: dict[int, list[int]] = {}
        self.retired: set[str] = set()  # retired automations move no data; walks skip them
        self.sync: Any = None  # set by govern.lineage.sync when kept up to date
        self._cache: dict[Any, Any] = {}
        # nodes whose taint edges, retirement or existence changed since the last
        # ``changed()``; None while no flow index is kept (nothing to tell)
        self._touched: set[str] | None = None
        self._assets_changed = False  # since the last ``changed()``: selections are stale

    # -- construction -------------------------------------------------------

    @classmethod
    def build(cls, session) -> LineageGraph:
        """The whole registry as a graph, read inside the caller's session."""
        from govern.lineage.sync import load_all

        graph = cls()
        load_all(graph, session)
        return graph

    from_session = build

    @classmethod
    def from_rows(
        cls,
        *,
        people: Iterable = (),
        assets: Iterable = (),
        automations: Iterable = (),
        accesses: Iterable = (),
        links: Iterable = (),
        index: bool = True,
    ) -> LineageGraph:
        """Build from row tuples in ``govern.lineage.rows`` column order.

        ``index``: build the flow index now (what path queries walk); a small graph
        queried a few times can leave it to the first query.
        """
        graph = cls()
        with gc_pause.paused():
            graph.apply_people(people)
            graph.apply_assets(assets)
            graph.apply_automations(automations)
            graph.apply_access(accesses)
            graph.apply_links(links)
            if index:
                graph.index_flows()
        return graph

    def index_flows(self) -> None:
        """Build the flow index now (once the graph is loaded) and keep it across changes."""
        from govern.lineage.index import flow_index

        with self.lock:
            flow_index(self).fill()

    def changed(self) -> None:
        """Drop what queries cached; the flow index is kept, told what was touched."""
        self.version += 1
        index = self._cache.get("flow-index")
        self._cache.clear()
        touched, assets_changed = self._touched, self._assets_changed
        self._assets_changed = False
        if index is not None and touched is not None and index.refresh(touched, assets_changed):
            self._cache["flow-index"] = index
            touched.clear()
        else:
            self._touched = None

    def _touch(self, *nodes: str) -> None:
        if self._touched is not None:
            self._touched.update(nodes)

    # -- nodes --------------------------------------------------------------

    def apply_people(self, rows: Iterable) -> None:
        nodes = self.g._node
        for pid, email, name, department, active, _updated in rows:
            node = person_node(email)
            old = self.person_by_id.get(pid)
            if old is not None and old != node:
                self._forget_person(old)
            attrs = nodes.get(node)
            if attrs is None:
                self.g.add_node(node)
                attrs = nodes[node]
            attrs.update(
                type=PERSON,
                key=email.lower(),
                label=name or email,
                department=department or "",
                active=bool(active),
                known=True,
            )
            self.person_by_id[pid] = node
        self.changed()

    def _ensure_person(self, email: str) -> str:
        node = person_node(email)
        if node not in self.g._node:
            self.g.add_node(
                node,
                type=PERSON,
                key=email.lower(),
                label=email.lower(),
                department="",
                active=None,
                known=False,
            )
        return node

    def _forget_person(self, node: str) -> None:
        if node not in self.g._node:
            return
        if self.g._succ[node]:
            self.g._node[node].update(known=False, active=None, label=node.partition(":")[2])
        else:
            self.g.remove_node(node)

    def remove_people(self, ids: Iterable[int]) -> None:
        for pid in ids:
            node = self.person_by_id.pop(pid, None)
            if node is not None:
                self._forget_person(node)
        self.changed()

    def apply_assets(self, rows: Iterable) -> None:
        nodes = self.g._node
        add = self.g.add_node
        for (
            aid,
            key,
            namespace,
            name,
            title,
            kind,
            classification,
            tags,
            external,
            approved,
            ai_provider,
            owner,
            system_of_record,
            _updated,
        ) in rows:
            node = asset_node(key)
            old = self.asset_by_id.get(aid)
            if old is not None and old != node:
                self._remove_asset_node(old)
            self._assets_changed = True
            attrs = nodes.get(node)
            if attrs is None:
                add(node)
                attrs = nodes[node]
                self._touch(node)
            attrs.update(
                type=ASSET,
                key=key,
                namespace=namespace,
                name=name or "",
                label=title or key,
                kind=_intern(kind or "other"),
                classification=classification,
                rank=CLASSIFICATION_RANK.get(classification, -1) if classification else -1,
                tags=tuple(tags or ()),
                external=bool(external),
                approved=bool(approved),
                ai_provider=ai_provider,
                owner=owner,
                system_of_record=bool(system_of_record),
            )
            self.asset_by_id[aid] = node
        self.changed()

    def remove_assets(self, ids: Iterable[int]) -> None:
        for aid in ids:
            node = self.asset_by_id.pop(aid, None)
            if node is not None:
                self._remove_asset_node(node)
        self.changed()

    def _remove_asset_node(self, node: str) -> None:
        if node not in self.g._node:
            return
        self._touch(node, *self.g._pred[node], *self.g._succ[node])
        self._assets_changed = True
        for auto, data in list(self.g._pred[node].items()):
            self._untally(auto, data)
        for auto, data in list(self.g._succ[node].items()):
            self._untally(auto, data)
        self.g.remove_node(node)

    def _untally(self, auto_node: str, data: dict) -> None:
        auto_id = self.g._node.get(auto_node, {}).get("id")
        tally = self.access_tally.get(auto_id)
        if tally is None:
            return
        for mode in DATA_MODES:
            for ev in data.get(mode, ()):
                tally[0] -= 1
                tally[1] -= ev.id

    def apply_automations(self, rows: Iterable) -> None:
        nodes = self.g._node
        for (
            aid,
            key,
            namespace,
            name,
            title,
            platform,
            owner,
            backup,
            lifecycle,
            review_state,
            track,
            criticality,
            fingerprint,
            reconciliation,
            uses_ai,
            _updated,
        ) in rows:
            node = automation_node(key)
            old = self.auto_by_id.get(aid)
            if old is not None and old != node:
                self._remove_automation_node(aid, old)
            attrs = nodes.get(node)
            if attrs is None:
                self.g.add_node(node)
                attrs = nodes[node]
                self.access_tally.setdefault(aid, [0, 0])
                self.link_tally.setdefault(aid, [0, 0])
                self._touch(node)
            attrs.update(
                type=AUTOMATION,
                id=aid,
                key=key,
                namespace=namespace,
                name=name,
                label=title or key,
                platform=_intern(platform),
                owner=owner,
                backup_owner=backup,
                lifecycle=_intern(lifecycle),
                review_state=review_state,
                track=track,
                criticality=criticality,
                fingerprint=fingerprint,
                reconciliation_state=reconciliation,
                uses_ai=bool(uses_ai),
            )
            self.auto_by_id[aid] = node
            if (lifecycle == "retired") != (node in self.retired):
                # what reads through it (and what it writes) flows differently now
                self._touch(node, *self.g._pred[node])
            if lifecycle == "retired":
                self.retired.add(node)
            else:
                self.retired.discard(node)
            self._set_owners(node, owner, backup)
        self.changed()

    def _set_owners(self, node: str, owner: str | None, backup: str | None) -> None:
        pred = self.g._pred[node]
        for other in [p for p in pred if p.startswith("person:")]:
            self.g.remove_edge(other, node)
        roles: dict[str, tuple[str, ...]] = {}
        if owner:
            roles[self._ensure_person(owner)] = ("owner",)
        if backup:
            person = self._ensure_person(backup)
            roles[person] = roles.get(person, ()) + ("backup",)
        for person, role in roles.items():
            self.g.add_edge(person, node, owns=role, flow=False)

    def remove_automations(self, ids: Iterable[int]) -> None:
        for aid in ids:
            node = self.auto_by_id.pop(aid, None)
            if node is not None:
                self._remove_automation_node(aid, node)
        self.changed()

    def _remove_automation_node(self, aid: int, node: str) -> None:
        self.retired.discard(node)
        if node in self.g._node:
            self._touch(node, *self.g._pred[node], *self.g._succ[node])
            for src, data in self.g._pred[node].items():
                if "triggers" in data:
                    src_id = self.g._node[src].get("id")
                    tally = self.link_tally.get(src_id)
                    if tally is not None:
                        for ev in data["triggers"]:
                            tally[0] -= 1
                            tally[1] -= ev.id
            self.g.remove_node(node)
        self.access_tally.pop(aid, None)
        self.link_tally.pop(aid, None)

    # -- edges --------------------------------------------------------------

    def apply_access(self, rows: Iterable) -> None:
        """Add or update edges from Access rows; rows for unknown nodes are skipped."""
        autos, assets = self.auto_by_id, self.asset_by_id
        succ, pred = self.g._succ, self.g._pred
        tallies = self.access_tally
        touched = self._touched
        for aid, auto_id, asset_id, mode, learned, masking, purpose, first, last in rows:
            auto = autos.get(auto_id)
            asset = assets.get(asset_id)
            if auto is None or asset is None:
                continue
            mode = _intern(mode)
            if mode == "read":
                u, v = asset, auto
            else:
                u, v = auto, asset
            ev = Evidence(aid, mode, _intern(learned), bool(masking), purpose or "", first, last)
            if touched is not None:
                touched.add(u)
                touched.add(v)
            tally = tallies.get(auto_id)
            if tally is None:
                tally = tallies[auto_id] = [0, 0]
            tally[0] += 1
            tally[1] += aid
            data = succ[u].get(v)
            if data is None:  # the common case: a new edge with one piece of evidence
                data = {mode: (ev,), "flow": not ev.masking}
                succ[u][v] = data
                pred[v][u] = data
                continue
            old = data.get(mode)
            if old is None:
                data[mode] = (ev,)
            else:
                kept = tuple(e for e in old if e.learned != ev.learned and e.id != aid)
                for gone in old:
                    if gone not in kept:
                        tally[0] -= 1
                        tally[1] -= gone.id
                data[mode] = kept + (ev,)
            data["flow"] = flows(data)
        self.changed()

    def clear_access(self, auto_ids: Iterable[int]) -> None:
        """Drop every access edge of these automations (before reloading them)."""
        for auto_id in auto_ids:
            node = self.auto_by_id.get(auto_id)
            self.access_tally[auto_id] = [0, 0]
            if node is None:
                continue
            for other in [o for o in self.g._succ[node] if o.startswith("asset:")]:
                self._drop_modes(node, other, OUT_MODES)
            for other in [o for o in self.g._pred[node] if o.startswith("asset:")]:
                self._drop_modes(other, node, ("read",))
        self.changed()

    def _drop_modes(self, u: str, v: str, modes: tuple[str, ...]) -> None:
        self._touch(u, v)
        data = self.g._succ[u][v]
        for mode in modes:
            data.pop(mode, None)
        if any(m in data for m in DATA_MODES):
            data["flow"] = flows(data)
        else:
            self.g.remove_edge(u, v)

    def apply_links(self, rows: Iterable) -> None:
        autos = self.auto_by_id
        for lid, source_id, target_id, kind, learned, first, last in rows:
            u, v = autos.get(source_id), autos.get(target_id)
            if u is None or v is None:
                continue
            data = self.g._succ[u].get(v)
            if data is None:
                self.g.add_edge(u, v, flow=False)
                data = self.g._succ[u][v]
            ev = Evidence(
                lid, _intern(kind or "triggers"), _intern(learned), False, "", first, last
            )
            old = data.get("triggers", ())
            kept = tuple(e for e in old if e.learned != ev.learned and e.id != lid)
            tally = self.link_tally.setdefault(source_id, [0, 0])
            for gone in old:
                if gone not in kept:
                    tally[0] -= 1
                    tally[1] -= gone.id
            data["triggers"] = kept + (ev,)
            tally[0] += 1
            tally[1] += lid
        self.changed()

    def clear_links(self, source_ids: Iterable[int]) -> None:
        for source_id in source_ids:
            node = self.auto_by_id.get(source_id)
            self.link_tally[source_id] = [0, 0]
            if node is None:
                continue
            for other, data in list(self.g._succ[node].items()):
                if "triggers" in data:
                    self.g.remove_edge(node, other)
        self.changed()

    # -- small reads ----------------------------------------------------------

    def counts(self) -> dict[str, int]:
        with self.lock:
            return {
                "automation": len(self.auto_by_id),
                "asset": len(self.asset_by_id),
                "person": len(self.person_by_id),
                "access": sum(t[0] for t in self.access_tally.values()),
                "link": sum(t[0] for t in self.link_tally.values()),
                "nodes": self.g.number_of_nodes(),
                "edges": self.g.number_of_edges(),
            }

    def __contains__(self, node: str) -> bool:
        return node in self.g._node

    # Queries are defined in their own modules and attached below.
    from govern.lineage.export import graphml, node_link, openlineage_events  # noqa: E402
    from govern.lineage.flows import flow_paths  # noqa: E402
    from govern.lineage.queries import (  # noqa: E402
        blast_radius_size,
        consolidation_candidates,
        downstream,
        impact,
        most_depended_upon,
        neighbourhood,
        node_info,
        orphans,
        resolve,
        upstream,
    )
