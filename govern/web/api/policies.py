"""/api/v1 policies, results (violations), waivers, risk, evaluation and previews."""

from __future__ import annotations

from flask import request
from sqlmodel import col, select

from govern.policies import explain, store, views
from govern.policies import waivers as waiver_service
from govern.policies.evaluate import evaluate, evaluate_committed
from govern.policies.loader import PolicyInvalid, compile_documents
from govern.policies.pending import evaluation_states, pending_count
from govern.policies.preview import evaluate_manifest
from govern.policies.schema import policy_schema
from govern.registry import automations
from govern.registry.auth import require_role
from govern.registry.manifest import Document, LoadResult, parse_text
from govern.registry.models import Automation, Decision
from govern.registry.views import iso
from govern.web.api import bp
from govern.web.api.errors import ApiError
from govern.web.api.guards import int_arg, json_body, principal
from govern.web.context import Services, reading, writing

_YAML = ("application/yaml", "application/x-yaml", "text/yaml")


def _page() -> tuple[int, int]:
    settings = Services.current().settings
    limit = int_arg("limit", settings.page_size, minimum=1, maximum=settings.max_page_size)
    return int_arg("offset", 0), limit


@bp.get("/policies")
def list_policies():
    principal()
    with reading() as session:
        return {"items": views.policy_rows(session)}


@bp.get("/policies/schema")
def get_policy_schema():
    return policy_schema()


@bp.post("/policies")
def put_policies():
    """Add or update policies (YAML or JSON); a change re-evaluates everything."""
    who = principal()
    require_role(who, "admin", "changing policies")
    if request.mimetype in _YAML:
        loaded = parse_text(request.get_data(as_text=True), "request body")
    else:
        body = json_body()
        docs = body if isinstance(body, list) else [body]
        loaded = LoadResult(documents=[Document("request body", i, d) for i, d in enumerate(docs)])
    try:
        policies = compile_documents(loaded, "custom")
    except PolicyInvalid as exc:
        raise ApiError(
            422,
            "Invalid policy",
            f"{len(exc.problems)} problem(s); nothing was stored",
            errors=[p.as_dict() for p in exc.problems],
        ) from None
    with writing() as session:
        changed = store.install(session, policies, actor=who.actor, source="custom")
        summary = None
        if changed["created"] or changed["updated"]:
            summary = evaluate(session).as_dict()
    return {"changed": changed, "evaluation": summary}, 201 if changed["created"] else 200


@bp.get("/policies/<policy_id>")
def get_policy(policy_id: str):
    principal()
    with reading() as session:
        for p in store.all_policies(session):
            if p.id == policy_id:
                return {**explain.describe_policy(p), "document": p.document}
    raise ApiError(404, "Not found", f"no policy {policy_id!r}")


@bp.patch("/policies/<policy_id>")
def patch_policy(policy_id: str):
    who = principal()
    require_role(who, "admin", "enabling or disabling policies")
    body = json_body()
    if not isinstance(body, dict) or not isinstance(body.get("enabled"), bool):
        raise ApiError(422, "Unprocessable Content", "enabled: required, true or false")
    with writing() as session:
        store.set_enabled(session, policy_id, body["enabled"], actor=who.actor)
        summary = evaluate(session).as_dict()
    return {"policy": policy_id, "enabled": body["enabled"], "evaluation": summary}


@bp.get("/results")
def list_results():
    principal()
    offset, limit = _page()
    filters = {n: request.args.getlist(n) for n in views.VIOLATION_FILTERS if request.args.get(n)}
    try:
        with reading() as session:
            items, total = views.list_results(session, filters, offset=offset, limit=limit)
            waiting = pending_count(session)
    except ValueError as exc:
        raise ApiError(400, "Bad Request", str(exc)) from None
    return {
        "items": items,
        "total": total,
        "offset": offset,
        "limit": limit,
        "evaluationPending": waiting,
    }


