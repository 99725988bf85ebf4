"""Tokens and roles: 401 without a valid token, 403 for the wrong role or namespace."""

from __future__ import annotations

from datetime import timedelta

from conftest import automation_manifest
from sqlmodel import select

from govern.db import utcnow, write_session
from govern.registry import auth
from govern.registry.models import ApiToken


def _register(client, h, body=None):
    return client.post("/api/v1/manifests", json=body or automation_manifest(), headers=h)


def test_401_without_or_with_bad_tokens(client, engine, make_token):
    for h in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}):
        response = client.get("/api/v1/automations", headers=h)
        assert response.status_code == 401
        assert response.mimetype == "application/problem+json"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    value = make_token("viewer")
    with write_session(engine) as session:
        auth.revoke_token(session, name="viewer-1")
    revoked = client.get("/api/v1/automations", headers={"Authorization": f"Bearer {value}"})
    assert revoked.status_code == 401 and "revoked" in revoked.json["detail"]
    with write_session(engine) as session:
        _, expired = auth.create_token(
            session, name="old", role="admin", expires_at=utcnow() - timedelta(days=1)
        )
    response = client.get("/api/v1/automations", headers={"Authorization": f"Bearer {expired}"})
    assert response.status_code == 401 and "expired" in response.json["detail"]


def test_viewer_reads_but_cannot_write(client, headers):
    h = headers("viewer")
    assert client.get("/api/v1/automations", headers=h).status_code == 200
    response = _register(client, h)
    assert response.status_code == 403
    assert "needs the developer role; your role is viewer" in response.json["detail"]


def test_developer_by_namespace_or_by_ownership(client, headers):
    other_ns = headers("developer", namespaces=["hr"])
    assert _register(client, other_ns).status_code == 403
    owner = headers("developer", email="li.wei@example.com")
    assert _register(client, owner).status_code == 201  # owns it, no namespace grant
    granted = headers("developer", namespaces=["finance"])
    changed = automation_manifest(criticality="high")
    assert _register(client, granted, changed).status_code == 200
    # a developer may not hand an automation in another namespace to itself
    stranger = headers("developer", email="eve@example.com")
    taken = automation_manifest(owner="eve@example.com")
    assert _register(client, stranger, taken).status_code == 403


def test_review_needs_reviewer_and_people_need_admin(client, headers):
    dev = headers("developer", namespaces=["finance"])
    _register(client, dev)
    url = "/api/v1/automations/finance/monthly-close-report/review"
    assert client.post(url, json={"state": "approved"}, headers=dev).status_code == 403
    reviewer = headers("reviewer", email="sec@example.com")
    response = client.post(url, json={"state": "approved", "comment": "ok"}, headers=reviewer)
    assert response.status_code == 200, response.json
    assert response.json["reviewState"] == "approved"
    assert response.json["reviewedBy"] == "sec@example.com"
    unchanged = _register(client, dev)
    assert unchanged.json["results"][0]["action"] == "unchanged"
    assert client.get(url[: -len("/review")], headers=dev).json["reviewState"] == "approved"
    _register(client, dev, automation_manifest(criticality="high"))  # changed: review again
    assert client.get(url[: -len("/review")], headers=dev).json["reviewState"] == "pending"
    person = {
        "apiVersion": "govern/v1",
        "kind": "Person",
        "metadata": {"name": "li-wei"},
        "spec": {"email": "li.wei@example.com", "department": "Finance"},
    }
    assert _register(client, dev, person).status_code == 403
    assert _register(client, headers("admin"), person).status_code == 201


def test_every_write_names_its_actor(client, headers):
    viewer = headers("viewer")
    h = headers("developer", namespaces=["finance"], email="li.wei@example.com")
    _register(client, h)
    client.post(
        "/api/v1/automations/finance/monthly-close-report/lifecycle",
        json={"lifecycle": "deprecated", "comment": "replaced by the ERP report"},
        headers=h,
    )
    events = client.get("/api/v1/audit-events", headers=viewer).json["items"]
    assert [(e["action"], e["actor"]) for e in events[:2]] == [
        ("automation.lifecycle", "li.wei@example.com"),
        ("automation.created", "li.wei@example.com"),
    ]
    assert events[0]["diff"][0]["field"] == "lifecycle"
    assert events[0]["comment"] == "replaced by the ERP report"


