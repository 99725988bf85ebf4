"""Web UI benchmark: server time of the dashboard, inventory and automation pages at
100,000 automations.

    .venv/bin/python benchmarks/web.py              # 100,000 automations
    .venv/bin/python benchmarks/web.py --quick      # 5,000, a smoke run
    .venv/bin/python benchmarks/web.py --database-url postgresql://postgres@127.0.0.1:5432/bench

The inventory is the metrics benchmark's synthetic company (22 platforms, 60 departments,
shadow and discovered automations, policy results, waivers, scan runs), plus two data
accesses over 2,000 assets and one audit event per automation. Requests go through the
real app (Flask test client: routing, sign-in, templates, no network), signed in as a
reviewer, so the automation page also asks the policy engine for approval blockers.

Peers measured in the same run: the JSON API for the same data (the list endpoint for the
inventory, get + history for the automation page) and the /metrics scrape (the same
aggregates) for the dashboard. Ratio = UI / peer. Goal: p95 < 300 ms for each page.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import host

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from sqlalchemy import insert, text  # noqa: E402

from govern import schema  # noqa: E402
from govern.config import Settings  # noqa: E402
from govern.db import make_engine, utcnow, write_session  # noqa: E402
from govern.registry import auth  # noqa: E402
from govern.registry.auth import LOCAL_ADMIN  # noqa: E402
from govern.registry.models import Access, Asset, AuditEvent  # noqa: E402

GOAL_MS = 300.0
PASSWORD = "benchmark-password-1"


def populate_extras(engine, seed: int = 7) -> None:
    """Assets, two accesses and one audit event per automation (Core bulk inserts)."""
    rng = random.Random(seed)
    now = utcnow()
    assets = []
    for i in range(2000):
        external = i % 10 == 0
        assets.append(
            {
                "key": f"https://api{i}.saas.example"
                if external
                else f"postgres://db{i % 40}:5432/app.public.t{i}",
                "namespace": "https://saas.example" if external else f"postgres://db{i % 40}:5432",
                "name": "" if external else f"app.public.t{i}",
                "title": "",
                "description": "",
                "kind": "api" if external else "table",
                "classification": rng.choice(["public", "internal", "confidential", "restricted"]),
                "tags": [],
                "external": external,
                "approved": False,
                "system_of_record": False,
                "declared": True,
                "created_at": now,
                "updated_at": now,
            }
        )
    with engine.begin() as conn:
        conn.execute(insert(Asset), assets)
        asset_ids = [r[0] for r in conn.execute(text("SELECT id FROM asset"))]
        rows = list(conn.execute(text("SELECT id, key FROM automation")))
        accesses, events = [], []
        for automation_id, key in rows:
            for mode, asset_id in (
                ("read", rng.choice(asset_ids)),
                ("write", rng.choice(asset_ids)),
            ):
                accesses.append(
                    {
                        "automation_id": automation_id,
                        "asset_id": asset_id,
                        "mode": mode,
                        "learned": "declared",
                        "masking": False,
                        "purpose": "",
                        "first_seen": now,
                        "last_seen": now,
                    }
                )
            events.append(
                {
                    "at": now,
                    "actor": "bench@corp.example",
                    "action": "automation.created",
                    "entity_type": "automation",
                    "entity_key": key,
                    "diff": [],
                    "comment": "",
                }
            )
        for start in range(0, len(accesses), 20_000):
            conn.execute(insert(Access), accesses[start : start + 20_000])
        for start in range(0, len(events), 20_000):
            conn.execute(insert(AuditEvent), events[start : start + 20_000])


def seed(engine, settings, count: int) -> None:
    import metrics as metrics_bench  # the metrics benchmark's synthetic company

    from govern.web.ui import users

    if not settings.is_sqlite:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    schema.upgrade(engine)
    started = time.perf_counter()
    metrics_bench.populate(engine, count)
    populate_extras(engine)
    with write_session(engine) as session:
        users.create_user(
            session,
            username="bench",
            password=PASSWORD,
            role="reviewer",
            email="bench@corp.example",
        )
    if not settings.is_sqlite:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    print(
        f"seeded {count:,} automations in {time.perf_counter() - started:.1f} s "
        f"({'SQLite' if settings.is_sqlite else 'PostgreSQL'})"
    )


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000


def timed(client, paths: list[str], headers=None) -> list[float]:
    out = []
    for path in paths:
        start = time.perf_counter()
        response = client.get(path, headers=headers)
        body = response.get_data()
        out.append(time.perf_counter() - start)
        if response.status_code != 200:
            raise SystemExit(f"{path}: HTTP {response.status_code}: {body[:300]!r}")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5,000 automations, fewer rounds")
    parser.add_argument("--automations", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--database-url", default="")
    parser.add_argument(
        "--keep", metavar="DIR", help="keep (or reuse) the seeded SQLite database in DIR"
    )
    args = parser.parse_args()
    print(host.describe(), flush=True)
    count = args.automations or (5_000 if args.quick else 100_000)
    rounds = args.rounds or (10 if args.quick else 40)

    from govern.web import create_app

    tmp = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="govern-web-bench-"))
    tmp.mkdir(parents=True, exist_ok=True)
    reuse = bool(args.keep) and (tmp / "bench.db").exists() and not args.database_url
    url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
    settings = Settings(
        data_dir=tmp, database_url=url, secret_key="bench-" + "x" * 40, scheduler_enabled=False
    ).resolved()
    engine = make_engine(settings)
    if reuse:
        schema.upgrade(engine)
        print(f"reusing the seeded database in {tmp}")
    else:
        seed(engine, settings, count)

    app = create_app(settings)
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    csrf = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = client.post(
        "/login", data={"username": "bench", "password": PASSWORD, "csrf_token": csrf}
    )
    assert response.status_code == 302, response.status_code
    with write_session(engine) as session:
        name = f"bench-{int(time.time())}"
        _, token = auth.create_token(session, name=name, role="viewer", actor=LOCAL_ADMIN)
    api = {"Authorization": f"Bearer {token}"}

    with engine.connect() as conn:
        keys = [
            r[0]
            for r in conn.execute(
                text("SELECT key FROM automation WHERE lifecycle != 'retired' ORDER BY id")
            )
        ]
    rng = random.Random(3)
    sample = [rng.choice(keys) for _ in range(rounds)]

    def dashboard_cold() -> list[float]:
        out = []
        for _ in range(max(3, rounds // 4)):
            if app.extensions.get("govern_ui_cache") is not None:
                app.extensions["govern_ui_cache"].clear()
            out += timed(client, ["/"])
        return out

    timed(client, ["/", "/automations", f"/automations/{sample[0]}"])  # warm up
    few = max(3, rounds // 4)
    print(
        f"\n{'page':40} {'p50 ms':>8} {'p95 ms':>8}   {'peer p50':>8} {'peer p95':>8} "
        f"{'ratio p95':>9}  goal"
    )

    def row(name: str, ours, peer=None) -> None:
        try:
            mine = ours()
            theirs = peer() if peer else None
        except SystemExit as exc:
            print(f"{name:40} error: {exc}")
            return
        p50, p95 = percentiles(mine)
        line = f"{name:40} {p50:8.1f} {p95:8.1f}"
        if theirs:
            q50, q95 = percentiles(theirs)
            line += f"   {q50:8.1f} {q95:8.1f} {p95 / q95 if q95 else 0:8.2f}x"
        else:
            line += " " * 30
        line += f"  {'ok' if p95 < GOAL_MS else 'OVER'} (<{GOAL_MS:.0f})"
        print(line, flush=True)

    def pages(paths, headers=None):
        return lambda: timed(client, paths, headers)

    row("dashboard (cached figures)", pages(["/"] * rounds), pages(["/metrics"] * few))
    row("dashboard (cold: figures recomputed)", dashboard_cold)
    row(
        "inventory first page",
        pages(["/automations"] * rounds),
        pages(["/api/v1/automations?limit=50"] * rounds, api),
    )
    row(
        "inventory filtered + sorted by risk",
        pages(["/automations?platform=python&review=pending&sort=-risk"] * rounds),
        pages(["/api/v1/automations?platform=python&review=pending&sort=-risk"] * rounds, api),
    )
    row(
        "inventory search",
        pages(["/automations?q=automation-4242"] * rounds),
        pages(["/api/v1/automations?q=automation-4242"] * rounds, api),
    )
    row(
        "inventory page 1,000",
        pages(["/automations?page=1000"] * few),
        pages(["/api/v1/automations?offset=49950"] * few, api),
    )
    row(
        "automation page",
        pages([f"/automations/{k}" for k in sample]),
        lambda: [
            a + b
            for a, b in zip(
                timed(client, [f"/api/v1/automations/{k}" for k in sample], api),
                timed(client, [f"/api/v1/automations/{k}/history" for k in sample], api),
                strict=True,
            )
        ],
    )
    print(
        "\npeers: dashboard -> GET /metrics (same aggregates); "
        "inventory -> GET /api/v1/automations; "
        "automation page -> GET /api/v1/automations/<key> + /history"
    )
    engine.dispose()
    app.extensions["govern"].engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
