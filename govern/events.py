"""Event instruments other areas call (scans, policy evaluations, HTTP requests).

The metrics capability implements these with prometheus-client (multiprocess-safe);
callers only use the functions below, so they never touch Prometheus objects.
"""

from __future__ import annotations


def scan_finished(
    *,
    target: str,
    outcome: str,
    files: int,
    discoveries: int,
    duration_seconds: float,
    finished_at: float | None = None,
) -> None:
    """Record one scan run. ``outcome`` is success | failed | partial."""


def policy_evaluation(*, duration_seconds: float, results: dict[str, int], kind: str) -> None:
    """Record one policy evaluation pass (``kind`` full | incremental); results by status."""
