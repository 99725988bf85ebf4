"""/api/v1/lineage over HTTP: neighbourhoods, paths with selectors, errors, exports."""

from __future__ import annotations

import networkx as nx
import pytest
from lineage_support import CRM, OPENAI, XLSX, two_hop_world

from govern.lineage.sync import forget


@pytest.fixture
def world(app, headers):
    engine = app.extensions["govern"].engine
    two_hop_world(engine)
    yield headers("viewer")
    forget(engine)


def test_neighbourhood(client, world):
    r = client.get(
        "/api/v1/lineage",
        query_string={"node": "automation:sales/crm-export", "direction": "down", "depth": 2},
        headers=world,
    )
    assert r.status_code == 200, r.json
    body = r.json
    assert body["root"] == "automation:sales/crm-export"
    ids = {n["id"] for n in body["nodes"]}
    assert ids == {
        "automation:sales/crm-export",
        f"asset:{XLSX}",
        "automation:marketing/lead-scoring",
        f"asset:{OPENAI}",
        "person:ana@example.com",
        "person:bo@example.com",
    }
    assert all("evidence" in e or e["relation"] == "owns" for e in body["edges"])


def test_bare_asset_key_and_up(client, world):
    r = client.get(f"/api/v1/lineage?node={OPENAI}&direction=up&depth=1", headers=world)
    assert r.status_code == 200
    assert {n["id"] for n in r.json["nodes"] if n["distance"] is not None} == {
        f"asset:{OPENAI}",
        "automation:marketing/lead-scoring",
    }


@pytest.mark.parametrize(
    ("query", "status", "detail"),
    [
        ({"node": "sales/crm-export", "depth": 11}, 400, "depth must be between 1 and 10"),
        ({"node": "sales/crm-export", "depth": "x"}, 400, "not a number"),
        ({"node": "sales/crm-export", "direction": "sideways"}, 400, "direction must be one of"),
        ({}, 400, "node is required"),
        ({"node": "sales/nothing-here"}, 404, "not in the lineage graph"),
    ],
)
def test_neighbourhood_errors(client, world, query, status, detail):
    r = client.get("/api/v1/lineage", query_string=query, headers=world)
    assert r.status_code == status
    assert r.mimetype == "application/problem+json"
    assert detail in r.json["detail"]


def test_needs_a_token(client, world):
    assert client.get("/api/v1/lineage?node=sales/crm-export").status_code == 401
    assert client.get("/api/v1/lineage/paths?from=restricted&to=ai").status_code == 401


def test_paths(client, world):
    r = client.get(
        "/api/v1/lineage/paths",
        query_string={"from": "classification=restricted", "to": "external=true,approved=false"},
        headers=world,
    )
    assert r.status_code == 200, r.json
    body = r.json
    assert body["from"] == {"classification": ["restricted"]}
    assert body["to"] == {"external": True, "approved": False}
    assert body["total"] == 1
    path = body["paths"][0]
    assert path["automations"] == ["sales/crm-export", "marketing/lead-scoring"]
    assert [h["to_asset"] for h in path["hops"]] == [XLSX, OPENAI]
    assert path["hops"][0]["read_evidence"]["learned"] == "declared"
    same = client.get("/api/v1/lineage/paths?from=restricted&to=ai", headers=world).json
    assert same["total"] == 1
    via = client.get(
        "/api/v1/lineage/paths?from=restricted&to=ai&through=marketing/lead-scoring", headers=world
    ).json
    assert via["total"] == 1


@pytest.mark.parametrize(
    ("query", "status", "detail"),
    [
        ({"from": "colour=red", "to": "ai"}, 400, "from: unknown selector key 'colour'"),
        ({"from": "restricted", "to": "external=perhaps"}, 400, "to: external='perhaps'"),
        ({"to": "ai"}, 400, "from is required"),
        ({"from": "restricted", "to": "ai", "max_hops": 50}, 400, "max_hops must be between"),
        ({"from": "restricted", "to": "ai", "through": "no/such"}, 404, "not in the lineage"),
    ],
)
def test_path_errors(client, world, query, status, detail):
    r = client.get("/api/v1/lineage/paths", query_string=query, headers=world)
    assert r.status_code == status
    assert detail in r.json["detail"]


def test_impact_and_lists(client, world):
    r = client.get("/api/v1/lineage/impact?node=sales/crm-export", headers=world)
    assert r.json["automations"] == ["marketing/lead-scoring"]
    assert r.json["size"] == 1
    assert client.get("/api/v1/lineage/orphans", headers=world).json["total"] == 0
    assert client.get("/api/v1/lineage/consolidation", headers=world).json["items"] == []
    top = client.get("/api/v1/lineage/most-depended-upon?limit=1", headers=world).json["items"]
    assert len(top) == 1
    node = client.get(f"/api/v1/lineage/node?node={CRM}", headers=world).json
    assert node["classification"] == "restricted" and node["tags"] == ["pii"]


def test_exports(client, world):
    r = client.get("/api/v1/lineage/export", headers=world)
    assert r.status_code == 200
    graph = nx.node_link_graph(r.json, edges="links")
    assert graph.number_of_nodes() == 7
    r = client.get("/api/v1/lineage/export?format=graphml", headers=world)
    assert r.mimetype == "application/graphml+xml"
    assert b"<graphml" in r.data
    r = client.get("/api/v1/lineage/export?format=openlineage&node=sales/crm-export", headers=world)
    assert r.mimetype == "application/x-ndjson"
    assert len(r.data.decode().strip().splitlines()) >= 3
    assert client.get("/api/v1/lineage/export?format=pdf", headers=world).status_code == 400


def test_openapi_documents_the_routes(client):
    doc = client.get("/api/v1/openapi.json").json
    for path in (
        "/api/v1/lineage",
        "/api/v1/lineage/paths",
        "/api/v1/lineage/impact",
        "/api/v1/lineage/export",
    ):
        assert "get" in doc["paths"][path]
    assert "LineagePath" in doc["components"]["schemas"]
