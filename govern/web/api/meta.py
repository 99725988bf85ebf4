"""Schemas and service metadata."""

from __future__ import annotations

from govern import __version__
from govern.registry.manifest import KINDS, schema_for
from govern.web.api import bp
from govern.web.api.errors import ApiError


@bp.get("/schemas")
def list_schemas():
    return {"items": [{"kind": k, "href": f"/api/v1/schemas/{k.lower()}-v1.json"} for k in KINDS]}


@bp.get("/schemas/<kind>-v1.json")
def get_schema(kind: str):
    match = next((k for k in KINDS if k.lower() == kind.lower()), None)
    if match is None:
        raise ApiError(404, "Not found", f"no schema for kind {kind!r}; kinds: {', '.join(KINDS)}")
    return schema_for(match)


@bp.get("/health")
def health():
    return {"status": "ok", "version": __version__}
