"""/api/v1/lineage: neighbourhoods, data-flow paths, impact, hygiene lists and exports."""

from __future__ import annotations

from flask import Response, json, request

from govern.lineage import graph_for
from govern.lineage.flows import MAX_HOPS
from govern.lineage.queries import DEFAULT_DEPTH, DIRECTIONS, MAX_DEPTH
from govern.lineage.selectors import SelectorError, describe, parse
from govern.web.api import bp
from govern.web.api.errors import ApiError
from govern.web.api.guards import int_arg, principal
from govern.web.api.openapi import json_response, problem_responses, query, ref
from govern.web.context import Services

EXPORT_FORMATS = ("json", "graphml", "openlineage")


def _graph():
    return graph_for(Services.current().engine)


def _node_arg() -> str:
    node = request.args.get("node", "").strip()
    if not node:
        raise ApiError(
            400, "Bad Request", "query parameter node is required, e.g. node=automation:finance/x"
        )
    return node


def _selector(name: str):
    raw = request.args.get(name)
    if raw is None or not raw.strip():
        raise ApiError(
            400, "Bad Request", f"query parameter {name} is required, e.g. {name}=restricted"
        )
    try:
        return parse(raw)
    except SelectorError as exc:
        raise ApiError(400, "Bad Request", f"{name}: {exc}") from None


@bp.get("/lineage")
def lineage_neighbourhood():
    principal()
    node = _node_arg()
    direction = request.args.get("direction", "both")
    if direction not in DIRECTIONS:
        raise ApiError(
            400,
            "Bad Request",
            f"direction must be one of {', '.join(DIRECTIONS)}; got {direction!r}",
        )
    depth = int_arg("depth", DEFAULT_DEPTH, minimum=1, maximum=MAX_DEPTH)
    include_retired = request.args.get("include_retired", "false").lower() == "true"
    return _graph().neighbourhood(node, direction, depth, include_retired=include_retired)


@bp.get("/lineage/paths")
def lineage_paths():
    principal()
    source, sink = _selector("from"), _selector("to")
    max_hops = int_arg("max_hops", 6, minimum=1, maximum=MAX_HOPS)
    limit = int_arg("limit", 100, minimum=1, maximum=10_000)
    through = request.args.get("through") or None
    paths = _graph().flow_paths(source=source, sink=sink, max_hops=max_hops, through=through)
    return {
        "from": source,
        "to": sink,
        "query": {
            "from": describe(source),
            "to": describe(sink),
            "max_hops": max_hops,
            "through": through,
        },
        "total": len(paths),
        "paths": [p.as_dict() for p in paths[:limit]],
    }


@bp.get("/lineage/impact")
def lineage_impact():
    principal()
    return _graph().impact(_node_arg())


@bp.get("/lineage/node")
def lineage_node():
    principal()
    return _graph().node_info(_node_arg())


@bp.get("/lineage/orphans")
def lineage_orphans():
    principal()
    items = _graph().orphans()
    return {"items": items, "total": len(items)}


@bp.get("/lineage/consolidation")
def lineage_consolidation():
    principal()
    items = _graph().consolidation_candidates()
    return {"items": items, "total": len(items)}


@bp.get("/lineage/most-depended-upon")
def lineage_most_depended_upon():
    principal()
    limit = int_arg("limit", 10, minimum=1, maximum=500)
    return {"items": _graph().most_depended_upon(limit)}


@bp.get("/lineage/export")
def lineage_export():
    principal()
    fmt = request.args.get("format", "json")
    if fmt not in EXPORT_FORMATS:
        raise ApiError(
            400, "Bad Request", f"format must be one of {', '.join(EXPORT_FORMATS)}; got {fmt!r}"
        )
    node = request.args.get("node") or None
    depth = int_arg("depth", DEFAULT_DEPTH, minimum=1, maximum=MAX_DEPTH)
    graph = _graph()
    if fmt == "graphml":
        return Response(graph.graphml(node, depth), mimetype="application/graphml+xml")
    if fmt == "openlineage":
        lines = "".join(json.dumps(e) + "\n" for e in graph.openlineage_events(node, depth))
        return Response(lines, mimetype="application/x-ndjson")
    return graph.node_link(node, depth)


_NODE = query(
    "node",
    "automation:ns/name, asset:<asset key> or person:<email>; bare keys work too",
    required=True,
)
_DEPTH = query(
    "depth",
    "Edges from the node (asset -> automation -> asset is 2)",
    {"type": "integer", "minimum": 1, "maximum": MAX_DEPTH, "default": DEFAULT_DEPTH},
)


def _op(op_id: str, summary: str, params: list, schema: dict, *errors: int) -> dict:
    return {
        "get": {
            "operationId": op_id,
            "summary": summary,
            "tags": ["lineage"],
            "parameters": params,
            "responses": {"200": json_response("OK", schema), **problem_responses(*errors)},
        }
    }


_LIST = {"type": "object", "properties": {"items": {"type": "array"}, "total": {"type": "integer"}}}

