"""/api/v1/tokens (admins manage API tokens) and /api/v1/me (who am I)."""

from __future__ import annotations

from datetime import UTC, datetime

from govern.registry import auth
from govern.registry.auth import require_role
from govern.registry.automations import NotFound
from govern.registry.models.security import ApiToken
from govern.registry.models.vocab import ROLES
from govern.registry.views import iso
from govern.web.api import bp
from govern.web.api.errors import ApiError
from govern.web.api.guards import json_body, principal
from govern.web.api.openapi import json_response, path_param, problem_responses, ref
from govern.web.context import reading, writing


def token_dict(t: ApiToken) -> dict:
    """Never the value nor its hash: only what identifies the token."""
    return {
        "name": t.name,
        "prefix": t.prefix,
        "role": t.role,
        "namespaces": list(t.namespaces or []),
        "email": t.email,
        "createdBy": t.created_by,
        "createdAt": iso(t.created_at),
        "expiresAt": iso(t.expires_at),
        "revokedAt": iso(t.revoked_at),
        "lastUsedAt": iso(t.last_used_at),
        "active": t.revoked_at is None,
    }


@bp.get("/me")
def whoami():
    who = principal()
    return {
        "name": who.name,
        "role": who.role,
        "email": who.email,
        "namespaces": list(who.namespaces),
    }


@bp.get("/tokens")
def list_tokens():
    require_role(principal(), "admin", "listing tokens")
    with reading() as session:
        return {"items": [token_dict(t) for t in auth.list_tokens(session)]}


@bp.post("/tokens")
def create_token():
    who = principal()
    require_role(who, "admin", "creating tokens")
    body = json_body()
    if not isinstance(body, dict):
        raise ApiError(400, "Bad Request", "send a JSON object")
    errors = []
    name, role = body.get("name"), body.get("role")
    if not isinstance(name, str) or not name.strip():
        errors.append({"path": "name", "message": "name: required, e.g. 'ci-finance'"})
    if role not in ROLES:
        errors.append({"path": "role", "message": f"role: use one of {', '.join(ROLES)}"})
    namespaces = body.get("namespaces", [])
    if not isinstance(namespaces, list) or not all(isinstance(n, str) for n in namespaces):
        errors.append({"path": "namespaces", "message": "namespaces: a list of namespace names"})
    expires = body.get("expiresAt")
    expires_at = None
    if expires is not None:
        try:
            expires_at = datetime.fromisoformat(expires)
            if expires_at.tzinfo is None:
                expires_at = expires_at.replace(tzinfo=UTC)
        except (TypeError, ValueError):
            errors.append({"path": "expiresAt", "message": "expiresAt: an ISO 8601 time"})
    if errors:
        raise ApiError(422, "Unprocessable Content", f"{len(errors)} problem(s)", errors=errors)
    try:
        with writing() as session:
            token, value = auth.create_token(
                session,
                name=name.strip(),
                role=role,
                namespaces=namespaces,
                email=body.get("email") or None,
                expires_at=expires_at,
                actor=who,
            )
            return {**token_dict(token), "token": value}, 201
    except ValueError as exc:
        raise ApiError(409, "Conflict", str(exc)) from None


@bp.delete("/tokens/<name>")
def revoke_token(name: str):
    who = principal()
    require_role(who, "admin", "revoking tokens")
    try:
        with writing() as session:
            return token_dict(auth.revoke_token(session, name=name, actor=who))
    except LookupError as exc:
        raise NotFound(str(exc)) from None


OPENAPI = {
    "paths": {
        "/api/v1/me": {
            "get": {
                "operationId": "whoami",
                "summary": "The caller: token name, role, email and namespaces",
                "tags": ["tokens"],
                "responses": {
                    "200": json_response(
                        "The caller",
                        {
                            "type": "object",
                            "properties": {
                                "name": {"type": "string"},
                                "role": {"enum": list(ROLES)},
                                "email": {"type": ["string", "null"]},
                                "namespaces": {"type": "array", "items": {"type": "string"}},
                            },
                        },
                    )
                },
            }
        },
        "/api/v1/tokens": {
            "get": {
                "operationId": "listTokens",
                "summary": "List tokens (admin); values and hashes are never shown",
                "tags": ["tokens"],
                "responses": {
                    "200": json_response(
                        "Tokens",
                        {
                            "type": "object",
                            "properties": {"items": {"type": "array", "items": ref("Token")}},
                        },
                    ),
                    **problem_responses(403),
                },
            },
            "post": {
                "operationId": "createToken",
                "summary": "Create a token (admin); the value is in this response only",
                "tags": ["tokens"],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["name", "role"],
                                "properties": {
                                    "name": {"type": "string"},
                                    "role": {"enum": list(ROLES)},
                                    "namespaces": {"type": "array", "items": {"type": "string"}},
                                    "email": {"type": "string", "format": "email"},
                                    "expiresAt": {"type": "string", "format": "date-time"},
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "201": json_response(
                        "Created; `token` holds the value, shown once",
                        {"allOf": [ref("Token"), {"properties": {"token": {"type": "string"}}}]},
                    ),
                    **problem_responses(403, 409, 415, 422),
                },
            },
        },
        "/api/v1/tokens/{name}": {
            "delete": {
                "operationId": "revokeToken",
                "summary": "Revoke a token (admin)",
                "tags": ["tokens"],
                "parameters": [path_param("name", "The token's name")],
                "responses": {
                    "200": json_response("The revoked token", ref("Token")),
                    **problem_responses(403, 404),
                },
            }
        },
    },
    "schemas": {
        "Token": {
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "prefix": {"type": "string", "description": "First characters, to recognise it"},
                "role": {"enum": list(ROLES)},
                "namespaces": {"type": "array", "items": {"type": "string"}},
                "email": {"type": ["string", "null"]},
                "createdBy": {"type": "string"},
                "createdAt": {"type": "string", "format": "date-time"},
                "expiresAt": {"type": ["string", "null"], "format": "date-time"},
                "revokedAt": {"type": ["string", "null"], "format": "date-time"},
                "lastUsedAt": {
                    "type": ["string", "null"],
                    "format": "date-time",
                    "description": "When the token last authenticated (to 5 minutes)",
                },
                "active": {"type": "boolean"},
            },
        }
    },
}
