"""The JSON API under /api/v1: one blueprint, resources in their own modules."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def init_app(app: Flask) -> None:
    from govern.web.api import automations, errors, meta  # noqa: F401  (routes register on bp)

    errors.register(app)
    app.register_blueprint(bp)
