"""export -> import into an empty database -> export gives the same bytes, plus one
audit event recording the import."""

from __future__ import annotations

import io
import json

from conftest import automation_manifest
from registry_support import second_database, write_yaml

from govern.cli import AppContext, main
from govern.db import make_engine, read_session, write_session
from govern.demo import base
from govern.registry import transfer


def _export(engine) -> str:
    buffer = io.StringIO()
    with read_session(engine) as session:
        transfer.export_to(buffer, session)
    return buffer.getvalue()


def test_round_trip_is_identical(settings, engine, runner, tmp_path, make_token):
    make_token("admin")  # tokens are left out of exports
    with write_session(engine) as session:
        base.seed(session, settings, seed=3, automations=40)
    first = _export(engine)
    assert '"table":"automation"' in first and '"table":"api_token"' not in first
    path = tmp_path / "export.jsonl"
    path.write_text(first)
    with second_database(settings, tmp_path) as other:
        from click.testing import CliRunner

        result = CliRunner().invoke(main, ["import", str(path)], obj=AppContext(other))
        assert result.exit_code == 0, result.output
        assert "imported" in result.output
        other_engine = make_engine(other)
        try:
            second = _export(other_engine)
            # the imported registry works: ids continue after the imported ones
            again = CliRunner().invoke(
                main,
                ["register", str(write_yaml(tmp_path / "n.yaml", automation_manifest(name="n")))],
                obj=AppContext(other),
            )
            assert again.exit_code == 0, again.output
        finally:
            other_engine.dispose()
    imported = [line for line in second.splitlines() if '"inventory.imported"' in line]
    assert len(imported) == 1 and '"actor":"local-cli"' in imported[0]
    records = json.loads(imported[0])["row"]["after"]["records"]
    assert records["automation"] == first.count('"table":"automation"')
    assert [line for line in second.splitlines() if line not in imported] == first.splitlines()


def test_import_refuses_a_non_empty_registry_and_garbage(runner, tmp_path):
    path = write_yaml(tmp_path / "m.yaml", automation_manifest())
    assert runner("register", str(path)).exit_code == 0
    exported = runner("export", "-o", str(tmp_path / "e.jsonl"))
    assert exported.exit_code == 0
    refused = runner("import", str(tmp_path / "e.jsonl"))
    assert refused.exit_code == 2 and "already holds" in refused.output
    replaced = runner("import", "--replace", str(tmp_path / "e.jsonl"))
    assert replaced.exit_code == 0, replaced.output
    garbage = tmp_path / "g.jsonl"
    garbage.write_text("hello\n")
    result = runner("import", str(garbage))
    assert result.exit_code == 2 and "not a govern export" in result.output


def test_api_export_and_import(client, headers, settings, tmp_path):
    admin = headers()
    client.post("/api/v1/manifests", json=automation_manifest(), headers=admin)
    assert client.get("/api/v1/export", headers=headers("reviewer")).status_code == 403
    response = client.get("/api/v1/export", headers=admin)
    assert response.mimetype == "application/x-ndjson"
    lines = response.get_data(as_text=True).splitlines()
    assert '"format":"govern-export"' in lines[0]
    conflict = client.post(
        "/api/v1/import", data="\n".join(lines), content_type="application/x-ndjson", headers=admin
    )
    assert conflict.status_code == 409
    replaced = client.post(
        "/api/v1/import?replace=true",
        data="\n".join(lines),
        content_type="application/x-ndjson",
        headers=admin,
    )
    assert replaced.status_code == 200 and replaced.json["imported"]["automation"] == 1
    events = client.get("/api/v1/audit-events?action=inventory.imported", headers=admin)
    [event] = events.json["items"]
    assert event["actor"] == "token:admin-1" or event["actor"].startswith("token:")
