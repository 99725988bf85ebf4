"""Errors are RFC 9457 problem documents with the right status codes."""

from __future__ import annotations

from conftest import automation_manifest


def _problem(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.json
    assert body["status"] == status and body["title"] and body["type"].startswith("https://")
    return body


def test_422_lists_every_problem_with_its_path(client, headers):
    bad = automation_manifest(owner="bob", platform="excel", onwer="x@example.com")
    body = _problem(client.post("/api/v1/manifests", json=bad, headers=headers()), 422)
    assert sorted(e["path"] for e in body["errors"]) == [
        "spec.onwer",
        "spec.owner",
        "spec.platform",
    ]
    assert body["detail"] == "3 problem(s); nothing was registered"


def test_batch_is_all_or_nothing(client, headers):
    h = headers()
    docs = [automation_manifest(name="good"), automation_manifest(name="bad", owner="x")]
    body = _problem(client.post("/api/v1/manifests", json=docs, headers=h), 422)
    assert body["errors"][0]["document"] == 1
    assert client.get("/api/v1/automations", headers=h).json["total"] == 0


def test_yaml_body_with_several_documents(client, headers):
    text = (
        "apiVersion: govern/v1\nkind: Automation\nmetadata: {name: a, namespace: ops}\n"
        "spec: {platform: shell, owner: a@example.com}\n---\n"
        "apiVersion: govern/v1\nkind: Automation\nmetadata: {name: b, namespace: ops}\n"
        "spec: {platform: cron, owner: a@example.com}\n"
    )
    response = client.post(
        "/api/v1/manifests", data=text, content_type="application/yaml", headers=headers()
    )
    assert response.status_code == 201
    assert [r["key"] for r in response.json["results"]] == ["ops/a", "ops/b"]


def test_400_415_404_409(client, headers):
    h = headers()
    _problem(client.get("/api/v1/automations?limit=abc", headers=h), 400)
    _problem(client.get("/api/v1/automations?sort=colour", headers=h), 400)
    _problem(client.get("/api/v1/automations?cursor=%%%", headers=h), 400)
    _problem(client.post("/api/v1/manifests", data="x=1", headers=h), 415)
    _problem(
        client.post(
            "/api/v1/manifests", data="{not json", content_type="application/json", headers=h
        ),
        400,
    )
    _problem(client.get("/api/v1/automations/finance/nope", headers=h), 404)
    _problem(client.get("/api/v1/nothing-here", headers=h), 404)
    _problem(client.get("/api/v1/schemas/robot-v1.json"), 404)
    client.post("/api/v1/tokens", json={"name": "t", "role": "viewer"}, headers=h)
    _problem(client.post("/api/v1/tokens", json={"name": "t", "role": "viewer"}, headers=h), 409)
    _problem(client.delete("/api/v1/automations", headers=h), 405)


def test_413_request_size_limit(app, client, headers):
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    big = [automation_manifest(name=f"a{i}", description="x" * 100) for i in range(200)]
    body = _problem(client.post("/api/v1/manifests", json=big, headers=headers()), 413)
    assert "10000 byte limit" in body["detail"]


def test_lifecycle_and_review_validation(client, headers):
    h = headers()
    client.post("/api/v1/manifests", json=automation_manifest(), headers=h)
    url = "/api/v1/automations/finance/monthly-close-report"
    body = _problem(client.post(url + "/lifecycle", json={"lifecycle": "zombie"}, headers=h), 422)
    assert body["errors"][0]["path"] == "lifecycle"
    _problem(client.post(url + "/review", json={}, headers=h), 422)


def test_schemas_are_served_publicly(client):
    listed = client.get("/api/v1/schemas").json["items"]
    assert [i["kind"] for i in listed] == ["Automation", "Asset", "Person"]
    for item in listed:
        response = client.get(item["href"])
        assert response.status_code == 200
        assert response.json["$schema"].startswith("https://json-schema.org/draft/2020-12")
    assert client.get("/api/v1/health").json["status"] == "ok"
