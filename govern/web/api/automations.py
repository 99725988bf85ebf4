"""/api/v1/automations and /api/v1/manifests: register, validate, list, show, history,
lifecycle, retire, review."""

from __future__ import annotations

from flask import request

from govern.registry import audit, automations
from govern.registry.auth import Principal, require_role
from govern.registry.manifest import (
    Document,
    LoadResult,
    ManifestInvalid,
    parse_text,
    validate,
)
from govern.registry.models.vocab import (
    CRITICALITIES,
    LIFECYCLES,
    ORIGINS,
    PLATFORMS,
    RECONCILIATION_STATES,
    REVIEW_STATES,
    RISK_TIERS,
    TRACKS,
)
from govern.registry.register import register_batch
from govern.registry.views import audit_dict, automation_dict
from govern.web.api import bp
from govern.web.api.errors import ApiError
from govern.web.api.guards import bool_arg, int_arg, json_body, page_links, principal
from govern.web.api.openapi import (
    json_response,
    path_param,
    problem_responses,
    query,
    ref,
)
from govern.web.context import Services, reading, write_retrying, writing

YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml")


def _documents_from_request() -> LoadResult:
    """A JSON manifest, a JSON list of manifests, or YAML text (several documents)."""
    if request.mimetype in YAML_TYPES:
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
    loaded = validate(_documents_from_request())
    if loaded.problems:
        raise ManifestInvalid(loaded.problems)
    settings = Services.current().settings
    limit = None if bool_arg("wait") else settings.inline_evaluation_limit
    done = write_retrying(
        lambda session: register_batch(
            session,
            loaded,
            principal=who,
            internal_domains=settings.internal_domains,
            inline_limit=limit,
        )
    )
    created = any(o.action == "created" for o in done.outcomes)
    body = {"results": [o.as_dict() for o in done.outcomes], "evaluationQueued": len(done.queued)}
    return body, 201 if created else 200


def _evaluation_states(session, items: list[dict]) -> list[dict]:
    """Mark automations whose policy evaluation is queued (their stored violations and
    risk may be stale until the queue is drained)."""
    from govern.policies.pending import evaluation_states

    states = evaluation_states(session, [item["key"] for item in items])
    for item in items:
        item["evaluation"] = states[item["key"]]
    return items


@bp.post("/manifests/validate")
def validate_manifests():
    """Check manifests without writing anything (what `govern check` does locally)."""
    principal()
    loaded = validate(_documents_from_request())
    return {
        "valid": not loaded.problems,
        "documents": len(loaded.documents),
        "problems": [p.as_dict() for p in loaded.problems],
    }


def _query_from_args() -> automations.Query:
    filters = {
        name: [v for value in request.args.getlist(name) for v in value.split(",") if v]
        for name in automations.FILTER_COLUMNS
        if request.args.getlist(name)
    }
    return automations.Query(
        filters=filters,
        search=request.args.get("q", "").strip(),
        uses_ai=bool_arg("uses_ai"),
        include_retired=bool(bool_arg("include_retired")),
        sort=request.args.get("sort", "key"),
    )


@bp.get("/automations")
def list_automations():
    principal()
    settings = Services.current().settings
    limit = int_arg("limit", settings.page_size, minimum=1, maximum=settings.max_page_size)
    offset = int_arg("offset", 0)
    cursor = request.args.get("cursor") or None
    query_ = _query_from_args()
    try:
        with reading() as session:
            page = automations.list_automations(
                session, query_, offset=offset, limit=limit, cursor=cursor, summary=True
            )
            items = _evaluation_states(
                session, [automation_dict(a, full=False) for a in page.items]
            )
    except ValueError as exc:
        raise ApiError(400, "Bad Request", str(exc)) from None
    body = {
        "items": items,
        "total": page.total,
        "offset": page.offset,
        "limit": page.limit,
        "nextCursor": page.next_cursor,
    }
    body.update(page_links("api.list_automations", page, cursor))
    return body


@bp.get("/automations/<namespace>/<name>")
def get_automation(namespace: str, name: str):
    principal()
    with reading() as session:
        automation = automations.get(session, f"{namespace}/{name}")
        (item,) = _evaluation_states(session, [automation_dict(automation)])
        return {**item, **automations.relations(session, automation)}


