"""The graph built from registered manifests: exact neighbourhoods, impact, hygiene lists,
and incremental updates when the registry changes."""

from __future__ import annotations

import threading

import pytest
from conftest import automation_manifest
from lineage_support import (
    CRM,
    OPENAI,
    XLSX,
    person_manifest,
    register_docs,
    two_hop_world,
)
from sqlmodel import select

from govern.db import read_session, write_session
from govern.lineage import LineageGraph, graph_for
from govern.lineage.sync import forget
from govern.registry import automations
from govern.registry.auth import LOCAL_ADMIN
from govern.registry.automations import NotFound
from govern.registry.models import Access, Asset, Automation, Person


@pytest.fixture
def world(engine):
    two_hop_world(engine)
    yield engine
    forget(engine)


def build(engine) -> LineageGraph:
    with read_session(engine) as session:
        return LineageGraph.build(session)


def test_nodes_and_typed_edges(world):
    g = build(world)
    assert g.counts() == {
        "automation": 2,
        "asset": 3,
        "person": 2,
        "access": 4,
        "link": 1,
        "nodes": 7,
        "edges": 8,
    }
    edges = {(u, v): d for u, v, d in g.g.edges(data=True)}
    read = edges[(f"asset:{CRM}", "automation:sales/crm-export")]["read"][0]
    assert (read.mode, read.learned, read.masking) == ("read", "declared", False)
    assert "write" in edges[("automation:sales/crm-export", f"asset:{XLSX}")]
    assert "call" in edges[("automation:marketing/lead-scoring", f"asset:{OPENAI}")]
    assert "triggers" in edges[("automation:sales/crm-export", "automation:marketing/lead-scoring")]
    assert edges[("person:ana@example.com", "automation:sales/crm-export")]["owns"] == ("owner",)
    assert edges[("person:ana@example.com", "automation:marketing/lead-scoring")]["owns"] == (
        "backup",
    )
    assert g.node_info("sales/crm-export")["owner"] == "ana@example.com"


def test_exact_upstream_and_downstream(world):
    g = build(world)
    assert g.downstream(f"asset:{CRM}", depth=1) == {"automation:sales/crm-export"}
    # crm-export triggers lead-scoring, so lead-scoring is two edges away either way
    assert g.downstream(CRM, depth=2) == {
        "automation:sales/crm-export",
        f"asset:{XLSX}",
        "automation:marketing/lead-scoring",
    }
    assert g.downstream(CRM) == g.downstream(CRM, depth=2) | {f"asset:{OPENAI}"}
    assert g.downstream(CRM, depth=10) == g.downstream(CRM)
    assert g.upstream(f"asset:{OPENAI}", depth=1) == {"automation:marketing/lead-scoring"}
    assert g.upstream("automation:marketing/lead-scoring", depth=2) == {
        f"asset:{XLSX}",
        "automation:sales/crm-export",
        f"asset:{CRM}",
    }
    # ownership is not data flow: people never appear in walks
    assert g.upstream("sales/crm-export", depth=5) == {f"asset:{CRM}"}
    assert g.downstream("person:bo@example.com", depth=1) == {"automation:marketing/lead-scoring"}


def test_depth_is_bounded_and_unknown_nodes_are_not_found(world):
    g = build(world)
    with pytest.raises(ValueError, match="between 1 and 10"):
        g.downstream(CRM, depth=11)
    with pytest.raises(NotFound):
        g.downstream("asset:postgres://nowhere:5432/x")
    with pytest.raises(NotFound):
        g.upstream("not a node")


def test_neighbourhood_has_distances_owners_and_evidence(world):
    hood = build(world).neighbourhood("marketing/lead-scoring", "both", 2)
    dist = {n["id"]: n["distance"] for n in hood["nodes"]}
    assert dist["automation:marketing/lead-scoring"] == 0
    assert dist[f"asset:{XLSX}"] == -1
    assert dist["automation:sales/crm-export"] == -1  # it triggers lead-scoring
    assert dist[f"asset:{OPENAI}"] == 1
    assert dist["person:bo@example.com"] is None
    call = next(e for e in hood["edges"] if e["target"] == f"asset:{OPENAI}")
    assert call["relation"] == "calls"
    assert call["evidence"][0]["learned"] == "declared"
    assert call["evidence"][0]["purpose"] == "score leads"


def test_blast_radius(world):
    g = build(world)
    impact = g.impact("sales/crm-export")
    assert impact["automations"] == ["marketing/lead-scoring"]
    assert impact["assets"] == [XLSX, OPENAI]
    assert impact["people"] == ["ana@example.com", "bo@example.com"]
    assert g.blast_radius_size("sales/crm-export") == 1
    assert g.blast_radius_size("marketing/lead-scoring") == 0
    assert g.blast_radius_size("nobody/here") == 0
    assert g.impact(CRM)["automations"] == ["marketing/lead-scoring", "sales/crm-export"]


def test_orphans_consolidation_and_hubs(world):
    register_docs(
        world,
        person_manifest("gone@example.com", active=False),
        automation_manifest(
            "crm-export-copy",
            "marketing",
            owner="gone@example.com",
            reads=[{"asset": CRM}],
            writes=[{"asset": XLSX}],
        ),
        automation_manifest("stray", "ops", owner="ghost@example.com", fingerprint="f" * 64),
        automation_manifest("stray-twin", "it", owner="ana@example.com", fingerprint="f" * 64),
    )
    g = build(world)
    orphans = {o["automation"]: o["reason"] for o in g.orphans()}
    assert orphans == {"marketing/crm-export-copy": "owner-inactive", "ops/stray": "owner-unknown"}
    groups = g.consolidation_candidates()
    assert {
        "reason": "same-fingerprint",
        "fingerprint": "f" * 64,
        "automations": ["it/stray-twin", "ops/stray"],
    } in groups
    same_io = next(x for x in groups if x["reason"] == "same-inputs-outputs")
    assert same_io["automations"] == ["marketing/crm-export-copy", "sales/crm-export"]
    assert same_io["inputs"] == [CRM] and same_io["outputs"] == [XLSX]
    top = g.most_depended_upon(2)
    assert top[0] == {
        "node": f"asset:{CRM}",
        "type": "asset",
        "key": CRM,
        "label": CRM,
        "dependents": 2,
    }


