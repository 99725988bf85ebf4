"""/api/v1/scans, /scan-targets, /discoveries: push mode, runs, targets, decisions."""

from __future__ import annotations

import gzip
import io
import json
from typing import Any

from flask import request
from sqlmodel import col, func, select

from govern.registry.auth import Principal, require_role
from govern.registry.ingest import IngestError, ingest
from govern.registry.models import Automation, Discovery, ScanRun
from govern.registry.reconcile_decisions import decide
from govern.scanner import targets as target_service
from govern.web.api import bp
from govern.web.api.errors import ApiError
from govern.web.api.guards import int_arg, json_body, principal
from govern.web.context import Services, reading, writing

MAX_INFLATED = 64 * 1024 * 1024


def run_dict(run: ScanRun) -> dict[str, Any]:
    return {
        "run_uid": run.run_uid,
        "target": run.target_name,
        "agent": run.agent,
        "status": run.status,
        "started_at": run.started_at.isoformat() if run.started_at else None,
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "duration_seconds": run.duration_seconds,
        "files_seen": run.files_seen,
        "files_read": run.files_read,
        "bytes_read": run.bytes_read,
        "discoveries": run.discoveries,
        "new_discoveries": run.new_discoveries,
        "shadow": run.shadow,
        "gone": run.gone,
        "secrets": run.secrets,
        "batches": list(run.batches or []),
        "errors": list(run.errors or [])[:100],
    }


def discovery_dict(d: Discovery, automation_key: str | None = None) -> dict[str, Any]:
    return {
        "id": d.id,
        "scanner": d.scanner,
        "target": d.target_name,
        "location": d.location,
        "name": d.name,
        "platform": d.platform,
        "fingerprint": d.fingerprint,
        "content_hash": d.content_hash,
        "copies": d.copies,
        "signals": d.signals,
        "secrets": [
            {k: s.get(k) for k in ("type", "line", "preview", "hash", "file")}
            for s in d.secrets or []
        ],
        "owner_hint": d.owner_hint,
        "errors": d.errors,
        "status": d.status,
        "decision": d.decision,
        "decided_by": d.decided_by,
        "decided_at": d.decided_at.isoformat() if d.decided_at else None,
        "automation": automation_key,
        "first_seen": d.first_seen.isoformat() if d.first_seen else None,
        "last_seen": d.last_seen.isoformat() if d.last_seen else None,
    }


def _body() -> dict[str, Any]:
    """JSON, optionally gzip-compressed (Content-Encoding: gzip), inflated with a bound."""
    if request.headers.get("Content-Encoding", "").lower() == "gzip":
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(request.get_data())) as handle:
                raw = handle.read(MAX_INFLATED + 1)
        except (OSError, EOFError):
            raise ApiError(400, "Bad Request", "the body is not valid gzip") from None
        if len(raw) > MAX_INFLATED:
            raise ApiError(
                413, "Payload Too Large", "the inflated body is over 64 MiB; send smaller batches"
            )
        try:
            body = json.loads(raw)
        except ValueError:
            raise ApiError(400, "Bad Request", "the inflated body is not valid JSON") from None
    else:
        body = json_body()
    if not isinstance(body, dict):
        raise ApiError(400, "Bad Request", "send a scan result object")
    return body


@bp.post("/scans")
def push_scan():
    who: Principal = principal()
    require_role(who, "developer", "pushing scan results")
    body = _body()
    scan = body.get("scan") if isinstance(body.get("scan"), dict) else {}
    run_uid = str(body.get("run_uid") or scan.get("run_uid") or "")
    if not run_uid or len(run_uid) > 64:
        raise ApiError(422, "Unprocessable Content", "run_uid: required (at most 64 characters)")
    target = str(body.get("target") or "agent")[:120]
    batch = body.get("batch")
    if batch is not None and not isinstance(batch, int):
        raise ApiError(422, "Unprocessable Content", "batch: a whole number")
    settings = Services.current().settings
    try:
        with writing() as session:
            run = ingest(
                session,
                {"scan": scan, "discoveries": body.get("discoveries")},
                target_name=target,
                agent=str(body.get("agent") or who.actor),
                run_uid=run_uid,
                principal=who,
                batch=batch,
                final=bool(body.get("final", True)),
                internal_domains=settings.internal_domains,
            )
            answer = run_dict(run)
    except IngestError as exc:
        raise ApiError(422, "Unprocessable Content", str(exc)) from None
    if bool(body.get("final", True)) and answer["status"] != "running":
        from govern import events

        events.scan_finished(
            target=answer["target"],
            outcome="partial" if answer["status"] == "partial" else "success",
            files=answer["files_seen"],
            discoveries=answer["discoveries"],
            duration_seconds=answer["duration_seconds"] or 0.0,
        )
    return answer, 201 if answer["status"] == "running" or batch in (None, 0) else 200


