"""Metrics benchmark: /metrics scrape time and size at 100,000 automations.

One command:  .venv/bin/python benchmarks/metrics.py           (100k automations)
              .venv/bin/python benchmarks/metrics.py --quick   (5k, a smoke run)
              .venv/bin/python benchmarks/metrics.py --database-url postgresql://...

The synthetic inventory looks like a large company's: 22 platforms with a long tail, 60
departments, a third discovered and a quarter shadow, 5,000 owners (4% inactive, 3%
unknown to the registry, 2% missing), 5% duplicated fingerprints, ~1.5 policy results
per automation over 25 policies (a fifth failing, a tenth of those waived), 3,000
waivers, 80 scan targets with 20,000 runs.

What is timed: full HTTP scrapes of /metrics through the real app (Flask test client,
so no network), the collector's SQL alone, and the peer measured in the same run: the
naive way, loading every automation row and counting in Python ("a full scan per
scrape"), computing the same automation breakdowns. The ratio is peer / ours.
"""

from __future__ import annotations

import argparse
import gzip
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, text  # noqa: E402
from sqlmodel import select  # noqa: E402

from govern import schema  # noqa: E402
from govern.config import Settings  # noqa: E402
from govern.db import make_engine, read_session, utcnow  # noqa: E402
from govern.registry import stats  # noqa: E402
from govern.registry.models import (  # noqa: E402
    Automation,
    Person,
    PolicyResult,
    ScanRun,
    ScanTarget,
    Waiver,
)
from govern.registry.models.vocab import PLATFORMS  # noqa: E402

DEPARTMENTS = [f"dept-{i:02d}" for i in range(60)]
POLICIES = [f"policy-{i:02d}" for i in range(25)]
SEVERITIES = ("low", "medium", "high", "critical")


def _weighted(rng: random.Random, values, weights):
    return rng.choices(values, weights=weights, k=1)[0]


