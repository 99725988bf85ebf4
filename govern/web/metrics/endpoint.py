"""The /metrics blueprint and the per-app registry behind it."""

from __future__ import annotations

import gzip
import hmac
from dataclasses import dataclass

from flask import Blueprint, Response, current_app, request
from sqlalchemy.engine import Engine

from govern import events
from govern.web.metrics.collector import InventoryCollector
from govern.web.metrics.options import MULTIPROC_ENV, MetricsOptions

bp = Blueprint("metrics", __name__)


@dataclass
class MetricsState:
    options: MetricsOptions
    registry: object


class _ProcessEvents:
    """Exposes this process's event instruments (single-process mode).

    ``*_created`` samples are left out so the exposition is the same as under gunicorn,
    where prometheus-client's multiprocess collector does not produce them.
    """

    def collect(self):
        for instrument in events.instruments().collectors():
            for family in instrument.collect():
                family.samples = [s for s in family.samples if not s.name.endswith("_created")]
                yield family


def build_registry(engine: Engine, options: MetricsOptions):
    """A fresh registry for one app: inventory first, then events (see package docstring)."""
    from prometheus_client import CollectorRegistry

    registry = CollectorRegistry(auto_describe=False, support_collectors_without_names=True)
    registry.register(InventoryCollector(engine, options.limits))
    if options.multiprocess_dir:
        _check_multiprocess_values(options.multiprocess_dir)
        from prometheus_client import multiprocess

        events.instruments()  # create this worker's files so zero-valued counters show
        multiprocess.MultiProcessCollector(registry, path=options.multiprocess_dir)
    else:
        from prometheus_client import GCCollector, PlatformCollector, ProcessCollector

        registry.register(_ProcessEvents())
        ProcessCollector(registry=registry)
        PlatformCollector(registry=registry)
        GCCollector(registry=registry)
    return registry


def _check_multiprocess_values(path: str) -> None:
    """Refuse to run with numbers that would silently be per-worker."""
    from pathlib import Path

    from prometheus_client import values

    if not Path(path).is_dir():
        raise RuntimeError(f"{MULTIPROC_ENV}={path!r} is not a directory; create it first")
    if values.ValueClass.__name__ == "MutexValue":
        raise RuntimeError(
            f"{MULTIPROC_ENV} was set after prometheus_client was imported in this process, so "
            "its counters would not be shared between workers; set it before the process "
            "starts (gunicorn -c python:govern.web.gunicorn_conf does this)"
        )


def _authorised(token: str) -> bool:
    if not token:
        return True
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(value.strip(), token)


@bp.get("/metrics")
def metrics() -> Response:
    """The Prometheus exposition: text format, or OpenMetrics when the scraper asks for it."""
    from prometheus_client.exposition import choose_encoder, gzip_accepted

    state: MetricsState = current_app.extensions["govern_metrics"]
    if not _authorised(state.options.token):
        return Response(
            "a bearer token is required (GOVERN_METRICS_TOKEN)\n",
            status=401,
            mimetype="text/plain",
            headers={"WWW-Authenticate": 'Bearer realm="govern-metrics"'},
        )
    registry = state.registry
    names = request.args.getlist("name[]")
    if names:
        registry = registry.restricted_registry(names)
    encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
    body = encoder(registry)
    response = Response(body, status=200, content_type=content_type)
    if gzip_accepted(request.headers.get("Accept-Encoding", "")):
        response.set_data(gzip.compress(body))
        response.headers["Content-Encoding"] = "gzip"
    response.headers["Cache-Control"] = "no-store"
    response.vary.add("Accept")
    response.vary.add("Accept-Encoding")
    return response
