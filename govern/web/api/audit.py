"""/api/v1/audit-events: the append-only log of every write, newest first."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import request

from govern.registry import audit
from govern.registry.views import audit_dict
from govern.web.api import bp
from govern.web.api.errors import ApiError
from govern.web.api.guards import int_arg, principal
from govern.web.api.openapi import json_response, query, ref
from govern.web.context import Services, reading


@bp.get("/audit-events")
def list_audit_events():
    principal()
    settings = Services.current().settings
    limit = int_arg("limit", settings.page_size, minimum=1, maximum=settings.max_page_size)
    before = int_arg("before", 0, minimum=0) or None
    since = request.args.get("since")
    try:
        since_at = datetime.fromisoformat(since) if since else None
        if since_at is not None and since_at.tzinfo is None:
            since_at = since_at.replace(tzinfo=UTC)
    except ValueError:
        raise ApiError(
            400, "Bad Request", f"since={since!r} is not an ISO 8601 time, e.g. 2026-01-31T00:00Z"
        ) from None
    with reading() as session:
        events = audit.list_events(
            session,
            entity_type=request.args.get("entity_type") or None,
            entity_key=request.args.get("entity_key") or None,
            actor=request.args.get("actor") or None,
            action=request.args.get("action") or None,
            since=since_at,
            before_id=before,
            limit=limit,
        )
    return {
        "items": [audit_dict(e) for e in events],
        "limit": limit,
        "nextBefore": events[-1].id if len(events) == limit else None,
    }


OPENAPI = {
    "paths": {
        "/api/v1/audit-events": {
            "get": {
                "operationId": "listAuditEvents",
                "summary": "The audit log, newest first (who, what, when, before/after)",
                "tags": ["audit"],
                "parameters": [
                    query("entity_type", "automation, asset, person, token, ..."),
                    query("entity_key", "The record's key, e.g. finance/monthly-close-report"),
                    query("actor", "Who did it (email or token:NAME)"),
                    query("action", "e.g. automation.updated; a trailing '.' matches a prefix"),
                    query("since", "Only events at or after this ISO 8601 time"),
                    query(
                        "before",
                        "Keyset cursor: the nextBefore of the previous page",
                        {"type": "integer"},
                    ),
                    query("limit", "Page size", {"type": "integer", "minimum": 1}),
                ],
                "responses": {
                    "200": json_response(
                        "One page",
                        {
                            "type": "object",
                            "properties": {
                                "items": {"type": "array", "items": ref("AuditEvent")},
                                "limit": {"type": "integer"},
                                "nextBefore": {"type": ["integer", "null"]},
                            },
                        },
                    )
                },
            }
        }
    },
    "schemas": {},
}
