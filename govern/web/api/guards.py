"""Small guards views call: who is calling, and reading JSON bodies."""

from __future__ import annotations

from typing import Any

from flask import g, request, url_for

from govern.registry import auth
from govern.registry.auth import Principal
from govern.web.api.errors import ApiError
from govern.web.context import Services, reading


def principal() -> Principal:
    """The authenticated caller (401 when there is none). Cached on ``g``."""
    cached = getattr(g, "govern_principal", None)
    if cached is not None:
        return cached
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer":
        value = ""
    with reading() as session:
        token = auth.valid_token(session, value.strip())
    auth.note_use(Services.current().engine, token)
    found = auth.principal_for(token)
    g.govern_principal = found
    return found


def json_body() -> Any:
    if not request.is_json:
        raise ApiError(
            415 if request.data else 400,
            "Unsupported Media Type" if request.data else "Bad Request",
            "send a JSON body with Content-Type: application/json",
        )
    body = request.get_json(silent=True)
    if body is None:
        raise ApiError(400, "Bad Request", "the body is not valid JSON")
    return body


def int_arg(name: str, default: int, *, minimum: int = 0, maximum: int | None = None) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(
            400, "Bad Request", f"query parameter {name}={raw!r} is not a number"
        ) from None
    if value < minimum or (maximum is not None and value > maximum):
        bound = f"between {minimum} and {maximum}" if maximum is not None else f">= {minimum}"
        raise ApiError(400, "Bad Request", f"query parameter {name} must be {bound}")
    return value


def bool_arg(name: str) -> bool | None:
    """A true/false query parameter; None when absent."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    lowered = raw.strip().lower()
    if lowered in {"true", "1", "yes"}:
        return True
    if lowered in {"false", "0", "no"}:
        return False
    raise ApiError(400, "Bad Request", f"query parameter {name}={raw!r} must be true or false")


def page_links(endpoint: str, page: Any, cursor: str | None) -> dict[str, str]:
    """``next``: the URL of the following page, by keyset cursor (stable under writes)."""
    if not getattr(page, "next_cursor", None):
        return {}
    args = request.args.to_dict(flat=False)
    args.pop("offset", None)
    args["cursor"] = [page.next_cursor]
    return {"next": url_for(endpoint, **args)}
