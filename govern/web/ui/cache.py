"""A small per-process cache for figures that are costly at 100,000 automations.

Entries are keyed by a *data version*: the highest ids of the append-only tables
every change touches (the audit log, scan runs, policy results, waivers). Any write
through govern moves it; a TTL bounds what other processes' writes could leave behind.

Figures that take seconds to recompute (the dashboard) are refreshed in the background:
after a write the page is served at once from the previous figures, stamped with when
they were computed, while one thread recomputes them (stale-while-revalidate).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, g
from sqlalchemy import func, select
from sqlmodel import Session

from govern.registry.models import AuditEvent, PolicyResult, ScanRun, Waiver

T = TypeVar("T")
log = logging.getLogger(__name__)
TTL_SECONDS = 60.0


class FigureCache:
    def __init__(self, ttl: float = TTL_SECONDS):
        self.ttl = ttl
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[tuple, float, Any]] = {}
        self._refreshing: set[str] = set()

    def get(
        self,
        name: str,
        version: tuple,
        compute: Callable[[], T],
        background: Callable[[], T] | None = None,
    ) -> T:
        """The cached value when current; else recompute it, in ``background`` (a function
        that opens its own session) when a previous value can be served meanwhile."""
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(name)
        if entry is not None and entry[0] == version and now - entry[1] < self.ttl:
            return entry[2]
        if entry is not None and background is not None:
            self._refresh(name, version, background)
            return entry[2]
        value = compute()
        with self._lock:
            self._entries[name] = (version, now, value)
        return value

    def _refresh(self, name: str, version: tuple, compute: Callable[[], Any]) -> None:
        with self._lock:
            if name in self._refreshing:
                return
            self._refreshing.add(name)

        def run() -> None:
            started = time.monotonic()
            try:
                value = compute()
            except Exception:  # the stale value stays; the next request tries again
                log.exception("refreshing %s failed", name)
            else:
                with self._lock:
                    self._entries[name] = (version, started, value)
            finally:
                with self._lock:
                    self._refreshing.discard(name)

        threading.Thread(target=run, name=f"govern-ui-refresh-{name}", daemon=True).start()

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


def cached(
    session: Session,
    name: str,
    compute: Callable[[], T],
    background: Callable[[], T] | None = None,
) -> T:
    store: FigureCache = current_app.extensions.setdefault("govern_ui_cache", FigureCache())
    return store.get(name, data_version(session), compute, background)