@bp.get("/violations")
def list_violations():
    """Open and waived results (waived ones are counted separately, never hidden)."""
    principal()
    offset, limit = _page()
    filters = {n: request.args.getlist(n) for n in views.VIOLATION_FILTERS if request.args.get(n)}
    filters.setdefault("state", ["open", "waived"])
    try:
        with reading() as session:
            by_state = views.counts_by_state(session, filters)  # one pass: total too
            items, total = views.list_results(
                session, filters, offset=offset, limit=limit, total=by_state["total"]
            )
            counts = {state: by_state[state] for state in ("open", "waived")}
            waiting = pending_count(session)
    except ValueError as exc:
        raise ApiError(400, "Bad Request", str(exc)) from None
    return {
        "items": items,
        "total": total,
        "counts": counts,
        "offset": offset,
        "limit": limit,
        "evaluationPending": waiting,
    }


@bp.get("/automations/<namespace>/<name>/policies")
def automation_policies(namespace: str, name: str):
    """Every policy's current result for one automation, evaluated now, explained."""
    principal()
    with reading() as session:
        return {"items": explain.explain_automation(session, f"{namespace}/{name}")}


@bp.get("/automations/<namespace>/<name>/risk")
def automation_risk(namespace: str, name: str):
    principal()
    with reading() as session:
        a = automations.get(session, f"{namespace}/{name}")
        return {
            "automation": a.key,
            "score": a.risk_score,
            "tier": a.risk_tier,
            "factors": a.risk_factors,
            "evaluation": evaluation_states(session, [a.key])[a.key],
        }


@bp.get("/risk")
def risk_overview():
    principal()
    top = int_arg("top", 20, minimum=1, maximum=500)
    with reading() as session:
        return views.risk_overview(session, top=top)


@bp.post("/evaluate")
def run_evaluation():
    who = principal()
    require_role(who, "reviewer", "running a policy evaluation")
    body = request.get_json(silent=True) if request.data else None
    keys = body.get("keys") if isinstance(body, dict) else None
    if keys is not None and not (isinstance(keys, list) and all(isinstance(k, str) for k in keys)):
        raise ApiError(422, "Unprocessable Content", "keys: a list of namespace/name keys")
    summary = evaluate_committed(Services.current().engine, keys=keys or None)
    return summary.as_dict()


@bp.post("/evaluate/manifest")
def preview_manifest():
    """Findings for a manifest that is not registered yet (nothing is stored)."""
    who = principal()
    require_role(who, "developer", "checking a manifest")
    body = json_body()
    if not isinstance(body, dict):
        raise ApiError(400, "Bad Request", "send one Automation manifest as a JSON object")
    domains = Services.current().settings.internal_domains
    with writing() as session:
        results = evaluate_manifest(session, body, internal_domains=domains)
        session.rollback()
    blocking = [r for r in results if r["status"] == "fail" and r["mode"] == "enforce"]
    return {"results": results, "blocking": len(blocking)}


@bp.get("/waivers")
def list_waivers():
    principal()
    state = request.args.get("state")
    if state not in (None, "active", "expired", "revoked"):
        raise ApiError(400, "Bad Request", "state: active, expired or revoked")
    with reading() as session:
        items = waiver_service.list_waivers(
            session, state_filter=state, policy_id=request.args.get("policy")
        )
    return {"items": items}


@bp.post("/waivers")
def create_waiver():
    who = principal()
    body = json_body()
    if not isinstance(body, dict):
        raise ApiError(400, "Bad Request", "send a JSON object")
    try:
        with writing() as session:
            w = waiver_service.create(
                session,
                policy_id=str(body.get("policy", "")),
                automation_key=body.get("automation"),
                selector=body.get("selector"),
                reason=str(body.get("reason", "")),
                approver=str(body.get("approver", "")),
                ticket=str(body.get("ticket", "")),
                expires=str(body.get("expires", "")),
                principal=who,
            )
            evaluate(session, keys=[body["automation"]] if body.get("automation") else None)
            key = body.get("automation")
            item = waiver_service.waiver_dict(w, key, waiver_service.utcnow())
    except waiver_service.WaiverInvalid as exc:
        raise ApiError(422, "Invalid waiver", str(exc)) from None
    return item, 201


@bp.delete("/waivers/<int:waiver_id>")
def revoke_waiver(waiver_id: int):
    who = principal()
    with writing() as session:
        w = waiver_service.revoke(session, waiver_id, principal=who)
        evaluate(session)
        key = None
        if w.automation_id:
            key = session.get(Automation, w.automation_id).key
        return waiver_service.waiver_dict(w, key, waiver_service.utcnow())