def populate(engine, automations: int, seed: int = 11) -> None:
    """Bulk-insert the synthetic inventory (Core inserts, a few seconds at 100k)."""
    rng = random.Random(seed)
    now = utcnow()
    people = []
    for i in range(5000):
        people.append(
            {
                "email": f"p{i}@corp.example",
                "name": f"Person {i}",
                "department": rng.choice(DEPARTMENTS),
                "active": rng.random() > 0.04,
                "certification_level": _weighted(rng, [0, 1, 2, 3], [60, 25, 10, 5]),
                "certification_expires": (now + timedelta(days=rng.randint(-100, 600))).date(),
                "created_at": now,
                "updated_at": now,
            }
        )
    platform_weights = [1 / (i + 1) for i in range(len(PLATFORMS))]
    rows = []
    for i in range(automations):
        dept = DEPARTMENTS[min(int(rng.expovariate(1 / 12)), len(DEPARTMENTS) - 1)]
        roll = rng.random()
        owner = (
            None
            if roll < 0.02
            else f"ghost{i}@corp.example"
            if roll < 0.05
            else f"p{rng.randrange(5000)}@corp.example"
        )
        origin = _weighted(rng, ["declared", "discovered", "both"], [60, 30, 10])
        created = now - timedelta(days=rng.randint(0, 900))
        rows.append(
            {
                "key": f"{dept}/automation-{i}",
                "namespace": dept,
                "name": f"automation-{i}",
                "title": f"Automation {i}",
                "description": "",
                "platform": _weighted(rng, PLATFORMS, platform_weights),
                "trigger": {},
                "owner_email": owner,
                "department": dept,
                "justification": "",
                "criticality": _weighted(rng, SEVERITIES, [50, 30, 15, 5]),
                "track": _weighted(rng, ["sandbox", "production"], [70, 30]),
                "lifecycle": _weighted(
                    rng, ["draft", "active", "deprecated", "retired"], [5, 80, 5, 10]
                ),
                "origin": origin,
                "reconciliation_state": "shadow"
                if origin == "discovered" and rng.random() < 0.8
                else _weighted(rng, ["registered", "unverified", "missing"], [90, 5, 5]),
                "review_state": _weighted(
                    rng, ["pending", "approved", "changes-requested", "rejected"], [30, 60, 5, 5]
                ),
                "risk_score": rng.randint(0, 100),
                "risk_tier": _weighted(rng, ["low", "medium", "high", "critical"], [50, 30, 15, 5]),
                "risk_factors": [],
                "fingerprint": f"fp{rng.randrange(automations // 40)}"
                if rng.random() < 0.05
                else f"u{i}",
                "tags": [],
                "annotations": {},
                "uses_ai": rng.random() < 0.15,
                "manifest": {},
                "review_comment": "",
                "missing_runs": 0,
                "created_at": created,
                "updated_at": created,
            }
        )
    with engine.begin() as conn:
        conn.execute(insert(Person), people)
        for start in range(0, len(rows), 10_000):
            conn.execute(insert(Automation), rows[start : start + 10_000])
        ids = [row[0] for row in conn.execute(text("SELECT id FROM automation"))]
        results = []
        for automation_id in ids:
            for policy in rng.sample(POLICIES, rng.choice([0, 1, 1, 2, 3])):
                failing = rng.random() < 0.2
                results.append(
                    {
                        "policy_id": policy,
                        "automation_id": automation_id,
                        "status": "fail" if failing else "pass",
                        "state": (
                            ("waived" if rng.random() < 0.1 else "open") if failing else None
                        ),
                        "severity": SEVERITIES[POLICIES.index(policy) % 4],
                        "mode": "audit",
                        "explanation": "",
                        "evidence": [],
                        "first_seen": now,
                        "last_seen": now,
                    }
                )
        for start in range(0, len(results), 20_000):
            conn.execute(insert(PolicyResult), results[start : start + 20_000])
        conn.execute(
            insert(Waiver),
            [
                {
                    "policy_id": rng.choice(POLICIES),
                    "automation_id": rng.choice(ids),
                    "reason": "accepted",
                    "approver": "sec@corp.example",
                    "ticket": "",
                    "expires_at": now + timedelta(days=rng.randint(-60, 365)),
                    "created_by": "",
                    "created_at": now,
                    "revoked_at": now if rng.random() < 0.05 else None,
                }
                for _ in range(3000)
            ],
        )
        targets = [f"target-{i:02d}" for i in range(80)]
        conn.execute(
            insert(ScanTarget),
            [
                {
                    "name": name,
                    "kind": "path",
                    "location": f"/srv/{name}",
                    "ignore": [],
                    "enabled": True,
                    "missing_after_runs": 3,
                    "last_success_at": now - timedelta(hours=rng.randint(0, 48)),
                    "created_at": now,
                    "updated_at": now,
                }
                for name in targets
            ],
        )
        conn.execute(
            insert(ScanRun),
            [
                {
                    "run_uid": f"run-{i}",
                    "target_name": rng.choice(targets),
                    "agent": "local",
                    "status": _weighted(rng, ["success", "failed", "partial"], [90, 5, 5]),
                    "started_at": now - timedelta(hours=i % 2000),
                    "finished_at": now - timedelta(hours=i % 2000),
                    "errors": [],
                }
                for i in range(20_000)
            ],
        )


def naive_breakdowns(engine) -> dict:
    """The peer: load every automation and count in Python (what a full scan costs)."""
    with read_session(engine) as session:
        live = [a for a in session.exec(select(Automation)) if a.lifecycle != "retired"]
    return {
        "total": len(live),
        "by_platform": Counter(a.platform for a in live),
        "by_department": Counter(a.department for a in live),
        "by_origin": Counter(a.origin for a in live),
        "by_reconciliation": Counter(a.reconciliation_state for a in live),
        "by_review": Counter(a.review_state for a in live),
        "by_risk_tier": Counter(a.risk_tier for a in live),
        "by_track": Counter(a.track for a in live),
        "shadow": sum(a.reconciliation_state == "shadow" for a in live),
        "uses_ai": sum(a.uses_ai for a in live),
    }


