"""/api/v1/assets: what automations read, write and call (declare them with Asset manifests)."""

from __future__ import annotations

from flask import request
from sqlmodel import select

from govern.registry import assets
from govern.registry.automations import NotFound
from govern.registry.models import Asset
from govern.registry.models.vocab import ASSET_KINDS, CLASSIFICATIONS
from govern.registry.views import asset_dict
from govern.web.api import bp
from govern.web.api.errors import ApiError
from govern.web.api.guards import bool_arg, int_arg, principal
from govern.web.api.openapi import (
    json_response,
    page_response,
    paging_params,
    problem_responses,
    query,
    ref,
)
from govern.web.context import Services, reading


@bp.get("/assets")
def list_assets():
    principal()
    settings = Services.current().settings
    limit = int_arg("limit", settings.page_size, minimum=1, maximum=settings.max_page_size)
    filters = {
        name: [v for value in request.args.getlist(name) for v in value.split(",") if v]
        for name in assets.ASSET_FILTERS
        if request.args.getlist(name)
    }
    after = request.args.get("after") or None
    try:
        with reading() as session:
            items, total = assets.list_assets(
                session,
                filters=filters,
                external=bool_arg("external"),
                approved=bool_arg("approved"),
                tag=request.args.get("tag") or None,
                search=request.args.get("q", "").strip(),
                after=after,
                offset=int_arg("offset", 0),
                limit=limit,
            )
    except ValueError as exc:
        raise ApiError(400, "Bad Request", str(exc)) from None
    return {
        "items": [{"id": a.id, **asset_dict(a)} for a in items],
        "total": total,
        "limit": limit,
        "nextAfter": items[-1].key if len(items) == limit else None,
    }


@bp.get("/assets/<int:asset_id>")
def get_asset(asset_id: int):
    principal()
    with reading() as session:
        asset = session.exec(select(Asset).where(Asset.id == asset_id)).first()
        if asset is None:
            raise NotFound(f"no asset with id {asset_id}; GET /api/v1/assets?key=... finds one")
        return {"id": asset.id, **asset_dict(asset), "usedBy": assets.usage(session, asset)}


@bp.get("/assets/lookup")
def lookup_asset():
    """Find an asset by its name, e.g. ?key=https://api.openai.com."""
    principal()
    key = request.args.get("key", "")
    if not key:
        raise ApiError(400, "Bad Request", "query parameter key is required")
    with reading() as session:
        asset = assets.get_asset(session, key)
        if asset is None:
            raise NotFound(f"no asset {key!r}")
        return {"id": asset.id, **asset_dict(asset), "usedBy": assets.usage(session, asset)}


OPENAPI = {
    "paths": {
        "/api/v1/assets": {
            "get": {
                "operationId": "listAssets",
                "summary": "List assets (tables, files, mailboxes, SaaS and AI services)",
                "tags": ["assets"],
                "parameters": [
                    query(
                        "kind",
                        "Asset kind",
                        {"type": "array", "items": {"enum": list(ASSET_KINDS)}},
                    ),
                    query(
                        "classification",
                        "Classification",
                        {"type": "array", "items": {"enum": list(CLASSIFICATIONS)}},
                    ),
                    query("namespace", "scheme://authority part of the name"),
                    query("ai_provider", "AI provider, e.g. openai"),
                    query("external", "Outside the company boundary", {"type": "boolean"}),
                    query("approved", "Approved external service", {"type": "boolean"}),
                    query("tag", "Data tag, e.g. pii"),
                    query("q", "Free text over name and title"),
                    *paging_params(),
                ],
                "responses": {"200": page_response("Asset")},
            }
        },
        "/api/v1/assets/{asset_id}": {
            "get": {
                "operationId": "getAsset",
                "summary": "One asset and the automations that use it",
                "tags": ["assets"],
                "parameters": [
                    {
                        "name": "asset_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer"},
                    }
                ],
                "responses": {
                    "200": json_response("The asset", ref("AssetDetail")),
                    **problem_responses(404),
                },
            }
        },
        "/api/v1/assets/lookup": {
            "get": {
                "operationId": "lookupAsset",
                "summary": "One asset by its name (scheme://authority/name)",
                "tags": ["assets"],
                "parameters": [query("key", "The asset name", required=True)],
                "responses": {
                    "200": json_response("The asset", ref("AssetDetail")),
                    **problem_responses(404),
                },
            }
        },
    },
    "schemas": {
        "Asset": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "key": {
                    "type": "string",
                    "examples": ["postgres://crm-db:5432/crm.public.customers"],
                },
                "namespace": {"type": "string"},
                "name": {"type": "string"},
                "title": {"type": "string"},
                "kind": {"enum": list(ASSET_KINDS)},
                "classification": {"enum": [*CLASSIFICATIONS, None]},
                "tags": {"type": "array", "items": {"type": "string"}},
                "external": {"type": "boolean"},
                "approved": {"type": "boolean"},
                "systemOfRecord": {"type": "boolean"},
                "aiProvider": {"type": ["string", "null"]},
                "owner": {"type": ["string", "null"]},
                "declared": {"type": "boolean"},
            },
        },
        "AssetDetail": {
            "allOf": [
                ref("Asset"),
                {
                    "type": "object",
                    "properties": {
                        "usedBy": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "automation": {"type": "string"},
                                    "mode": {"enum": ["read", "write", "call"]},
                                    "learned": {"type": "string"},
                                    "lifecycle": {"type": "string"},
                                },
                            },
                        }
                    },
                },
            ]
        },
    },
}
