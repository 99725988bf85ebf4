"""The one retrying POST behind `govern scan --push` and `govern register --url`,
against a real loopback HTTP server: transient failures are retried, final answers
are not, a dead address gives up after the last attempt, bodies may be gzip."""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from govern.http_post import Refused, Unreachable, post_json
from govern.scanner.push import PushError, push


@contextmanager
def service(answers: list[tuple[int, dict]]) -> Iterator[tuple[str, list[dict]]]:
    """A server answering each POST with the next (status, body); the last repeats.
    Yields its URL and what it received (headers and decoded JSON bodies)."""
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's naming)
            raw = self.rfile.read(int(self.headers["Content-Length"]))
            if self.headers.get("Content-Encoding") == "gzip":
                raw = gzip.decompress(raw)
            received.append({"headers": dict(self.headers), "body": json.loads(raw)})
            status, body = answers[min(len(received), len(answers)) - 1]
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/api/v1/scans", received
    finally:
        server.shutdown()
        server.server_close()


def test_transient_failures_are_retried_until_an_answer():
    answers = [(503, {}), (429, {}), (201, {"ingested": 3})]
    with service(answers) as (url, received):
        got = post_json(url, "gov_t", {"n": 3}, compress=True, retries=3, backoff=0.01)
    assert got == {"ingested": 3}
    assert len(received) == 3
    assert all(r["body"] == {"n": 3} for r in received)
    assert received[0]["headers"]["Authorization"] == "Bearer gov_t"
    assert received[0]["headers"]["Content-Encoding"] == "gzip"


def test_a_final_answer_is_not_retried():
    answer = [(400, {"detail": "discoveries[0].platform: unknown"})]
    with service(answer) as (url, received), pytest.raises(Refused) as raised:
        post_json(url, "gov_t", {}, retries=5, backoff=0.01)
    assert len(received) == 1
    assert raised.value.status == 400
    assert raised.value.detail() == "discoveries[0].platform: unknown"


def test_gives_up_after_the_last_attempt():
    with service([(502, {})]) as (url, received), pytest.raises(Unreachable) as raised:
        post_json(url, "gov_t", {}, retries=2, backoff=0.01)
    assert len(received) == 3 and raised.value.attempts == 3
    assert raised.value.reason == "HTTP 502"
    with pytest.raises(Unreachable):
        post_json("http://127.0.0.1:9/api", "gov_t", {}, retries=1, backoff=0.01)


def test_push_retries_a_batch_and_names_a_refused_one():
    result = {"scan": {"run_uid": "r1"}, "discoveries": [{"n": i} for i in range(5)]}
    with service([(503, {}), (200, {"ok": True})]) as (url, received):
        answers = push(result, url, "gov_t", target="t", agent="a", batch_size=2, backoff=0.01)
    assert answers == [{"ok": True}] * 3
    batches = [r["body"]["batch"] for r in received]
    assert batches == [0, 0, 1, 2]  # the first batch was sent again, the others once
    assert all(r["body"]["run_uid"] == "r1" for r in received)
    refused = pytest.raises(PushError, match="batch 0 refused: HTTP 403: scanner role required")
    with service([(403, {"detail": "scanner role required"})]) as (url, _), refused:
        push(result, url, "gov_t", target="t", agent="a", backoff=0.01)
