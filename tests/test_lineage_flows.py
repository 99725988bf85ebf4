"""Where sensitive data ends up: the two-hop restricted -> external path, masking, selectors."""

from __future__ import annotations

import pytest
from conftest import automation_manifest
from lineage_support import (
    ANTHROPIC,
    BANDS,
    CRM,
    HR,
    OPENAI,
    XLSX,
    asset_manifest,
    register_docs,
    two_hop_world,
)
from sqlmodel import select

from govern.db import read_session, utcnow, write_session
from govern.lineage import LineageGraph, SelectorError, parse_selector
from govern.lineage.selectors import describe
from govern.registry.models import Access, Asset, Automation

RESTRICTED = {"classification": ["restricted"]}
UNAPPROVED_EXTERNAL = {"external": True, "approved": False}


def build(engine) -> LineageGraph:
    with read_session(engine) as session:
        return LineageGraph.from_session(session)


def test_two_hop_restricted_to_external_path_with_evidence(engine):
    two_hop_world(engine)
    paths = build(engine).flow_paths(source=RESTRICTED, sink=UNAPPROVED_EXTERNAL)
    assert len(paths) == 1
    path = paths[0]
    assert (path.source, path.sink) == (CRM, OPENAI)
    assert path.automations == ["sales/crm-export", "marketing/lead-scoring"]
    assert path.classification == "restricted" and path.tags == ["pii"]
    first, second = path.hops
    assert (first.automation, first.from_asset, first.to_asset) == ("sales/crm-export", CRM, XLSX)
    assert (second.automation, second.from_asset, second.to_asset) == (
        "marketing/lead-scoring",
        XLSX,
        OPENAI,
    )
    for hop in path.hops:
        for evidence in (hop.read_evidence, hop.write_evidence):
            assert set(evidence) >= {"mode", "learned", "first_seen", "last_seen", "masking"}
            assert evidence["learned"] == "declared" and evidence["masking"] is False
            assert evidence["first_seen"].endswith("+00:00")
    assert first.read_evidence["mode"] == "read" and first.write_evidence["mode"] == "write"
    assert second.write_evidence["mode"] == "call"
    data = path.as_dict()
    assert data["length"] == 2 and data["sink_attributes"]["ai_provider"] == "openai"
    assert [h["automation"] for h in data["hops"]] == path.automations


def test_masked_read_stops_the_path(engine):
    two_hop_world(engine, mask_read=True)
    g = build(engine)
    assert g.flow_paths(source=RESTRICTED, sink=UNAPPROVED_EXTERNAL) == []
    # the spreadsheet itself is still reached (one hop), just not the AI service
    reached = g.flow_paths(source=RESTRICTED, sink={"kind": ["spreadsheet"]})
    assert [(p.source, p.sink) for p in reached] == [(CRM, XLSX)]


def test_masked_write_stops_the_path(engine):
    register_docs(
        engine,
        asset_manifest(HR, classification="restricted", tags=["pii", "financial"]),
        automation_manifest(
            "salary-anonymiser",
            "hr",
            reads=[{"asset": HR}],
            writes=[{"asset": BANDS, "masking": True}],
        ),
        automation_manifest(
            "bands-summary", "hr", reads=[{"asset": BANDS}], calls=[{"asset": ANTHROPIC}]
        ),
    )
    g = build(engine)
    assert g.flow_paths(source={"min_classification": "confidential"}, sink={"ai": True}) == []
    assert g.downstream(HR, depth=4) >= {f"asset:{ANTHROPIC}"}  # lineage still shows the edge


def test_one_hop_and_approved_services(engine):
    register_docs(
        engine,
        asset_manifest(
            "https://contoso.openai.azure.com", approved=True, aiProvider="azure-openai"
        ),
        automation_manifest(
            "direct",
            "sales",
            reads=[{"asset": CRM, "classification": "restricted", "tags": ["pii"]}],
            calls=[{"asset": OPENAI}, {"asset": "https://contoso.openai.azure.com"}],
        ),
    )
    g = build(engine)
    unapproved = g.flow_paths(source={"min_classification": "restricted"}, sink=UNAPPROVED_EXTERNAL)
    assert [(p.sink, len(p.hops)) for p in unapproved] == [(OPENAI, 1)]
    ai = g.flow_paths(source={"tags": ["pii"]}, sink={"ai": True})
    assert sorted(p.sink for p in ai) == [OPENAI, "https://contoso.openai.azure.com"]
    approved = g.flow_paths(source={"keys": [CRM]}, sink={"ai": True, "approved": True})
    assert [p.sink for p in approved] == ["https://contoso.openai.azure.com"]


