"""`govern demo`: seed the demo enterprise into the configured database."""

from __future__ import annotations

import os
from pathlib import Path

import click

from govern.cli import AppContext, pass_app
from govern.db import write_session

TOKENS_FILE = "demo-tokens.txt"
DEMO_TOKENS = (
    ("demo-admin", "admin", [], None),
    ("demo-reviewer", "reviewer", [], "nadia.security@example.com"),
    ("demo-developer", "developer", ["finance"], None),
)


@click.command("demo")
@click.option("--seed", default=42, show_default=True, help="Same seed, same enterprise.")
@click.option("--automations", "count", default=300, show_default=True, type=click.IntRange(10))
@pass_app
def demo_cmd(app: AppContext, seed: int, count: int) -> None:
    """Seed a realistic demo enterprise (only into an empty registry; safe to re-run)."""
    from govern.demo import base

    engine = app.migrated_engine()
    tokens_path = app.settings.data_dir / TOKENS_FILE
    try:
        with write_session(engine) as session:
            summary = base.seed(session, app.settings, seed=seed, automations=count)
            tokens = create_tokens(session)
    except base.AlreadySeeded:
        click.echo("the registry already holds an inventory; nothing seeded")
        if tokens_path.exists():
            click.echo(f"demo API tokens: {tokens_path}")
        return
    write_tokens(tokens_path, tokens)
    extras = f"; extensions: {', '.join(summary.extensions)}" if summary.extensions else ""
    click.echo(
        f"seeded {summary.automations} automations ({summary.shadow} shadow), "
        f"{summary.people} people, {summary.assets} assets{extras}"
    )
    for name, role, value in tokens:
        click.echo(f"  {name:15} {role:10} {value}")
    click.echo(f"tokens saved to {tokens_path} (mode 0600)")


def create_tokens(session) -> list[tuple[str, str, str]]:
    """Tokens for the README tour; the finance developer acts as a real finance person."""
    from sqlmodel import select

    from govern.registry import auth
    from govern.registry.models import Automation

    finance_owner = session.exec(
        select(Automation.owner_email)
        .where(Automation.namespace == "finance", Automation.owner_email.is_not(None))
        .order_by(Automation.key)
    ).first()
    out = []
    for name, role, namespaces, email in DEMO_TOKENS:
        if role == "developer":
            email = finance_owner
        _, value = auth.create_token(
            session, name=name, role=role, namespaces=namespaces, email=email
        )
        out.append((name, role, value))
    return out


def write_tokens(path: Path, tokens: list[tuple[str, str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        for name, role, value in tokens:
            handle.write(f"{name} {role} {value}\n")


COMMANDS = (demo_cmd,)