OPENAPI = {
    "paths": {
        "/api/v1/lineage": _op(
            "getLineage",
            "Upstream and/or downstream neighbourhood of a node, with the evidence per edge",
            [
                _NODE,
                query("direction", "up, down or both", {"enum": list(DIRECTIONS)}),
                _DEPTH,
                query("include_retired", "Walk through retired automations", {"type": "boolean"}),
            ],
            ref("LineageNeighbourhood"),
            404,
        ),
        "/api/v1/lineage/paths": _op(
            "getLineagePaths",
            "Data-flow paths from assets matching `from` to assets matching `to`",
            [
                query("from", "Source selector, e.g. restricted or tags=pii", required=True),
                query(
                    "to", "Sink selector, e.g. external=true,approved=false or ai", required=True
                ),
                query(
                    "max_hops",
                    "Most automations on a path",
                    {"type": "integer", "minimum": 1, "maximum": MAX_HOPS, "default": 6},
                ),
                query("through", "Automation key that must be on the path"),
                query("limit", "Most paths returned", {"type": "integer", "minimum": 1}),
            ],
            ref("LineagePaths"),
            404,
        ),
        "/api/v1/lineage/impact": _op(
            "getLineageImpact",
            "Blast radius: automations, assets and people affected if the node changes or stops",
            [_NODE],
            ref("LineageImpact"),
            404,
        ),
        "/api/v1/lineage/node": _op(
            "getLineageNode", "Attributes of one lineage node", [_NODE], {"type": "object"}, 404
        ),
        "/api/v1/lineage/orphans": _op(
            "getLineageOrphans", "Live automations whose owner is unknown or inactive", [], _LIST
        ),
        "/api/v1/lineage/consolidation": _op(
            "getLineageConsolidation",
            "Automations with the same fingerprint or the same inputs and outputs",
            [],
            _LIST,
        ),
        "/api/v1/lineage/most-depended-upon": _op(
            "getLineageMostDependedUpon",
            "Nodes that the most automations depend on directly",
            [query("limit", "How many", {"type": "integer", "minimum": 1, "maximum": 500})],
            _LIST,
        ),
        "/api/v1/lineage/export": {
            "get": {
                "operationId": "exportLineage",
                "summary": "Export as JSON node-link, GraphML or OpenLineage events (NDJSON)",
                "tags": ["lineage"],
                "parameters": [
                    query("format", "json, graphml or openlineage", {"enum": list(EXPORT_FORMATS)}),
                    query("node", "Export only the neighbourhood of this node"),
                    _DEPTH,
                ],
                "responses": {
                    "200": {
                        "description": "The export",
                        "content": {
                            "application/json": {"schema": {"type": "object"}},
                            "application/graphml+xml": {"schema": {"type": "string"}},
                            "application/x-ndjson": {"schema": {"type": "string"}},
                        },
                    },
                    **problem_responses(404),
                },
            }
        },
    },
    "schemas": {
        "LineageEvidence": {
            "type": "object",
            "description": "The registry row behind an edge.",
            "properties": {
                "mode": {"enum": ["read", "write", "call", "triggers"]},
                "learned": {"enum": ["declared", "scanned", "manual"]},
                "first_seen": {"type": ["string", "null"], "format": "date-time"},
                "last_seen": {"type": ["string", "null"], "format": "date-time"},
                "masking": {"type": "boolean"},
                "purpose": {"type": "string"},
            },
        },
        "LineageNeighbourhood": {
            "type": "object",
            "properties": {
                "root": {"type": "string"},
                "direction": {"enum": list(DIRECTIONS)},
                "depth": {"type": "integer"},
                "nodes": {"type": "array", "items": {"type": "object"}},
                "edges": {"type": "array", "items": {"type": "object"}},
            },
        },
        "LineageHop": {
            "type": "object",
            "properties": {
                "automation": {"type": "string"},
                "from_asset": {"type": "string"},
                "to_asset": {"type": "string"},
                "read_evidence": ref("LineageEvidence"),
                "write_evidence": ref("LineageEvidence"),
            },
        },
        "LineagePath": {
            "type": "object",
            "properties": {
                "source": {"type": "string"},
                "sink": {"type": "string"},
                "classification": {"type": ["string", "null"]},
                "tags": {"type": "array", "items": {"type": "string"}},
                "automations": {"type": "array", "items": {"type": "string"}},
                "length": {"type": "integer"},
                "sink_attributes": {"type": "object"},
                "hops": {"type": "array", "items": ref("LineageHop")},
            },
        },
        "LineagePaths": {
            "type": "object",
            "properties": {
                "from": {"type": "object"},
                "to": {"type": "object"},
                "query": {"type": "object"},
                "total": {"type": "integer"},
                "paths": {"type": "array", "items": ref("LineagePath")},
            },
        },
        "LineageImpact": {
            "type": "object",
            "properties": {
                "node": {"type": "string"},
                "automations": {"type": "array", "items": {"type": "string"}},
                "assets": {"type": "array", "items": {"type": "string"}},
                "people": {"type": "array", "items": {"type": "string"}},
                "size": {"type": "integer"},
            },
        },
    },
}