@bp.get("/automations/<namespace>/<name>/history")
def automation_history(namespace: str, name: str):
    principal()
    key = f"{namespace}/{name}"
    limit = int_arg("limit", 200, minimum=1, maximum=1000)
    with reading() as session:
        automations.get(session, key)
        events = audit.history(session, entity_type="automation", entity_key=key, limit=limit)
    return {"items": [audit_dict(e) for e in events]}


@bp.post("/automations/<namespace>/<name>/lifecycle")
def change_lifecycle(namespace: str, name: str):
    who = principal()
    body = json_body()
    state = body.get("lifecycle") if isinstance(body, dict) else None
    if not isinstance(state, str):
        raise ApiError(
            422,
            "Unprocessable Content",
            "lifecycle: required, e.g. 'deprecated'",
            errors=[{"path": "lifecycle", "message": "lifecycle is missing"}],
        )
    try:
        with writing() as session:
            a = automations.set_lifecycle(
                session,
                f"{namespace}/{name}",
                state,
                principal=who,
                comment=str(body.get("comment", "")),
            )
            return automation_dict(a)
    except ValueError as exc:
        raise ApiError(
            422,
            "Unprocessable Content",
            str(exc),
            errors=[{"path": "lifecycle", "message": str(exc)}],
        ) from None


@bp.delete("/automations/<namespace>/<name>")
def retire_automation(namespace: str, name: str):
    who = principal()
    comment = request.args.get("comment", "")
    with writing() as session:
        a = automations.retire(session, f"{namespace}/{name}", principal=who, comment=comment)
        return automation_dict(a)


@bp.post("/automations/<namespace>/<name>/review")
def review_automation(namespace: str, name: str):
    who = principal()
    body = json_body()
    state = body.get("state") if isinstance(body, dict) else None
    if not isinstance(state, str):
        raise ApiError(
            422,
            "Unprocessable Content",
            "state: required, e.g. 'approved'",
            errors=[{"path": "state", "message": "state is missing"}],
        )
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
        raise ApiError(
            422,
            "Unprocessable Content",
            str(exc),
            errors=[{"path": "state", "message": str(exc)}],
        ) from None


# -- OpenAPI -------------------------------------------------------------------

_KEY_PARAMS = [
    path_param("namespace", "The automation's namespace (team or department)"),
    path_param("name", "The automation's name"),
]
_MANIFEST_BODY = {
    "required": True,
    "description": "One manifest, a JSON list of manifests, or YAML with several documents. "
    "All-or-nothing: if any document is invalid or forbidden, nothing is written.",
    "content": {
        "application/json": {
            "schema": {"oneOf": [ref("Manifest"), {"type": "array", "items": ref("Manifest")}]}
        },
        "application/yaml": {"schema": {"type": "string"}},
    },
}


def _enum_filter(name: str, values, description: str) -> dict:
    return query(
        name,
        description + " (repeat or comma-separate for several)",
        {"type": "array", "items": {"enum": list(values)}},
        style="form",
        explode=True,
    )


