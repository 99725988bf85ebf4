"""Event instruments other areas call (scans, policy evaluations, HTTP requests).

The metrics capability implements these with prometheus-client; callers only use the
functions below, so they never touch Prometheus objects. The instruments are process-wide
by nature (a counter counts everything this process did): they are built on first use,
never at import time, and are not registered in any registry. Each app's ``/metrics``
exposes them through its own registry (``govern.web.metrics``): directly in a single
process, or through prometheus-client's multiprocess files under gunicorn, where
``PROMETHEUS_MULTIPROC_DIR`` must be set before prometheus-client is first imported
(``govern/web/gunicorn_conf.py`` does that).

Label values are bounded here, whatever callers pass: scan targets must look like target
names (never a path), and each label keeps at most ``MAX_LABEL_VALUES`` distinct values
per process, after which new values are counted as ``other``.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any

MAX_LABEL_VALUES = 200
OTHER = "other"
ADHOC = "adhoc"
SCAN_OUTCOMES = ("success", "failed", "partial")
RESULT_STATUSES = ("pass", "fail", "not-applicable")
EVALUATION_KINDS = ("full", "incremental")
HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
_TARGET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,119}$")

# Buckets in seconds: scans take seconds to minutes, evaluations and requests far less.
SCAN_BUCKETS = (0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)
EVALUATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


@dataclass
class _Bounded:
    """Remembers the label values seen; past the limit, new ones become ``other``."""

    limit: int = MAX_LABEL_VALUES
    seen: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, value: str) -> str:
        if value in self.seen:
            return value
        with self.lock:
            if len(self.seen) >= self.limit:
                return OTHER
            self.seen.add(value)
            return value


class Instruments:
    """The prometheus-client objects behind the event functions (one set per process)."""

    def __init__(self) -> None:
        from prometheus_client import Counter, Histogram

        self.scan_runs = Counter(
            "govern_scan_runs",
            "Scan runs finished, by scan target and outcome (success, failed, partial).",
            ["target", "outcome"],
            registry=None,
        )
        self.scan_files = Counter(
            "govern_scan_files",
            "Files a scan looked at, by scan target.",
            ["target"],
            registry=None,
        )
        self.scan_discoveries = Counter(
            "govern_scan_discoveries",
            "Discoveries (recognised automations) reported by scans, by scan target.",
            ["target"],
            registry=None,
        )
        self.scan_duration = Histogram(
            "govern_scan_duration_seconds",
            "Wall-clock duration of scan runs, by scan target.",
            ["target"],
            buckets=SCAN_BUCKETS,
            registry=None,
        )
        self.evaluations = Counter(
            "govern_policy_evaluations",
            "Policy evaluation passes, by kind (full, incremental).",
            ["kind"],
            registry=None,
        )
        self.evaluation_duration = Histogram(
            "govern_policy_evaluation_duration_seconds",
            "Duration of policy evaluation passes, by kind.",
            ["kind"],
            buckets=EVALUATION_BUCKETS,
            registry=None,
        )
        self.evaluation_results = Counter(
            "govern_policy_evaluation_results",
            "Policy results produced by evaluation passes, by status (pass, fail, not-applicable).",
            ["status"],
            registry=None,
        )
        self.http_requests = Counter(
            "govern_http_requests",
            "HTTP requests answered, by method, route template and status code.",
            ["method", "route", "status"],
            registry=None,
        )
        self.http_duration = Histogram(
            "govern_http_request_duration_seconds",
            "Time to answer HTTP requests, by method and route template.",
            ["method", "route"],
            buckets=HTTP_BUCKETS,
            registry=None,
        )
        self.collect_errors = Counter(
            "govern_inventory_collect_errors",
            "Scrapes whose inventory figures could not be computed (see the server log).",
            registry=None,
        )
        self.targets = _Bounded()
        self.routes = _Bounded()

    def collectors(self) -> list[Any]:
        """Every instrument, for a registry that exposes this process's events directly."""
        return [value for value in vars(self).values() if hasattr(value, "collect")]


_lock = threading.Lock()
_instruments: Instruments | None = None


def instruments() -> Instruments:
    """The process's instruments, built on first use."""
    global _instruments
    if _instruments is None:
        with _lock:
            if _instruments is None:
                _instruments = Instruments()
    return _instruments


def is_target_name(target: str) -> bool:
    """Whether ``target`` looks like a scan target's name (not a path, URL or free text)."""
    return bool(target and _TARGET_NAME.match(target))


def target_label(target: str) -> str:
    """A scan target's label: its name, or ``adhoc`` for anything that is not a name."""
    if is_target_name(target):
        return instruments().targets(target)
    return ADHOC


def _closed(value: str, vocabulary: tuple[str, ...]) -> str:
    return value if value in vocabulary else OTHER


def scan_finished(
    *,
    target: str,
    outcome: str,
    files: int,
    discoveries: int,
    duration_seconds: float,
    finished_at: float | None = None,
) -> None:
    """Record one scan run. ``outcome`` is success | failed | partial.

    ``finished_at`` is accepted for callers' convenience; the last successful scan time
    that metrics expose is read from the registry (scan targets and runs), so it survives
    restarts and includes scans run by other processes and remote agents.
    """
    del finished_at
    inst = instruments()
    label = target_label(target)
    inst.scan_runs.labels(label, _closed(outcome, SCAN_OUTCOMES)).inc()
    inst.scan_files.labels(label).inc(max(0, int(files)))
    inst.scan_discoveries.labels(label).inc(max(0, int(discoveries)))
    inst.scan_duration.labels(label).observe(max(0.0, float(duration_seconds)))


def policy_evaluation(*, duration_seconds: float, results: dict[str, int], kind: str) -> None:
    """Record one policy evaluation pass (``kind`` full | incremental); results by status."""
    inst = instruments()
    kind_label = _closed(kind, EVALUATION_KINDS)
    inst.evaluations.labels(kind_label).inc()
    inst.evaluation_duration.labels(kind_label).observe(max(0.0, float(duration_seconds)))
    for status, count in results.items():
        if count:
            inst.evaluation_results.labels(_closed(status, RESULT_STATUSES)).inc(max(0, count))


def http_request(*, method: str, route: str, status: int, duration_seconds: float) -> None:
    """Record one answered HTTP request; ``route`` is the URL rule template or ``unmatched``."""
    inst = instruments()
    method_label = _closed(method.upper(), HTTP_METHODS)
    route_label = inst.routes(route)
    inst.http_requests.labels(method_label, route_label, str(int(status))).inc()
    inst.http_duration.labels(method_label, route_label).observe(max(0.0, duration_seconds))


def inventory_collect_failed() -> None:
    """Count one scrape whose inventory figures could not be computed."""
    instruments().collect_errors.inc()