@bp.get("/scans")
def list_scans():
    principal()
    settings = Services.current().settings
    limit = int_arg("limit", settings.page_size, minimum=1, maximum=settings.max_page_size)
    offset = int_arg("offset", 0)
    query = select(ScanRun)
    count = select(func.count()).select_from(ScanRun)
    if request.args.get("target"):
        query = query.where(ScanRun.target_name == request.args["target"])
        count = count.where(ScanRun.target_name == request.args["target"])
    with reading() as session:
        total = session.exec(count).one()
        runs = session.exec(
            query.order_by(col(ScanRun.id).desc()).offset(offset).limit(limit)
        ).all()
        items = [run_dict(r) for r in runs]
    return {"items": items, "total": total, "offset": offset, "limit": limit}


@bp.get("/scans/<run_uid>")
def get_scan(run_uid: str):
    principal()
    with reading() as session:
        run = session.exec(select(ScanRun).where(ScanRun.run_uid == run_uid)).first()
        if run is None:
            raise ApiError(404, "Not Found", f"scan run {run_uid} does not exist")
        return run_dict(run)


@bp.get("/scan-targets")
def list_scan_targets():
    principal()
    with reading() as session:
        return {
            "items": [target_service.target_dict(t) for t in target_service.list_targets(session)]
        }


def _target_call(fn, *args, **kwargs):
    try:
        with writing() as session:
            result = fn(session, *args, **kwargs)
            return target_service.target_dict(result) if result is not None else None
    except target_service.TargetInvalid as exc:
        raise ApiError(422, "Unprocessable Content", str(exc)) from None


@bp.post("/scan-targets")
def create_scan_target():
    who = principal()
    return _target_call(target_service.create, json_body(), principal=who), 201


@bp.put("/scan-targets/<name>")
def update_scan_target(name: str):
    who = principal()
    return _target_call(target_service.update, name, json_body(), principal=who)


@bp.delete("/scan-targets/<name>")
def delete_scan_target(name: str):
    who = principal()
    _target_call(target_service.delete, name, principal=who)
    return "", 204


@bp.post("/scan-targets/<name>/run")
def run_scan_target(name: str):
    who = principal()
    require_role(who, "admin", "running a scan now")
    from govern.scanner.run import run_target

    services = Services.current()
    with reading() as session:
        target = target_service.get(session, name)
    run = run_target(services.settings, services.engine, target.id, principal=who)
    if run is None:
        raise ApiError(409, "Conflict", f"scan target {name} is disabled")
    return run_dict(run), 201


@bp.get("/discoveries")
def list_discoveries():
    principal()
    settings = Services.current().settings
    limit = int_arg("limit", settings.page_size, minimum=1, maximum=settings.max_page_size)
    offset = int_arg("offset", 0)
    filters = []
    for arg, column in (
        ("platform", Discovery.platform),
        ("status", Discovery.status),
        ("target", Discovery.target_name),
        ("fingerprint", Discovery.fingerprint),
        ("scanner", Discovery.scanner),
    ):
        values = request.args.getlist(arg)
        if values:
            filters.append(col(column).in_(values))
    if request.args.get("q"):
        like = f"%{request.args['q']}%"
        filters.append(col(Discovery.location).ilike(like) | col(Discovery.name).ilike(like))
    if request.args.get("duplicates", "").lower() == "true":
        filters.append(Discovery.copies > 1)
    if request.args.get("decided", "").lower() == "true":
        filters.append(col(Discovery.decision).is_not(None))
    with reading() as session:
        total = session.exec(select(func.count()).select_from(Discovery).where(*filters)).one()
        rows = session.exec(
            select(Discovery, Automation.key)
            .join(Automation, col(Discovery.automation_id) == col(Automation.id), isouter=True)
            .where(*filters)
            .order_by(col(Discovery.location))
            .offset(offset)
            .limit(limit)
        ).all()
        items = [discovery_dict(d, key) for d, key in rows]
    return {"items": items, "total": total, "offset": offset, "limit": limit}


