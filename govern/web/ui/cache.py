"""A small per-process cache for figures that are costly at 100,000 automations.

Entries are keyed by a *data version*: the highest ids of the append-only tables
every change touches (the audit log, scan runs, policy results, waivers). Any write
through govern moves it, so cached figures are never staler than the last write; a
TTL bounds what other processes' writes could leave behind.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, g
from sqlalchemy import func, select
from sqlmodel import Session

from govern.registry.models import AuditEvent, PolicyResult, ScanRun, Waiver

T = TypeVar("T")
TTL_SECONDS = 60.0


class FigureCache:
    def __init__(self, ttl: float = TTL_SECONDS):
        self.ttl = ttl
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[tuple, float, Any]] = {}

    def get(self, name: str, version: tuple, compute: Callable[[], T]) -> T:
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(name)
        if entry is not None and entry[0] == version and now - entry[1] < self.ttl:
            return entry[2]
        value = compute()
        with self._lock:
            self._entries[name] = (version, now, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def data_version(session: Session) -> tuple:
    """Cheap (four MAX over primary keys), computed once per request."""
    if "ui_data_version" in g:
        return g.ui_data_version
    row = session.execute(
        select(
            select(func.max(AuditEvent.id)).scalar_subquery(),
            select(func.max(ScanRun.id)).scalar_subquery(),
            select(func.max(PolicyResult.id)).scalar_subquery(),
            select(func.max(Waiver.id)).scalar_subquery(),
        )
    ).one()
    g.ui_data_version = tuple(str(v) for v in row)
    return g.ui_data_version


def cached(session: Session, name: str, compute: Callable[[], T]) -> T:
    store: FigureCache = current_app.extensions.setdefault("govern_ui_cache", FigureCache())
    return store.get(name, data_version(session), compute)
