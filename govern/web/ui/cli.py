"""`govern user ...`: UI accounts (create, list, passwd, set, disable, enable)."""

from __future__ import annotations

import sys

import click

from govern.cli import EXIT_INVALID, AppContext, pass_app
from govern.db import read_session, write_session
from govern.web.ui import users


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_INVALID)


def _password(value: str | None, from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    if value:
        return value
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@click.group("user")
def user_group() -> None:
    """Manage who signs in to the web UI with a password."""


@user_group.command("create")
@click.argument("username")
@click.option(
    "--role",
    type=click.Choice(["viewer", "developer", "reviewer", "admin"]),
    default="viewer",
    show_default=True,
)
@click.option("--email", help="Work email; automations owned by it are this user's.")
@click.option("--namespace", "namespaces", multiple=True, help="Grant a namespace (repeat).")
@click.option("--password", help="Initial password (prompted when omitted).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@pass_app
def create_cmd(app: AppContext, username, role, email, namespaces, password, password_stdin):
    """Create a user."""
    secret = _password(password, password_stdin)
    try:
        with write_session(app.migrated_engine()) as session:
            user = users.create_user(
                session,
                username=username,
                password=secret,
                role=role,
                email=email,
                namespaces=list(namespaces),
            )
    except users.UserError as exc:
        _fail(str(exc))
    click.echo(f"created user {user.username} ({user.role})")


@user_group.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@pass_app
def list_cmd(app: AppContext, fmt: str):
    """List users (never their password hashes)."""
    import json

    with read_session(app.migrated_engine()) as session:
        rows = users.list_users(session)
    if fmt == "json":
        click.echo(
            json.dumps([{"username": u.username, **users.user_snapshot(u)} for u in rows], indent=2)
        )
        return
    click.echo(f"{'USERNAME':20} {'ROLE':10} {'ACTIVE':7} {'EMAIL':32} NAMESPACES")
    for u in rows:
        click.echo(
            f"{u.username:20} {u.role:10} {'yes' if u.active else 'no':7} "
            f"{u.email or '-':32} {','.join(u.namespaces or []) or '-'}"
        )


@user_group.command("passwd")
@click.argument("username")
@click.option("--password", help="New password (prompted when omitted).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@pass_app
def passwd_cmd(app: AppContext, username, password, password_stdin):
    """Set a user's password."""
    secret = _password(password, password_stdin)
    try:
        with write_session(app.migrated_engine()) as session:
            users.set_password(session, username, secret)
    except users.UserError as exc:
        _fail(str(exc))
    click.echo(f"password changed for {username}")


@user_group.command("set")
@click.argument("username")
@click.option("--role", type=click.Choice(["viewer", "developer", "reviewer", "admin"]))
@click.option("--email")
@click.option("--namespace", "namespaces", multiple=True, help="Replace granted namespaces.")
@pass_app
def set_cmd(app: AppContext, username, role, email, namespaces):
    """Change a user's role, email or namespaces."""
    try:
        with write_session(app.migrated_engine()) as session:
            user = users.update_user(
                session,
                username,
                role=role,
                email=email,
                namespaces=list(namespaces) if namespaces else None,
            )
    except users.UserError as exc:
        _fail(str(exc))
    click.echo(
        f"updated {user.username}: role={user.role} email={user.email or '-'} "
        f"namespaces={','.join(user.namespaces or []) or '-'}"
    )


def _toggle(active: bool):
    @click.argument("username")
    @pass_app
    def command(app: AppContext, username):
        try:
            with write_session(app.migrated_engine()) as session:
                users.update_user(session, username, active=active)
        except users.UserError as exc:
            _fail(str(exc))
        click.echo(f"{'enabled' if active else 'disabled'} {username}")

    return command


user_group.command("disable", help="Stop a user signing in (ends their sessions).")(_toggle(False))
user_group.command("enable", help="Let a disabled user sign in again.")(_toggle(True))

COMMANDS = (user_group,)
