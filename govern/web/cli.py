"""`govern serve`: the development server (use gunicorn in production, see README)."""

from __future__ import annotations

import importlib

import click

from govern.cli import AppContext, pass_app


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--debug", is_flag=True, help="Flask debug mode (never in production).")
@pass_app
def serve_cmd(app: AppContext, host: str, port: int, debug: bool) -> None:
    """Run the web service (API, UI, /metrics) with Flask's server.

    For production run gunicorn instead, e.g.
    gunicorn -w 4 -b 0.0.0.0:8000 'govern.web:create_app()'
    and the scheduler in one process of its own (GOVERN_SCHEDULER=false for the workers).
    """
    from govern.web import create_app

    app.migrated_engine()
    flask_app = create_app(app.settings)
    if app.settings.scheduler_enabled:
        start_scheduler(app)
    click.echo(f"govern serving on http://{host}:{port}/ (database: {_where(app)})")
    flask_app.run(host=host, port=port, debug=debug, use_reloader=False, threaded=True)


def start_scheduler(app: AppContext) -> bool:
    """Start the in-process scheduler when the scheduler module exists (one per server).

    ``create_app`` never does this: every gunicorn worker builds an app, and only
    one process may run the scheduled jobs.
    """
    try:
        scheduler = importlib.import_module("govern.scheduler")
    except ModuleNotFoundError as exc:
        if exc.name and not "govern.scheduler".startswith(exc.name):
            raise
        return False
    scheduler.start_in_process(app.settings)
    return True


def _where(app: AppContext) -> str:
    return app.engine.url.render_as_string(hide_password=True)


COMMANDS = (serve_cmd,)
