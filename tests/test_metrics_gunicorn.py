"""Under gunicorn with 3 workers: inventory series once with the right value, events summed."""

from __future__ import annotations

import socket
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
from metrics_support import EXPECTED, by_key, check_expected, gunicorn, http_get, seed

from govern.db import read_session
from govern.registry import stats

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
WORKERS = 3
INVENTORY = {name for name, _ in EXPECTED}
ROUTE = "/api/v1/health"


def _per_worker_request_counts(directory) -> dict[str, float]:
    """Requests to ROUTE in each worker's own file (to prove several workers served)."""
    from prometheus_client.multiprocess import MultiProcessCollector

    counts = {}
    for path in directory.glob("counter_*.db"):
        total = 0.0
        for family in MultiProcessCollector.merge([str(path)], accumulate=True):
            for s in family.samples:
                if s.name == "govern_http_requests_total" and s.labels["route"] == ROUTE:
                    total += s.value
        counts[path.name] = total
    return counts


def _held_requests(url: str, count: int) -> list[int]:
    """``count`` requests sent as far as their last header line, then finished together."""
    address = urlsplit(url)
    held = []
    for _ in range(count):
        sock = socket.create_connection((address.hostname, address.port), timeout=10)
        sock.sendall(f"GET {ROUTE} HTTP/1.1\r\nHost: {address.netloc}\r\n".encode())
        held.append(sock)
        time.sleep(0.2)  # a worker accepts it and waits for the rest of the headers
    statuses = []
    for sock in held:
        with sock:
            sock.sendall(b"Connection: close\r\n\r\n")
            reply = b""
            while chunk := sock.recv(65536):
                reply += chunk
            statuses.append(int(reply.split(b" ", 2)[1]))
    return statuses


def test_three_workers_expose_each_inventory_series_once(engine, settings, tmp_path):
    seed(engine)
    with read_session(engine) as session:
        figures = stats.summary(session)
    assert figures["automations"]["total"] == EXPECTED[("govern_automations", ())]

    with gunicorn(settings, tmp_path, workers=WORKERS) as server:
        # Traffic from several threads at once, so more than one worker answers.
        n = 60

        def hit(_):
            return http_get(server.url + ROUTE)[0]

        with ThreadPoolExecutor(8) as pool:
            assert set(pool.map(hit, range(n))) == {200}
        # and one request per worker for certain: each sync worker blocks on an unfinished
        # request, so the next connection must be accepted by another worker
        assert _held_requests(server.url, WORKERS) == [200] * WORKERS
        n += WORKERS
        per_worker = _per_worker_request_counts(server.multiproc_dir)
        assert sum(per_worker.values()) == n
        assert len(per_worker) == WORKERS and all(per_worker.values()), per_worker

        scrapes = []
        for _ in range(3 * WORKERS):  # fresh connections: several workers answer scrapes
            status, text = http_get(server.url + "/metrics")
            assert status == 200
            scrapes.append(text)

    for text in scrapes:
        found = by_key(text)  # raises if any series appears twice
        check_expected(found)
        for name in INVENTORY:
            lines = [
                line
                for line in text.splitlines()
                if line.startswith(name + " ") or line.startswith(name + "{")
            ]
            assert len(set(lines)) == len(lines)
        # the HTTP counter is the sum over every worker, whichever worker answers
        requests = sum(
            v
            for (name, labels), v in found.items()
            if name == "govern_http_requests_total" and dict(labels)["route"] == ROUTE
        )
        assert requests == n
        assert "pid" not in text
