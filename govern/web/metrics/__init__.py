"""/metrics for Prometheus: inventory gauges, event counters and HTTP request metrics.

``init_app`` gives each app its own ``CollectorRegistry`` holding:

1. the inventory collector (figures computed at scrape time from SQL aggregates), and
2. the process's event instruments (``govern.events``): directly in a single process, or,
   when ``PROMETHEUS_MULTIPROC_DIR`` is set (gunicorn, see ``gunicorn_conf.py``), through
   prometheus-client's ``MultiProcessCollector`` which sums every worker's files.

Settings are read from the app config first, then the environment (docs/metrics.md).
"""

from __future__ import annotations

import logging

from flask import Flask

from govern.web.metrics.endpoint import MetricsState, bp, build_registry
from govern.web.metrics.options import MetricsOptions
from govern.web.metrics.requests import register_request_hooks

log = logging.getLogger(__name__)
EXTENSION = "govern_metrics"


def init_app(app: Flask) -> None:
    options = MetricsOptions.from_app(app)
    if not options.enabled:
        return
    services = app.extensions["govern"]
    state = MetricsState(
        options=options,
        registry=build_registry(services.engine, options),
    )
    app.extensions[EXTENSION] = state
    app.register_blueprint(bp)
    register_request_hooks(app)
    if services.settings.env == "production" and not options.token:
        log.warning(
            "/metrics is open to anyone who can reach this server; set GOVERN_METRICS_TOKEN "
            "to require a bearer token (docs/metrics.md)"
        )
