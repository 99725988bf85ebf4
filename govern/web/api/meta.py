"""Schemas and service metadata (public: they describe the service, they hold no data)."""

from __future__ import annotations

from govern import __version__
from govern.registry.manifest import KINDS, schema_for
from govern.web.api import bp
from govern.web.api.errors import ApiError
from govern.web.api.openapi import json_response, path_param, problem_responses


@bp.get("/schemas")
def list_schemas():
    return {"items": [{"kind": k, "href": f"/api/v1/schemas/{k.lower()}-v1.json"} for k in KINDS]}


@bp.get("/schemas/<kind>-v1.json")
def get_schema(kind: str):
    match = next((k for k in KINDS if k.lower() == kind.lower()), None)
    if match is None:
        raise ApiError(404, "Not found", f"no schema for kind {kind!r}; kinds: {', '.join(KINDS)}")
    response = schema_for(match)
    return response, 200, {"Content-Type": "application/schema+json"}


@bp.get("/health")
def health():
    return {"status": "ok", "version": __version__}


OPENAPI = {
    "paths": {
        "/api/v1/schemas": {
            "get": {
                "operationId": "listSchemas",
                "summary": "The manifest JSON Schemas, one per kind",
                "tags": ["meta"],
                "security": [],
                "responses": {
                    "200": json_response(
                        "Kinds and where their schemas are",
                        {
                            "type": "object",
                            "properties": {
                                "items": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "properties": {
                                            "kind": {"enum": list(KINDS)},
                                            "href": {"type": "string"},
                                        },
                                    },
                                }
                            },
                        },
                    )
                },
            }
        },
        "/api/v1/schemas/{kind}-v1.json": {
            "get": {
                "operationId": "getSchema",
                "summary": "The JSON Schema (2020-12) of one manifest kind",
                "description": "Point an editor at it with `$schema` to validate as you type.",
                "tags": ["meta"],
                "security": [],
                "parameters": [path_param("kind", "automation, asset or person")],
                "responses": {
                    "200": {
                        "description": "A JSON Schema",
                        "content": {"application/schema+json": {"schema": {"type": "object"}}},
                    },
                    **problem_responses(404),
                },
            }
        },
        "/api/v1/health": {
            "get": {
                "operationId": "health",
                "summary": "Liveness: the process answers",
                "tags": ["meta"],
                "security": [],
                "responses": {
                    "200": json_response(
                        "Alive",
                        {
                            "type": "object",
                            "properties": {
                                "status": {"const": "ok"},
                                "version": {"type": "string"},
                            },
                        },
                    )
                },
            }
        },
    },
    "schemas": {},
}
