"""HTTP request metrics: method, route template (never the raw path), status, latency."""

from __future__ import annotations

import time

from flask import Flask, Response, g, request

from govern import events

UNMATCHED = "unmatched"


def register_request_hooks(app: Flask) -> None:
    # First in line, so a request another hook answers early is still timed and counted.
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(_finish)


def _start() -> None:
    g.govern_request_started = time.perf_counter()


def _finish(response: Response) -> Response:
    started = g.pop("govern_request_started", None)
    if started is not None:
        rule = request.url_rule
        events.http_request(
            method=request.method,
            route=rule.rule if rule is not None else UNMATCHED,
            status=response.status_code,
            duration_seconds=time.perf_counter() - started,
        )
    return response
