"""The demo enterprise carries real multi-hop flows through the real register path."""

from __future__ import annotations

import random

from govern.db import read_session, write_session
from govern.demo import lineage_flows
from govern.lineage import LineageGraph

RESTRICTED_TO_UNAPPROVED = (
    {"min_classification": "restricted"},
    {"external": True, "approved": False},
)


def _graph(engine) -> LineageGraph:
    with read_session(engine) as session:
        return LineageGraph.build(session)


def test_flows_on_an_empty_registry(engine, settings):
    with write_session(engine) as session:
        lineage_flows.extend(session, random.Random(1), settings)
    g = _graph(engine)
    paths = {
        (p.source, p.sink): p
        for p in g.flow_paths(source=RESTRICTED_TO_UNAPPROVED[0], sink=RESTRICTED_TO_UNAPPROVED[1])
    }
    payroll = paths[(lineage_flows.PAYROLL, lineage_flows.MISTRAL)]
    assert payroll.automations == ["hr/payroll-export-to-excel", "hr/payroll-insights-assistant"]
    assert payroll.hops[0].to_asset == lineage_flows.PAYROLL_XLSX
    assert g.node_info(lineage_flows.PAYROLL_XLSX)["kind"] == "spreadsheet"
    assert (lineage_flows.CONTRACTS, lineage_flows.PASTEBIN) in paths
    # the anonymiser masks its read: absences never reach Gemini
    assert not any(src == lineage_flows.ABSENCES for src, _ in paths)
    assert f"asset:{lineage_flows.GEMINI}" in g.downstream(lineage_flows.ABSENCES, depth=4)
    # three hops, via triggers and files
    finance = g.flow_paths(
        source={"tags": ["financial"]}, sink={"ai": True}, through="finance/board-narrative"
    )
    assert [p.automations for p in finance if p.source == lineage_flows.LEDGER] == [
        ["finance/gl-extract", "finance/close-consolidation", "finance/board-narrative"]
    ]
    duplicates = g.consolidation_candidates()
    assert any(
        grp["automations"] == ["marketing/crm-customer-pull", "sales/crm-weekly-export"]
        for grp in duplicates
    )


def test_flows_in_the_full_demo(engine, settings):
    from govern.demo import base

    with write_session(engine) as session:
        summary = base.seed(session, settings, seed=42, automations=40)
    assert "lineage_flows" in summary.extensions
    g = _graph(engine)
    sinks = {
        p.sink
        for p in g.flow_paths(
            source={"min_classification": "restricted"}, sink={"ai": True, "approved": False}
        )
    }
    assert lineage_flows.MISTRAL in sinks
    assert g.node_info(lineage_flows.MISTRAL)["approved"] is False
