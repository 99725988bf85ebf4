"""The policy API: policies, violations (waived counted apart), waivers, risk, previews."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import automation_manifest

from govern.db import utcnow
from govern.policies.setup import install_pack


@pytest.fixture
def seeded(app, client, headers, engine):
    install_pack(engine)
    h = headers("admin")
    for body in (
        automation_manifest(name="hook", trigger={"type": "webhook"}),
        automation_manifest(name="other", namespace="hr", trigger={"type": "webhook"}),
    ):
        assert client.post("/api/v1/automations", json=body, headers=h).status_code == 201
    return h


def test_policies_and_violations(client, seeded):
    h = seeded
    items = client.get("/api/v1/policies", headers=h).json["items"]
    webhook = next(p for p in items if p["id"] == "unauthenticated-webhook")
    assert webhook["open"] == 2 and webhook["mode"] == "enforce"
    one = client.get("/api/v1/policies/unauthenticated-webhook", headers=h).json
    assert one["document"]["id"] == "unauthenticated-webhook" and one["checks"]
    assert client.get("/api/v1/policies/nope", headers=h).status_code == 404
    v = client.get("/api/v1/violations?policy=unauthenticated-webhook", headers=h).json
    assert v["total"] == 2 and v["counts"] == {"open": 2, "waived": 0}
    filtered = client.get("/api/v1/violations?namespace=hr", headers=h).json
    assert {i["automation"] for i in filtered["items"]} == {"hr/other"}
    assert client.get("/api/v1/results?bogus=1", headers=h).status_code == 200
    assert client.get("/api/v1/policies/schema", headers=h).json["additionalProperties"] is False
    decisions = client.get("/api/v1/decisions?automation=finance/hook", headers=h).json
    assert decisions["items"] and decisions["items"][0]["revision"]


def test_violation_pages_are_newest_first_and_counted_per_state(client, seeded):
    h = seeded
    everything = client.get("/api/v1/results?limit=500", headers=h).json
    order = [(i["lastSeen"], i["id"]) for i in everything["items"]]
    assert len(order) == everything["total"] >= 2 and order == sorted(order, reverse=True)
    pages = [
        client.get(f"/api/v1/results?limit=1&offset={offset}", headers=h).json["items"]
        for offset in range(everything["total"])
    ]
    assert [i["id"] for page in pages for i in page] == [i["id"] for i in everything["items"]]
    hr = client.get("/api/v1/violations?namespace=hr&state=open", headers=h).json
    assert hr["total"] == len(hr["items"]) >= 1
    assert {i["automation"].split("/")[0] for i in hr["items"]} == {"hr"}
    assert hr["counts"]["open"] == hr["total"] and hr["counts"]["waived"] == 0


def test_waivers_are_counted_not_hidden(client, seeded, headers):
    h = seeded
    expires = (utcnow() + timedelta(days=60)).date().isoformat()
    body = {
        "policy": "unauthenticated-webhook",
        "automation": "finance/hook",
        "reason": "signing lands next sprint",
        "approver": "ciso@example.com",
        "ticket": "SEC-1",
        "expires": expires,
    }
    dev = headers("developer", namespaces=["finance"])
    assert client.post("/api/v1/waivers", json=body, headers=dev).status_code == 403
    created = client.post("/api/v1/waivers", json=body, headers=h)
    assert created.status_code == 201 and created.json["state"] == "active"
    v = client.get("/api/v1/violations?policy=unauthenticated-webhook", headers=h).json
    assert v["counts"] == {"open": 1, "waived": 1} and v["total"] == 2
    too_long = {**body, "expires": (utcnow() + timedelta(days=500)).date().isoformat()}
    response = client.post("/api/v1/waivers", json=too_long, headers=h)
    assert response.status_code == 422 and "one year" in response.json["detail"]
    no_expiry = {k: v for k, v in body.items() if k != "expires"}
    assert client.post("/api/v1/waivers", json=no_expiry, headers=h).status_code == 422
    revoked = client.delete(f"/api/v1/waivers/{created.json['id']}", headers=h)
    assert revoked.json["state"] == "revoked"
    v = client.get("/api/v1/violations?policy=unauthenticated-webhook", headers=h).json
    assert v["counts"] == {"open": 2, "waived": 0}


def test_risk_endpoints(client, seeded):
    h = seeded
    overview = client.get("/api/v1/risk", headers=h).json
    assert sum(overview["tiers"].values()) == 2
    one = client.get("/api/v1/automations/finance/hook/risk", headers=h).json
    assert one["score"] > 0 and any(f["factor"] == "violations" for f in one["factors"])


def test_preview_manifest_and_evaluate(client, seeded, headers):
    h = seeded
    draft = automation_manifest(name="draft", trigger={"type": "webhook"})
    dev = headers("developer", namespaces=["finance"])
    response = client.post("/api/v1/evaluate/manifest", json=draft, headers=dev)
    assert response.status_code == 200
    first = response.json["results"][0]
    assert first["status"] == "fail" and first["remediation"] and "evidence" in first
    assert response.json["blocking"] >= 1
    assert client.get("/api/v1/automations/finance/draft", headers=h).status_code == 404
    assert client.post("/api/v1/evaluate", json={}, headers=dev).status_code == 403
    summary = client.post("/api/v1/evaluate", json={"keys": ["finance/hook"]}, headers=h).json
    assert summary["kind"] == "incremental" and summary["automations"] == 1


def test_policy_upload_and_disable(client, seeded):
    h = seeded
    text = (
        "apiVersion: govern/v1\nkind: Policy\nid: hr-needs-backup\ntitle: HR needs a backup\n"
        "severity: low\nmode: audit\nselector: {field: {path: namespace, op: eq, value: hr}}\n"
        "conditions: {field: {path: backup_owner_email, op: exists}}\nremediation: Add one.\n"
    )
    response = client.post(
        "/api/v1/policies", data=text, headers={**h, "Content-Type": "application/yaml"}
    )
    assert response.status_code == 201, response.json
    assert response.json["evaluation"]["results"]["fail"] >= 1
    bad = client.post(
        "/api/v1/policies",
        data=text.replace("conditions:", "condition:"),
        headers={**h, "Content-Type": "application/yaml"},
    )
    assert bad.status_code == 422
    assert {"condition", "conditions"} <= {e["path"] for e in bad.json["errors"]}
    off = client.patch("/api/v1/policies/hr-needs-backup", json={"enabled": False}, headers=h)
    assert off.status_code == 200
    v = client.get("/api/v1/violations?policy=hr-needs-backup", headers=h).json
    assert v["total"] == 0
