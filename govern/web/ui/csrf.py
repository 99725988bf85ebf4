"""CSRF protection for every UI form: a per-session token checked on each unsafe request.

Small on purpose (no Flask-WTF): the token lives in the signed session cookie, every
form carries it in a hidden ``csrf_token`` field (or an ``X-CSRF-Token`` header), and
the comparison is constant-time. The JSON API is exempt: it authenticates with bearer
tokens, which browsers never attach on their own.
"""

from __future__ import annotations

import hmac
import secrets

from flask import Flask, abort, request, session

FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def token() -> str:
    """The session's CSRF token, made on first use."""
    value = session.get(FIELD)
    if not value:
        value = secrets.token_urlsafe(32)
        session[FIELD] = value
    return value


def rotate() -> None:
    """A fresh token (after sign-in, so a token seen before cannot be replayed)."""
    session[FIELD] = secrets.token_urlsafe(32)


def _protected() -> bool:
    if request.method in SAFE_METHODS:
        return False
    return not (request.path.startswith("/api/") or request.path == "/metrics")


def check() -> None:
    """Abort with 400 when the request's token is missing or wrong."""
    expected = session.get(FIELD)
    sent = request.form.get(FIELD) or request.headers.get(HEADER) or ""
    if not expected or not sent or not hmac.compare_digest(str(expected), str(sent)):
        abort(
            400,
            description="The form's security token is missing or out of date. "
            "Go back, reload the page and submit again.",
        )


def init_app(app: Flask) -> None:
    @app.before_request
    def _csrf_protect():
        if _protected() and not app.config.get("GOVERN_UI_CSRF_DISABLED", False):
            check()

    app.jinja_env.globals["csrf_token"] = token
