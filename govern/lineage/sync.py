"""Keeping one graph per process in step with the registry, without rebuilding it.

``graph_for(engine)`` builds the graph once per (process, engine), then on every call
runs one cheap signature query (count, max id, sum of ids and newest timestamp per
table). When the signature moved, only the changed rows are fetched and applied:
rows stamped since the last watermark (minus a small overlap, for transactions that
committed late), rows with new ids, and, when counts disagree, a diff of ids to find
deletions. Each gunicorn worker keeps its own graph and converges the same way; a
lock makes each graph safe for threads.
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from govern import gc_pause
from govern.db import read_session
from govern.lineage import rows as R
from govern.lineage.graph import LineageGraph

OVERLAP = timedelta(minutes=2)
STAMP_INDEX = {name: i * 4 + 3 for i, name in enumerate(R.TABLES)}
COUNT_INDEX = {name: i * 4 for i, name in enumerate(R.TABLES)}
SUM_INDEX = {name: i * 4 + 2 for i, name in enumerate(R.TABLES)}
MAXID_INDEX = {name: i * 4 + 1 for i, name in enumerate(R.TABLES)}


FULL_CHECK_SECONDS = 30.0


@dataclass
class SyncState:
    signature: tuple | None = None
    quick: tuple | None = None
    max_ids: dict[str, int] = field(default_factory=dict)
    checked_at: float = 0.0
    full_checked_at: float = 0.0
    stats: dict[str, Any] = field(default_factory=dict)


def load_all(graph: LineageGraph, session) -> None:
    """Read every table once and fill ``graph``; remembers where it got to."""
    with graph.lock, gc_pause.paused():
        quick = R.quick_signature(session)
        sig = R.signature(session)
        graph.apply_people(R.fetch(session, "person"))
        graph.apply_assets(R.fetch(session, "asset"))
        graph.apply_automations(R.fetch(session, "automation"))
        graph.apply_access(R.fetch(session, "access"))
        graph.apply_links(R.fetch(session, "link"))
        graph.index_flows()
        now = time.monotonic()
        graph.sync = SyncState(
            signature=sig, quick=quick, max_ids=_max_ids(sig), checked_at=now, full_checked_at=now
        )
        graph.sync.stats = {"full_loads": 1, "delta_loads": 0, "checks": 0}


def _max_ids(sig: tuple) -> dict[str, int]:
    return {name: sig[i] or 0 for name, i in MAXID_INDEX.items()}


def refresh(graph: LineageGraph, session, *, full_check_every: float = FULL_CHECK_SECONDS) -> bool:
    """Bring ``graph`` up to date with the registry; True when something changed.

    Every call runs the index-only ``quick_signature``. When it moved, the audit events
    since the last check name what changed (``_audited_delta``: index lookups only, a few
    milliseconds after a registration at any size); the full signature (counts, id sums,
    newest timestamps: whole-table scans) runs every ``full_check_every`` seconds, or when
    the audit log cannot tell (a bulk import, too many events).
    """
    with graph.lock:
        if graph.sync is None:
            load_all(graph, session)
            return True
        state: SyncState = graph.sync
        state.stats["checks"] = state.stats.get("checks", 0) + 1
        now = time.monotonic()
        quick = R.quick_signature(session)
        state.checked_at = now
        if quick == state.quick and now - state.full_checked_at < full_check_every:
            return False
        if now - state.full_checked_at < full_check_every and _audited_delta(
            graph, session, state, quick
        ):
            state.quick = quick
            state.stats["audited_loads"] = state.stats.get("audited_loads", 0) + 1
            return True
        state.quick = quick
        state.full_checked_at = now
        sig = R.signature(session)
        if sig == state.signature:
            return False
        _apply_delta(graph, session, state.signature, sig, state.max_ids)
        state.signature = sig
        state.max_ids = _max_ids(sig)
        state.stats["delta_loads"] = state.stats.get("delta_loads", 0) + 1
        return True


# audit entity types: what the graph holds, and what it does not (anything else, such as
# an inventory import, sends the refresh to the full signature)
_AUDITED = {"automation": "automation", "asset": "asset", "person": "person"}
_NOT_IN_GRAPH = frozenset(
    {"token", "policy", "waiver", "discovery", "scan_run", "scan_target", "user"}
)
MAX_AUDITED = 2_000
# PostgreSQL commits concurrent transactions in any order, so an audit event can become
# visible after a newer one was read: the last ones are read again (applying twice is
# harmless). SQLite writers take turns: ids are assigned in commit order.
AUDIT_MARGIN = {"postgresql": 100}


def _audited_delta(graph: LineageGraph, session, state: SyncState, quick: tuple) -> bool:
    """Apply what changed since the last check as the audit log and new ids tell it.

    Inserts show as ids above the last known ones; audited updates name their rows.
    Access and link rows of a changed automation are reloaded (a registration replaces
    them). False, with nothing applied, when the log cannot tell; unaudited updates and
    deletes wait for the periodic full check.
    """
    if any((new or 0) < (old or 0) for new, old in zip(quick, state.quick or quick, strict=True)):
        return False  # the newest row of a table was deleted: only the full check can tell
    margin = AUDIT_MARGIN.get(session.get_bind().dialect.name, 0)
    after = max(((state.quick or quick)[-1] or 0) - margin, 0)
    events = R.audit_since(session, after, MAX_AUDITED + 1)
    if len(events) > MAX_AUDITED:
        return False
    named: dict[str, set[str]] = {table: set() for table in _AUDITED.values()}
    for entity_type, key in events:
        if entity_type in _AUDITED:
            named[_AUDITED[entity_type]].add(key)
        elif entity_type not in _NOT_IN_GRAPH:
            return False
    # rows above the ids of the last check are new; the full check keeps its own watermarks
    last = dict(zip(R.TABLES, state.quick or quick, strict=False))
    now = dict(zip(R.TABLES, quick, strict=False))

    def new_rows(table: str) -> list:
        known = last[table] or 0
        return R.fetch(session, table, after_id=known) if (now[table] or 0) > known else []

    rows = {}
    for table in ("person", "asset", "automation"):
        found = R.fetch_keys(session, table, named[table]) + new_rows(table)
        rows[table] = list({r[0]: r for r in found}.values())  # a new row is named too
    if rows["person"]:
        graph.apply_people(rows["person"])
    if rows["asset"]:
        graph.apply_assets(rows["asset"])
    reload = {r[0] for r in rows["automation"]}
    if reload:
        graph.apply_automations(rows["automation"])
    fresh = [r for r in new_rows("access") if r[1] not in reload]
    missing = {r[2] for r in fresh if r[2] not in graph.asset_by_id}
    if missing:
        graph.apply_assets(R.fetch_ids(session, "asset", missing))
    if fresh:
        graph.apply_access(fresh)
    _reload_access(graph, session, reload)
    links = [r for r in new_rows("link") if r[1] not in reload]
    if links:
        graph.apply_links(links)
    _reload_links(graph, session, reload)
    return True


def _since(old: tuple, table: str):
    stamp = old[STAMP_INDEX[table]]
    return stamp - OVERLAP if stamp is not None else None


def _changed(old: tuple, new: tuple, table: str) -> bool:
    i = COUNT_INDEX[table]
    return old[i : i + 4] != new[i : i + 4]


def _apply_delta(graph: LineageGraph, session, old: tuple, new: tuple, max_ids) -> None:
    if _changed(old, new, "person"):
        graph.apply_people(
            R.fetch(session, "person", since=_since(old, "person"), after_id=max_ids["person"])
        )
        _reconcile_nodes(graph, session, "person", new, graph.person_by_id)
    if _changed(old, new, "asset"):
        graph.apply_assets(
            R.fetch(session, "asset", since=_since(old, "asset"), after_id=max_ids["asset"])
        )
        _reconcile_nodes(graph, session, "asset", new, graph.asset_by_id)
    reload: set[int] = set()
    if _changed(old, new, "automation"):
        autos = R.fetch(
            session, "automation", since=_since(old, "automation"), after_id=max_ids["automation"]
        )
        graph.apply_automations(autos)
        reload.update(a[0] for a in autos)
        _reconcile_nodes(graph, session, "automation", new, graph.auto_by_id)
    if reload or _changed(old, new, "access"):
        if _changed(old, new, "access"):
            rows = R.fetch(
                session, "access", since=_since(old, "access"), after_id=max_ids["access"]
            )
            graph.apply_access([r for r in rows if r[1] not in reload])
        _reload_access(graph, session, reload)
        if _tally_total(graph.access_tally) != _db_total(new, "access"):
            _reload_access(
                graph, session, _mismatched(graph.access_tally, R.tallies(session, "access"))
            )
    if reload or _changed(old, new, "link"):
        if _changed(old, new, "link"):
            rows = R.fetch(session, "link", since=_since(old, "link"), after_id=max_ids["link"])
            graph.apply_links([r for r in rows if r[1] not in reload])
        _reload_links(graph, session, reload)
        if _tally_total(graph.link_tally) != _db_total(new, "link"):
            _reload_links(graph, session, _mismatched(graph.link_tally, R.tallies(session, "link")))


def _db_total(sig: tuple, table: str) -> tuple[int, int]:
    return (sig[COUNT_INDEX[table]] or 0, int(sig[SUM_INDEX[table]] or 0))


def _tally_total(tallies: dict[int, list[int]]) -> tuple[int, int]:
    return (sum(t[0] for t in tallies.values()), sum(t[1] for t in tallies.values()))


def _mismatched(mine: dict[int, list[int]], db: dict[int, tuple[int, int]]) -> set[int]:
    ids = {a for a, t in mine.items() if tuple(t) != db.get(a, (0, 0))}
    ids.update(a for a, t in db.items() if tuple(mine.get(a, (0, 0))) != t)
    return ids


def _reload_access(graph: LineageGraph, session, auto_ids: set[int]) -> None:
    if not auto_ids:
        return
    rows = R.fetch_ids(session, "access", auto_ids, by="automation_id")
    missing = {r[2] for r in rows} - set(graph.asset_by_id)
    if missing:
        graph.apply_assets(R.fetch_ids(session, "asset", missing))
    graph.clear_access(auto_ids)
    graph.apply_access(rows)


def _reload_links(graph: LineageGraph, session, auto_ids: set[int]) -> None:
    if not auto_ids:
        return
    rows = R.fetch_ids(session, "link", auto_ids, by="source_id")
    graph.clear_links(auto_ids)
    graph.apply_links(rows)


def _reconcile_nodes(graph: LineageGraph, session, table: str, sig: tuple, known: dict) -> None:
    """When counts or id sums disagree, diff the ids: drop deleted rows, load missed ones."""
    if (len(known), sum(known)) == _db_total(sig, table):
        return
    ids = R.all_ids(session, table)
    gone = set(known) - ids
    missed = ids - set(known)
    remove = {
        "person": graph.remove_people,
        "asset": graph.remove_assets,
        "automation": graph.remove_automations,
    }[table]
    apply = {
        "person": graph.apply_people,
        "asset": graph.apply_assets,
        "automation": graph.apply_automations,
    }[table]
    if gone:
        remove(gone)
    if missed:
        apply(R.fetch_ids(session, table, missed))


# -- one graph per process and engine -------------------------------------------------

_graphs: weakref.WeakKeyDictionary[Engine, tuple[int, LineageGraph]] = weakref.WeakKeyDictionary()
_registry_lock = threading.Lock()


def graph_for(
    engine: Engine,
    *,
    min_check_interval: float = 0.0,
    full_check_every: float = FULL_CHECK_SECONDS,
    session=None,
    own_connection: bool = False,
) -> LineageGraph:
    """The process-wide graph for ``engine``, brought up to date before it is returned.

    ``session``: check (and load) through this session instead of a new read session;
    it must see exactly the committed data (it has written nothing).
    ``own_connection``: read through a connection outside ``engine``'s pool, for callers
    that hold a pooled connection in a write transaction: twenty such callers must not
    wait for the pool they fill, while holding the database's write lock.

    ``min_check_interval`` (seconds) lets hot callers skip even the quick check when the
    last one was that recent; the default checks on every call. ``full_check_every``
    bounds how stale an unaudited change (a direct SQL update) can leave the graph.
    """
    pid = os.getpid()
    with _registry_lock:
        entry = _graphs.get(engine)
        if entry is None or entry[0] != pid:  # new engine, or we are a forked worker
            entry = (pid, LineageGraph())
            _graphs[engine] = entry
    graph = entry[1]
    if (
        graph.sync is not None
        and min_check_interval > 0
        and time.monotonic() - graph.sync.checked_at < min_check_interval
    ):
        return graph
    if session is not None:
        refresh(graph, session, full_check_every=full_check_every)
        return graph
    with read_session(_side_engine(engine) if own_connection else engine) as fresh:
        refresh(graph, fresh, full_check_every=full_check_every)
    return graph


_side_engines: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()


def _side_engine(engine: Engine) -> Engine:
    """The same database without a pool: each use opens (and closes) its own connection."""
    with _registry_lock:
        side = _side_engines.get(engine)
        if side is None:
            side = _side_engines[engine] = create_engine(engine.url, poolclass=NullPool)
    return side


def forget(engine: Engine) -> None:
    """Drop the cached graph for ``engine`` (the next call rebuilds it)."""
    with _registry_lock:
        _graphs.pop(engine, None)
