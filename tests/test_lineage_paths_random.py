"""All-paths queries on random graphs equal a plain per-source BFS over the networkx graph.

``flow_paths`` walks an integer index (filled lazily, cached per graph version) and skips
assets no automation reads; the reference below is the plain walk: one BFS per source
over ``graph.g`` with parent links, every tainting edge, no shortcuts. Random graphs mix
masking reads and writes, retired automations, triggers, cycles, duplicate evidence
(a manual row overriding a masked declared one), sources that are also sinks, and every
hop budget.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from govern.lineage import LineageGraph
from govern.lineage.index import flow_index, selected
from govern.lineage.selectors import matcher, select

WHEN = datetime(2026, 1, 1, tzinfo=UTC)
CLASSES = (None, "public", "internal", "confidential", "restricted")
SELECTORS = (
    {"min_classification": "confidential"},
    {"classification": ["restricted"]},
    {"tags": ["pii"]},
    {"external": True},
    {"external": True, "approved": False},
    {"ai": True},
    {"kind": ["spreadsheet", "api"]},
    {},
)


def random_rows(rng: random.Random):
    n_assets, n_autos = rng.randint(3, 14), rng.randint(2, 12)
    assets = []
    for i in range(1, n_assets + 1):
        external = rng.random() < 0.3
        cls = rng.choice(CLASSES)
        assets.append(
            (
                i,
                f"https://svc{i}.example" if external else f"file://fs/a{i}.xlsx",
                "ns",
                f"a{i}",
                "",
                rng.choice(("api", "ai-service"))
                if external
                else rng.choice(("table", "spreadsheet")),
                cls,
                ["pii"] if rng.random() < 0.4 else [],
                external,
                rng.random() < 0.5,
                "openai" if external and rng.random() < 0.5 else None,
                None,
                False,
                WHEN,
            )
        )
    autos = [
        (
            i,
            f"ns/auto-{i}",
            "ns",
            f"auto-{i}",
            "",
            "python",
            None,
            None,
            "retired" if rng.random() < 0.1 else "active",
            "pending",
            "sandbox",
            "low",
            None,
            "registered",
            False,
            WHEN,
        )
        for i in range(1, n_autos + 1)
    ]
    access = []
    for aid in range(1, rng.randint(n_autos, 4 * n_autos) + 1):
        mode = rng.choice(("read", "read", "write", "call"))
        learned = rng.choice(("declared", "declared", "scanned", "manual"))
        access.append(
            (
                aid,
                rng.randint(1, n_autos),
                rng.randint(1, n_assets),
                mode,
                learned,
                rng.random() < 0.15,
                "",
                WHEN,
                WHEN,
            )
        )
    links = [
        (i, rng.randint(1, n_autos), rng.randint(1, n_autos), "triggers", "declared", WHEN, WHEN)
        for i in range(1, rng.randint(0, n_autos) + 1)
    ]
    return assets, autos, access, links


def reference_paths(graph: LineageGraph, source: dict, sink: dict, max_hops: int) -> list:
    """Plain BFS per source over graph.g: one path per (source, sink, delivering automation)."""
    g, retired = graph.g, graph.retired
    is_source, is_sink = matcher(source), matcher(sink)
    found = []
    for src in [n for n, attrs in g.nodes(data=True) if is_source(attrs)]:
        parent: dict[str, str | None] = {src: None}
        frontier = [src]
        for _ in range(max_hops):
            nxt = []
            for asset in frontier:
                for auto, rd in g.succ[asset].items():
                    if not rd["flow"] or auto in parent or auto in retired:
                        continue
                    parent[auto] = asset
                    for out, wd in g.succ[auto].items():
                        if wd["flow"] and out not in parent and out.startswith("asset:"):
                            parent[out] = auto
                            nxt.append(out)
            frontier = nxt
        for dst in parent:
            if dst == src or not dst.startswith("asset:") or not is_sink(g.nodes[dst]):
                continue
            for auto, wd in g.pred[dst].items():
                if not (wd["flow"] and auto in parent and auto.startswith("automation:")):
                    continue
                hops, out, node = [], dst, auto
                while node is not None:
                    asset = parent[node]
                    hops.append((node[11:], asset[6:], out[6:]))
                    out, node = asset, parent[asset]
                found.append((src[6:], dst[6:], tuple(reversed(hops))))
    return sorted(found)


def shape(paths) -> list:
    return sorted(
        (p.source, p.sink, tuple((h.automation, h.from_asset, h.to_asset) for h in p.hops))
        for p in paths
    )


@pytest.mark.parametrize("seed", range(60))
def test_all_paths_equal_a_plain_bfs_on_random_graphs(seed):
    rng = random.Random(seed)
    assets, autos, access, links = random_rows(rng)
    graph = LineageGraph.from_rows(assets=assets, automations=autos, accesses=access, links=links)
    for _ in range(6):
        source, sink = rng.choice(SELECTORS), rng.choice(SELECTORS)
        max_hops = rng.randint(1, 6)
        paths = graph.flow_paths(source=source, sink=sink, max_hops=max_hops)
        assert shape(paths) == reference_paths(graph, source, sink, max_hops)
        for path in paths:
            assert path.automations == [h.automation for h in path.hops]
            assert len(path.hops) <= max_hops
            for hop in path.hops:
                assert hop.read_evidence["mode"] == "read"
                assert hop.write_evidence["mode"] in ("write", "call")
                assert not hop.read_evidence["masking"] and not hop.write_evidence["masking"]


@pytest.mark.parametrize("seed", range(20))
def test_selections_match_the_matcher(seed):
    rng = random.Random(seed)
    assets, autos, access, links = random_rows(rng)
    graph = LineageGraph.from_rows(assets=assets, automations=autos, accesses=access, links=links)
    with graph.lock:
        index = flow_index(graph)
        for selector in SELECTORS:
            want = [index.ids[n] for n, a in graph.g.nodes(data=True) if matcher(selector)(a)]
            attrs = [graph.g.nodes[index.names[i]] for i in index.assets]
            assert select(index.assets, attrs, selector) == want
            assert selected(graph, selector) == want


def test_the_index_follows_changes():
    rng = random.Random(1)
    assets, autos, access, links = random_rows(rng)
    autos = [(*a[:8], "active", *a[9:]) for a in autos]
    graph = LineageGraph.from_rows(assets=assets, automations=autos, accesses=[], links=[])
    src, dst = {"keys": [assets[0][1]]}, {"keys": [assets[1][1]]}
    assert graph.flow_paths(source=src, sink=dst) == []
    graph.apply_access(
        [
            (1, 1, 1, "read", "declared", False, "", WHEN, WHEN),
            (2, 1, 2, "write", "declared", False, "", WHEN, WHEN),
        ]
    )
    (path,) = graph.flow_paths(source=src, sink=dst)
    assert path.automations == ["ns/auto-1"]
    graph.apply_automations([(*autos[0][:8], "retired", *autos[0][9:])])
    assert graph.flow_paths(source=src, sink=dst) == []


def _mutate(graph: LineageGraph, rng: random.Random, assets, autos, next_id: list[int]) -> None:
    """One random registry change, applied the way the sync applies deltas."""
    steps = ("access", "clear", "retire", "drop-asset", "drop-auto", "new", "rename", "classify")
    step = rng.choice(steps)
    if step == "access":
        rows = []
        for _ in range(rng.randint(1, 4)):
            next_id[0] += 1
            mode = rng.choice(("read", "write", "call"))
            auto, asset = rng.choice(autos)[0], rng.choice(assets)[0]
            masking = rng.random() < 0.2
            rows.append((next_id[0], auto, asset, mode, "manual", masking, "", WHEN, WHEN))
        graph.apply_access(rows)
    elif step == "clear":
        graph.clear_access([rng.choice(autos)[0]])
    elif step == "retire":
        row = rng.choice(autos)
        graph.apply_automations([(*row[:8], rng.choice(("retired", "active")), *row[9:])])
    elif step == "drop-asset" and len(assets) > 2:
        graph.remove_assets([assets.pop(rng.randrange(len(assets)))[0]])
    elif step == "drop-auto" and len(autos) > 2:
        graph.remove_automations([autos.pop(rng.randrange(len(autos)))[0]])
    elif step == "new":  # new nodes, several per change: ids must follow graph order
        next_id[0] += 3
        n = next_id[0]
        fresh = [
            (n + i, f"https://new{n + i}.example", "ns", f"n{n + i}", "", "api", "restricted",
             [], True, False, None, None, False, WHEN)
            for i in range(3)
        ]  # fmt: skip
        auto = (n, f"ns/new-{n}", *autos[0][2:8], "active", *autos[0][9:])
        assets.extend(fresh)
        autos.append(auto)
        graph.apply_assets(fresh)
        graph.apply_automations([auto])
    elif step == "classify":  # same node, new attributes: selections must follow
        i = rng.randrange(len(assets))
        row = list(assets[i])
        row[6], row[8] = rng.choice(CLASSES), not row[8]
        assets[i] = tuple(row)
        graph.apply_assets([assets[i]])
    elif step == "rename":
        i = rng.randrange(len(assets))
        assets[i] = (assets[i][0], f"file://fs/renamed{next_id[0]}.xlsx", *assets[i][2:])
        next_id[0] += 1
        graph.apply_assets([assets[i]])


@pytest.mark.parametrize("seed", range(40))
def test_the_kept_index_equals_a_fresh_one_after_every_change(seed):
    """The flow index survives changes (refreshed for the nodes they touched): after each
    random change, paths equal the plain BFS and those of a freshly built index."""
    rng = random.Random(seed)
    assets, autos, access, links = random_rows(rng)
    graph = LineageGraph.from_rows(assets=assets, automations=autos, accesses=access, links=links)
    with graph.lock:
        kept = flow_index(graph)
    next_id, refreshed = [1000], 0
    for _ in range(12):
        _mutate(graph, rng, assets, autos, next_id)
        source, sink = rng.choice(SELECTORS), rng.choice(SELECTORS)
        max_hops = rng.randint(1, 6)
        with graph.lock:
            current = flow_index(graph)
        if current is not kept:  # rebuilt: only once removals left too many tombstones
            assert kept.dead * 10 > len(kept.names)
            kept = current
        else:
            refreshed += 1
        paths = graph.flow_paths(source=source, sink=sink, max_hops=max_hops)
        assert shape(paths) == reference_paths(graph, source, sink, max_hops)
        with graph.lock:
            graph._cache.pop("flow-index")
            fresh = graph.flow_paths(source=source, sink=sink, max_hops=max_hops)
            kept_order = [kept.names[i] for i in kept.assets]
            rebuilt = flow_index(graph)
            assert kept_order == [rebuilt.names[i] for i in rebuilt.assets]
            graph._cache["flow-index"] = kept
        assert [p.as_dict() for p in paths] == [p.as_dict() for p in fresh]
    assert refreshed >= 6


def test_the_index_is_rebuilt_when_removals_pile_up():
    rng = random.Random(3)
    assets, autos, access, links = random_rows(rng)
    graph = LineageGraph.from_rows(assets=assets, automations=autos, accesses=access, links=links)
    with graph.lock:
        kept = flow_index(graph)
    graph.remove_assets([a[0] for a in assets[: len(assets) // 2 + 1]])
    with graph.lock:
        assert flow_index(graph) is not kept
    src = {"min_classification": "public"}
    paths = graph.flow_paths(source=src, sink={})
    assert shape(paths) == reference_paths(graph, src, {}, 6)
