"""/api/v1/scans (push, idempotent batches), /scan-targets (admin), /discoveries (+ decisions)."""

from __future__ import annotations

import gzip
import json

from scanner_support import run, share

from govern.scanner.push import batches


def _post(client, auth, body, compress=True):
    data = json.dumps(body).encode()
    extra = {"Content-Encoding": "gzip"} if compress else {}
    if compress:
        data = gzip.compress(data)
    return client.post(
        "/api/v1/scans", data=data, headers={**auth, "Content-Type": "application/json", **extra}
    )


def test_push_in_batches_is_idempotent(tmp_path, client, headers):
    share(tmp_path)
    result = run([tmp_path])
    parts = batches(result, size=7)
    assert len(parts) == 3 and [p["final"] for p in parts] == [False, False, True]
    auth = headers("developer", namespaces=["*"])
    for part in parts:
        answer = _post(client, auth, {**part, "target": "fs01", "agent": "fs01.corp"})
        assert answer.status_code in (200, 201), answer.get_json()
    final = answer.get_json()
    assert (
        final["status"] == "success"
        and final["discoveries"] == 20
        and final["batches"] == [0, 1, 2]
    )
    again = _post(client, auth, {**parts[1], "target": "fs01"})  # a retried batch: no change
    assert again.get_json()["discoveries"] == 20
    listing = client.get("/api/v1/discoveries?limit=100", headers=auth).get_json()
    assert listing["total"] == 20
    runs = client.get("/api/v1/scans", headers=auth).get_json()
    assert runs["total"] == 1 and runs["items"][0]["target"] == "fs01"
    one = client.get(f"/api/v1/scans/{final['run_uid']}", headers=auth).get_json()
    assert one["shadow"] == 20


def test_push_validation_and_roles(client, headers):
    viewer = headers("viewer")
    assert _post(client, viewer, {"run_uid": "r1", "discoveries": []}).status_code == 403
    dev = headers("developer")
    assert (
        _post(client, dev, {"run_uid": "r1", "discoveries": [{"platform": "python"}]}).status_code
        == 422
    )
    bad = client.post(
        "/api/v1/scans",
        data=b"not gzip",
        headers={**dev, "Content-Type": "application/json", "Content-Encoding": "gzip"},
    )
    assert bad.status_code == 400
    assert _post(client, dev, {"discoveries": []}).status_code == 422
    assert client.post("/api/v1/scans", json={"discoveries": []}).status_code == 401


def test_scan_targets_crud_admin_only(tmp_path, client, headers):
    admin, dev = headers("admin"), headers("developer")
    body = {"name": "fs01", "location": str(tmp_path), "cron": "0 2 * * *", "namespace": "finance"}
    assert client.post("/api/v1/scan-targets", json=body, headers=dev).status_code == 403
    created = client.post("/api/v1/scan-targets", json=body, headers=admin)
    assert created.status_code == 201 and created.get_json()["cron"] == "0 2 * * *"
    assert client.post("/api/v1/scan-targets", json=body, headers=admin).status_code == 409
    bad = client.post(
        "/api/v1/scan-targets", json={**body, "name": "x", "cron": "every day"}, headers=admin
    )
    assert bad.status_code == 422 and "cron" in bad.get_json()["detail"]
    updated = client.put(
        "/api/v1/scan-targets/fs01", json={"enabled": False, "interval_seconds": 600}, headers=admin
    )
    assert updated.get_json()["enabled"] is False
    assert [
        t["name"] for t in client.get("/api/v1/scan-targets", headers=dev).get_json()["items"]
    ] == ["fs01"]
    assert client.post("/api/v1/scan-targets/fs01/run", headers=admin).status_code == 409
    client.put("/api/v1/scan-targets/fs01", json={"enabled": True}, headers=admin)
    share(tmp_path)
    ran = client.post("/api/v1/scan-targets/fs01/run", headers=admin).get_json()
    assert ran["status"] == "success" and ran["discoveries"] == 20
    items = client.get("/api/v1/discoveries?platform=n8n", headers=dev).get_json()["items"]
    assert items[0]["automation"].startswith("finance/")
    assert client.delete("/api/v1/scan-targets/fs01", headers=admin).status_code == 204
    assert client.get("/api/v1/scan-targets", headers=dev).get_json()["items"] == []


def test_discovery_decisions(tmp_path, client, headers):
    share(tmp_path)
    auth = headers("admin")
    result = run([tmp_path])
    _post(client, auth, {**result, "run_uid": result["scan"]["run_uid"], "target": "t"})
    items = client.get("/api/v1/discoveries?platform=shell", headers=auth).get_json()["items"]
    did = items[0]["id"]
    dev = headers("developer")
    denied = client.post(
        f"/api/v1/discoveries/{did}/decision", json={"decision": "not-automation"}, headers=dev
    )
    assert denied.status_code == 403
    bad = client.post(
        f"/api/v1/discoveries/{did}/decision", json={"decision": "maybe"}, headers=auth
    )
    assert bad.status_code == 422
    done = client.post(
        f"/api/v1/discoveries/{did}/decision", json={"decision": "not-automation"}, headers=auth
    )
    assert done.get_json()["decision"] == "not-automation" and done.get_json()["automation"] is None
    assert client.get("/api/v1/discoveries/999999", headers=auth).status_code == 404
    decided = client.get("/api/v1/discoveries?decided=true", headers=auth).get_json()
    assert decided["total"] == 1


def test_routes_are_documented(app):
    from govern.web.api import scans

    paths = scans.OPENAPI["paths"]
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") and rule.endpoint.split(".", 1)[1] in {
            "push_scan",
            "list_scans",
            "get_scan",
            "list_scan_targets",
            "create_scan_target",
            "update_scan_target",
            "delete_scan_target",
            "run_scan_target",
            "list_discoveries",
            "get_discovery",
            "decide_discovery",
        }:
            template = rule.rule.replace("<int:", "{").replace("<", "{").replace(">", "}")
            assert template in paths, template