@bp.get("/discoveries/<int:discovery_id>")
def get_discovery(discovery_id: int):
    principal()
    with reading() as session:
        d = session.get(Discovery, discovery_id)
        if d is None:
            raise ApiError(404, "Not Found", f"discovery {discovery_id} does not exist")
        key = session.get(Automation, d.automation_id).key if d.automation_id else None
        return discovery_dict(d, key)


@bp.post("/discoveries/<int:discovery_id>/decision")
def decide_discovery(discovery_id: int):
    who = principal()
    body = json_body()
    if not isinstance(body, dict):
        raise ApiError(400, "Bad Request", "send an object with 'decision'")
    try:
        with writing() as session:
            d = decide(
                session,
                discovery_id,
                decision=str(body.get("decision") or ""),
                principal=who,
                automation_key=body.get("automation"),
                comment=str(body.get("comment") or ""),
            )
            key = session.get(Automation, d.automation_id).key if d.automation_id else None
            return discovery_dict(d, key)
    except ValueError as exc:
        raise ApiError(422, "Unprocessable Content", str(exc)) from None


def _op(
    summary: str, *, body: str | None = None, ok: str = "200", schema: str | None = None, params=()
):
    op: dict[str, Any] = {
        "summary": summary,
        "tags": ["scans"],
        "responses": {ok: {"description": "OK"}},
    }
    if schema:
        op["responses"][ok]["content"] = {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}
        }
    if body:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{body}"}}},
        }
    if params:
        op["parameters"] = list(params)
    for code in ("401", "403"):
        op["responses"][code] = {"description": "Unauthenticated" if code == "401" else "Forbidden"}
    return op


def _path_param(name: str, kind: str = "string") -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": kind}}


def _query(name: str, kind: str = "string") -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": {"type": kind}}


