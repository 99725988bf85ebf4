"""Template helpers: formatting filters, badge tones, URL building, HTML error pages."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask import Flask, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from govern.registry.auth import Forbidden, Unauthenticated
from govern.registry.automations import NotFound
from govern.web.ui.blueprint import bp

TONES = {
    # review
    "approved": "good",
    "pending": "info",
    "changes-requested": "warn",
    "rejected": "bad",
    # reconciliation / origin
    "registered": "good",
    "shadow": "bad",
    "unverified": "warn",
    "missing": "warn",
    "declared": "muted",
    "discovered": "warn",
    "both": "good",
    # risk tiers and severities
    "low": "good",
    "medium": "warn",
    "high": "bad",
    "critical": "crit",
    "info": "muted",
    # policy results
    "pass": "good",
    "fail": "bad",
    "not-applicable": "muted",
    "open": "bad",
    "waived": "warn",
    "resolved": "good",
    # classification
    "public": "muted",
    "internal": "info",
    "confidential": "warn",
    "restricted": "bad",
    # lifecycle and runs
    "active": "good",
    "draft": "muted",
    "deprecated": "warn",
    "retired": "muted",
    "success": "good",
    "failed": "bad",
    "running": "info",
    "partial": "warn",
    "sandbox": "muted",
    "production": "info",
    "enforce": "bad",
    "audit": "muted",
}


def tone(value: Any) -> str:
    return TONES.get(str(value), "muted")


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def ago(value: datetime | str | None) -> str:
    """'3 days ago' style, for tables; exact time goes in a title attribute."""
    if value is None:
        return "never"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, tzinfo=UTC)
    seconds = (datetime.now(UTC) - _aware(value)).total_seconds()
    future = seconds < 0
    seconds = abs(seconds)
    for unit, size in (
        ("year", 31_536_000),
        ("month", 2_592_000),
        ("day", 86_400),
        ("hour", 3600),
        ("minute", 60),
    ):
        if seconds >= size:
            n = int(seconds // size)
            text = f"{n} {unit}{'s' if n != 1 else ''}"
            return f"in {text}" if future else f"{text} ago"
    return "just now"


def when(value: datetime | None) -> str:
    if value is None:
        return ""
    return _aware(value).strftime("%Y-%m-%d %H:%M UTC")


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    days = seconds / 86_400
    if days >= 1:
        return f"{days:.0f} day{'s' if round(days) != 1 else ''}"
    hours = seconds / 3600
    if hours >= 1:
        return f"{hours:.0f} h"
    return f"{seconds / 60:.0f} min"


def number(value: Any) -> str:
    try:
        return f"{int(value):,}".replace(",", "\u202f")
    except (TypeError, ValueError):
        return str(value)


def percent(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "-"
    return f"{value * 100:.{digits}f}%"


def url_with(**changes: Any) -> str:
    """The current page's URL with some query arguments changed (None removes one)."""
    args = request.args.to_dict(flat=False)
    for key, value in changes.items():
        if value is None or value == "":
            args.pop(key, None)
        else:
            args[key] = value if isinstance(value, list) else [str(value)]
    return url_for(request.endpoint or "ui.dashboard", **(request.view_args or {}), **args)


def automation_url(key: str) -> str:
    namespace, _, name = key.partition("/")
    return url_for("ui.automation", namespace=namespace, name=name)


def init_app(app: Flask) -> None:
    env = app.jinja_env
    env.filters.update(
        tone=tone, ago=ago, when=when, number=number, percent=percent, duration=duration
    )
    env.globals.update(url_with=url_with, automation_url=automation_url)
    env.trim_blocks = True
    env.lstrip_blocks = True


def _page(status: int, title: str, detail: str):
    return render_template("ui/error.html", status=status, title=title, detail=detail), status


@bp.errorhandler(Forbidden)
def _forbidden(exc: Forbidden):
    return _page(403, "Not allowed", str(exc))


@bp.errorhandler(Unauthenticated)
def _unauthenticated(exc: Unauthenticated):
    return _page(401, "Sign in needed", str(exc))


@bp.errorhandler(NotFound)
def _not_found(exc: NotFound):
    return _page(404, "Not found", str(exc))


@bp.errorhandler(HTTPException)
def _http(exc: HTTPException):
    return _page(exc.code or 500, exc.name, exc.description or "")


# No page needs a script, so the policy allows none: an injected <script> could not run
# even if escaping failed somewhere.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'none'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


@bp.after_request
def _security_headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if response.mimetype == "text/html":
        response.headers.setdefault("Cache-Control", "no-store")
    return response
