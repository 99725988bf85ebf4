"""gunicorn settings for govern: several workers that share their Prometheus metrics.

Production command (workers and bind on the command line or in GUNICORN_CMD_ARGS)::

    gunicorn -c python:govern.web.gunicorn_conf -w 4 -b 0.0.0.0:8000 'govern.web:create_app()'

prometheus-client decides at import time whether counters live in memory (one process)
or in files shared by every worker, from ``PROMETHEUS_MULTIPROC_DIR``. gunicorn executes
this file in the master before any worker (or a ``--preload``-ed app) imports
prometheus-client, so the variable is set here: to the operator's directory if given,
else to a fresh private temporary directory that is removed when gunicorn exits.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CREATED_ENV = "GOVERN_METRICS_DIR_CREATED"


def multiprocess_dir() -> Path:
    """The shared metrics directory, made (and exported to workers) if needed."""
    path = os.environ.get(MULTIPROC_ENV)
    if not path:
        path = tempfile.mkdtemp(prefix="govern-metrics-")
        os.environ[MULTIPROC_ENV] = path
        os.environ[CREATED_ENV] = path
    directory = Path(path)
    directory.mkdir(parents=True, exist_ok=True)
    return directory


# Executed by gunicorn when it reads this file, in the master, before workers exist.
multiprocess_dir()


def on_starting(server) -> None:
    """Forget a previous run's worker files, which would otherwise be summed into this run.

    Skipped on a binary upgrade (USR2), where the old master's workers still write there.
    """
    if "GUNICORN_PID" in os.environ:
        return
    for stale in multiprocess_dir().glob("*.db"):
        stale.unlink(missing_ok=True)


def child_exit(server, worker) -> None:
    """A worker died: drop its live gauges (its counters keep counting in the totals)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server) -> None:
    """Remove the temporary directory this file created (never an operator's directory)."""
    created = os.environ.get(CREATED_ENV)
    if created and created == os.environ.get(MULTIPROC_ENV):
        shutil.rmtree(created, ignore_errors=True)
