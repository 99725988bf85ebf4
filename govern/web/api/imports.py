"""/api/v1/export and /api/v1/import: the whole inventory as JSON Lines (admins only)."""

from __future__ import annotations

from flask import Response, request, stream_with_context

from govern.registry import transfer
from govern.registry.auth import require_role
from govern.web.api import bp
from govern.web.api.errors import ApiError
from govern.web.api.guards import bool_arg, principal
from govern.web.api.openapi import json_response, problem_responses, query
from govern.web.context import reading, writing

NDJSON = "application/x-ndjson"


@bp.get("/export")
def export_inventory():
    require_role(principal(), "admin", "exporting the inventory")
    credentials = bool(bool_arg("credentials"))

    def generate():
        with reading() as session:
            for line in transfer.export_lines(session, include_credentials=credentials):
                yield line + "\n"

    return Response(
        stream_with_context(generate()),
        mimetype=NDJSON,
        headers={"Content-Disposition": 'attachment; filename="govern-export.jsonl"'},
    )


@bp.post("/import")
def import_inventory():
    who = principal()
    require_role(who, "admin", "importing an inventory")
    if request.mimetype not in (NDJSON, "application/jsonl", "application/json-lines"):
        raise ApiError(
            415, "Unsupported Media Type", f"send the export with Content-Type: {NDJSON}"
        )
    lines = request.get_data(as_text=True).splitlines()
    try:
        with writing() as session:
            counts = transfer.import_lines(
                session,
                lines,
                replace=bool(bool_arg("replace")),
                source="request body",
                actor=who.actor,
            )
    except transfer.NotEmpty as exc:
        raise ApiError(409, "Conflict", str(exc)) from None
    except transfer.TransferError as exc:
        raise ApiError(422, "Unprocessable Content", str(exc)) from None
    return {"imported": counts}


OPENAPI = {
    "paths": {
        "/api/v1/export": {
            "get": {
                "operationId": "exportInventory",
                "summary": "Everything, as JSON Lines (admin); tokens only with credentials=true, "
                "and then hashed",
                "tags": ["transfer"],
                "parameters": [
                    query("credentials", "Include token and user hashes", {"type": "boolean"})
                ],
                "responses": {
                    "200": {
                        "description": "A header line, then one line per row",
                        "content": {NDJSON: {"schema": {"type": "string"}}},
                    },
                    **problem_responses(403),
                },
            }
        },
        "/api/v1/import": {
            "post": {
                "operationId": "importInventory",
                "summary": "Load an export into an empty registry (admin); all-or-nothing",
                "tags": ["transfer"],
                "parameters": [
                    query("replace", "Replace a non-empty registry", {"type": "boolean"})
                ],
                "requestBody": {
                    "required": True,
                    "content": {NDJSON: {"schema": {"type": "string"}}},
                },
                "responses": {
                    "200": json_response(
                        "Rows imported per table",
                        {
                            "type": "object",
                            "properties": {
                                "imported": {
                                    "type": "object",
                                    "additionalProperties": {"type": "integer"},
                                }
                            },
                        },
                    ),
                    **problem_responses(403, 409, 413, 415, 422),
                },
            }
        },
    },
    "schemas": {},
}
