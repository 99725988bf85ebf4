"""Registry benchmark: bulk registration through the CLI and the API, and list latency.

    .venv/bin/python benchmarks/registry.py            # 10,000 manifests; lists at 100,000
    .venv/bin/python benchmarks/registry.py --quick    # smoke run (1,000 / 5,000)
    GOVERN_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench ... # on PostgreSQL

Each phase runs against a fresh database (SQLite in a temporary directory unless
GOVERN_BENCH_DATABASE_URL is set). There is no outside peer for a registry of this shape;
figures are printed with their ratio to the goals (>= 2,000 manifests/s through the CLI on
SQLite; list p95 < 50 ms at 100,000 automations). A batch of 10,000 is larger than
GOVERN_INLINE_EVALUATION_LIMIT, so `govern register` queues its policy evaluation; the
end-to-end line adds `govern policy evaluate --pending`, and `--wait` evaluates inline.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import host
import yaml
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
GOVERN = [str(Path(sys.executable).parent / "govern")]
PLATFORMS = ("python", "vba", "power-automate", "powershell", "zapier", "notebook", "uipath")
NAMESPACES = ("finance", "hr", "sales", "marketing", "operations", "legal", "it-ops", "procurement")
CLI_GOAL = 2000.0
LIST_GOAL_MS = 50.0


def manifest(i: int, rng: random.Random) -> dict:
    ns = NAMESPACES[i % len(NAMESPACES)]
    return {
        "apiVersion": "govern/v1",
        "kind": "Automation",
        "metadata": {"name": f"job-{i:06d}", "namespace": ns, "title": f"Report job {i}"},
        "spec": {
            "platform": PLATFORMS[i % len(PLATFORMS)],
            "owner": f"user{rng.randint(1, 500)}@example.com",
            "track": "sandbox",
            "criticality": rng.choice(("low", "medium", "high")),
            "trigger": {"type": "schedule", "cron": rng.choice(("0 6 * * 1-5", "0 7 1 * *"))},
            "location": f"//fs01/{ns}/scripts/job-{i}.py",
            "reads": [{"asset": f"postgres://db{i % 20}:5432/app.public.t{i % 300}"}],
            "writes": [{"asset": f"file://fs01/{ns}/out/report-{i % 100}.xlsx"}],
        },
    }


class Database:
    """A fresh database for one phase; the environment that points govern at it."""

    def __init__(self, label: str):
        self.tmp = Path(tempfile.mkdtemp(prefix=f"govern-bench-{label}-"))
        base = os.environ.get("GOVERN_BENCH_DATABASE_URL", "")
        self.admin_url = None
        if base:
            self.name = f"govern_bench_{label}_{os.getpid()}"
            self.admin_url = base.rsplit("/", 1)[0] + "/postgres"
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}"', f'CREATE DATABASE "{self.name}"')
            self.url = base.rsplit("/", 1)[0] + "/" + self.name
        else:
            self.url = f"sqlite:///{self.tmp / 'govern.db'}"
        self.env = {
            **os.environ,
            "GOVERN_DATA_DIR": str(self.tmp),
            "GOVERN_DATABASE_URL": self.url,
            "GOVERN_SECRET_KEY": "benchmark-secret-key-0123456789abcdef",
            "GOVERN_SCHEDULER": "false",
            "GOVERN_LOG_LEVEL": "WARNING",
            "GOVERN_MAX_REQUEST_BYTES": str(64 * 1024 * 1024),
        }
        subprocess.run([*GOVERN, "init"], env=self.env, check=True, capture_output=True)

    def _admin(self, *statements: str) -> None:
        url = self.admin_url.replace("postgresql://", "postgresql+psycopg://", 1)
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            for statement in statements:
                conn.execute(text(statement))
        engine.dispose()

    def drop(self) -> None:
        if self.admin_url:
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def token(db: Database) -> str:
    out = subprocess.run(
        [*GOVERN, "token", "create", "--name", "bench", "--role", "admin"],
        env=db.env,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


def _timed(command: list[str], env: dict) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds of the child process, its stdout)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if result.returncode != 0:
        raise SystemExit(result.stderr)
    return elapsed, cpu, result.stdout


def bench_cli(count: int, wait: bool = False) -> dict[str, float]:
    """Rates (manifests per wall second and per CPU-second of the govern processes) for
    ``govern register`` and, unless ``wait``, for registration plus
    ``govern policy evaluate --pending`` (end to end: every verdict stored).

    The CPU figure is what an idle machine would approach; on a shared, busy machine
    the wall figure mostly measures the neighbours."""
    db = Database("cli")
    rng = random.Random(1)
    folder = db.tmp / "manifests"
    folder.mkdir()
    per_file = 100
    for start in range(0, count, per_file):
        docs = [manifest(i, rng) for i in range(start, min(count, start + per_file))]
        (folder / f"batch-{start:06d}.yaml").write_text(yaml.safe_dump_all(docs))
    command = [*GOVERN, "register", "--quiet", *(["--wait"] if wait else []), str(folder)]
    wall, cpu, out = _timed(command, db.env)
    rates = {"wall": count / wall, "cpu": count / cpu, "queued": "queued" in out}
    if not wait:
        drain_wall, drain_cpu, out = _timed([*GOVERN, "policy", "evaluate", "--pending"], db.env)
        if json.loads(out)["remaining"] != 0:
            raise SystemExit(f"the queue was not drained: {out}")
        rates["e2e_wall"] = count / (wall + drain_wall)
        rates["e2e_cpu"] = count / (cpu + drain_cpu)
    db.drop()
    return rates


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, db: Database):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [*GOVERN, "serve", "--port", str(self.port)],
            env=db.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                urllib.request.urlopen(self.url + "/api/v1/health", timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        raise SystemExit("the server did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)


def request(url: str, value: str, body=None) -> bytes:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(
        url,
        data=data,
        method="POST" if data else "GET",
        headers={"Authorization": f"Bearer {value}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=300) as response:
        return response.read()


def bench_api(count: int, batch: int) -> float:
    """Manifests per second through HTTP (batches above GOVERN_INLINE_EVALUATION_LIMIT,
    200 by default, queue their evaluation; the scheduler is off here)."""
    db = Database("api")
    value = token(db)
    server = Server(db)
    rng = random.Random(2)
    docs = [manifest(i, rng) for i in range(count)]
    try:
        began = time.perf_counter()
        for start in range(0, count, batch):
            request(server.url + "/api/v1/manifests", value, docs[start : start + batch])
        elapsed = time.perf_counter() - began
    finally:
        server.stop()
        db.drop()
    return count / elapsed


def seed_direct(db: Database, count: int) -> None:
    """Fill the registry through the register service in-process (batches of 5,000)."""
    from govern.config import Settings
    from govern.db import make_engine, write_session
    from govern.registry.auth import LOCAL_ADMIN
    from govern.registry.manifest import Document, LoadResult
    from govern.registry.register import register

    settings = Settings.from_env(db.env)
    engine = make_engine(settings)
    rng = random.Random(3)
    for start in range(0, count, 5000):
        docs = [
            Document("bench", i, manifest(i, rng)) for i in range(start, min(count, start + 5000))
        ]
        with write_session(engine) as session:
            register(session, LoadResult(documents=docs), principal=LOCAL_ADMIN, evaluate=False)
    engine.dispose()


def bench_service(count: int) -> tuple[float, float]:
    """The register service in-process, CPU time: (without, with) policy evaluation."""
    from govern.config import Settings
    from govern.db import make_engine, write_session
    from govern.registry.auth import LOCAL_ADMIN
    from govern.registry.manifest import Document, LoadResult
    from govern.registry.register import register

    rates = []
    for evaluate in (False, True):
        db = Database("svc")
        engine = make_engine(Settings.from_env(db.env))
        rng = random.Random(4)
        docs = [Document("bench", i, manifest(i, rng)) for i in range(count)]
        began = time.process_time()
        with write_session(engine) as session:
            register(session, LoadResult(documents=docs), principal=LOCAL_ADMIN, evaluate=evaluate)
        rates.append(count / (time.process_time() - began))
        engine.dispose()
        db.drop()
    return rates[0], rates[1]


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * len(ordered))) - 1)]
    return statistics.median(ordered), p95


def bench_list(count: int, rounds: int) -> dict[str, tuple[float, float]]:
    db = Database("list")
    began = time.perf_counter()
    seed_direct(db, count)
    print(f"  seeded {count:,} automations in {time.perf_counter() - began:.1f} s")
    value = token(db)
    server = Server(db)
    queries = {
        "first page (50)": "/api/v1/automations?limit=50",
        "deep page by cursor": None,
        "offset 50,000": f"/api/v1/automations?limit=50&offset={count // 2}",
        "filter platform+namespace": "/api/v1/automations?platform=vba&namespace=finance",
        "sort by risk": "/api/v1/automations?sort=-risk",
        "free-text search": "/api/v1/automations?q=job-0042",
    }
    results = {}
    try:
        url = server.url + "/api/v1/automations?limit=50"
        for _ in range(count // 100):  # walk ~half way by cursor, to a deep page
            page = json.loads(request(url, value))
            url = server.url + page["next"]
            if len(page["items"]) < 50:
                break
        queries["deep page by cursor"] = url[len(server.url) :]
        for label, path in queries.items():
            samples = []
            for _ in range(rounds):
                start = time.perf_counter()
                request(server.url + path, value)
                samples.append((time.perf_counter() - start) * 1000)
            results[label] = percentiles(samples)
    finally:
        server.stop()
        db.drop()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small smoke run")
    args = parser.parse_args()
    print(host.describe(), flush=True)
    manifests = 1000 if args.quick else 10_000
    listed = 5000 if args.quick else 100_000
    rounds = 20 if args.quick else 200
    where = "PostgreSQL" if os.environ.get("GOVERN_BENCH_DATABASE_URL") else "SQLite"
    print(f"govern registry benchmark on {where} ({'quick' if args.quick else 'full'})")

    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    cli = bench_cli(manifests)
    print(
        f"CLI   register {manifests:,} manifests (one process, 100 files, policy evaluation "
        f"{'queued' if cli['queued'] else 'inline'}): {cli['wall']:,.0f} manifests/s wall, "
        f"{cli['cpu']:,.0f} per CPU-second"
        f"  [goal {CLI_GOAL:,.0f}/s: x{cli['wall'] / CLI_GOAL:.2f} wall,"
        f" x{cli['cpu'] / CLI_GOAL:.2f} CPU]"
    )
    print(
        f"CLI   end to end, register + `govern policy evaluate --pending` (every verdict "
        f"stored): {cli['e2e_wall']:,.0f} manifests/s wall, {cli['e2e_cpu']:,.0f} per CPU-second"
    )
    waited = bench_cli(manifests, wait=True)
    print(
        f"CLI   register --wait (policies evaluated inline, one transaction): "
        f"{waited['wall']:,.0f} manifests/s wall, {waited['cpu']:,.0f} per CPU-second"
    )
    plain, evaluated = bench_service(manifests)
    print(
        f"SVC   register service in-process, {manifests:,} manifests: {plain:,.0f} per CPU-second"
        f" (registry only), {evaluated:,.0f} with policy evaluation"
    )
    api_batch = bench_api(manifests, 500)
    print(
        f"API   register {manifests:,} manifests, 500 per request (evaluation queued): "
        f"{api_batch:,.0f} manifests/s"
    )
    single = min(manifests, 1000)
    api_single = bench_api(single, 1)
    print(
        f"API   register {single:,} manifests, 1 per request (evaluated inline): "
        f"{api_single:,.0f} manifests/s"
    )
    print(f"LIST  page latency with {listed:,} automations ({rounds} requests each, HTTP):")
    goal_checked = ("first page (50)", "deep page by cursor", "sort by risk")
    worst = 0.0
    for label, (p50, p95) in bench_list(listed, rounds).items():
        if label in goal_checked:
            worst = max(worst, p95)
        print(f"  {label:28} p50 {p50:6.1f} ms   p95 {p95:6.1f} ms")
    print(
        f"  list page p95 (first page, cursor page, sorted page): {worst:.1f} ms "
        f"[goal < {LIST_GOAL_MS:.0f} ms: x{LIST_GOAL_MS / worst:.2f}]"
    )
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
