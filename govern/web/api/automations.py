"""/api/v1/automations: register manifests, list, show, history, lifecycle, review."""

from __future__ import annotations

from flask import request, url_for

from govern.registry import audit, automations
from govern.registry.auth import Principal, require_role
from govern.registry.manifest import Document, LoadResult, parse_text
from govern.registry.register import register
from govern.registry.views import audit_dict, automation_dict
from govern.web.api import bp
from govern.web.api.errors import ApiError
from govern.web.api.guards import int_arg, json_body, principal
from govern.web.context import Services, reading, writing


def _documents_from_request() -> LoadResult:
    """A JSON manifest, a JSON list of manifests, or YAML text (several documents)."""
    if request.mimetype in ("application/yaml", "application/x-yaml", "text/yaml"):
        return parse_text(request.get_data(as_text=True), "request body")
    body = json_body()
    docs = body if isinstance(body, list) else [body]
    loaded = LoadResult()
    for index, item in enumerate(docs):
        if not isinstance(item, dict):
            raise ApiError(400, "Bad Request", f"item {index} is not a JSON object")
        loaded.documents.append(Document("request body", index, item))
    return loaded


@bp.post("/automations")
@bp.post("/manifests")
def register_manifests():
    who: Principal = principal()
    require_role(who, "developer", "registering manifests")
    loaded = _documents_from_request()
    if loaded.problems:
        from govern.registry.manifest import ManifestInvalid

        raise ManifestInvalid(loaded.problems)
    domains = Services.current().settings.internal_domains
    with writing() as session:
        outcomes = register(session, loaded, principal=who, internal_domains=domains)
    created = any(o.action == "created" for o in outcomes)
    return {"results": [o.as_dict() for o in outcomes]}, 201 if created else 200


@bp.get("/automations")
def list_automations():
    principal()
    settings = Services.current().settings
    limit = int_arg("limit", settings.page_size, minimum=1, maximum=settings.max_page_size)
    offset = int_arg("offset", 0)
    query = automations.Query(
        filters={
            name: request.args.getlist(name)
            for name in automations.FILTER_COLUMNS
            if request.args.getlist(name)
        },
        search=request.args.get("q", ""),
        include_retired=request.args.get("include_retired", "false").lower() == "true",
        sort=request.args.get("sort", "key"),
    )
    uses_ai = request.args.get("uses_ai")
    if uses_ai is not None:
        query.uses_ai = uses_ai.lower() == "true"
    try:
        with reading() as session:
            page = automations.list_automations(session, query, offset=offset, limit=limit)
    except ValueError as exc:
        raise ApiError(400, "Bad Request", str(exc)) from None
    body = {
        "items": [automation_dict(a, full=False) for a in page.items],
        "total": page.total,
        "offset": page.offset,
        "limit": page.limit,
    }
    if page.offset + page.limit < page.total:
        args = request.args.to_dict(flat=False)
        args["offset"] = [str(page.offset + page.limit)]
        body["next"] = url_for("api.list_automations", **args)
    return body


@bp.get("/automations/<namespace>/<name>")
def get_automation(namespace: str, name: str):
    principal()
    with reading() as session:
        return automation_dict(automations.get(session, f"{namespace}/{name}"))


@bp.get("/automations/<namespace>/<name>/history")
def automation_history(namespace: str, name: str):
    principal()
    key = f"{namespace}/{name}"
    with reading() as session:
        automations.get(session, key)
        events = audit.history(session, entity_type="automation", entity_key=key)
    return {"items": [audit_dict(e) for e in events]}


@bp.post("/automations/<namespace>/<name>/lifecycle")
def change_lifecycle(namespace: str, name: str):
    who = principal()
    body = json_body()
    state = body.get("lifecycle") if isinstance(body, dict) else None
    if not isinstance(state, str):
        raise ApiError(422, "Unprocessable Content", "lifecycle: required, e.g. 'deprecated'")
    try:
        with writing() as session:
            a = automations.set_lifecycle(
                session,
                f"{namespace}/{name}",
                state,
                principal=who,
                comment=body.get("comment", ""),
            )
            return automation_dict(a)
    except ValueError as exc:
        raise ApiError(422, "Unprocessable Content", str(exc)) from None


@bp.delete("/automations/<namespace>/<name>")
def retire_automation(namespace: str, name: str):
    who = principal()
    with writing() as session:
        a = automations.retire(session, f"{namespace}/{name}", principal=who)
        return automation_dict(a)


@bp.post("/automations/<namespace>/<name>/review")
def review_automation(namespace: str, name: str):
    who = principal()
    body = json_body()
    state = body.get("state") if isinstance(body, dict) else None
    if not isinstance(state, str):
        raise ApiError(422, "Unprocessable Content", "state: required, e.g. 'approved'")
    try:
        with writing() as session:
            a = automations.set_review(
                session,
                f"{namespace}/{name}",
                state,
                principal=who,
                comment=str(body.get("comment", "")),
            )
            return automation_dict(a)
    except ValueError as exc:
        raise ApiError(422, "Unprocessable Content", str(exc)) from None
