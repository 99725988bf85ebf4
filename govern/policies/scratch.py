"""A throwaway in-memory database for offline work (``govern check``, ``govern policy
test``): the real registration and evaluation code runs against it, nothing is kept."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import StaticPool
from sqlmodel import SQLModel, create_engine


def scratch_engine() -> Engine:
    import govern.registry.models  # noqa: F401  (registers the tables)

    engine = create_engine(
        "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
    )

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # SQLAlchemy, not the driver, begins transactions

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN")

    SQLModel.metadata.create_all(engine)
    return engine
