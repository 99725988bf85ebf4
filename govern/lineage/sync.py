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

from sqlalchemy.engine import Engine

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

    Every call runs the index-only ``quick_signature``; the full signature (counts, id
    sums, newest timestamps) runs when that moved or ``full_check_every`` seconds passed.
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
) -> LineageGraph:
    """The process-wide graph for ``engine``, brought up to date before it is returned.

    ``session``: check (and load) through this session instead of a new read session;
    it must see exactly the committed data (it has written nothing).

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
    with read_session(engine) as fresh:
        refresh(graph, fresh, full_check_every=full_check_every)
    return graph


def forget(engine: Engine) -> None:
    """Drop the cached graph for ``engine`` (the next call rebuilds it)."""
    with _registry_lock:
        _graphs.pop(engine, None)