def test_through_and_max_hops(engine):
    two_hop_world(engine)
    register_docs(
        engine,
        automation_manifest("direct", "ops", reads=[{"asset": CRM}], calls=[{"asset": OPENAI}]),
    )
    g = build(engine)
    all_paths = g.flow_paths(source=RESTRICTED, sink=UNAPPROVED_EXTERNAL)
    # one path per automation that delivers the data: both leaks are findings
    assert [p.automations for p in all_paths] == [
        ["ops/direct"],
        ["sales/crm-export", "marketing/lead-scoring"],
    ]
    via = g.flow_paths(
        source=RESTRICTED, sink=UNAPPROVED_EXTERNAL, through="marketing/lead-scoring"
    )
    assert [p.automations for p in via] == [["sales/crm-export", "marketing/lead-scoring"]]
    assert [h.as_dict()["to_asset"] for h in via[0].hops] == [XLSX, OPENAI]
    first = g.flow_paths(source=RESTRICTED, sink=UNAPPROVED_EXTERNAL, through="sales/crm-export")
    assert [p.automations for p in first] == [["sales/crm-export", "marketing/lead-scoring"]]
    assert (
        g.flow_paths(
            source=RESTRICTED, sink=UNAPPROVED_EXTERNAL, through="sales/crm-export", max_hops=1
        )
        == []
    )
    with pytest.raises(ValueError, match="max_hops"):
        g.flow_paths(source=RESTRICTED, sink=UNAPPROVED_EXTERNAL, max_hops=0)


def test_three_hops_and_taint_keeps_the_source_classification(engine):
    two_hop_world(engine)
    register_docs(
        engine,
        automation_manifest(
            "lead-scoring",
            "marketing",
            owner="bo@example.com",
            reads=[{"asset": XLSX}],
            writes=[{"asset": "file://fs01/marketing/scored.csv"}],
        ),
        automation_manifest(
            "newsletter",
            "marketing",
            reads=[{"asset": "file://fs01/marketing/scored.csv"}],
            calls=[{"asset": "https://api.mailchimp.com/3.0"}],
        ),
    )
    g = build(engine)
    paths = g.flow_paths(source=RESTRICTED, sink={"external": True})
    assert [p.automations for p in paths] == [
        ["sales/crm-export", "marketing/lead-scoring", "marketing/newsletter"]
    ]
    assert paths[0].classification == "restricted"
    assert g.flow_paths(source=RESTRICTED, sink={"external": True}, max_hops=2) == []


def test_manual_evidence_overrides_declared_masking(engine):
    two_hop_world(engine, mask_read=True)
    with write_session(engine) as session:
        auto = session.exec(
            select(Automation).where(Automation.key == "marketing/lead-scoring")
        ).one()
        xlsx = session.exec(select(Asset).where(Asset.key == XLSX)).one()
        now = utcnow()
        session.add(
            Access(
                automation_id=auto.id,
                asset_id=xlsx.id,
                mode="read",
                learned="manual",
                masking=False,
                first_seen=now,
                last_seen=now,
            )
        )
    paths = build(engine).flow_paths(source=RESTRICTED, sink=UNAPPROVED_EXTERNAL)
    assert len(paths) == 1
    assert paths[0].hops[1].read_evidence["learned"] == "manual"


def test_selector_strings():
    assert parse_selector("restricted") == {"min_classification": "restricted"}
    assert parse_selector("classification=restricted") == {"classification": ["restricted"]}
    assert parse_selector("external=true,approved=false") == {"external": True, "approved": False}
    assert parse_selector("ai") == {"ai": True}
    assert parse_selector("external,unapproved") == {"external": True, "approved": False}
    assert parse_selector("tags=pii|financial,kind=spreadsheet") == {
        "tags": ["pii", "financial"],
        "kind": ["spreadsheet"],
    }
    assert parse_selector("keys=HTTPS://API.OpenAI.com/") == {"keys": ["https://api.openai.com"]}
    assert describe(parse_selector("external=true,approved=false")) == (
        "external=true,approved=false"
    )
    for bad, message in (
        ("colour=red", "unknown selector key 'colour'"),
        ("secret", "is not a selector"),
        ("external=maybe", "is not true or false"),
        ("classification=top-secret", "classification 'top-secret' is unknown"),
        ("min_classification=huge", "min_classification='huge'"),
        ("kind=spaceship", "kind 'spaceship' is unknown"),
    ):
        with pytest.raises(SelectorError, match=message):
            parse_selector(bad)


def test_selector_dicts_are_validated(engine):
    g = build(engine)
    with pytest.raises(SelectorError, match="unknown selector key"):
        g.flow_paths(source={"clasification": ["restricted"]}, sink={})