@bp.get("/decisions")
def list_decisions():
    principal()
    offset, limit = _page()
    query = select(Decision, Automation.key).join(
        Automation, col(Automation.id) == col(Decision.automation_id)
    )
    if request.args.get("automation"):
        query = query.where(Automation.key == request.args["automation"])
    if request.args.get("policy"):
        query = query.where(Decision.policy_id == request.args["policy"])
    query = query.order_by(col(Decision.id).desc()).offset(offset).limit(limit)
    with reading() as session:
        items = [
            {
                "decision": d.decision_id,
                "policy": d.policy_id,
                "revision": d.policy_revision,
                "automation": key,
                "result": d.result,
                "waived": d.waived,
                "at": iso(d.at),
            }
            for d, key in session.exec(query)
        ]
    return {"items": items, "offset": offset, "limit": limit}


def _op(summary: str, *, tag: str = "policies", body: bool = False, **extra) -> dict:
    op = {
        "summary": summary,
        "tags": [tag],
        "responses": {"200": {"description": "OK"}, "401": {"description": "no token"}},
        **extra,
    }
    if body:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    return op


_KEY_PARAMS = [
    {"name": "namespace", "in": "path", "required": True, "schema": {"type": "string"}},
    {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}},
]
_FILTER_PARAMS = [
    {"name": n, "in": "query", "required": False, "schema": {"type": "string"}}
    for n in (*views.VIOLATION_FILTERS, "offset", "limit")
]

OPENAPI = {
    "paths": {
        "/api/v1/policies": {
            "get": _op("List policies with open and waived violation counts"),
            "post": _op(
                "Add or update policies (YAML or JSON); re-evaluates everything",
                body=True,
                responses={
                    "200": {"description": "updated"},
                    "201": {"description": "created"},
                    "422": {"description": "invalid policy, with the path of each mistake"},
                },
            ),
        },
        "/api/v1/policies/schema": {"get": _op("The policy JSON Schema")},
        "/api/v1/policies/{policy_id}": {
            "parameters": [
                {"name": "policy_id", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "get": _op("One policy, its document and what it checks in words"),
            "patch": _op("Enable or disable a policy ({enabled: bool})", body=True),
        },
        "/api/v1/results": {
            "get": _op(
                "Stored policy results (open, waived, resolved); evaluationPending counts "
                "automations whose evaluation is queued",
                parameters=_FILTER_PARAMS,
            )
        },
        "/api/v1/violations": {
            "get": _op(
                "Open and waived violations, with counts of each; evaluationPending counts "
                "automations whose evaluation is queued (their results may be stale)",
                parameters=_FILTER_PARAMS,
            )
        },
        "/api/v1/automations/{namespace}/{name}/policies": {
            "parameters": _KEY_PARAMS,
            "get": _op("Every policy's result for one automation, explained"),
        },
        "/api/v1/automations/{namespace}/{name}/risk": {
            "parameters": _KEY_PARAMS,
            "get": _op(
                "Risk score, tier and the factors behind it; evaluation: pending while queued",
                tag="risk",
            ),
        },
        "/api/v1/risk": {"get": _op("Risk tiers and the riskiest automations", tag="risk")},
        "/api/v1/evaluate": {
            "post": _op("Evaluate now (all, or {keys: [...]}); reviewer role", body=True)
        },
        "/api/v1/evaluate/manifest": {
            "post": _op("Findings for an unregistered Automation manifest", body=True)
        },
        "/api/v1/waivers": {
            "get": _op("List waivers (state: active, expired, revoked)", tag="waivers"),
            "post": _op(
                "Grant a waiver (policy, automation or selector, reason, approver, ticket, "
                "expires at most one year ahead); reviewer role",
                tag="waivers",
                body=True,
            ),
        },
        "/api/v1/waivers/{waiver_id}": {
            "parameters": [
                {"name": "waiver_id", "in": "path", "required": True, "schema": {"type": "integer"}}
            ],
            "delete": _op("Revoke a waiver", tag="waivers"),
        },
        "/api/v1/decisions": {"get": _op("The decision log, newest first")},
    },
    "schemas": {},
}
