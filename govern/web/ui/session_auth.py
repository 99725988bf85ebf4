"""Who is signed in to the UI: a password user, an API token, or a trusted proxy header.

The session cookie (signed with SECRET_KEY) holds only a user id or a token's SHA-256,
and both are looked up again on every request, so disabling a user or revoking a
token ends their sessions at once. Guards answer 403 for what a role may not do.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, abort, g, redirect, request, session, url_for
from sqlmodel import select

from govern.db import utcnow
from govern.registry import auth
from govern.registry.auth import Principal
from govern.registry.models import ApiToken, User
from govern.web.context import Services, reading
from govern.web.ui import users


def current() -> Principal | None:
    """The signed-in principal for this request (cached on ``g``), or None."""
    if "ui_principal" in g:
        return g.ui_principal
    found = _from_trusted_header() or _from_session()
    g.ui_principal = found
    return found


def _from_session() -> Principal | None:
    kind = session.get("auth")
    if kind == "user":
        with reading() as db:
            user = db.get(User, session.get("uid"))
        if user is not None and user.active:
            return users.principal_for(user)
    elif kind == "token":
        with reading() as db:
            token = db.exec(
                select(ApiToken).where(ApiToken.token_hash == session.get("token_hash", ""))
            ).first()
        now = utcnow()
        expired = token is not None and token.expires_at is not None and token.expires_at <= now
        if token is not None and token.revoked_at is None and not expired:
            auth.note_use(Services.current().engine, token)
            return auth.principal_for(token)
    if kind:
        session.clear()
    return None


def _from_trusted_header() -> Principal | None:
    """Single sign-on behind a reverse proxy (off unless GOVERN_TRUSTED_HEADER is set).

    The proxy (e.g. oauth2-proxy) authenticates and passes the email; a UI user with that
    email keeps their role, anyone else reads as a viewer.
    """
    header = Services.current().settings.trusted_header
    if not header:
        return None
    email = request.headers.get(header, "").strip().lower()
    if not email:
        return None
    with reading() as db:
        user = db.exec(select(User).where(User.email == email, User.active == True)).first()  # noqa: E712
    if user is not None:
        return users.principal_for(user)
    return Principal(name=f"sso:{email}", role="viewer", email=email)


def sign_in_user(user: User) -> None:
    session.clear()
    session["auth"] = "user"
    session["uid"] = user.id
    session.permanent = True


def sign_in_token(value: str) -> Principal:
    """Sign in with an API token (raises Unauthenticated); only its hash is kept."""
    with reading() as db:
        principal = auth.authenticate(db, value.strip())
    session.clear()
    session["auth"] = "token"
    session["token_hash"] = auth.hash_token(value.strip())
    session.permanent = True
    return principal


def sign_out() -> None:
    session.clear()


def login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapped(*args, **kwargs):
        if current() is None:
            return redirect(url_for("ui.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapped


def role_required(role: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Signed in and at least ``role``; otherwise 403, whatever the method."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(*args, **kwargs):
            who = current()
            if who is None:
                return redirect(url_for("ui.login", next=request.full_path.rstrip("?")))
            if not who.at_least(role):
                abort(403, description=f"This needs the {role} role; your role is {who.role}.")
            return view(*args, **kwargs)

        return wrapped

    return decorator


def init_app(app: Flask) -> None:
    from datetime import timedelta

    app.config.setdefault("PERMANENT_SESSION_LIFETIME", timedelta(hours=12))
    app.jinja_env.globals["current_principal"] = current