CPU: list[float] = []


def timed(fn, repeat: int) -> tuple[list[float], object]:
    """Wall times; the process CPU times of the same runs are left in ``CPU``."""
    times, result = [], None
    CPU.clear()
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        result = fn()
        times.append(time.perf_counter() - start)
        CPU.append(time.process_time() - cpu)
    return times, result


def ms(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return f"median {statistics.median(values) * 1000:7.1f} ms  p95 {p95 * 1000:7.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5,000 automations, few repeats")
    parser.add_argument("--automations", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=None)
    parser.add_argument("--database-url", default="", help="an EMPTY database (default SQLite)")
    args = parser.parse_args()
    n = args.automations or (5_000 if args.quick else 100_000)
    repeat = args.repeat or (5 if args.quick else 20)

    from govern.web import create_app

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        settings = Settings(
            data_dir=Path(tmp), database_url=url, secret_key="b" * 48, scheduler_enabled=False
        ).resolved()
        engine = make_engine(settings)
        schema.upgrade(engine)
        start = time.perf_counter()
        populate(engine, n)
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
        print(f"database      {engine.dialect.name}, populated {n:,} automations in "
              f"{time.perf_counter() - start:.1f} s")  # fmt: skip

        app = create_app(settings, {"TESTING": True})
        client = app.test_client()
        client.get("/metrics")  # warm up: imports, connection pool, statement cache

        def scrape():
            response = client.get("/metrics")
            assert response.status_code == 200
            return response.data

        scrape_times, body = timed(scrape, repeat)
        scrape_cpu = list(CPU)
        zipped = len(gzip.compress(body))
        series = sum(1 for line in body.splitlines() if line and not line.startswith(b"#"))
        govern_series = sum(1 for line in body.splitlines() if line.startswith(b"govern_"))

        def collector_sql():
            with read_session(engine) as session:
                return stats.summary(session)

        sql_times, figures = timed(collector_sql, repeat)
        peer_repeat = 2 if n > 20_000 else 3
        peer_times, peer = timed(lambda: naive_breakdowns(engine), peer_repeat)
        assert peer["total"] == figures["automations"]["total"], "peer disagrees"
        assert dict(peer["by_platform"]) == figures["automations"]["by_platform"]

        cached_app = create_app(settings, {"TESTING": True, "GOVERN_METRICS_MAX_AGE": "60"})
        cached_client = cached_app.test_client()
        cached_client.get("/metrics")  # computes once; the next scrapes reuse the figures
        cached_times, _ = timed(lambda: cached_client.get("/metrics").data, repeat)
        cached_app.extensions["govern"].engine.dispose()

        ours = statistics.median(scrape_times)
        print(f"automations   {figures['automations']['total']:,} live of {n:,}")
        print(f"scrape        {ms(scrape_times)}  ({repeat} full HTTP scrapes of /metrics)")
        print(f"  CPU time    {ms(scrape_cpu)}  (this process; includes SQLite, not a server)")
        print(f"  of which SQL {ms(sql_times)}  (registry.stats.summary)")
        print(f"size          {len(body):,} bytes, {zipped:,} gzipped; {series} series "
              f"({govern_series} govern_*)")  # fmt: skip
        print(f"peer          {ms(peer_times)}  (load all rows, count in Python; "
              f"{peer_repeat} runs)")  # fmt: skip
        print(f"ratio         peer / ours = {statistics.median(peer_times) / ours:.1f}x")
        print(f"cached        {ms(cached_times)}  (GOVERN_METRICS_MAX_AGE=60: figures reused)")
        load = os.getloadavg()[0]
        print(f"machine       {os.cpu_count()} CPUs, load average {load:.1f} at the end of the run")
        goal = "met" if ours < 0.100 else "NOT met"
        print(f"goal          < 100 ms per scrape: {goal} ({ours * 1000:.1f} ms median)")
        app.extensions["govern"].engine.dispose()
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
