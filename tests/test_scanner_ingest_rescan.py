"""Ingesting an unchanged rescan: no per-row writes, last seen still moves, changes still land."""

from __future__ import annotations

from collections import Counter

from scanner_support import run, share
from sqlalchemy import event
from sqlmodel import select

from govern.db import read_session, write_session
from govern.registry.auth import LOCAL_ADMIN
from govern.registry.ingest import ingest
from govern.registry.models import Access, Automation, Discovery, ScanRun


def _ingest(engine, result):
    with write_session(engine) as session:
        run_row = ingest(
            session,
            result,
            target_name="share",
            agent="test",
            run_uid=result["scan"]["run_uid"],
            principal=LOCAL_ADMIN,
        )
        return run_row.id


def _writes(engine) -> Counter:
    """Statements the database receives, by verb and table; executemany rows counted."""
    seen: Counter = Counter()

    def count(conn, cursor, statement, params, context, executemany):
        words = statement.split()
        verb = words[0].upper()
        if verb in ("INSERT", "UPDATE", "DELETE"):
            table = (words[1] if verb == "UPDATE" else words[2]).strip('"')
            seen[(verb, table)] += len(params) if executemany else 1

    event.listen(engine, "before_cursor_execute", count)
    return seen


def _state(engine):
    with read_session(engine) as s:
        discoveries = {
            d.location: (d.status, d.content_hash, d.fingerprint, d.automation_id, d.signals)
            for d in s.exec(select(Discovery))
        }
        automations = {
            a.key: (a.reconciliation_state, a.origin, a.lifecycle)
            for a in s.exec(select(Automation))
        }
        edges = {(a.automation_id, a.asset_id, a.mode) for a in s.exec(select(Access))}
    return discoveries, automations, edges


def test_unchanged_rescan_refreshes_last_seen_without_row_by_row_writes(tmp_path, engine):
    root = tmp_path / "share"
    share(root)
    cache = tmp_path / "cache.sqlite"
    _ingest(engine, run([root], cache_path=cache))
    before = _state(engine)
    with read_session(engine) as s:
        first_seen_at = max(d.last_seen for d in s.exec(select(Discovery)))
    writes = _writes(engine)
    second = run([root], cache_path=cache)
    assert second["scan"]["files_read"] == 0
    run_id = _ingest(engine, second)
    assert _state(engine) == before  # nothing but last seen changed
    n = len(second["discoveries"])
    assert n == 20
    # one set-based UPDATE per table (for up to 500 rows), never one per discovery
    assert writes[("UPDATE", "discovery")] == 1
    assert writes[("UPDATE", "automation")] == 1
    assert writes[("UPDATE", "access")] == 1
    # no row is inserted or deleted but the run and its scan.ingested audit record
    assert {k for k in writes if k[0] in ("INSERT", "DELETE")} == {
        ("INSERT", "scan_run"),
        ("INSERT", "audit_event"),
    }
    assert writes[("INSERT", "audit_event")] == 1  # the scan.ingested record only
    with read_session(engine) as s:
        run_row = s.get(ScanRun, run_id)
        assert (run_row.discoveries, run_row.new_discoveries, run_row.gone) == (n, 0, 0)
        assert run_row.secrets == second["scan"]["secrets"] > 0
        discs = list(s.exec(select(Discovery)))
        assert {d.scan_run_id for d in discs} == {run_id}
        stamps = {d.last_seen for d in discs}
        assert len(stamps) == 1
        last = stamps.pop()
        assert last > first_seen_at  # last seen moved to this run
        linked = {d.automation_id for d in discs}
        autos = list(s.exec(select(Automation).where(Automation.id.in_(linked))))
        assert autos and all(a.last_seen == last for a in autos)
        edges = list(s.exec(select(Access).where(Access.learned == "scanned")))
        assert edges and all(e.last_seen == last for e in edges)


def test_changed_and_deleted_files_still_land_after_a_quiet_rescan(tmp_path, engine):
    root = tmp_path / "share"
    planted = share(root)
    cache = tmp_path / "cache.sqlite"
    _ingest(engine, run([root], cache_path=cache))
    _ingest(engine, run([root], cache_path=cache))  # unchanged: the set-based path
    script = root / "powershell" / "job_powershell.ps1"
    script.write_text(script.read_text() + "Invoke-RestMethod -Uri 'https://api.example.org/x'\n")
    (root / "shell" / "job_shell.sh").unlink()
    third = run([root], cache_path=cache)
    assert third["scan"]["files_read"] == 1
    writes = _writes(engine)
    _ingest(engine, third)
    assert writes[("UPDATE", "discovery")] >= 2  # the changed row, the gone row, the rest
    with read_session(engine) as s:
        by_loc = {d.location: d for d in s.exec(select(Discovery))}
    changed = by_loc[str(script)]
    new_hash = {d["location"]: d for d in third["discoveries"]}[str(script)]["content_hash"]
    assert changed.content_hash == new_hash and changed.status == "present"
    assert "https://api.example.org" in changed.signals["calls"]
    assert by_loc[str(root / "shell" / "job_shell.sh")].status == "gone"
    assert sum(d.status == "gone" for d in by_loc.values()) == 1  # the others stay present
    assert len(planted) == 20
