"""Planted secrets never appear in clear: not in scan output, the database, API responses,
CLI output or logs. The same secret in two automations has the same keyed hash."""

from __future__ import annotations

import gzip
import json
import logging

from scanner_support import KEY, by_location, planted_values, run, share
from sqlalchemy import inspect, text

from govern.db import write_session
from govern.registry.auth import LOCAL_ADMIN
from govern.registry.ingest import ingest
from govern.scanner import secrets
from govern.scanner.matcher import Matcher
from govern.scanner.redact import keyed_hash


def _find(text_: str):
    m = Matcher(secrets.KEYWORDS)
    return secrets.find_secrets(text_, m.scan(text_.lower()), KEY)


def test_provider_shapes_and_placeholders():
    found = _find(
        'a = "sk-proj-FAKE0123456789abcdefghij0123456789"\n'
        'b = "xoxb-123456789012-FAKEabcdefghijkl"\n'
        "c = AKIAFAKE0123456789AB\n"
        "-----BEGIN RSA PRIVATE KEY-----\n"
        'd = "Bearer YOUR_API_KEY"\n'
        "e = '<API_KEY>'\n"
        'f = "sk-..."\n'
        'password = os.getenv("PW")\n'
        'api_key = "Insert API Key"\n'
        'webhook = "https://hooks.slack.com/services/T0FAKE123/B0FAKE456/abcdefghijklmnopqrstuvwx"\n'
    )
    assert [(s["type"], s["line"]) for s in found] == [
        ("openai-api-key", 1),
        ("slack-token", 2),
        ("aws-access-key-id", 3),
        ("private-key", 4),
        ("slack-webhook", 10),
    ]
    for s in found:
        assert len(s["preview"]) <= 5 and s["preview"].endswith("…")
        assert len(s["hash"]) == 64


def test_same_secret_same_hash_and_sticky_notes_ignored(tmp_path):
    value = "sk-proj-FAKEsharedKEY0123456789abcdefghijkl"
    (tmp_path / "a.py").write_text(
        f'import requests\nKEY = "{value}"\nrequests.post("https://api.openai.com")\n'
    )
    (tmp_path / "b.ps1").write_text(
        f'$key = "{value}"\nInvoke-RestMethod -Uri https://api.openai.com\n'
    )
    note = {
        "id": "n",
        "name": "Note",
        "type": "n8n-nodes-base.stickyNote",
        "position": [0, 0],
        "parameters": {
            "content": "Example: Bearer pplx-FAKEnoteTOKEN0123456789abcdefghijklmnopqrstuv"
        },
    }
    trig = {
        "id": "t",
        "name": "T",
        "type": "n8n-nodes-base.manualTrigger",
        "position": [0, 0],
        "parameters": {},
    }
    (tmp_path / "flow.json").write_text(
        json.dumps({"name": "x", "nodes": [note, trig], "connections": {}})
    )
    found = by_location(run([tmp_path]), tmp_path)
    assert found["a.py"]["secrets"][0]["hash"] == found["b.ps1"]["secrets"][0]["hash"]
    assert found["a.py"]["secrets"][0]["hash"] == keyed_hash(value, KEY)
    assert found["flow.json"]["secrets"] == []


def test_secrets_never_in_clear_anywhere(
    tmp_path, settings, engine, client, headers, runner, caplog
):
    caplog.set_level(logging.DEBUG)
    share_root = tmp_path / "share"
    planted = share(share_root)
    values = planted_values(planted)
    assert len(values) >= 8
    result = run([share_root])
    assert sum(len(d["secrets"]) for d in result["discoveries"]) == len(values)
    outputs = [json.dumps(result)]
    # CLI output, both formats
    outputs.append(runner("scan", str(share_root), "--format", "json").output)
    outputs.append(runner("scan", str(share_root), "--format", "table").output)
    # database, via ingest and via the push API (gzip)
    with write_session(engine) as session:
        ingest(
            session,
            result,
            target_name="share",
            agent="t",
            run_uid=result["scan"]["run_uid"],
            principal=LOCAL_ADMIN,
        )
    second = run([share_root])
    body = gzip.compress(
        json.dumps({"run_uid": second["scan"]["run_uid"], "target": "pushed", **second}).encode()
    )
    auth = headers("admin")
    answer = client.post(
        "/api/v1/scans",
        data=body,
        headers={**auth, "Content-Type": "application/json", "Content-Encoding": "gzip"},
    )
    assert answer.status_code == 201, answer.get_data(as_text=True)
    outputs.append(answer.get_data(as_text=True))
    listing = client.get("/api/v1/discoveries?limit=500", headers=auth)
    outputs.append(listing.get_data(as_text=True))
    for item in listing.get_json()["items"]:
        outputs.append(
            client.get(f"/api/v1/discoveries/{item['id']}", headers=auth).get_data(as_text=True)
        )
    outputs.append(client.get("/api/v1/scans", headers=auth).get_data(as_text=True))
    with engine.connect() as conn:
        for table in inspect(engine).get_table_names():
            for row in conn.execute(text(f'select * from "{table}"')):
                outputs.append(repr(tuple(row)))
    outputs.append(caplog.text)
    blob = "\n".join(outputs)
    assert any(v[:4] in blob for v in values)  # previews are there...
    for value in values:
        assert value not in blob  # ...values never are
        assert value[:8] not in blob


def test_secrets_are_scrubbed_from_details_and_extras(tmp_path):
    password, token = "Zq8fakeSecretPw!", "abcdefFAKE0123456789XYZ"
    (tmp_path / "crontab").write_text(
        f'0 3 * * * mysql -u root -p"{password}" -h db1 -e "select 1"\n'
        f'5 4 * * * curl -H "Authorization: Bearer {token}" https://x.example.net\n'
    )
    timer = tmp_path / "sync.timer"
    timer.write_text("[Timer]\nOnCalendar=daily\n")
    (tmp_path / "sync.service").write_text(
        f"[Service]\nExecStart=/opt/sync.sh --password '{password}'\n"
    )
    result = run([tmp_path])
    blob = json.dumps(result)
    assert password not in blob and token not in blob
    assert len(result["discoveries"]) == 2
    assert all(d["secrets"] for d in result["discoveries"])
