"""Fixtures chain: settings (a real database) -> app -> client -> runner -> tokens.

SQLite by default (a fresh file per test, copied from a migrated template);
PostgreSQL when GOVERN_TEST_DATABASE_URL is set (migrated once, tables emptied
between tests).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from govern import schema
from govern.cli import AppContext, main
from govern.config import Settings
from govern.db import make_engine, write_session
from govern.registry import auth
from govern.registry.auth import LOCAL_ADMIN

PG_URL = os.environ.get("GOVERN_TEST_DATABASE_URL", "")
TEST_SECRET = "test-secret-key-not-for-production-0123456789"


def _settings(data_dir: Path, url: str) -> Settings:
    return Settings(
        data_dir=data_dir, database_url=url, secret_key=TEST_SECRET, scheduler_enabled=False
    ).resolved()


@pytest.fixture(scope="session")
def _template(tmp_path_factory) -> str:
    """A migrated database: a SQLite file to copy, or the PostgreSQL URL."""
    if PG_URL:
        engine = make_engine(_settings(tmp_path_factory.mktemp("pg"), PG_URL))
        schema.upgrade(engine)
        engine.dispose()
        return PG_URL
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(_settings(path.parent, f"sqlite:///{path}"))
    schema.upgrade(engine)
    engine.dispose()
    return str(path)


@pytest.fixture
def settings(tmp_path: Path, _template: str) -> Iterator[Settings]:
    if PG_URL:
        s = _settings(tmp_path, PG_URL)
        _truncate_all(s)
        yield s
        return
    db_path = tmp_path / "govern.db"
    shutil.copy(_template, db_path)
    yield _settings(tmp_path, f"sqlite:///{db_path}")


def _truncate_all(s: Settings) -> None:
    from sqlmodel import SQLModel

    import govern.registry.models  # noqa: F401

    engine = make_engine(s)
    names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    # A background thread of the previous test (a metrics refresh, the lineage graph's
    # change check) may still hold a connection: end it, or TRUNCATE can deadlock on it.
    others = (
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )
    for attempt in range(3):
        try:
            with engine.begin() as conn:
                conn.execute(text(others))
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            break
        except OperationalError:
            if attempt == 2:
                raise
    engine.dispose()


@pytest.fixture
def engine(settings: Settings):
    eng = make_engine(settings)
    yield eng
    eng.dispose()


@pytest.fixture
def app(settings: Settings):
    from govern.web import create_app

    flask_app = create_app(settings, {"TESTING": True})
    yield flask_app
    flask_app.extensions["govern"].engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(settings: Settings) -> Callable[..., object]:
    """Run a `govern` command against the test database."""
    cli_runner = CliRunner()

    def invoke(*args: str, **kwargs):
        return cli_runner.invoke(main, list(args), obj=AppContext(settings), **kwargs)

    return invoke


@pytest.fixture
def make_token(engine) -> Callable[..., str]:
    """Create a token and return its value: make_token('developer', namespaces=['hr'])."""
    counter = {"n": 0}

    def create(role: str, *, namespaces: list[str] | None = None, email: str | None = None) -> str:
        counter["n"] += 1
        with write_session(engine) as session:
            _, value = auth.create_token(
                session,
                name=f"{role}-{counter['n']}",
                role=role,
                namespaces=namespaces,
                email=email,
                actor=LOCAL_ADMIN,
            )
        return value

    return create


@pytest.fixture
def headers(make_token) -> Callable[..., dict[str, str]]:
    """Authorization headers for a new token of the given role."""

    def build(role: str = "admin", **kwargs) -> dict[str, str]:
        return {"Authorization": f"Bearer {make_token(role, **kwargs)}"}

    return build


def automation_manifest(
    name: str = "monthly-close-report",
    namespace: str = "finance",
    owner: str = "li.wei@example.com",
    **spec,
) -> dict:
    """A valid Automation manifest; keyword arguments override spec fields."""
    body = {
        "apiVersion": "govern/v1",
        "kind": "Automation",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"platform": "python", "owner": owner, **spec},
    }
    return body
