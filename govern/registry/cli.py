"""Registry commands: init, db, register, list, show, token."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from govern.cli import EXIT_INVALID, AppContext, pass_app
from govern.db import read_session, write_session
from govern.registry import auth, automations
from govern.registry.auth import LOCAL_ADMIN
from govern.registry.manifest import LoadResult, ManifestInvalid, load_path, validate
from govern.registry.register import register
from govern.registry.views import automation_dict


@click.command("init")
@pass_app
def init_cmd(app: AppContext) -> None:
    """Create or upgrade the database (safe to run again)."""
    from govern import schema

    schema.upgrade(app.engine)
    after_init = _init_hooks()
    for hook in after_init:
        hook(app)
    click.echo(f"database ready: {app.engine.url.render_as_string(hide_password=True)}")


def _init_hooks():
    """Other areas (e.g. the built-in policy pack) add setup steps here."""
    hooks = []
    try:
        from govern.policies.setup import install_builtin_pack

        hooks.append(install_builtin_pack)
    except ModuleNotFoundError:
        pass
    return hooks


@click.group("db")
def db_group() -> None:
    """Database schema management."""


@db_group.command("upgrade")
@click.option("--revision", default="heads", show_default=True)
@pass_app
def db_upgrade(app: AppContext, revision: str) -> None:
    """Apply migrations up to REVISION."""
    from govern import schema

    schema.upgrade(app.engine, revision)
    click.echo(f"database at {', '.join(sorted(schema.current_revisions(app.engine)))}")


@db_group.command("current")
@pass_app
def db_current(app: AppContext) -> None:
    """Show the applied migration revision(s)."""
    from govern import schema

    current = schema.current_revisions(app.engine)
    click.echo(", ".join(sorted(current)) or "(empty database: run `govern init`)")


@click.command("register")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--url", envvar="GOVERN_URL", help="Register on a remote govern service.")
@click.option("--token", envvar="GOVERN_TOKEN", help="API token for --url.")
@click.option("--dry-run", is_flag=True, help="Validate only; write nothing.")
@pass_app
def register_cmd(app: AppContext, paths, url, token, dry_run) -> None:
    """Register manifests from FILES or DIRECTORIES (all-or-nothing)."""
    loaded = LoadResult()
    for path in paths:
        if not path.exists():
            loaded.problems.append(_missing(path))
            continue
        loaded.extend(load_path(path))
    validate(loaded)
    if loaded.problems:
        _fail(loaded.problems)
    if dry_run:
        click.echo(f"{len(loaded.documents)} manifest(s) valid; nothing written (--dry-run)")
        return
    if url:
        from govern.registry.remote import push_manifests

        outcomes = push_manifests(url, token, loaded)
    else:
        engine = app.migrated_engine()
        try:
            with write_session(engine) as session:
                outcomes = register(
                    session,
                    loaded,
                    principal=LOCAL_ADMIN,
                    internal_domains=app.settings.internal_domains,
                )
                outcomes = [o.as_dict() for o in outcomes]
        except ManifestInvalid as exc:
            _fail(exc.problems)
    _summarise(outcomes)


def _missing(path: Path):
    from govern.registry.manifest import Problem

    return Problem(str(path), "", "no such file or directory")


def _fail(problems) -> None:
    for problem in problems:
        click.echo(f"error: {problem}", err=True)
    click.echo(f"{len(problems)} problem(s); nothing was registered", err=True)
    sys.exit(EXIT_INVALID)


def _summarise(outcomes: list[dict]) -> None:
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome["action"]] = counts.get(outcome["action"], 0) + 1
    parts = [f"{counts.get(a, 0)} {a}" for a in ("created", "updated", "unchanged")]
    click.echo(f"registered {len(outcomes)} manifest(s): {', '.join(parts)}")


@click.command("list")
@click.option("--platform", multiple=True)
@click.option("--namespace", multiple=True)
@click.option("--owner", multiple=True)
@click.option("--origin", multiple=True)
@click.option("--review", multiple=True)
@click.option("--reconciliation", multiple=True)
@click.option("--risk", multiple=True)
@click.option("-q", "--search", default="")
@click.option("--limit", default=50, show_default=True)
@click.option("--offset", default=0)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@pass_app
def list_cmd(
    app: AppContext,
    platform,
    namespace,
    owner,
    origin,
    review,
    reconciliation,
    risk,
    search,
    limit,
    offset,
    fmt,
) -> None:
    """List automations."""
    filters = {
        "platform": list(platform),
        "namespace": list(namespace),
        "owner": list(owner),
        "origin": list(origin),
        "review": list(review),
        "reconciliation": list(reconciliation),
        "risk": list(risk),
    }
    query = automations.Query(filters={k: v for k, v in filters.items() if v}, search=search)
    with read_session(app.migrated_engine()) as session:
        page = automations.list_automations(session, query, offset=offset, limit=limit)
    if fmt == "json":
        items = [automation_dict(a, full=False) for a in page.items]
        click.echo(json.dumps({"items": items, "total": page.total}, indent=2))
        return
    click.echo(f"{'KEY':40} {'PLATFORM':22} {'OWNER':30} {'REVIEW':18} RISK")
    for a in page.items:
        click.echo(
            f"{a.key[:40]:40} {a.platform:22} {(a.owner_email or '-')[:30]:30} "
            f"{a.review_state:18} {a.risk_score}"
        )
    click.echo(f"-- {len(page.items)} of {page.total}")


@click.command("show")
@click.argument("key")
@pass_app
def show_cmd(app: AppContext, key: str) -> None:
    """Show one automation as JSON."""
    with read_session(app.migrated_engine()) as session:
        try:
            automation = automations.get(session, key)
        except automations.NotFound as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(json.dumps(automation_dict(automation), indent=2))


@click.group("token")
def token_group() -> None:
    """Create, list and revoke API tokens."""


@token_group.command("create")
@click.option("--name", required=True)
@click.option(
    "--role", required=True, type=click.Choice(["viewer", "developer", "reviewer", "admin"])
)
@click.option("--namespace", "namespaces", multiple=True, help="Grant a namespace (repeatable).")
@click.option("--email", help="The person the token acts for (owner checks).")
@pass_app
def token_create(app: AppContext, name, role, namespaces, email) -> None:
    """Create a token; its value is printed once and never stored."""
    try:
        with write_session(app.migrated_engine()) as session:
            _, value = auth.create_token(
                session, name=name, role=role, namespaces=list(namespaces), email=email
            )
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(value)
    click.echo(f"token {name!r} ({role}) created; store it now, it is not shown again", err=True)


@token_group.command("list")
@pass_app
def token_list(app: AppContext) -> None:
    """List tokens (never their values)."""
    with read_session(app.migrated_engine()) as session:
        for t in auth.list_tokens(session):
            state = "revoked" if t.revoked_at else "active"
            ns = ",".join(t.namespaces) or "-"
            click.echo(f"{t.name:24} {t.role:10} {state:8} {t.prefix}... namespaces={ns}")


@token_group.command("revoke")
@click.argument("name")
@pass_app
def token_revoke(app: AppContext, name: str) -> None:
    """Revoke a token by name."""
    try:
        with write_session(app.migrated_engine()) as session:
            auth.revoke_token(session, name=name)
    except LookupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"token {name!r} revoked")


COMMANDS = (init_cmd, db_group, register_cmd, list_cmd, show_cmd, token_group)
