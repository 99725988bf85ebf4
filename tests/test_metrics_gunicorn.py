"""Under gunicorn with 3 workers: inventory series once with the right value, events summed."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

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
        per_worker = _per_worker_request_counts(server.multiproc_dir)
        assert sum(per_worker.values()) == n
        assert sum(1 for v in per_worker.values() if v) >= 2, per_worker

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
