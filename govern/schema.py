"""Database schema management through Alembic migrations (never ``create_all``).

Alembic and the migration scripts are imported only when a migration runs: every CLI
command checks that the schema is current, and that check is one plain query against
``alembic_version`` compared with ``HEADS`` (a test keeps ``HEADS`` equal to the
scripts' heads), instead of loading every migration script on every command.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

#: The newest revision(s) of govern/migrations/versions; update with each new migration.
HEADS = frozenset({"0008_policy_result_indexes"})

#: Objects the migrations create that the SQLModel classes do not describe, on purpose:
#: generated columns (computed by the database) and the trigger-kept metrics rollup,
#: with their indexes. Alembic autogenerate ignores them (``include_object``), so a new
#: migration never proposes dropping them; a test checks nothing else differs.
DATABASE_MANAGED = frozenset(
    {
        "automation.search_text",
        "automation.declared_triggers",
        "ix_automation_search_text",
        "ix_automation_declared_triggers",
        "ix_automation_pending_since",
        "metrics_count",
        "ix_metrics_count_key",
    }
)


def include_object(obj, name: str | None, type_: str, reflected: bool, compare_to) -> bool:
    """Alembic autogenerate filter: leave the database-managed objects alone."""
    if type_ == "column":
        table = getattr(getattr(obj, "table", None), "name", "")
        return f"{table}.{name}" not in DATABASE_MANAGED
    return name not in DATABASE_MANAGED


def alembic_config(engine: Engine | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return cfg


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Bring the database to the newest schema; safe to run again."""
    from alembic import command

    cfg = alembic_config(engine)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def current_revisions(bind: Engine | Connection) -> set[str]:
    """Applied revisions; ``bind`` may be an open connection (e.g. inside a transaction)."""
    from alembic.runtime.migration import MigrationContext

    if isinstance(bind, Connection):
        return set(MigrationContext.configure(bind).get_current_heads())
    with bind.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def head_revisions() -> set[str]:
    """The heads as Alembic reads them from the scripts (slow: imports every script)."""
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory.from_config(alembic_config()).get_heads())


def applied_revisions(engine: Engine) -> set[str]:
    """What ``alembic_version`` records, by one query; empty for a database never set up."""
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT version_num FROM alembic_version"))
            return {row[0] for row in rows}
    except DBAPIError:
        return set()


def is_up_to_date(engine: Engine) -> bool:
    return applied_revisions(engine) == HEADS
