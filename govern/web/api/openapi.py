"""GET /api/v1/openapi.json: the OpenAPI 3.1 document, assembled from every route module.

Each module in ``govern.web.api`` documents its own routes in a module-level
``OPENAPI = {"paths": {...}, "schemas": {...}}``; this module adds what is common
(bearer security, problem+json responses, pagination parameters) and merges them.
A test checks the result against ``app.url_map``, so an undocumented route fails CI.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from govern import __version__
from govern.web.api import bp, route_modules

PROBLEM = {"$ref": "#/components/responses/Problem"}
STANDARD_ERRORS = {
    "400": "Bad request: a malformed parameter or body",
    "401": "No token, or the token is invalid, revoked or expired",
    "403": "The token's role or namespaces do not allow this",
    "404": "No such record",
    "409": "The request contradicts the current state",
    "413": "The request body is larger than the limit",
    "415": "The body is not of a supported media type",
    "422": "The content is well-formed but invalid; `errors` lists every problem",
}


def ref(name: str) -> dict[str, str]:
    """A reference to a schema in components (for use in fragments)."""
    return {"$ref": f"#/components/schemas/{name}"}


def problem_responses(*codes: int) -> dict[str, Any]:
    """Problem responses for the given status codes, e.g. ``problem_responses(404, 422)``."""
    return {str(c): {"$ref": f"#/components/responses/E{c}"} for c in codes}


def json_response(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def query(name: str, description: str, schema: dict[str, Any] | None = None, **extra) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema or {"type": "string"},
        **extra,
    }


def paging_params() -> list[dict[str, Any]]:
    """The limit / offset / keyset-cursor parameters every paged list takes."""
    return [
        query("limit", "Page size", {"type": "integer", "minimum": 1}),
        query("offset", "Rows to skip", {"type": "integer", "minimum": 0}),
        query("after", "Keyset cursor: the nextAfter of the previous page"),
    ]


def page_response(item: str) -> dict[str, Any]:
    """A 200 response holding one page of ``item`` records with its cursor."""
    return json_response(
        "One page",
        {
            "type": "object",
            "properties": {
                "items": {"type": "array", "items": ref(item)},
                "total": {"type": "integer"},
                "limit": {"type": "integer"},
                "nextAfter": {"type": ["string", "null"]},
            },
        },
    )


def path_param(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string"},
    }


COMMON_SCHEMAS: dict[str, Any] = {
    "Problem": {
        "type": "object",
        "description": "RFC 9457 problem details.",
        "properties": {
            "type": {"type": "string", "format": "uri"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "instance": {"type": "string"},
            "errors": {
                "type": "array",
                "description": "For 422 on manifests: every problem, with its JSON path.",
                "items": {"$ref": "#/components/schemas/ManifestProblem"},
            },
            "reasons": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["type", "title", "status"],
    },
    "ManifestProblem": {
        "type": "object",
        "properties": {
            "source": {"type": "string"},
            "document": {"type": ["integer", "null"]},
            "path": {"type": "string", "examples": ["spec.owner"]},
            "message": {"type": "string"},
        },
        "required": ["path", "message"],
    },
}


def _components() -> dict[str, Any]:
    responses: dict[str, Any] = {
        "Problem": {
            "description": "An error, as application/problem+json",
            "content": {"application/problem+json": {"schema": ref("Problem")}},
        }
    }
    for code, text in STANDARD_ERRORS.items():
        responses[f"E{code}"] = {
            "description": text,
            "content": {"application/problem+json": {"schema": ref("Problem")}},
        }
    return {
        "securitySchemes": {
            "bearer": {
                "type": "http",
                "scheme": "bearer",
                "description": "An API token from `govern token create`, sent as "
                "`Authorization: Bearer <token>`.",
            }
        },
        "responses": responses,
        "schemas": copy.deepcopy(COMMON_SCHEMAS),
    }


METHODS = ("get", "put", "post", "delete", "patch")


def build_document(modules: list | None = None) -> dict[str, Any]:
    """The whole document; ``modules`` defaults to every route module."""
    components = _components()
    paths: dict[str, Any] = {}
    for module in modules if modules is not None else route_modules():
        fragment = getattr(module, "OPENAPI", None) or {}
        for path, item in fragment.get("paths", {}).items():
            merged = paths.setdefault(path, {})
            for method, operation in item.items():
                merged[method] = _complete(copy.deepcopy(operation), method, path)
        components["schemas"].update(copy.deepcopy(fragment.get("schemas", {})))
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "govern API",
            "version": __version__,
            "summary": "Inventory, scan and govern shadow automations.",
            "description": "JSON in and out; errors are application/problem+json (RFC 9457). "
            "Every request needs a bearer token unless the operation says otherwise.",
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": dict(sorted(paths.items())),
        "components": components,
    }


def _complete(operation: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    """Add what every operation shares: an operationId, 401 when secured, 400, and a
    default problem response."""
    if method not in METHODS:
        return operation
    if "operationId" not in operation:
        words = re.findall(r"[A-Za-z0-9]+", path.removeprefix("/api/v1/"))
        operation["operationId"] = method + "".join(w[:1].upper() + w[1:] for w in words)
    responses = operation.setdefault("responses", {})
    if operation.get("security") != []:
        responses.setdefault("401", {"$ref": "#/components/responses/E401"})
    responses.setdefault("400", {"$ref": "#/components/responses/E400"})
    responses.setdefault("default", PROBLEM)
    return operation


@bp.get("/openapi.json")
def openapi_document():
    """Public: the document describes the API; it holds no data."""
    return build_document()


OPENAPI = {
    "paths": {
        "/api/v1/openapi.json": {
            "get": {
                "operationId": "getOpenApi",
                "summary": "This OpenAPI 3.1 document",
                "tags": ["meta"],
                "security": [],
                "responses": {"200": json_response("The OpenAPI document", {"type": "object"})},
            }
        }
    },
    "schemas": {},
}
