"""Pausing Python's cyclic garbage collector around bulk work.

Registration batches, lineage builds, policy passes and scan-cache loads create
millions of small, acyclic objects. The cyclic collector would rescan the growing heap
again and again (up to a third of such a run) while reference counting alone frees
everything. One depth-counted pause serves them all, so nested or concurrent pauses
(a policy pass that builds the lineage graph, two request threads) resume the
collector exactly once, when the last of them ends.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_was_enabled = False
_settle = False


@contextmanager
def paused(*, settle: bool = False) -> Iterator[None]:
    """Pause the cyclic collector for the ``with`` block.

    ``settle``: before resuming, collect the young generations once, so what the work
    kept (a graph it built) moves to the old generation now instead of in the first
    unlucky request that triggers a collection afterwards.
    """
    global _depth, _was_enabled, _settle
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
        _settle = _settle or settle
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                if _settle:
                    _settle = False
                    gc.collect(1)
                if _was_enabled:
                    gc.enable()
