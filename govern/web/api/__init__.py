"""The JSON API under /api/v1: one blueprint; each resource lives in its own module
in this package and is imported automatically (so areas add routes without editing
this file). A module may define ``OPENAPI = {"paths": {...}, "schemas": {...}}`` with
the OpenAPI 3.1 fragment that documents its routes."""

from __future__ import annotations

import importlib
import pkgutil

from flask import Blueprint, Flask

bp = Blueprint("api", __name__, url_prefix="/api/v1")
_NOT_ROUTES = {"errors", "guards"}


def route_modules() -> list:
    """Every module of this package that defines routes, imported once."""
    modules = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("_") or info.name in _NOT_ROUTES:
            continue
        modules.append(importlib.import_module(f"{__name__}.{info.name}"))
    return modules


def init_app(app: Flask) -> None:
    from govern.web.api import errors

    route_modules()
    errors.register(app)
    app.register_blueprint(bp)
