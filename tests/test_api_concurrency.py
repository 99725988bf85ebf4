"""20 registrations at once through a real HTTP server all succeed (no 'database is locked'),
and `govern register --url` pushes to a remote service."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import automation_manifest
from registry_support import counts, live_server, write_yaml

from govern.cli import EXIT_INVALID
from govern.registry.manifest import ManifestInvalid, load_path
from govern.registry.remote import RemoteError, push_manifests


def _post(url: str, token: str, body) -> tuple[int, dict]:
    request = urllib.request.Request(
        url + "/api/v1/manifests",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def test_twenty_concurrent_registrations_all_succeed(app, engine, make_token):
    token = make_token("admin")
    shared_asset = {"asset": "postgres://crm-db:5432/crm.public.customers"}
    bodies = [
        [
            automation_manifest(name=f"job-{i}-{j}", namespace="ops", reads=[shared_asset])
            for j in range(5)
        ]
        for i in range(20)
    ]
    with live_server(app) as url, ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(lambda body: _post(url, token, body), bodies))
    assert [status for status, _ in results] == [201] * 20, results
    assert counts(engine)[0] == 100


def test_register_pushes_to_a_remote_service(app, engine, runner, make_token, tmp_path):
    path = write_yaml(tmp_path / "m.yaml", automation_manifest(), automation_manifest(name="b"))
    token = make_token("developer", namespaces=["finance"])
    with live_server(app) as url:
        pushed = runner("register", "--url", url, "--token", token, str(path))
        assert pushed.exit_code == 0, pushed.output
        assert "2 created" in pushed.output
        bad = write_yaml(tmp_path / "bad.yaml", automation_manifest(name="c", owner="nobody"))
        refused = runner("register", "--url", url, "--token", token, str(bad))
        assert refused.exit_code == EXIT_INVALID
        assert f"{bad} (document 1): spec.owner: 'nobody' is not an email address" in (
            refused.output
        )
        other = write_yaml(tmp_path / "hr.yaml", automation_manifest(name="d", namespace="hr"))
        forbidden = runner("register", "--url", url, "--token", token, str(other))
        assert forbidden.exit_code == 1
        assert "answered 403" in forbidden.output and "nothing was registered" in forbidden.output
        with pytest.raises(RemoteError, match="answered 401"):
            push_manifests(url, "gov_wrong", load_path(path))
        # the service's 422 is mapped back to the local file and document
        unvalidated = load_path(bad)
        with pytest.raises(ManifestInvalid) as raised:
            push_manifests(url, token, unvalidated)
        assert str(raised.value.problems[0]).startswith(f"{bad} (document 1): spec.owner")
    assert counts(engine)[0] == 2
    with pytest.raises(RemoteError, match="cannot reach"):
        push_manifests("http://127.0.0.1:9", token, load_path(path))
