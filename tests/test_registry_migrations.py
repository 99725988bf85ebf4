"""Migrations: one head, and upgrading a database that holds data keeps the data."""

from __future__ import annotations

from sqlalchemy import text

from govern import schema
from govern.config import Settings
from govern.db import make_engine


def test_migrations_have_a_single_head_that_the_fast_check_knows():
    heads = schema.head_revisions()
    assert len(heads) == 1
    assert heads == schema.HEADS  # update schema.HEADS with each new migration


def test_fast_check_reads_the_applied_revision(tmp_path):
    settings = Settings(
        data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'g.db'}", secret_key="k" * 40
    ).resolved()
    engine = make_engine(settings)
    assert schema.applied_revisions(engine) == set() and not schema.is_up_to_date(engine)
    schema.upgrade(engine)
    assert schema.applied_revisions(engine) == schema.current_revisions(engine) == schema.HEADS
    assert schema.is_up_to_date(engine)
    engine.dispose()


def test_upgrade_from_first_revision_keeps_rows(tmp_path):
    settings = Settings(
        data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'old.db'}", secret_key="k" * 40
    ).resolved()
    engine = make_engine(settings)
    schema.upgrade(engine, "0001_initial")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO person (email, name, department, active, certification_level,"
                " created_at, updated_at) VALUES ('a@example.com', 'A', 'Finance', 1, 2,"
                " '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            )
        )
    assert not schema.is_up_to_date(engine)
    schema.upgrade(engine)
    assert schema.is_up_to_date(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT email, certification_level FROM person")).all() == [
            ("a@example.com", 2)
        ]
    engine.dispose()


def test_models_and_migrations_agree(engine):
    """What autogenerate would write for the migrated database is nothing: every model
    change has its migration, and the database-managed objects are left alone."""
    import warnings

    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    import govern.registry.models  # noqa: F401

    with engine.connect() as connection, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SQLite: expression indexes are not reflected
        context = MigrationContext.configure(
            connection,
            opts={"compare_type": True, "include_object": schema.include_object},
        )
        assert compare_metadata(context, SQLModel.metadata) == []


def test_the_filter_leaves_only_database_managed_objects_out():
    from types import SimpleNamespace

    column = SimpleNamespace(table=SimpleNamespace(name="automation"))
    assert not schema.include_object(column, "search_text", "column", True, None)
    assert schema.include_object(column, "owner_email", "column", True, None)
    assert not schema.include_object(None, "metrics_count", "table", True, None)
    assert schema.include_object(None, "automation", "table", True, None)
