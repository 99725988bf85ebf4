"""Helpers for the registry's tests: manifest files, a live server, a second database."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml
from sqlalchemy import create_engine, func, text
from sqlalchemy.engine import make_url
from sqlmodel import select
from werkzeug.serving import make_server

from govern import schema
from govern.config import Settings
from govern.db import make_engine, read_session
from govern.registry.models import AuditEvent, Automation


def write_yaml(path: Path, *documents: dict) -> Path:
    path.write_text(yaml.safe_dump_all(documents, sort_keys=False), encoding="utf-8")
    return path


def write_json(path: Path, document) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def counts(engine) -> tuple[int, int]:
    """(automations, audit events): 'nothing written' means both stay as they were."""
    with read_session(engine) as session:
        automations = session.exec(select(func.count()).select_from(Automation)).one()
        events = session.exec(select(func.count()).select_from(AuditEvent)).one()
    return automations, events


@contextmanager
def live_server(app) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 with a free port, one thread per request."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@contextmanager
def second_database(settings: Settings, tmp_path: Path) -> Iterator[Settings]:
    """Another empty, migrated database of the same kind as ``settings``'s."""
    if settings.is_sqlite:
        other = Settings(
            data_dir=tmp_path / "other",
            database_url=f"sqlite:///{tmp_path / 'other' / 'govern.db'}",
            secret_key=settings.secret_key,
            scheduler_enabled=False,
        ).resolved()
        engine = make_engine(other)
        schema.upgrade(engine)
        engine.dispose()
        yield other
        return
    url = make_url(settings.database_url)
    name = f"{url.database}_second"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    other = Settings(
        data_dir=tmp_path / "other",
        database_url=url.set(database=name).render_as_string(hide_password=False),
        secret_key=settings.secret_key,
        scheduler_enabled=False,
    ).resolved()
    engine = make_engine(other)
    schema.upgrade(engine)
    try:
        yield other
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