OPENAPI = {
    "paths": {
        "/api/v1/automations": {
            "get": {
                "operationId": "listAutomations",
                "summary": "List automations (filters, search, stable pagination)",
                "description": "Page with `offset`/`limit`, or with `cursor` (keyset: pass the "
                "`nextCursor` of the previous page; stable while others write). Retired "
                "automations are hidden unless `include_retired=true` or a lifecycle filter.",
                "tags": ["automations"],
                "parameters": [
                    _enum_filter("platform", PLATFORMS, "Platform"),
                    query("namespace", "Namespace (repeatable)"),
                    query("owner", "Owner email (repeatable)"),
                    query("department", "Owner's department (repeatable)"),
                    _enum_filter("origin", ORIGINS, "How it became known"),
                    _enum_filter("reconciliation", RECONCILIATION_STATES, "Reconciliation state"),
                    _enum_filter("review", REVIEW_STATES, "Review state"),
                    _enum_filter("risk", RISK_TIERS, "Risk tier"),
                    _enum_filter("track", TRACKS, "Track"),
                    _enum_filter("lifecycle", LIFECYCLES, "Lifecycle"),
                    _enum_filter("criticality", CRITICALITIES, "Criticality"),
                    query("q", "Free text over key, title, description, owner and location"),
                    query(
                        "uses_ai",
                        "Only automations that do (true) or do not use AI",
                        {"type": "boolean"},
                    ),
                    query("include_retired", "Include retired automations", {"type": "boolean"}),
                    query("sort", "Order", {"enum": list(automations.SORTS), "default": "key"}),
                    query("limit", "Page size", {"type": "integer", "minimum": 1}),
                    query("offset", "Rows to skip", {"type": "integer", "minimum": 0}),
                    query("cursor", "Keyset cursor: the nextCursor of the previous page"),
                ],
                "responses": {"200": json_response("One page", ref("AutomationPage"))},
            },
            "post": {
                "operationId": "registerAutomations",
                "summary": "Register manifests (same as POST /api/v1/manifests)",
                "tags": ["automations"],
                "requestBody": _MANIFEST_BODY,
                "responses": {
                    "200": json_response("Nothing new was created", ref("RegisterResult")),
                    "201": json_response("At least one record was created", ref("RegisterResult")),
                    **problem_responses(403, 413, 415, 422),
                },
            },
        },
        "/api/v1/manifests": {
            "post": {
                "operationId": "registerManifests",
                "summary": "Register Automation, Asset and Person manifests (idempotent upsert)",
                "description": "Re-registering an unchanged manifest writes nothing. Developers "
                "register automations they own or in granted namespaces; people need admin. "
                "A batch changing more than GOVERN_INLINE_EVALUATION_LIMIT automations queues "
                "their policy evaluation (evaluationQueued) unless wait=true.",
                "tags": ["automations"],
                "parameters": [
                    {
                        "name": "wait",
                        "in": "query",
                        "required": False,
                        "description": "true: evaluate policies before answering, whatever "
                        "the batch size",
                        "schema": {"type": "boolean", "default": False},
                    }
                ],
                "requestBody": _MANIFEST_BODY,
                "responses": {
                    "200": json_response("Nothing new was created", ref("RegisterResult")),
                    "201": json_response("At least one record was created", ref("RegisterResult")),
                    **problem_responses(403, 413, 415, 422),
                },
            }
        },
        "/api/v1/manifests/validate": {
            "post": {
                "operationId": "validateManifests",
                "summary": "Validate manifests; writes nothing",
                "tags": ["automations"],
                "requestBody": _MANIFEST_BODY,
                "responses": {
                    "200": json_response(
                        "Validation report",
                        {
                            "type": "object",
                            "properties": {
                                "valid": {"type": "boolean"},
                                "documents": {"type": "integer"},
                                "problems": {"type": "array", "items": ref("ManifestProblem")},
                            },
                        },
                    ),
                    **problem_responses(413, 415),
                },
            }
        },
        "/api/v1/automations/{namespace}/{name}": {
            "get": {
                "operationId": "getAutomation",
                "summary": "One automation, in full",
                "tags": ["automations"],
                "parameters": _KEY_PARAMS,
                "responses": {
                    "200": json_response("The automation", ref("AutomationDetail")),
                    **problem_responses(404),
                },
            },
            "delete": {
                "operationId": "retireAutomation",
                "summary": "Retire (soft): the record and its history stay",
                "tags": ["automations"],
                "parameters": [*_KEY_PARAMS, query("comment", "Why it is retired")],
                "responses": {
                    "200": json_response("The retired automation", ref("AutomationDetail")),
                    **problem_responses(403, 404),
                },
            },
        },
        "/api/v1/automations/{namespace}/{name}/history": {
            "get": {
                "operationId": "automationHistory",
                "summary": "Audit events of one automation, newest first, with diffs",
                "tags": ["automations"],
                "parameters": [
                    *_KEY_PARAMS,
                    query("limit", "At most this many", {"type": "integer", "maximum": 1000}),
                ],
                "responses": {
                    "200": json_response(
                        "Events",
                        {
                            "type": "object",
                            "properties": {"items": {"type": "array", "items": ref("AuditEvent")}},
                        },
                    ),
                    **problem_responses(404),
                },
            }
        },
        "/api/v1/automations/{namespace}/{name}/lifecycle": {
            "post": {
                "operationId": "setLifecycle",
                "summary": "Change the lifecycle (draft, active, deprecated, retired)",
                "tags": ["automations"],
                "parameters": _KEY_PARAMS,
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["lifecycle"],
                                "properties": {
                                    "lifecycle": {"enum": list(LIFECYCLES)},
                                    "comment": {"type": "string"},
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "200": json_response("The automation", ref("AutomationDetail")),
                    **problem_responses(403, 404, 415, 422),
                },
            }
        },
        "/api/v1/automations/{namespace}/{name}/review": {
            "post": {
                "operationId": "setReview",
                "summary": "Reviewers approve, request changes or reject",
                "description": "Approval is refused with 409 while enforce-mode policies fail; "
                "`reasons` lists them.",
                "tags": ["automations"],
                "parameters": _KEY_PARAMS,
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["state"],
                                "properties": {
                                    "state": {"enum": list(REVIEW_STATES)},
                                    "comment": {"type": "string"},
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "200": json_response("The automation", ref("AutomationDetail")),
                    **problem_responses(403, 404, 409, 415, 422),
                },
            }
        },
    },
    "schemas": {
        "Manifest": {
            "type": "object",
            "description": "An Automation, Asset or Person manifest (apiVersion govern/v1); "
            "see /api/v1/schemas/{kind}-v1.json.",
            "required": ["apiVersion", "kind", "metadata", "spec"],
            "properties": {
                "apiVersion": {"const": "govern/v1"},
                "kind": {"enum": ["Automation", "Asset", "Person"]},
                "metadata": {"type": "object"},
                "spec": {"type": "object"},
            },
        },
        "RegisterResult": {
            "type": "object",
            "properties": {
                "results": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "kind": {"type": "string"},
                            "key": {"type": "string"},
                            "action": {"enum": ["created", "updated", "unchanged"]},
                        },
                    },
                },
                "evaluationQueued": {
                    "type": "integer",
                    "description": "Automations whose policy evaluation was queued (a batch "
                    "larger than GOVERN_INLINE_EVALUATION_LIMIT); 0 when evaluated inline",
                },
            },
        },
        "Automation": {
            "type": "object",
            "properties": {
                "key": {"type": "string", "examples": ["finance/monthly-close-report"]},
                "namespace": {"type": "string"},
                "name": {"type": "string"},
                "title": {"type": "string"},
                "platform": {"enum": list(PLATFORMS)},
                "owner": {"type": ["string", "null"]},
                "backupOwner": {"type": ["string", "null"]},
                "department": {"type": ["string", "null"]},
                "track": {"enum": list(TRACKS)},
                "criticality": {"enum": list(CRITICALITIES)},
                "lifecycle": {"enum": list(LIFECYCLES)},
                "origin": {"enum": list(ORIGINS)},
                "reconciliationState": {"enum": list(RECONCILIATION_STATES)},
                "reviewState": {"enum": list(REVIEW_STATES)},
                "riskScore": {"type": "integer", "minimum": 0, "maximum": 100},
                "riskTier": {"enum": list(RISK_TIERS)},
                "usesAI": {"type": "boolean"},
                "evaluation": {
                    "enum": ["current", "pending"],
                    "description": "pending while the policy evaluation of a large "
                    "registration is queued: violations and risk may be stale",
                },
                "trigger": {"type": "object"},
                "schedule": {"type": ["string", "null"]},
                "scheduleText": {"type": ["string", "null"]},
                "updatedAt": {"type": "string", "format": "date-time"},
            },
        },
        "AutomationDetail": {
            "allOf": [
                ref("Automation"),
                {
                    "type": "object",
                    "properties": {
                        "description": {"type": "string"},
                        "justification": {"type": "string"},
                        "location": {"type": ["string", "null"]},
                        "tags": {"type": "array", "items": {"type": "string"}},
                        "riskFactors": {"type": "array", "items": {"type": "object"}},
                        "accesses": {"type": "array", "items": {"type": "object"}},
                        "manifest": {"type": "object"},
                    },
                },
            ]
        },
        "AutomationPage": {
            "type": "object",
            "properties": {
                "items": {"type": "array", "items": ref("Automation")},
                "total": {"type": "integer"},
                "offset": {"type": "integer"},
                "limit": {"type": "integer"},
                "nextCursor": {"type": ["string", "null"]},
                "next": {"type": "string", "description": "URL of the next page (cursor)"},
            },
        },
        "AuditEvent": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "at": {"type": "string", "format": "date-time"},
                "actor": {"type": "string"},
                "action": {"type": "string", "examples": ["automation.updated"]},
                "entityType": {"type": "string"},
                "entityKey": {"type": "string"},
                "diff": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"field": {"type": "string"}, "before": {}, "after": {}},
                    },
                },
                "before": {"type": ["object", "null"]},
                "after": {"type": ["object", "null"]},
                "comment": {"type": "string"},
            },
        },
    },
}
