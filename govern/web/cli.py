"""`govern serve`: the development server (use gunicorn in production, see README)."""

from __future__ import annotations

import click

from govern.cli import AppContext, pass_app


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--debug", is_flag=True)
@pass_app
def serve_cmd(app: AppContext, host: str, port: int, debug: bool) -> None:
    """Run the web service (API, UI, /metrics) with Flask's server."""
    from govern.web import create_app

    app.migrated_engine()
    flask_app = create_app(app.settings)
    click.echo(f"govern serving on http://{host}:{port}/")
    flask_app.run(host=host, port=port, debug=debug, use_reloader=False)


COMMANDS = (serve_cmd,)
