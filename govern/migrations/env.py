"""Alembic environment: runs against the engine govern's settings describe."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import govern.registry.models  # noqa: F401  (registers every table on the metadata)
from govern.schema import include_object

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is None:
        from govern.config import Settings
        from govern.db import make_engine

        engine = make_engine(Settings.from_env())
        with engine.connect() as connection:
            _run(connection)
        engine.dispose()
    else:
        _run(connectable)


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
