"""/api/v1/people: owners and reviewers. Register people with Person manifests; admins
change them here (e.g. mark a leaver inactive)."""

from __future__ import annotations

from flask import request

from govern.registry import people
from govern.registry.views import person_dict
from govern.web.api import bp
from govern.web.api.errors import ApiError
from govern.web.api.guards import bool_arg, int_arg, json_body, principal
from govern.web.api.openapi import (
    json_response,
    page_response,
    paging_params,
    path_param,
    problem_responses,
    query,
    ref,
)
from govern.web.context import Services, reading, writing

PATCHABLE = {
    "name": ("name", str),
    "department": ("department", str),
    "active": ("active", bool),
    "certificationLevel": ("certification_level", int),
    "certificationExpires": ("certification_expires", (str, type(None))),
}


@bp.get("/people")
def list_people():
    principal()
    settings = Services.current().settings
    limit = int_arg("limit", settings.page_size, minimum=1, maximum=settings.max_page_size)
    departments = [v for value in request.args.getlist("department") for v in value.split(",")]
    with reading() as session:
        items, total = people.list_people(
            session,
            department=[d for d in departments if d] or None,
            active=bool_arg("active"),
            certified=bool_arg("certified"),
            search=request.args.get("q", "").strip(),
            after=request.args.get("after") or None,
            offset=int_arg("offset", 0),
            limit=limit,
        )
    return {
        "items": [person_dict(p) for p in items],
        "total": total,
        "limit": limit,
        "nextAfter": items[-1].email if len(items) == limit else None,
    }


@bp.get("/people/<email>")
def get_person(email: str):
    principal()
    with reading() as session:
        person = people.get_person(session, email)
        return {**person_dict(person), "automations": people.owned(session, person.email)}


@bp.patch("/people/<email>")
def patch_person(email: str):
    who = principal()
    body = json_body()
    if not isinstance(body, dict):
        raise ApiError(400, "Bad Request", "send a JSON object of the fields to change")
    changes, errors = {}, []
    for field, value in body.items():
        target = PATCHABLE.get(field)
        if target is None:
            errors.append(
                {
                    "path": field,
                    "message": f"{field}: cannot be changed here; "
                    f"use one of: {', '.join(PATCHABLE)}",
                }
            )
        elif not isinstance(value, target[1]) or (target[1] is int and isinstance(value, bool)):
            errors.append({"path": field, "message": f"{field}: {value!r} has the wrong type"})
        else:
            changes[target[0]] = value
    if errors:
        raise ApiError(422, "Unprocessable Content", f"{len(errors)} problem(s)", errors=errors)
    try:
        with writing() as session:
            person = people.update_person(session, email, changes, principal=who)
            return person_dict(person)
    except ValueError as exc:
        raise ApiError(
            422, "Unprocessable Content", str(exc), errors=[{"path": "", "message": str(exc)}]
        ) from None


_EMAIL = path_param("email", "The person's work email")

OPENAPI = {
    "paths": {
        "/api/v1/people": {
            "get": {
                "operationId": "listPeople",
                "summary": "List people",
                "tags": ["people"],
                "parameters": [
                    query("department", "Department (repeatable)"),
                    query("active", "Still with the company", {"type": "boolean"}),
                    query("certified", "Holds a valid certification", {"type": "boolean"}),
                    query("q", "Free text over email and name"),
                    *paging_params(),
                ],
                "responses": {"200": page_response("Person")},
            }
        },
        "/api/v1/people/{email}": {
            "get": {
                "operationId": "getPerson",
                "summary": "One person and the automations they own or back up",
                "tags": ["people"],
                "parameters": [_EMAIL],
                "responses": {
                    "200": json_response("The person", ref("Person")),
                    **problem_responses(404),
                },
            },
            "patch": {
                "operationId": "patchPerson",
                "summary": 'Change a person (admin), e.g. {"active": false} for a leaver',
                "tags": ["people"],
                "parameters": [_EMAIL],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "additionalProperties": False,
                                "properties": {
                                    "name": {"type": "string"},
                                    "department": {"type": "string"},
                                    "active": {"type": "boolean"},
                                    "certificationLevel": {"type": "integer"},
                                    "certificationExpires": {
                                        "type": ["string", "null"],
                                        "format": "date",
                                    },
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "200": json_response("The person", ref("Person")),
                    **problem_responses(403, 404, 415, 422),
                },
            },
        },
    },
    "schemas": {
        "Person": {
            "type": "object",
            "properties": {
                "email": {"type": "string", "format": "email"},
                "name": {"type": "string"},
                "department": {"type": "string"},
                "active": {"type": "boolean"},
                "certification": {
                    "type": "object",
                    "properties": {
                        "level": {"type": "integer", "minimum": 0, "maximum": 3},
                        "expires": {"type": ["string", "null"], "format": "date"},
                    },
                },
                "manager": {"type": ["string", "null"]},
                "automations": {"type": "array", "items": {"type": "object"}},
            },
        }
    },
}
