"""A throwaway in-memory database for offline work (``govern check``, ``govern policy
test``): the real registration and evaluation code runs against it, nothing is kept.

The schema comes from the migrations (as everywhere else), applied once per process to
a template that each scratch database copies with SQLite's backup API.
"""

from __future__ import annotations

from functools import cache

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import StaticPool
from sqlmodel import create_engine


def _memory_engine() -> Engine:
    engine = create_engine(
        "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
    )

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # SQLAlchemy, not the driver, begins transactions
        dbapi_conn.execute("PRAGMA foreign_keys=ON")

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN")

    return engine


@cache
def _template() -> Engine:
    from govern import schema

    engine = _memory_engine()
    schema.upgrade(engine)
    return engine


def scratch_engine() -> Engine:
    """A fresh, migrated, empty in-memory database."""
    template = _template()
    engine = _memory_engine()
    with template.connect() as src, engine.connect() as dst:
        src.connection.driver_connection.backup(dst.connection.driver_connection)
    return engine
