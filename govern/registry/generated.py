"""Columns the database generates for speed (migrations 0002 and 0003), when present.

``search_text`` and ``declared_triggers`` exist in every migrated database. A scratch
database made with ``create_all`` (e.g. to evaluate policy test cases in memory) lacks
them, so callers ask here and fall back to a plain query.
"""

from __future__ import annotations

from weakref import WeakKeyDictionary

from sqlalchemy import inspect
from sqlalchemy.engine import Engine
from sqlmodel import Session

_SEEN: WeakKeyDictionary[Engine, frozenset[str]] = WeakKeyDictionary()
GENERATED = ("search_text", "declared_triggers")


def has_column(session: Session, name: str) -> bool:
    """Whether the automation table has the generated column ``name`` (cached per engine)."""
    bind = session.get_bind()
    engine = getattr(bind, "engine", bind)
    found = _SEEN.get(engine)
    if found is None:
        columns = inspect(session.connection()).get_columns("automation")
        found = frozenset(c["name"] for c in columns if c["name"] in GENERATED)
        _SEEN[engine] = found
    return name in found
