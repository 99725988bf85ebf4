"""Assets, people, history and lifecycle through the API."""

from __future__ import annotations

from conftest import automation_manifest

PERSON = {
    "apiVersion": "govern/v1",
    "kind": "Person",
    "metadata": {"name": "li-wei"},
    "spec": {
        "email": "li.wei@example.com",
        "displayName": "Li Wei",
        "department": "Finance",
        "certification": {"level": 2, "expires": "2027-03-31"},
    },
}
ASSET = {
    "apiVersion": "govern/v1",
    "kind": "Asset",
    "metadata": {"name": "openai"},
    "spec": {"uri": "https://api.openai.com", "approved": True, "classification": "internal"},
}


def _automation():
    return automation_manifest(
        reads=[{"asset": "postgres://crm-db:5432/crm.public.customers", "tags": ["pii"],
                "classification": "confidential"}],
        calls=[{"asset": "https://api.openai.com", "purpose": "summaries"}],
        trigger={"type": "schedule", "cron": "0 6 * * 1-5"},
    )  # fmt: skip


def test_detail_history_and_lifecycle(client, headers):
    admin = headers()
    created = client.post("/api/v1/manifests", json=[PERSON, ASSET, _automation()], headers=admin)
    assert [r["action"] for r in created.json["results"]] == ["created"] * 3
    url = "/api/v1/automations/finance/monthly-close-report"
    detail = client.get(url, headers=admin).json
    assert detail["department"] == "Finance"
    assert detail["usesAI"] is True
    assert detail["scheduleText"] == "At 06:00, Monday through Friday"
    assert [(a["asset"], a["mode"]) for a in detail["accesses"]] == [
        ("https://api.openai.com", "call"),
        ("postgres://crm-db:5432/crm.public.customers", "read"),
    ]
    assert detail["accesses"][0]["approved"] is True
    changed = _automation()
    changed["spec"]["owner"] = "anna.k@example.com"
    client.post("/api/v1/manifests", json=changed, headers=admin)
    history = client.get(url + "/history", headers=admin).json["items"]
    assert [e["action"] for e in history] == ["automation.updated", "automation.created"]
    owner_change = next(d for d in history[0]["diff"] if d["field"] == "owner")
    assert owner_change == {"field": "owner", "before": "li.wei@example.com",
                            "after": "anna.k@example.com"}  # fmt: skip
    retired = client.delete(url + "?comment=replaced", headers=admin).json
    assert retired["lifecycle"] == "retired"
    assert client.get("/api/v1/automations", headers=admin).json["total"] == 0
    listed = client.get("/api/v1/automations?include_retired=true", headers=admin).json
    assert listed["total"] == 1
    assert client.get(url, headers=admin).status_code == 200  # soft: still there
    again = client.post("/api/v1/manifests", json=changed, headers=admin).json
    assert again["results"][0]["action"] == "updated"  # re-registering revives it
    assert client.get(url, headers=admin).json["lifecycle"] == "active"


def test_assets_and_people(client, headers):
    admin = headers()
    client.post("/api/v1/manifests", json=[PERSON, ASSET, _automation()], headers=admin)
    viewer = headers("viewer")
    page = client.get("/api/v1/assets?external=true", headers=viewer).json
    assert [a["key"] for a in page["items"]] == ["https://api.openai.com"]
    assert page["items"][0]["aiProvider"] == "openai" and page["items"][0]["kind"] == "ai-service"
    pii = client.get("/api/v1/assets?tag=pii", headers=viewer).json["items"]
    assert [a["key"] for a in pii] == ["postgres://crm-db:5432/crm.public.customers"]
    found = client.get("/api/v1/assets/lookup?key=HTTPS://API.OPENAI.COM/", headers=viewer).json
    assert found["usedBy"] == [{"automation": "finance/monthly-close-report", "mode": "call",
                                "learned": "declared", "lifecycle": "active"}]  # fmt: skip
    assert client.get(f"/api/v1/assets/{found['id']}", headers=viewer).json["key"] == found["key"]
    person = client.get("/api/v1/people/li.wei@example.com", headers=viewer).json
    assert person["certification"] == {"level": 2, "expires": "2027-03-31"}
    assert person["automations"][0]["role"] == "owner"
    assert client.get("/api/v1/people?certified=true", headers=viewer).json["total"] == 1
    url = "/api/v1/people/li.wei@example.com"
    assert client.patch(url, json={"active": False}, headers=viewer).status_code == 403
    left = client.patch(url, json={"active": False}, headers=admin)
    assert left.status_code == 200 and left.json["active"] is False
    bad = client.patch(url, json={"email": "x"}, headers=admin)
    assert bad.status_code == 422 and bad.json["errors"][0]["path"] == "email"
    assert client.get("/api/v1/people?active=false", headers=viewer).json["total"] == 1
    again = client.post("/api/v1/manifests", json=PERSON, headers=admin).json
    assert again["results"][0]["action"] == "updated"  # the manifest applies again