def test_tokens_api_is_admin_only_and_shows_values_once(client, headers):
    assert client.get("/api/v1/tokens", headers=headers("reviewer")).status_code == 403
    admin = headers("admin")
    created = client.post(
        "/api/v1/tokens",
        json={"name": "ci-finance", "role": "developer", "namespaces": ["finance"]},
        headers=admin,
    )
    assert created.status_code == 201
    value = created.json["token"]
    assert value.startswith("gov_")
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {value}"}).json
    assert me == {
        "name": "token:ci-finance",
        "role": "developer",
        "email": None,
        "namespaces": ["finance"],
    }
    listed = client.get("/api/v1/tokens", headers=admin).json["items"]
    assert all("token" not in t and "token_hash" not in t for t in listed)
    assert value not in str(listed)
    duplicate = client.post(
        "/api/v1/tokens", json={"name": "ci-finance", "role": "viewer"}, headers=admin
    )
    assert duplicate.status_code == 409
    bad = client.post("/api/v1/tokens", json={"name": "x", "role": "root"}, headers=admin)
    assert bad.status_code == 422 and bad.json["errors"][0]["path"] == "role"
    assert client.delete("/api/v1/tokens/ci-finance", headers=admin).status_code == 200
    gone = client.get("/api/v1/me", headers={"Authorization": f"Bearer {value}"})
    assert gone.status_code == 401
    assert client.delete("/api/v1/tokens/nope", headers=admin).status_code == 404


def test_cli_token_commands(runner):
    created = runner("token", "create", "--name", "ci", "--role", "developer", "--namespace", "hr")
    assert created.exit_code == 0
    assert created.stdout.strip().startswith("gov_")
    listed = runner("token", "list")
    assert (
        "ci" in listed.output and "developer" in listed.output and "namespaces=hr" in listed.output
    )
    assert created.stdout.strip() not in listed.output
    assert runner("token", "revoke", "ci").exit_code == 0
    assert "revoked" in runner("token", "list").output
    bad = runner("token", "create", "--name", "x", "--role", "root")
    assert bad.exit_code == 2


def _last_used(engine, name: str):
    with write_session(engine) as session:
        token = session.exec(select(ApiToken).where(ApiToken.name == name)).one()
        return token.last_used_at


def test_last_use_is_recorded_at_most_once_per_interval(client, engine, make_token):
    value = make_token("admin")
    assert _last_used(engine, "admin-1") is None
    h = {"Authorization": f"Bearer {value}"}
    assert client.get("/api/v1/me", headers=h).status_code == 200
    first = _last_used(engine, "admin-1")
    assert first is not None
    listed = client.get("/api/v1/tokens", headers=h).json["items"]
    assert [t["lastUsedAt"] for t in listed if t["name"] == "admin-1"] != [None]
    assert client.get("/api/v1/me", headers=h).status_code == 200
    assert _last_used(engine, "admin-1") == first  # within the resolution: no write
    with write_session(engine) as session:
        token = session.exec(select(ApiToken).where(ApiToken.name == "admin-1")).one()
        backdated = first - auth.LAST_USED_RESOLUTION - timedelta(seconds=1)
        token.last_used_at = backdated
    assert client.get("/api/v1/me", headers=h).status_code == 200
    assert _last_used(engine, "admin-1") >= first > backdated


def test_a_failed_authentication_records_no_use(client, engine, make_token):
    value = make_token("viewer")
    with write_session(engine) as session:
        auth.revoke_token(session, name="viewer-1")
    h = {"Authorization": f"Bearer {value}"}
    assert client.get("/api/v1/me", headers=h).status_code == 401
    assert _last_used(engine, "viewer-1") is None
