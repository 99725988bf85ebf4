"""Sign in (password or API token), sign out, and the account page."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for

from govern.registry.auth import Unauthenticated
from govern.web.context import writing
from govern.web.ui import csrf, session_auth, users
from govern.web.ui.blueprint import bp


def _safe_next(target: str | None) -> str:
    """Only same-site paths, so the sign-in page cannot redirect elsewhere."""
    if not target:
        return url_for("ui.dashboard")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("ui.dashboard")
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    next_url = request.values.get("next", "")
    error = ""
    method = request.values.get("method", "password")
    if request.method == "POST":
        if method == "token":
            try:
                session_auth.sign_in_token(request.form.get("token", ""))
            except Unauthenticated as exc:
                error = f"Token sign-in failed: {exc}."
            else:
                csrf.rotate()
                return redirect(_safe_next(next_url))
        else:
            username = request.form.get("username", "")
            with writing() as db:
                user = users.verify(db, username, request.form.get("password", ""))
                if user is not None:
                    users.record_login(db, user)
            if user is None:
                error = "The username or password is not right, or the account is disabled."
            else:
                session_auth.sign_in_user(user)
                csrf.rotate()
                return redirect(_safe_next(next_url))
    status = 401 if error else 200
    return (
        render_template(
            "ui/login.html",
            error=error,
            next_url=next_url,
            method=method,
            username=request.form.get("username", ""),
        ),
        status,
    )


@bp.post("/logout")
def logout():
    session_auth.sign_out()
    flash("You are signed out.", "info")
    return redirect(url_for("ui.login"))


@bp.route("/account", methods=["GET", "POST"])
@session_auth.login_required
def account():
    who = session_auth.current()
    error = ""
    if request.method == "POST":
        if not who.name.startswith("user:"):
            error = "Token and single sign-on sessions have no password here."
        elif request.form.get("new_password") != request.form.get("confirm_password"):
            error = "The two new passwords differ."
        else:
            username = who.name.removeprefix("user:")
            with writing() as db:
                if users.verify(db, username, request.form.get("current_password", "")) is None:
                    error = "The current password is not right."
                else:
                    try:
                        users.set_password(
                            db, username, request.form.get("new_password", ""), actor=who
                        )
                    except users.UserError as exc:
                        error = f"Not changed: {exc}."
            if not error:
                flash("Your password was changed.", "good")
                return redirect(url_for("ui.account"))
    return render_template("ui/account.html", who=who, error=error), 422 if error else 200
