"""Lineage benchmark: build, neighbourhood queries and sensitive paths at enterprise scale.

One command:  .venv/bin/python benchmarks/lineage.py          (100k automations, 300k assets,
              .venv/bin/python benchmarks/lineage.py --quick  1M edges; --quick is small)

The synthetic inventory is layered like a real one: systems of record (10% of assets, some
restricted) are read by many automations; automations write spreadsheets and files that a
few other automations read again; some call external SaaS and AI services (half of them
approved); 2% of reads are declared masking; 5% of edges are automation triggers.

The graph is built from in-memory rows with the same code path the registry loader uses
after fetching rows (``LineageGraph.from_rows``). The floor is a plain dict-of-lists
adjacency built from the same rows, queried with a plain BFS (same depth, same taint
rule), measured in the same run; ratios are graph / floor. A smaller SQLite database is
also loaded for real (``LineageGraph.build``) and the per-request change check timed.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import host

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from govern.lineage import LineageGraph  # noqa: E402

CLASSES = (("restricted", 0.10), ("confidential", 0.30), ("internal", 0.40), ("public", 0.20))
PLATFORMS = ("python", "vba", "power-automate", "n8n", "notebook", "powershell", "zapier")
DEPARTMENTS = 40


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def synthetic(automations: int, assets: int, edges: int, seed: int = 7):
    """Row tuples in ``govern.lineage.rows`` column order."""
    rng = random.Random(seed)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    n_sources = assets // 10
    n_external = assets // 20
    n_inter = assets - n_sources - n_external
    people = [
        (
            i + 1,
            f"p{i}@corp.example",
            f"Person {i}",
            f"d{i % DEPARTMENTS}",
            i % 25 != 0,
            base + timedelta(seconds=i),
        )
        for i in range(max(automations // 20, 10))
    ]
    asset_rows = []
    classes = [c for c, _ in CLASSES]
    weights = [w for _, w in CLASSES]
    for i in range(assets):
        aid = i + 1
        if i < n_sources:
            key = f"postgres://db{i % 300}:5432/app.public.t{i}"
            cls = rng.choices(classes, weights)[0]
            row = (
                aid,
                key,
                key.rsplit("/", 1)[0],
                key.rsplit("/", 1)[1],
                "",
                "table",
                cls,
                ["pii"] if cls == "restricted" else [],
                False,
                False,
                None,
                None,
                True,
                base + timedelta(seconds=aid),
            )
        elif i < n_sources + n_inter:
            key = f"file://fs{i % 50}/share/d{i % DEPARTMENTS}/f{i}.xlsx"
            row = (
                aid,
                key,
                f"file://fs{i % 50}",
                key.split("/", 3)[3],
                "",
                "spreadsheet",
                None,
                [],
                False,
                False,
                None,
                None,
                False,
                base + timedelta(seconds=aid),
            )
        else:
            ai = i % 10 == 0
            host = f"api{i}.ai-vendor{i % 200}.com" if ai else f"api{i}.saas{i % 500}.com"
            key = f"https://{host}"
            row = (
                aid,
                key,
                key,
                "",
                "",
                "ai-service" if ai else "api",
                None,
                [],
                True,
                i % 2 == 0,
                "openai" if ai else None,
                None,
                False,
                base + timedelta(seconds=aid),
            )
        asset_rows.append(row)
    auto_rows = []
    for i in range(automations):
        dept = i % DEPARTMENTS
        owner = people[rng.randrange(len(people))][1]
        auto_rows.append(
            (
                i + 1,
                f"d{dept}/auto-{i}",
                f"d{dept}",
                f"auto-{i}",
                "",
                PLATFORMS[i % len(PLATFORMS)],
                owner,
                None,
                "active",
                "pending",
                "sandbox",
                "low",
                f"fp{i // 2}" if i % 97 == 0 else None,
                "registered",
                False,
                base + timedelta(seconds=i),
            )
        )
    n_links = edges // 20
    n_access = edges - n_links
    access = []
    aid = 0
    seen = set()
    src_hi, inter_lo, inter_hi, ext_lo = (
        n_sources,
        n_sources,
        n_sources + n_inter,
        n_sources + n_inter,
    )
    while len(access) < n_access:
        auto = rng.randrange(automations) + 1
        roll = rng.random()
        if roll < 0.36:
            mode, asset = "read", rng.randrange(src_hi) + 1
        elif roll < 0.42:
            mode, asset = "read", rng.randrange(inter_lo, inter_hi) + 1
        elif roll < 0.88:
            mode, asset = "write", rng.randrange(inter_lo, inter_hi) + 1
        else:
            mode, asset = "call", rng.randrange(ext_lo, assets) + 1
        if (auto, asset, mode) in seen:
            continue
        seen.add((auto, asset, mode))
        aid += 1
        when = base + timedelta(seconds=aid)
        masking = mode == "read" and rng.random() < 0.02
        access.append(
            (aid, auto, asset, mode, "declared" if aid % 4 else "scanned", masking, "", when, when)
        )
    links = []
    pairs = set()
    while len(links) < n_links:
        src = rng.randrange(automations)
        dst = (src + DEPARTMENTS * rng.randrange(1, 50)) % automations
        if src == dst or (src, dst) in pairs:
            continue
        pairs.add((src, dst))
        lid = len(links) + 1
        when = base + timedelta(seconds=lid)
        links.append((lid, src + 1, dst + 1, "triggers", "declared", when, when))
    return people, asset_rows, auto_rows, access, links


# -- the floor: dict of lists, plain BFS ------------------------------------------------


def floor_build(assets, automations, access, links):
    succ: dict[str, list[str]] = {}
    taint: dict[str, list[str]] = {}
    into: dict[str, list[str]] = {}  # asset -> automations writing or calling it, unmasked
    asset_key = {r[0]: "asset:" + r[1] for r in assets}
    auto_key = {r[0]: "automation:" + r[1] for r in automations}
    for _id, auto, asset, mode, _l, masking, _p, _f, _t in access:
        a, s = auto_key[auto], asset_key[asset]
        u, v = (s, a) if mode == "read" else (a, s)
        succ.setdefault(u, []).append(v)
        if not masking:
            taint.setdefault(u, []).append(v)
            if mode != "read":
                into.setdefault(s, []).append(a)
    for _id, src, dst, *_ in links:
        succ.setdefault(auto_key[src], []).append(auto_key[dst])
    return succ, taint, into


def floor_downstream(succ, start, depth):
    seen = {start}
    frontier = [start]
    for _ in range(depth):
        nxt = []
        for u in frontier:
            for v in succ.get(u, ()):
                if v not in seen:
                    seen.add(v)
                    nxt.append(v)
        frontier = nxt
    seen.discard(start)
    return seen


def floor_paths(taint, into, sources, sinks, max_hops):
    """Same semantics as flow_paths: BFS with parents from each source; for each sink
    reached, one path per automation delivering to it. Paths are plain node lists."""
    found = []
    for src in sources:
        parent = {src: None}
        frontier = [src]
        reached = []
        for _ in range(max_hops):
            nxt = []
            for a in frontier:
                for auto in taint.get(a, ()):
                    if auto in parent:
                        continue
                    parent[auto] = a
                    for out in taint.get(auto, ()):
                        if out in parent or not out.startswith("asset:"):
                            continue
                        parent[out] = auto
                        nxt.append(out)
                        if out in sinks:
                            reached.append(out)
            frontier = nxt
        for sink in reached:
            for auto in into.get(sink, ()):
                if auto in parent:
                    path, node = [sink], auto
                    while node is not None:
                        path.append(node)
                        node = parent[node]
                    found.append(path[::-1])
    return found


# -- the run ----------------------------------------------------------------------------


def pct(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def bench_memory(automations, assets, edges, queries, seed):
    print(f"synthetic inventory: {automations:,} automations, {assets:,} assets, {edges:,} edges")
    t = time.perf_counter()
    people, asset_rows, auto_rows, access, links = synthetic(automations, assets, edges, seed)
    print(f"  generated rows in {time.perf_counter() - t:.1f} s; peak RSS {rss_mb():,.0f} MB")
    base_rss = rss_mb()
    gc.collect()

    t, c = time.perf_counter(), time.process_time()
    graph = LineageGraph.from_rows(
        people=people, assets=asset_rows, automations=auto_rows, accesses=access, links=links
    )
    build, build_cpu = time.perf_counter() - t, time.process_time() - c
    graph_rss = rss_mb()
    counts = graph.counts()
    print(
        f"graph build: {build:.2f} s (cpu {build_cpu:.2f} s); peak RSS {graph_rss:,.0f} MB "
        f"(+{graph_rss - base_rss:,.0f} MB over the rows); "
        f"{counts['nodes']:,} nodes, {counts['edges']:,} edges"
    )

    t, c = time.perf_counter(), time.process_time()
    succ, taint, into = floor_build(asset_rows, auto_rows, access, links)
    floor_build_s, floor_cpu = time.perf_counter() - t, time.process_time() - c
    print(
        f"floor build (dict of lists): {floor_build_s:.2f} s (cpu {floor_cpu:.2f} s) -> ratio "
        f"{build_cpu / floor_cpu:.1f}x (cpu)"
    )

    rng = random.Random(seed + 1)
    starts = [f"automation:{r[1]}" for r in rng.sample(auto_rows, queries // 2)]
    starts += [f"asset:{r[1]}" for r in rng.sample(asset_rows[: assets // 10], queries // 2)]
    g_times, f_times, sizes = [], [], []
    g_cpu, f_cpu = [], []
    for node in starts:
        c0, t0 = time.thread_time(), time.perf_counter()
        got = graph.downstream(node, depth=5)
        c1, t1 = time.thread_time(), time.perf_counter()
        want = floor_downstream(succ, node, 5)
        c2, t2 = time.thread_time(), time.perf_counter()
        g_cpu.append(c1 - c0)
        f_cpu.append(c2 - c1)
        assert got <= want, node  # the graph skips retired automations; none here
        g_times.append(t1 - t0)
        f_times.append(t2 - t1)
        sizes.append(len(got))
    gp50, gp95 = pct(g_times, 0.5) * 1000, pct(g_times, 0.95) * 1000
    fp50, fp95 = pct(f_times, 0.5) * 1000, pct(f_times, 0.95) * 1000
    cp95, cf95 = pct(g_cpu, 0.95) * 1000, pct(f_cpu, 0.95) * 1000
    print(
        f"downstream depth 5 ({len(starts)} queries, median {statistics.median(sizes):.0f} "
        f"nodes, max {max(sizes):,}): p50 {gp50:.2f} ms, p95 {gp95:.2f} ms (cpu p95 "
        f"{cp95:.2f} ms); floor p50 {fp50:.2f} ms, p95 {fp95:.2f} ms (cpu p95 {cf95:.2f} ms) "
        f"-> ratio p50 {gp50 / max(fp50, 1e-6):.1f}x, cpu p95 {cp95 / max(cf95, 1e-6):.1f}x"
    )

    t, c = time.perf_counter(), time.process_time()
    paths = graph.flow_paths(
        source={"min_classification": "restricted"}, sink={"external": True}, max_hops=6
    )
    paths_s, paths_cpu = time.perf_counter() - t, time.process_time() - c
    sources = [n for n, a in graph.g.nodes(data=True) if a.get("classification") == "restricted"]
    sinks = {n for n, a in graph.g.nodes(data=True) if a.get("external")}
    t, c = time.perf_counter(), time.process_time()
    floor = floor_paths(taint, into, sources, sinks, 6)
    floor_paths_s, floor_paths_cpu = time.perf_counter() - t, time.process_time() - c
    unapproved = sum(1 for p in paths if not p.sink_attributes["approved"])
    print(
        f"all restricted -> external paths: {len(paths):,} paths ({unapproved:,} to unapproved "
        f"services) from {len(sources):,} restricted assets in {paths_s:.2f} s "
        f"(cpu {paths_cpu:.2f} s); floor {len(floor):,} paths in {floor_paths_s:.2f} s "
        f"(cpu {floor_paths_cpu:.2f} s) -> ratio {paths_cpu / floor_paths_cpu:.1f}x (cpu)"
    )
    t = time.perf_counter()
    graph.flow_paths(source={"min_classification": "restricted"}, sink={"external": True})
    again = (time.perf_counter() - t) * 1000
    print(f"  same query again (cached until the graph changes): {again:.1f} ms")
    sample = rng.sample(auto_rows, min(200, len(auto_rows)))
    t = time.perf_counter()
    for row in sample:
        graph.flow_paths(
            source={"min_classification": "restricted"},
            sink={"external": True, "approved": False},
            through=row[1],
        )
    per = (time.perf_counter() - t) / len(sample) * 1000
    print(f"  per-automation paths (through=..., as policy evaluation asks): {per:.2f} ms each")
    t = time.perf_counter()
    for row in sample:
        graph.blast_radius_size(row[1])
    print(f"  blast_radius_size: {(time.perf_counter() - t) / len(sample) * 1000:.2f} ms each")
    print(f"machine load average (1 min) during the run: {os.getloadavg()[0]:.1f}")
    return {
        "build_s": build,
        "build_cpu": build_cpu,
        "paths_cpu": paths_cpu,
        "rss_mb": graph_rss,
        "p95_ms": gp95,
        "cpu_p95_ms": cp95,
        "paths_s": paths_s,
        "ratio_query": cp95 / max(cf95, 1e-6),
        "ratio_paths": paths_s / floor_paths_s,
    }


def bench_sqlite(automations, assets, edges, seed):
    """Load the graph from a real migrated SQLite database and time the change check."""
    from sqlalchemy import insert

    from govern import schema
    from govern.config import Settings
    from govern.db import make_engine, read_session, utcnow, write_session
    from govern.lineage import graph_for
    from govern.registry.models import Access, Asset, Automation, AutomationLink, Person

    people, asset_rows, auto_rows, access, links = synthetic(automations, assets, edges, seed)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            data_dir=Path(tmp), database_url=f"sqlite:///{tmp}/bench.db", secret_key="b" * 48
        ).resolved()
        engine = make_engine(settings)
        schema.upgrade(engine)
        t = time.perf_counter()
        with write_session(engine) as s:
            s.execute(
                insert(Person),
                [
                    dict(
                        id=p[0],
                        email=p[1],
                        name=p[2],
                        department=p[3],
                        active=p[4],
                        updated_at=p[5],
                    )
                    for p in people
                ],
            )
            s.execute(
                insert(Asset),
                [
                    dict(
                        id=a[0],
                        key=a[1],
                        namespace=a[2],
                        name=a[3],
                        kind=a[5],
                        classification=a[6],
                        tags=a[7],
                        external=a[8],
                        approved=a[9],
                        ai_provider=a[10],
                        system_of_record=a[12],
                        updated_at=a[13],
                    )
                    for a in asset_rows
                ],
            )
            s.execute(
                insert(Automation),
                [
                    dict(
                        id=a[0],
                        key=a[1],
                        namespace=a[2],
                        name=a[3],
                        platform=a[5],
                        owner_email=a[6],
                        fingerprint=a[12],
                        trigger={},
                        risk_factors=[],
                        tags=[],
                        annotations={},
                        manifest={},
                        updated_at=a[15],
                    )
                    for a in auto_rows
                ],
            )
            s.execute(
                insert(Access),
                [
                    dict(
                        id=r[0],
                        automation_id=r[1],
                        asset_id=r[2],
                        mode=r[3],
                        learned=r[4],
                        masking=r[5],
                        first_seen=r[7],
                        last_seen=r[8],
                    )
                    for r in access
                ],
            )
            s.execute(
                insert(AutomationLink),
                [
                    dict(
                        id=r[0],
                        source_id=r[1],
                        target_id=r[2],
                        kind=r[3],
                        learned=r[4],
                        first_seen=r[5],
                        last_seen=r[6],
                    )
                    for r in links
                ],
            )
        print(
            f"sqlite ({automations:,} automations, {assets:,} assets, {edges:,} edges): "
            f"inserted in {time.perf_counter() - t:.1f} s"
        )
        t = time.perf_counter()
        with read_session(engine) as s:
            LineageGraph.build(s)
        print(f"  LineageGraph.build(session): {time.perf_counter() - t:.2f} s")
        t = time.perf_counter()
        graph = graph_for(engine)
        first = time.perf_counter() - t
        checks = []
        for _ in range(20):
            t = time.perf_counter()
            graph_for(engine)
            checks.append(time.perf_counter() - t)
        print(
            f"  graph_for first call {first:.2f} s; unchanged check p50 "
            f"{statistics.median(checks) * 1000:.1f} ms"
        )
        from govern.lineage import rows as R

        with read_session(engine) as s:
            t = time.perf_counter()
            R.signature(s)
            full_ms = (time.perf_counter() - t) * 1000
        print(f"  full signature (counts, id sums, newest stamps; every 30 s): {full_ms:.1f} ms")
        with write_session(engine) as s:
            auto = s.get(Automation, 1)
            auto.owner_email = "p1@corp.example"
            auto.updated_at = utcnow()
            s.add(auto)
            s.add(Access(automation_id=1, asset_id=assets, mode="call", learned="scanned"))
        t = time.perf_counter()
        graph_for(engine)
        print(
            f"  after one changed automation + one new edge: delta applied in "
            f"{(time.perf_counter() - t) * 1000:.1f} ms (full loads "
            f"{graph.sync.stats['full_loads']}, delta loads {graph.sync.stats['delta_loads']})"
        )
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke run)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()
    print(host.describe(), flush=True)
    if args.quick:
        sizes, sql_sizes, queries = (2_000, 6_000, 20_000), (1_000, 3_000, 10_000), 200
    else:
        sizes, sql_sizes, queries = (100_000, 300_000, 1_000_000), (10_000, 30_000, 100_000), 2_000
    result = bench_memory(*sizes, queries, args.seed)
    if not args.no_sqlite:
        bench_sqlite(*sql_sizes, args.seed)
    goals = [
        ("build < 30 s", result["build_s"] < 30, result["build_cpu"] < 30),
        ("peak RSS < 2 GB", result["rss_mb"] < 2048, result["rss_mb"] < 2048),
        ("depth-5 p95 < 50 ms", result["p95_ms"] < 50, result["cpu_p95_ms"] < 50),
        ("all sensitive paths < 5 s", result["paths_s"] < 5, result["paths_cpu"] < 5),
        ("query within 3x of the floor", result["ratio_query"] <= 3, result["ratio_query"] <= 3),
    ]
    word = {True: "met", False: "MISSED"}
    print(
        "goals (wall / cpu time; wall suffers when other processes share the cores): "
        + "; ".join(f"{name}: {word[wall]} / {word[cpu]}" for name, wall, cpu in goals)
    )


if __name__ == "__main__":
    main()
