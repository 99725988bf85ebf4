"""Lineage: who reads, writes and calls what, and where sensitive data ends up.

``graph_for(engine)`` is the process-wide, incrementally maintained graph;
``LineageGraph.build(session)`` builds one inside a caller's transaction.
"""

from govern.lineage.flows import FlowPath, Hop
from govern.lineage.graph import LineageGraph
from govern.lineage.selectors import SelectorError
from govern.lineage.selectors import parse as parse_selector
from govern.lineage.sync import graph_for

__all__ = ["FlowPath", "Hop", "LineageGraph", "SelectorError", "graph_for", "parse_selector"]
