"""The Flask app factory: each face (api, ui, metrics) wires itself in with init_app."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask

from govern.config import Settings
from govern.web.context import Services


def create_app(settings: Settings | None = None, overrides: dict[str, Any] | None = None) -> Flask:
    """Build an app; nothing is created at import time, so tests get isolated apps."""
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_request_bytes,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.env == "production",
    )
    app.json.sort_keys = False  # keep the order views chose (key first)
    app.config.update(overrides or {})
    logging.basicConfig(level=settings.log_level)
    Services.init_app(app, settings)

    from govern.web import api

    api.init_app(app)
    _init_optional_faces(app)
    return app


def _init_optional_faces(app: Flask) -> None:
    """Faces added by later capabilities register here (ui, metrics)."""
    import importlib

    for module in ("govern.web.metrics", "govern.web.ui"):
        try:
            face = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if not module.startswith(exc.name or "?"):
                raise
            continue
        face.init_app(app)
