"""`govern lineage ...` against the test database."""

from __future__ import annotations

import json

import pytest
from lineage_support import CRM, OPENAI, XLSX, two_hop_world

from govern.lineage.sync import forget


@pytest.fixture
def world(engine, settings):
    two_hop_world(engine)
    yield
    forget(engine)


def test_show(runner, world):
    result = runner("lineage", "show", "sales/crm-export", "--depth", "2")
    assert result.exit_code == 0, result.output
    assert "automation:sales/crm-export  (both, depth 2)" in result.output
    assert f"1  asset:{CRM} [restricted]" in result.output
    assert "1  automation:marketing/lead-scoring" in result.output  # triggered directly
    assert f"2  asset:{OPENAI} external, unapproved" in result.output
    assert "  person:ana@example.com" in result.output
    as_json = json.loads(runner("lineage", "show", CRM, "--format", "json").output)
    assert as_json["root"] == f"asset:{CRM}"


def test_paths(runner, world):
    result = runner("lineage", "paths", "--from", "restricted", "--to", "external")
    assert result.exit_code == 0, result.output
    assert f"1. [restricted pii] {CRM} -> {OPENAI}" in result.output
    assert "--read (declared)--> sales/crm-export --write (declared)-->" in result.output
    assert "1 path(s)" in result.output
    masked = runner("lineage", "paths", "--from", "restricted", "--to", "ai", "--max-hops", "1")
    assert "no paths found" in masked.output
    data = json.loads(
        runner("lineage", "paths", "--from", "tags=pii", "--to", "ai", "--format", "json").output
    )
    assert data["paths"][0]["automations"] == ["sales/crm-export", "marketing/lead-scoring"]


def test_invalid_selector_exits_2(runner, world):
    result = runner("lineage", "paths", "--from", "colour=red", "--to", "external")
    assert result.exit_code == 2
    assert "--from" in result.output and "unknown selector key 'colour'" in result.output


def test_unknown_node_and_bad_depth(runner, world):
    result = runner("lineage", "show", "no/such")
    assert result.exit_code == 1
    assert "not in the lineage graph" in result.output
    assert runner("lineage", "show", "sales/crm-export", "--depth", "11").exit_code == 2


def test_impact_orphans_duplicates_top(runner, world):
    impact = runner("lineage", "impact", "sales/crm-export")
    assert "impact of automation:sales/crm-export: 1 automation(s) affected" in impact.output
    assert "0 orphan(s)" in runner("lineage", "orphans").output
    assert "0 group(s)" in runner("lineage", "duplicates").output
    top = runner("lineage", "top", "--limit", "1").output.split()
    assert top == ["1", f"asset:{XLSX}"]


def test_export_to_file(runner, world, tmp_path):
    out = tmp_path / "lineage.jsonl"
    result = runner("lineage", "export", "--format", "openlineage", "-o", str(out))
    assert result.exit_code == 0, result.output
    lines = out.read_text().splitlines()
    assert len(lines) == 5 and all(json.loads(line)["producer"] for line in lines)
    graphml = runner("lineage", "export", "--format", "graphml")
    assert "<graphml" in graphml.output
