"""Errors as RFC 9457 problem details (application/problem+json)."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, json, request
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from govern.registry.auth import Forbidden, Unauthenticated
from govern.registry.automations import Conflict, NotFound
from govern.registry.manifest import ManifestInvalid

PROBLEM_TYPE = "https://govern.dev/problems/"


class ApiError(Exception):
    """Raise from a view to answer with a problem document."""

    def __init__(self, status: int, title: str, detail: str = "", **extra: Any):
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.extra = extra


def problem(status: int, title: str, detail: str = "", **extra: Any) -> Response:
    body = {
        "type": PROBLEM_TYPE + title.lower().replace(" ", "-"),
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.path,
        **extra,
    }
    response = Response(json.dumps(body), status=status, mimetype="application/problem+json")
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="govern"'
    return response


def _is_api() -> bool:
    return request.path.startswith("/api/")


def register(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        return problem(exc.status, exc.title, exc.detail, **exc.extra)

    @app.errorhandler(ManifestInvalid)
    def _invalid(exc: ManifestInvalid):
        return problem(
            422,
            "Invalid manifest",
            f"{len(exc.problems)} problem(s); nothing was registered",
            errors=[p.as_dict() for p in exc.problems],
        )

    @app.errorhandler(Unauthenticated)
    def _unauthenticated(exc: Unauthenticated):
        return problem(401, "Unauthorized", str(exc))

    @app.errorhandler(Forbidden)
    def _forbidden(exc: Forbidden):
        return problem(403, "Forbidden", str(exc))

    @app.errorhandler(NotFound)
    def _not_found(exc: NotFound):
        return problem(404, "Not found", str(exc))

    @app.errorhandler(Conflict)
    def _conflict(exc: Conflict):
        return problem(409, "Conflict", str(exc), reasons=exc.reasons)

    @app.errorhandler(IntegrityError)
    def _integrity(exc: IntegrityError):
        if not _is_api():
            raise exc
        return problem(
            409,
            "Conflict",
            "a concurrent change to the same records won; send the request again",
        )

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if not _is_api():
            return exc
        detail = exc.description or ""
        if exc.code == 413:
            limit = app.config.get("MAX_CONTENT_LENGTH")
            detail = f"the request body is larger than the {limit} byte limit; send smaller batches"
        return problem(exc.code or 500, exc.name, detail)
