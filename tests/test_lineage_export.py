"""Exports: OpenLineage events validate against the spec's JSON Schema; GraphML and
node-link round-trip through networkx."""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import networkx as nx
import pytest
from jsonschema import Draft202012Validator, FormatChecker
from lineage_support import CRM, OPENAI, XLSX, two_hop_world

from govern.db import read_session
from govern.lineage import LineageGraph

FIXTURES = Path(__file__).parent / "fixtures" / "lineage"
CHECKER = FormatChecker()


@CHECKER.checks("uri", raises=ValueError)
def _uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", parts.scheme)) and " " not in value


@CHECKER.checks("date-time", raises=ValueError)
def _date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parsed = datetime.fromisoformat(value)
    return "T" in value and parsed.tzinfo is not None


@CHECKER.checks("uuid", raises=ValueError)
def _uuid(value: object) -> bool:
    return not isinstance(value, str) or bool(uuid.UUID(value))


@pytest.fixture(scope="module")
def validators():
    core = json.loads((FIXTURES / "openlineage-2-0-2.schema.json").read_text())
    facets = json.loads((FIXTURES / "openlineage-facets.schema.json").read_text())
    facet_validators = {
        url: Draft202012Validator(schema, format_checker=CHECKER)
        for url, schema in facets.items()
        if url.startswith("https://")
    }
    return Draft202012Validator(core, format_checker=CHECKER), facet_validators


def _facets(event: dict):
    holders = [
        event.get("job"),
        event.get("dataset"),
        *event.get("inputs", []),
        *event.get("outputs", []),
    ]
    for holder in filter(None, holders):
        yield from (holder.get("facets") or {}).items()


@pytest.fixture
def graph(engine) -> LineageGraph:
    two_hop_world(engine)
    with read_session(engine) as session:
        return LineageGraph.build(session)


def test_openlineage_events_validate(graph, validators):
    core, facet_validators = validators
    events = graph.openlineage_events()
    assert len(events) == 5  # 3 dataset events + 2 job events
    for event in events:
        errors = sorted(core.iter_errors(event), key=lambda e: e.path)
        assert not errors, [e.message for e in errors]
        for name, facet in _facets(event):
            url = facet["_schemaURL"].split("#")[0]
            assert url in facet_validators, f"no schema for facet {name}: {url}"
            facet_errors = list(facet_validators[url].iter_errors(facet))
            assert not facet_errors, [e.message for e in facet_errors]


def test_openlineage_content(graph):
    events = graph.openlineage_events(event_time="2026-01-01T00:00:00+00:00")
    datasets = {
        (e["dataset"]["namespace"], e["dataset"]["name"]): e for e in events if "dataset" in e
    }
    crm = datasets[("postgres://crm-db:5432", "crm.public.customers")]
    tags = {t["key"]: t["value"] for t in crm["dataset"]["facets"]["tags"]["tags"]}
    assert tags == {"classification": "restricted", "pii": "true", "external": "false"}
    assert ("https://api.openai.com", "/") in datasets
    jobs = {e["job"]["name"]: e for e in events if "job" in e}
    lead = jobs["marketing.lead-scoring"]
    assert lead["job"]["namespace"] == "govern://govern/marketing"
    assert lead["schemaURL"].endswith("#/$defs/JobEvent")
    assert [(d["namespace"], d["name"]) for d in lead["inputs"]] == [
        ("file://fs01", "sales/exports/customers.xlsx")
    ]
    assert [(d["namespace"], d["name"]) for d in lead["outputs"]] == [
        ("https://api.openai.com", "/")
    ]
    owners = lead["job"]["facets"]["ownership"]["owners"]
    assert owners == [
        {"name": "user:bo@example.com", "type": "OWNER"},
        {"name": "user:ana@example.com", "type": "BACKUP"},
    ]


def test_schema_rejects_broken_events(validators):
    core, _ = validators
    bad_time = {
        "eventTime": "yesterday",
        "producer": "https://x",
        "schemaURL": "https://x",
        "job": {"namespace": "n", "name": "j"},
    }
    assert list(core.iter_errors(bad_time))
    no_name = {
        "eventTime": "2026-01-01T00:00:00+00:00",
        "producer": "https://x",
        "schemaURL": "https://x",
        "job": {"namespace": "n"},
    }
    assert list(core.iter_errors(no_name))
    job_with_run = {**no_name, "job": {"namespace": "n", "name": "j"}, "run": {"runId": "nope"}}
    assert list(core.iter_errors(job_with_run))


def test_graphml_round_trip(graph, tmp_path):
    path = tmp_path / "lineage.graphml"
    path.write_text(graph.graphml(), encoding="utf-8")
    back = nx.read_graphml(path)
    assert set(back.nodes) == set(graph.g.nodes)
    assert back.nodes[f"asset:{CRM}"]["classification"] == "restricted"
    assert back.nodes[f"asset:{CRM}"]["tags"] == "pii"
    edge = back.edges[f"asset:{XLSX}", "automation:marketing/lead-scoring"]
    assert edge["relation"] == "reads" and edge["learned"] == "declared"


def test_node_link_neighbourhood(graph):
    data = graph.node_link("marketing/lead-scoring", depth=1)
    assert data["graph"]["root"] == "marketing/lead-scoring"
    back = nx.node_link_graph(data, edges="links")
    assert set(back.nodes) == {
        "automation:marketing/lead-scoring",
        f"asset:{XLSX}",
        f"asset:{OPENAI}",
        "automation:sales/crm-export",
        "person:bo@example.com",
        "person:ana@example.com",
    }
    call = back.edges["automation:marketing/lead-scoring", f"asset:{OPENAI}"]
    assert call["evidence"][0]["purpose"] == "score leads"
    json.dumps(data)  # JSON-ready