def test_graph_for_is_one_graph_updated_incrementally(world):
    g = graph_for(world)
    assert graph_for(world) is g
    assert g.sync.stats["delta_loads"] == 0
    assert g.downstream(XLSX, depth=2) == {"automation:marketing/lead-scoring", f"asset:{OPENAI}"}

    # the registry changes: lead-scoring now masks its read and also writes a report
    register_docs(
        world,
        automation_manifest(
            "lead-scoring",
            "marketing",
            owner="bo@example.com",
            reads=[{"asset": XLSX, "masking": True}],
            writes=[{"asset": "file://fs01/marketing/scores.csv"}],
        ),
    )
    g2 = graph_for(world)
    # the registration is audited: the audit log names the rows, no whole-table signature
    assert g2 is g and g.sync.stats["full_loads"] == 1
    audited = g.sync.stats["audited_loads"]
    assert audited >= 1 and g.sync.stats["delta_loads"] == 0
    assert g.downstream(XLSX, depth=2) == {
        "automation:marketing/lead-scoring",
        "asset:file://fs01/marketing/scores.csv",
    }
    assert g.counts()["access"] == 4  # crm read + xlsx write + xlsx read + csv write
    assert graph_for(world).sync.stats["audited_loads"] == audited  # nothing changed

    # compare the incrementally kept graph with a fresh build
    fresh = build(world)
    assert set(g.g.nodes) == set(fresh.g.nodes)
    assert set(g.g.edges) == set(fresh.g.edges)
    assert g.counts() == fresh.counts()


def test_deletions_and_attribute_changes_reach_the_graph(world):
    g = graph_for(world)
    with write_session(world) as session:
        crm = session.exec(select(Asset).where(Asset.key == CRM)).one()
        crm.classification = "confidential"
        from govern.db import utcnow

        crm.updated_at = utcnow()
        session.add(crm)
        bo = session.exec(select(Person).where(Person.email == "bo@example.com")).one()
        bo.active = False
        bo.updated_at = utcnow()
        session.add(bo)
        # a scanner-style edge removed behind the registry's back
        access = session.exec(select(Access).where(Access.mode == "call")).one()
        session.delete(access)
    # unaudited direct SQL changes are caught by the full check (every 30 s by default)
    assert graph_for(world, full_check_every=0).node_info(CRM)["classification"] == "confidential"
    assert g.node_info("person:bo@example.com")["active"] is False
    assert f"asset:{OPENAI}" not in g.downstream("marketing/lead-scoring")
    assert g.counts() == build(world).counts()


def test_retired_automations_move_no_data(world):
    with write_session(world) as session:
        automations.retire(session, "sales/crm-export", principal=LOCAL_ADMIN)
    g = graph_for(world)
    assert g.node_info("sales/crm-export")["lifecycle"] == "retired"
    assert g.downstream(CRM) == set()
    hood = g.neighbourhood(CRM, "down", 2, include_retired=True)
    assert "automation:sales/crm-export" in {n["id"] for n in hood["nodes"]}


def test_deleted_automation_leaves_the_graph(world):
    g = graph_for(world)
    with write_session(world) as session:
        auto = session.exec(
            select(Automation).where(Automation.key == "marketing/lead-scoring")
        ).one()
        for acc in session.exec(select(Access).where(Access.automation_id == auto.id)):
            session.delete(acc)
        from govern.registry.models import AutomationLink

        for link in session.exec(select(AutomationLink)):
            session.delete(link)
        session.flush()
        session.delete(auto)
    graph_for(world)
    assert "automation:marketing/lead-scoring" not in g
    assert g.counts() == build(world).counts()


def test_concurrent_readers_and_a_writer(world):
    errors: list[BaseException] = []

    def reader():
        try:
            for _ in range(20):
                graph_for(world).downstream(CRM, depth=4)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    for i in range(5):
        register_docs(
            world,
            automation_manifest(
                f"extra-{i}", "ops", owner="ana@example.com", reads=[{"asset": XLSX}]
            ),
        )
    for t in threads:
        t.join()
    assert not errors
    g = graph_for(world)
    assert {f"automation:ops/extra-{i}" for i in range(5)} <= g.downstream(XLSX, depth=1)
    assert g.counts() == build(world).counts()


def test_two_workers_converge(world, settings):
    """Each worker (here: a second engine on the same database) keeps its own graph."""
    from govern.db import make_engine

    other = make_engine(settings)
    try:
        mine, theirs = graph_for(world), graph_for(other)
        assert mine is not theirs
        register_docs(
            other,
            automation_manifest(
                "late-joiner", "ops", owner="ana@example.com", reads=[{"asset": XLSX}]
            ),
        )
        for graph in (graph_for(world), graph_for(other)):
            assert "automation:ops/late-joiner" in graph.downstream(XLSX, depth=1)
        assert mine.sync.stats["full_loads"] == 1 and theirs.sync.stats["full_loads"] == 1
    finally:
        forget(other)
        other.dispose()
