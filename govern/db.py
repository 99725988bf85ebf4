"""Engine and session factory.

SQLite is the embedded default: WAL journal, a busy timeout, foreign keys on,
and write transactions that take the write lock up front (``BEGIN IMMEDIATE``)
so concurrent writers queue instead of failing with "database is locked".
PostgreSQL is used as is.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, create_engine

from govern.config import Settings

T = TypeVar("T")


def utcnow() -> datetime:
    """Timezone-aware UTC now; every timestamp in govern is aware UTC."""
    return datetime.now(UTC)


def make_engine(settings: Settings) -> Engine:
    url = settings.database_url
    if url.startswith("sqlite"):
        return _sqlite_engine(url, settings.sqlite_busy_timeout_ms)
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def _sqlite_engine(url: str, busy_timeout_ms: int) -> Engine:
    path = url.split("///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # pragma: no cover - exercised by every test
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        if conn.get_execution_options().get("sqlite_immediate"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")

    return engine


class RetriesExhausted(RuntimeError):
    """A unit of work kept colliding with concurrent writers."""


def retrying(engine: Engine, work: Callable[[Session], T], *, attempts: int = 5) -> T:
    """Run ``work`` in one write transaction; if a concurrent writer inserted the same
    unique row first (IntegrityError), run it again from the start on fresh data.

    Upserts race on PostgreSQL (READ COMMITTED): two registrations may both see an
    asset as new. Retrying turns the loser's insert into an update.
    """
    for attempt in range(attempts):
        try:
            with write_session(engine) as session:
                return work(session)
        except IntegrityError:
            if attempt == attempts - 1:
                raise
            time.sleep(random.uniform(0, 0.02 * 2**attempt))
    raise RetriesExhausted("unreachable")  # pragma: no cover


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A session for reading; nothing is committed."""
    with Session(engine, expire_on_commit=False) as session:
        yield session


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """One all-or-nothing unit of work: commits on success, rolls back on error.

    On SQLite the write lock is taken when the transaction begins, so two
    writers wait for each other (busy timeout) instead of deadlocking.
    """
    bind = engine.execution_options(sqlite_immediate=True)
    with Session(bind, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
