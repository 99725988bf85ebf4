"""The API registers and reads automations with tokens and roles."""

from __future__ import annotations

from conftest import automation_manifest


def test_requires_token(client):
    response = client.get("/api/v1/automations")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"


def test_register_then_get(client, headers):
    h = headers("developer", namespaces=["finance"])
    response = client.post("/api/v1/automations", json=automation_manifest(), headers=h)
    assert response.status_code == 201, response.json
    assert response.json["results"] == [
        {"kind": "Automation", "key": "finance/monthly-close-report", "action": "created"}
    ]
    again = client.post("/api/v1/automations", json=automation_manifest(), headers=h)
    assert again.status_code == 200 and again.json["results"][0]["action"] == "unchanged"
    got = client.get("/api/v1/automations/finance/monthly-close-report", headers=h)
    assert got.json["owner"] == "li.wei@example.com"
    history = client.get("/api/v1/automations/finance/monthly-close-report/history", headers=h)
    assert [e["action"] for e in history.json["items"]] == ["automation.created"]


def test_invalid_manifest_is_422_with_paths(client, headers):
    bad = automation_manifest(owner="bob")
    response = client.post("/api/v1/automations", json=bad, headers=headers("admin"))
    assert response.status_code == 422
    assert [e["path"] for e in response.json["errors"]] == ["spec.owner"]


def test_developer_outside_namespace_is_403(client, headers):
    response = client.post(
        "/api/v1/automations",
        json=automation_manifest(),
        headers=headers("developer", namespaces=["hr"]),
    )
    assert response.status_code == 403
