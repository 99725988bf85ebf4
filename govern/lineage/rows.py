"""The row shapes the graph is built from, and the queries that fetch them.

The graph never sees ORM objects: it is fed plain tuples in these column orders,
whether they come from the database (``fetch_*``) or from memory (the benchmark),
so both go through the same code path.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import String, func, select, type_coerce
from sqlmodel import Session, col

from govern.registry.models import Access, Asset, AuditEvent, Automation, AutomationLink, Person

AUTOMATION_COLUMNS = (
    Automation.id,
    Automation.key,
    Automation.namespace,
    Automation.name,
    Automation.title,
    Automation.platform,
    Automation.owner_email,
    Automation.backup_owner_email,
    Automation.lifecycle,
    Automation.review_state,
    Automation.track,
    Automation.criticality,
    Automation.fingerprint,
    Automation.reconciliation_state,
    Automation.uses_ai,
    Automation.updated_at,
)
ASSET_COLUMNS = (
    Asset.id,
    Asset.key,
    Asset.namespace,
    Asset.name,
    Asset.title,
    Asset.kind,
    Asset.classification,
    Asset.tags,
    Asset.external,
    Asset.approved,
    Asset.ai_provider,
    Asset.owner_email,
    Asset.system_of_record,
    Asset.updated_at,
)
PERSON_COLUMNS = (
    Person.id,
    Person.email,
    Person.name,
    Person.department,
    Person.active,
    Person.updated_at,
)
ACCESS_COLUMNS = (
    Access.id,
    Access.automation_id,
    Access.asset_id,
    Access.mode,
    Access.learned,
    Access.masking,
    Access.purpose,
    Access.first_seen,
    Access.last_seen,
)
LINK_COLUMNS = (
    AutomationLink.id,
    AutomationLink.source_id,
    AutomationLink.target_id,
    AutomationLink.kind,
    AutomationLink.learned,
    AutomationLink.first_seen,
    AutomationLink.last_seen,
)


# Timestamps are fetched raw (text on SQLite, datetime on PostgreSQL) and parsed only
# when shown: converting a million of them up front doubles the load time.
def _raw(column):
    return type_coerce(column, String).label(column.key)


# table -> (model, change timestamp column)
TABLES: dict[str, tuple[Any, Any]] = {
    "person": (Person, Person.updated_at),
    "asset": (Asset, Asset.updated_at),
    "automation": (Automation, Automation.updated_at),
    "access": (Access, Access.last_seen),
    "link": (AutomationLink, AutomationLink.last_seen),
}
RAW_TIMESTAMPS = {"updated_at", "first_seen", "last_seen"}
COLUMNS = {
    name: tuple(_raw(c) if c.key in RAW_TIMESTAMPS else c for c in columns)
    for name, columns in {
        "person": PERSON_COLUMNS,
        "asset": ASSET_COLUMNS,
        "automation": AUTOMATION_COLUMNS,
        "access": ACCESS_COLUMNS,
        "link": LINK_COLUMNS,
    }.items()
}
CHUNK = 500


def signature(session: Session) -> tuple:
    """A cheap fingerprint of the registry: per table count, max id, sum of ids, newest change.

    One round trip. Any insert, delete or timestamped update changes it.
    """
    parts = []
    for model, stamp in TABLES.values():
        parts += [
            select(func.count()).select_from(model).scalar_subquery(),
            select(func.max(model.id)).scalar_subquery(),
            select(func.coalesce(func.sum(model.id), 0)).scalar_subquery(),
            select(func.max(stamp)).scalar_subquery(),
        ]
    return tuple(session.execute(select(*parts)).one())


def quick_signature(session: Session) -> tuple:
    """Newest id per table and of the audit log: index lookups only, cheap at any size.

    Catches inserts and every audited change (registration, retirement, review); the full
    ``signature`` catches the rest (unaudited updates and deletes) on a slower cadence.
    """
    parts = [select(func.max(model.id)).scalar_subquery() for model, _ in TABLES.values()]
    parts.append(select(func.max(AuditEvent.id)).scalar_subquery())
    return tuple(session.execute(select(*parts)).one())


def fetch(session: Session, table: str, *, since=None, after_id: int | None = None) -> list:
    """Rows of ``table`` changed at or after ``since`` or with an id above ``after_id``."""
    model, stamp = TABLES[table]
    query = select(*COLUMNS[table])
    if since is not None and after_id is not None:
        query = query.where((stamp >= since) | (model.id > after_id))
    elif since is not None:
        query = query.where(stamp >= since)
    elif after_id is not None:
        query = query.where(model.id > after_id)
    return [tuple(r) for r in session.connection().execute(query).fetchall()]


def audit_since(session: Session, after_id: int, limit: int) -> list[tuple[str, str]]:
    """(entity type, entity key) of up to ``limit`` audit events with an id above ``after_id``."""
    c = AuditEvent.__table__.c
    query = select(c.entity_type, c.entity_key).where(c.id > after_id).order_by(c.id).limit(limit)
    return [tuple(r) for r in session.connection().execute(query)]


def fetch_keys(session: Session, table: str, keys: Iterable[str]) -> list:
    """Rows of ``table`` named by registry key (email for people)."""
    return fetch_ids(session, table, keys, by="email" if table == "person" else "key")  # type: ignore[arg-type]


def fetch_ids(session: Session, table: str, ids: Iterable[int], *, by: str = "id") -> list:
    """Rows of ``table`` whose ``by`` column is in ``ids`` (chunked IN lists)."""
    model, _ = TABLES[table]
    column = getattr(model, by)
    ordered: Sequence[int] = sorted(set(ids))
    rows: list = []
    for start in range(0, len(ordered), CHUNK):
        chunk = ordered[start : start + CHUNK]
        query = select(*COLUMNS[table]).where(col(column).in_(chunk))
        rows += [tuple(r) for r in session.connection().execute(query).fetchall()]
    return rows


def all_ids(session: Session, table: str) -> set[int]:
    model, _ = TABLES[table]
    return set(session.execute(select(model.id)).scalars())


def tallies(session: Session, table: str) -> dict[int, tuple[int, int]]:
    """Per owning automation: (count, sum of ids) of access or link rows."""
    model, _ = TABLES[table]
    owner = model.automation_id if table == "access" else model.source_id
    query = select(owner, func.count(), func.sum(model.id)).group_by(owner)
    return {a: (int(n), int(s)) for a, n, s in session.execute(query)}
