"""The web UI face: Jinja pages for the inventory, review and registration desks.

``init_app`` wires it into the app factory: the blueprint, CSRF protection, the
signed-in principal, template helpers and HTML error pages. Views live in one module
per page family (``views_*``) and only call services.
"""

from __future__ import annotations

from flask import Flask

from govern.web.ui.blueprint import bp

VIEW_MODULES = (
    "views_account",
    "views_dashboard",
    "views_inventory",
    "views_automation",
    "views_review",
    "views_register",
    "views_explore",
)


def init_app(app: Flask) -> None:
    import importlib

    from govern.web.ui import csrf, helpers, session_auth

    for name in VIEW_MODULES:
        importlib.import_module(f"{__name__}.{name}")
    session_auth.init_app(app)
    csrf.init_app(app)
    helpers.init_app(app)
    app.register_blueprint(bp)