OPENAPI = {
    "paths": {
        "/api/v1/scans": {
            "post": _op(
                "Push a scan result or one batch of it (gzip accepted; idempotent per run_uid and batch)",  # noqa: E501
                body="ScanPush",
                ok="201",
                schema="ScanRun",
            ),
            "get": _op(
                "List scan runs, newest first",
                schema="ScanRunList",
                params=[_query("target"), _query("limit", "integer"), _query("offset", "integer")],
            ),
        },
        "/api/v1/scans/{run_uid}": {
            "get": _op("One scan run", schema="ScanRun", params=[_path_param("run_uid")])
        },
        "/api/v1/scan-targets": {
            "get": _op("List scan targets", schema="ScanTargetList"),
            "post": _op(
                "Create a scan target (admin)", body="ScanTarget", ok="201", schema="ScanTarget"
            ),
        },
        "/api/v1/scan-targets/{name}": {
            "put": _op(
                "Update a scan target (admin)",
                body="ScanTarget",
                schema="ScanTarget",
                params=[_path_param("name")],
            ),
            "delete": _op("Delete a scan target (admin)", ok="204", params=[_path_param("name")]),
        },
        "/api/v1/scan-targets/{name}/run": {
            "post": _op(
                "Scan a target now (admin)",
                ok="201",
                schema="ScanRun",
                params=[_path_param("name")],
            )
        },
        "/api/v1/discoveries": {
            "get": _op(
                "List discoveries",
                schema="DiscoveryList",
                params=[
                    _query("platform"),
                    _query("status"),
                    _query("target"),
                    _query("fingerprint"),
                    _query("scanner"),
                    _query("q"),
                    _query("duplicates", "boolean"),
                    _query("decided", "boolean"),
                    _query("limit", "integer"),
                    _query("offset", "integer"),
                ],
            ),
        },
        "/api/v1/discoveries/{discovery_id}": {
            "get": _op(
                "One discovery", schema="Discovery", params=[_path_param("discovery_id", "integer")]
            )
        },
        "/api/v1/discoveries/{discovery_id}/decision": {
            "post": _op(
                "Record a reviewer's decision (not-automation, duplicate, clear); survives rescans",
                body="DiscoveryDecision",
                schema="Discovery",
                params=[_path_param("discovery_id", "integer")],
            )
        },
    },
    "schemas": {
        "ScanPush": {
            "type": "object",
            "required": ["discoveries"],
            "properties": {
                "run_uid": {"type": "string", "maxLength": 64},
                "batch": {"type": "integer", "minimum": 0},
                "final": {"type": "boolean"},
                "target": {"type": "string"},
                "agent": {"type": "string"},
                "scan": {"type": "object"},
                "discoveries": {
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/ScannedDiscovery"},
                },
            },
        },
        "ScannedDiscovery": {
            "type": "object",
            "required": ["location", "platform"],
            "properties": {
                "location": {"type": "string"},
                "platform": {"type": "string"},
                "name": {"type": "string"},
                "fingerprint": {"type": ["string", "null"]},
                "triggers": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "type": {"type": "string"},
                            "schedule": {"type": ["string", "null"]},
                        },
                    },
                },
                "reads": {"type": "array", "items": {"type": "string"}},
                "writes": {"type": "array", "items": {"type": "string"}},
                "calls": {"type": "array", "items": {"type": "string"}},
                "ai_services": {"type": "array", "items": {"type": "string"}},
                "secrets": {
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/RedactedSecret"},
                },
                "owner_hint": {"type": ["string", "null"]},
                "errors": {"type": "array", "items": {"type": "string"}},
            },
        },
        "RedactedSecret": {
            "type": "object",
            "properties": {
                "type": {"type": "string"},
                "line": {"type": "integer"},
                "preview": {"type": "string", "maxLength": 5},
                "hash": {"type": "string", "description": "HMAC-SHA256 with the service key"},
                "file": {"type": "string"},
            },
        },
        "ScanRun": {
            "type": "object",
            "properties": {
                "run_uid": {"type": "string"},
                "target": {"type": "string"},
                "status": {"type": "string", "enum": ["running", "success", "partial", "failed"]},
                "discoveries": {"type": "integer"},
                "shadow": {"type": "integer"},
                "gone": {"type": "integer"},
                "duration_seconds": {"type": ["number", "null"]},
            },
        },
        "ScanRunList": {
            "type": "object",
            "properties": {
                "items": {"type": "array", "items": {"$ref": "#/components/schemas/ScanRun"}},
                "total": {"type": "integer"},
            },
        },
        "ScanTarget": {
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "kind": {"type": "string", "enum": ["path", "egress"]},
                "location": {"type": "string"},
                "namespace": {"type": ["string", "null"]},
                "interval_seconds": {"type": ["integer", "null"], "minimum": 60},
                "cron": {"type": ["string", "null"]},
                "ignore": {"type": "array", "items": {"type": "string"}},
                "enabled": {"type": "boolean"},
                "missing_after_runs": {"type": "integer", "minimum": 1},
            },
        },
        "ScanTargetList": {
            "type": "object",
            "properties": {
                "items": {"type": "array", "items": {"$ref": "#/components/schemas/ScanTarget"}}
            },
        },
        "Discovery": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "location": {"type": "string"},
                "platform": {"type": "string"},
                "status": {"type": "string"},
                "decision": {"type": ["string", "null"]},
                "automation": {"type": ["string", "null"]},
                "secrets": {
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/RedactedSecret"},
                },
            },
        },
        "DiscoveryList": {
            "type": "object",
            "properties": {
                "items": {"type": "array", "items": {"$ref": "#/components/schemas/Discovery"}},
                "total": {"type": "integer"},
            },
        },
        "DiscoveryDecision": {
            "type": "object",
            "required": ["decision"],
            "properties": {
                "decision": {"type": "string", "enum": ["not-automation", "duplicate", "clear"]},
                "automation": {"type": "string", "description": "namespace/name, for duplicate"},
                "comment": {"type": "string"},
            },
        },
    },
}
