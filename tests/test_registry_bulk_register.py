"""Large registrations take fast paths; each must give exactly what the plain path gives.

- Files read by forked workers (``govern.registry.loading``): the same documents and the
  same problems, in the same order, as reading them here.
- ``govern register`` writing while workers still read (``register.register_manifests``):
  the same output, exit code and database as writing once everything is read; an
  invalid batch still writes nothing.
- Rows inserted through the driver (``bulk_insert``) and new automations counted into
  the rollup set-based (``rollup_bulk.bulk_automations``): the same rows and figures as
  SQLAlchemy Core and the per-row trigger.
- What workers derive from a manifest (``declared.prepare``): what registration derived.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner
from conftest import automation_manifest
from lineage_support import asset_manifest, person_manifest
from registry_support import second_database, write_json, write_yaml
from sqlalchemy import inspect, text

from govern.cli import EXIT_INVALID, AppContext, main
from govern.db import make_engine, read_session, utcnow
from govern.registry import audit, bulk_insert, loading, register, rollup_bulk, stats
from govern.registry.declared import Prepared, manifest_hash, prepare, to_json
from govern.registry.loading import ManifestStream
from govern.registry.manifest import Document, ManifestInvalid
from govern.registry.views import automation_snapshot

PLATFORMS = ("python", "vba", "power-automate")


def _automations(start: int, count: int) -> list[dict]:
    """Automations exercising what registration derives: owners in mixed case, shared
    and AI assets with inline attributes, duplicate fingerprints, triggers between
    automations (also to later files), tags and annotations."""
    docs = []
    for i in range(start, start + count):
        spec: dict = {
            "platform": PLATFORMS[i % 3],
            "owner": f"Owner{i % 4}@Example.com",
            "criticality": ("low", "medium", "high")[i % 3],
            "trigger": {"type": "schedule", "cron": "0 6 * * 1-5"} if i % 2 else {"type": "manual"},
            "reads": [{"asset": f"postgres://db{i % 3}:5432/app.public.t{i % 5}"}],
            "writes": [{"asset": f"file://fs01/out/report-{i % 4}.xlsx", "tags": ["pii"]}],
            "location": f"//fs01/scripts/job-{i}.py",
        }
        if i % 5 == 0:
            spec["calls"] = [{"asset": "https://api.openai.com/v1/chat"}]
        if i % 7 == 0:
            spec["fingerprint"] = f"{i % 2:016x}"
        if i % 6 == 1:
            spec["triggers"] = [f"ops/job-{i + 3:04d}", f"ops/job-{i + 40:04d}"]
        if i % 9 == 0:
            spec["track"] = "production"
            spec["backupOwner"] = "backup@example.com"
            spec["justification"] = "month-end close depends on it"
        body = automation_manifest(name=f"job-{i:04d}", namespace="ops", **spec)
        body["metadata"].update(title=f"Job {i}", tags=["nightly"], annotations={"n": str(i)})
        docs.append(body)
    return docs


def _corpus(folder: Path) -> Path:
    folder.mkdir()
    for number in range(6):
        write_yaml(folder / f"batch-{number}.yaml", *_automations(number * 12, 12))
    write_json(folder / "batch-6.json", _automations(72, 8))
    return folder


def _invoke(settings, *args: str):
    return CliRunner().invoke(main, list(args), obj=AppContext(settings))


@pytest.fixture
def streaming(monkeypatch):
    """Workers for any batch, one file per task, small write chunks, the rollup bulk."""
    monkeypatch.setattr(loading, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(loading, "TASK_BYTES", 1)
    monkeypatch.setattr(register, "STREAM_CHUNK", 10)
    monkeypatch.setattr(rollup_bulk, "AUTOMATION_BULK_THRESHOLD", 1)


def _serial(monkeypatch) -> None:
    monkeypatch.setattr(loading, "PARALLEL_MIN_BYTES", 1 << 60)


def _state(settings) -> dict:
    """Everything a registration writes, by natural keys (no ids, no timestamps)."""
    engine = make_engine(settings)
    skip = {"id", "created_at", "updated_at", "first_seen", "last_seen", "reviewed_at"}
    out: dict = {}
    with read_session(engine) as session:

        def rows(sql: str) -> list:
            return sorted(tuple(r) for r in session.execute(text(sql)))

        for table, key in (("automation", "key"), ("asset", "key"), ("person", "email")):
            names = [c["name"] for c in inspect(engine).get_columns(table)]
            columns = ", ".join(f'"{n}"' for n in names if n not in skip)
            out[table] = {
                r._mapping[key]: dict(r._mapping)
                for r in session.execute(text(f"SELECT {columns} FROM {table}"))
            }
        out["access"] = rows(
            "SELECT a.key, s.key, x.mode, x.learned, x.masking, x.purpose FROM access x "
            "JOIN automation a ON a.id = x.automation_id JOIN asset s ON s.id = x.asset_id"
        )
        out["links"] = rows(
            "SELECT s.key, t.key, l.kind, l.learned FROM automation_link l "
            "JOIN automation s ON s.id = l.source_id JOIN automation t ON t.id = l.target_id"
        )
        out["audit"] = rows(
            "SELECT actor, action, entity_type, entity_key, CAST(before AS TEXT), "
            "CAST(after AS TEXT), CAST(diff AS TEXT), comment FROM audit_event"
        )
        out["queue"] = rows("SELECT key, reason FROM evaluation_queue")
        now = utcnow()
        rollup = stats.summary(session, now=now, from_rollup=True)
        recomputed = stats.summary(session, now=now, from_rollup=False)
    engine.dispose()
    assert rollup == recomputed, "the rollup differs from the tables"
    out["figures"] = _timeless(rollup)
    return out


def _timeless(figures):
    """The figures without ages (seconds since something was written)."""
    if isinstance(figures, dict):
        return {k: _timeless(v) for k, v in figures.items() if "age_seconds" not in str(k)}
    return figures


def _register_both(settings, tmp_path, monkeypatch, *steps) -> list[tuple]:
    """Run each step (``govern`` arguments, or a callable changing the files between
    steps) plainly in a second database and as set up (the fast paths) in the test's:
    [(plain result, fast result, plain state, fast state)] for each command."""
    out = []
    with second_database(settings, tmp_path) as other:
        for step in steps:
            if callable(step):
                step()
                continue
            with monkeypatch.context() as plain:
                _serial(plain)
                plain.setattr(rollup_bulk, "AUTOMATION_BULK_THRESHOLD", 1 << 60)
                expected = _invoke(other, *step)
                expected_state = _state(other)
            result = _invoke(settings, *step)
            out.append((expected, result, expected_state, _state(settings)))
    return out


@pytest.fixture
def streamed(monkeypatch) -> list[str]:
    """How each registration was written: 'streamed', 'batch' (after reading it all),
    'restarted' (streamed, then as a batch: it holds people or assets)."""
    ways: list[str] = []
    real = register._register_streamed

    def spy(*args, **kwargs):
        try:
            done = real(*args, **kwargs)
        except register._NotStreamable:
            ways.append("restarted")
            raise
        except ManifestInvalid:
            ways.append("invalid")
            raise
        ways.append("streamed")
        return done

    monkeypatch.setattr(register, "_register_streamed", spy)
    return ways


# -- reading -------------------------------------------------------------------------


def _problem_corpus(folder: Path) -> list[Path]:
    """Valid files between every kind of problem reading and validation report."""
    folder.mkdir()
    write_yaml(folder / "a-valid.yaml", *_automations(0, 5))
    (folder / "b-syntax.yaml").write_text("apiVersion: govern/v1\nkind: [Automation\n")
    (folder / "c-empty.yaml").write_text("   \n")
    bad = _automations(5, 4)
    bad[1]["spec"]["onwer"] = "x@example.com"
    bad[2]["spec"]["trigger"] = {"type": "schedule", "cron": "every monday"}
    bad[3] = ["not", "a", "mapping"]
    write_yaml(folder / "d-invalid.yaml", *bad)
    write_yaml(folder / "e-duplicate.yaml", _automations(2, 1)[0], *_automations(9, 3))
    write_json(folder / "f-list.json", _automations(12, 3))
    (folder / "g-dates.yaml").write_text(
        "apiVersion: govern/v1\nkind: Automation\nmetadata: {name: dated, namespace: ops,"
        " annotations: {since: 2027-01-31}}\nspec: {platform: python, owner: a@example.com,"
        " usesAI: yes, location: '0x1f'}\n"
    )
    (folder / "empty-dir").mkdir()
    (folder / "notes.txt").write_text("not a manifest")
    return [folder, folder / "missing.yaml", folder / "empty-dir"]


@pytest.mark.parametrize("workers", [1, 2])
def test_workers_read_what_this_process_reads(tmp_path, monkeypatch, workers):
    monkeypatch.setattr(loading, "TASK_BYTES", 1)
    paths = _problem_corpus(tmp_path / "m")
    with ManifestStream(paths, workers=0) as plain:
        expected = plain.result()
    with ManifestStream(paths, prepare=prepare, restore=Prepared._make, workers=workers) as fast:
        assert fast.parallel
        streamed = [doc for docs in fast.files() for doc in docs]
        assert not fast.clean
        loaded = fast.result()
    assert loaded.documents == streamed
    assert [(d.source, d.index, d.body) for d in loaded.documents] == [
        (d.source, d.index, d.body) for d in expected.documents
    ]
    assert loaded.problems == expected.problems
    assert len(loaded.problems) >= 8
    for doc in loaded.documents:
        assert doc.prepared == (prepare(doc) if not doc.checked else None)


def test_a_worker_that_dies_leaves_the_reading_here(tmp_path, monkeypatch):
    paths = _problem_corpus(tmp_path / "m")
    expected = loading.load_manifests(paths, workers=0)

    monkeypatch.setattr(loading, "_load_task", _dies)
    with ManifestStream(paths, workers=2) as stream:
        loaded = stream.result()
    assert [(d.source, d.index, d.body) for d in loaded.documents] == [
        (d.source, d.index, d.body) for d in expected.documents
    ]
    assert loaded.problems == expected.problems


def _dies(*args):
    os._exit(3)


def test_clean_tells_a_duplicate_and_an_invalid_document(tmp_path):
    folder = tmp_path / "m"
    folder.mkdir()
    write_yaml(folder / "a.yaml", *_automations(0, 3))
    write_yaml(folder / "b.yaml", *_automations(3, 3))
    write_yaml(folder / "c.yaml", _automations(1, 1)[0])
    seen = []
    with ManifestStream([folder], workers=2) as stream:
        for _ in stream.files():
            seen.append(stream.clean)
    assert seen == [True, True, False]


# -- what workers derive ---------------------------------------------------------------


def test_prepared_is_what_registration_derived():
    for body in _automations(0, 12):
        doc = Document("m.yaml", 0, body)
        ready = prepare(doc)
        clean = {k: v for k, v in body.items() if k != "$schema"}
        canonical = json.dumps(clean, sort_keys=True, separators=(",", ":"), default=str)
        assert ready.digest == hashlib.sha256(canonical.encode()).hexdigest()
        meta, spec = body["metadata"], body["spec"]
        assert ready.key == f"ops/{meta['name']}"
        assert ready.texts == (
            json.dumps(body),
            json.dumps(spec.get("trigger") or {}),
            json.dumps(meta.get("tags", [])),
            json.dumps(meta.get("annotations", {})),
        )
        row = SimpleNamespace(
            **ready.columns,
            origin="declared",
            reconciliation_state="registered",
            review_state="pending",
            lifecycle=spec.get("lifecycle", "active"),
            manifest=body,
        )
        after = automation_snapshot(row)
        assert ready.created_after == json.dumps(after)
        assert ready.created_diff == json.dumps(audit.diff(None, after))
        assert ready.emails == tuple(
            e.lower() for e in (spec["owner"], spec.get("backupOwner")) if e
        )
    person = Document("p.yaml", 0, person_manifest("a@example.com"))
    assert prepare(person) == Prepared(manifest_hash(person.body))


@pytest.mark.parametrize(
    "value",
    [
        {"a": [1, 2.5, None, True, False], "b": {"c": 'é ✓ \n "q"'}},
        [],
        {},
        "text",
        -0.0,
        10**30,
        [float("inf"), float("-inf")],
    ],
)
def test_to_json_is_json_dumps(value):
    assert to_json(value) == json.dumps(value)


def test_to_json_of_what_json_cannot_hold_fails_as_json_dumps():
    loop: list = []
    loop.append(loop)
    for value in (loop, {1j}):
        with pytest.raises((ValueError, TypeError)) as expected:
            json.dumps(value)
        with pytest.raises(expected.type):
            to_json(value)
    assert math.isnan(json.loads(to_json(float("nan"))))


# -- writing ---------------------------------------------------------------------------


def test_streamed_registration_is_the_batch_registration(
    settings, tmp_path, monkeypatch, streaming, streamed
):
    folder = _corpus(tmp_path / "m")

    def change() -> None:
        docs = _automations(0, 12)
        docs[0]["spec"]["owner"] = "someone.else@example.com"
        docs[1]["spec"]["reads"] = [{"asset": "postgres://db9:5432/app.public.new"}]
        docs[2]["spec"]["triggers"] = ["ops/job-0090"]
        write_yaml(folder / "batch-0.yaml", *docs)
        write_yaml(folder / "batch-9.yaml", *_automations(90, 5))

    register_ = ("register", str(folder))
    steps = _register_both(
        settings,
        tmp_path,
        monkeypatch,
        register_,
        register_,  # unchanged: writes nothing, not even an audit event
        ("retire", "ops/job-0005"),
        change,
        register_,
    )
    for expected, result, expected_state, state in steps:
        assert result.exit_code == 0, result.output
        assert result.output == expected.output
        assert state == expected_state
    assert "registered 80 manifest(s): 80 created" in steps[0][1].output
    assert "0 created, 0 updated, 80 unchanged" in steps[1][1].output
    assert "registered 85 manifest(s): 5 created, 4 updated, 76 unchanged" in steps[3][1].output
    assert steps[3][3]["automation"]["ops/job-0005"]["lifecycle"] == "active"
    assert ("ops/job-0002", "ops/job-0090", "triggers", "declared") in steps[3][3]["links"]
    assert streamed == ["streamed", "streamed", "streamed"]


def test_an_invalid_document_in_a_late_file_writes_nothing(settings, tmp_path, streaming, streamed):
    folder = _corpus(tmp_path / "m")
    bad = _automations(200, 2)
    bad[1]["spec"]["platform"] = "excel-macro"
    write_yaml(folder / "z-last.yaml", *bad)
    before = _state(settings)
    result = _invoke(settings, "register", str(folder))
    assert result.exit_code == EXIT_INVALID, result.output
    assert f"{folder / 'z-last.yaml'} (document 2): spec.platform: 'excel-macro'" in result.output
    assert "1 problem(s); nothing was registered" in result.output
    assert _state(settings) == before
    assert streamed == ["invalid"]  # rolled back


def test_a_duplicate_across_files_writes_nothing(
    settings, tmp_path, monkeypatch, streaming, streamed
):
    folder = _corpus(tmp_path / "m")
    write_yaml(folder / "z-last.yaml", _automations(3, 1)[0])
    with monkeypatch.context() as plain:
        _serial(plain)
        expected = _invoke(settings, "register", str(folder))
    before = _state(settings)
    result = _invoke(settings, "register", str(folder))
    assert result.exit_code == EXIT_INVALID
    assert result.output == expected.output
    assert "is declared twice" in result.output
    assert _state(settings) == before
    assert streamed == ["invalid"]


def test_people_and_assets_in_a_late_file_are_written_first(
    settings, tmp_path, monkeypatch, streaming, streamed
):
    folder = _corpus(tmp_path / "m")
    write_yaml(
        folder / "z-people.yaml",
        person_manifest("owner1@example.com", department="treasury"),
        asset_manifest("https://api.openai.com/v1/chat", classification="restricted"),
    )
    [(expected, result, expected_state, state)] = _register_both(
        settings, tmp_path, monkeypatch, ("register", str(folder))
    )
    assert result.exit_code == 0, result.output
    assert result.output == expected.output
    assert state == expected_state
    assert state["automation"]["ops/job-0001"]["department"] == "treasury"
    assert streamed == ["restarted"]


def test_core_inserts_store_what_driver_inserts_store(settings, tmp_path, monkeypatch):
    """Other databases insert through SQLAlchemy Core (with JSON made beforehand parsed
    back); on SQLite both paths store the same values."""
    folder = _corpus(tmp_path / "m")
    monkeypatch.setattr(rollup_bulk, "AUTOMATION_BULK_THRESHOLD", 1)
    with second_database(settings, tmp_path) as other:
        with monkeypatch.context() as core:
            core.setattr(bulk_insert, "_driver_ready", lambda dialect: False)
            assert _invoke(other, "register", str(folder)).exit_code == 0
        expected = _state(other)
    assert _invoke(settings, "register", str(folder)).exit_code == 0
    assert _state(settings) == expected


@pytest.mark.parametrize("threshold", [1, 1 << 60])
def test_new_automations_are_counted_into_the_rollup(settings, tmp_path, monkeypatch, threshold):
    """Set-based (threshold 1) or by the row trigger: the rollup equals the tables
    (checked by _state), including duplicate fingerprints and AI use."""
    monkeypatch.setattr(rollup_bulk, "AUTOMATION_BULK_THRESHOLD", threshold)
    folder = _corpus(tmp_path / "m")
    assert _invoke(settings, "register", str(folder)).exit_code == 0
    figures = _state(settings)["figures"]
    assert figures["duplicates"] == {"groups": 2, "automations": 12}
    assert figures["automations"]["uses_ai"] == 16


def test_list_sort_choices_are_the_services():
    from govern.registry import automations
    from govern.registry.cli import SORT_NAMES

    assert tuple(automations.SORTS) == SORT_NAMES


def test_an_error_while_streaming_comes_after_the_problems(
    settings, tmp_path, monkeypatch, streaming
):
    """Writing fails on the second chunk: a later invalid file is still what is reported
    (as when nothing is written before everything is read); without one, the error."""
    folder = _corpus(tmp_path / "m")
    real = register._Batch.automation_part
    calls = []

    def fails(self, docs):
        calls.append(len(docs))
        if len(calls) == 2:
            raise RuntimeError("the disk is on fire")
        return real(self, docs)

    monkeypatch.setattr(register._Batch, "automation_part", fails)
    before = _state(settings)
    result = _invoke(settings, "register", str(folder))
    assert isinstance(result.exception, RuntimeError)
    assert _state(settings) == before
    bad = _automations(200, 1)
    bad[0]["spec"]["owner"] = "nobody"
    write_yaml(folder / "z-last.yaml", *bad)
    calls.clear()
    result = _invoke(settings, "register", str(folder))
    assert result.exit_code == EXIT_INVALID, result.output
    assert "spec.owner: 'nobody' is not an email address" in result.output
    assert calls == [12, 12]  # nothing more was written after the failure
    assert _state(settings) == before


def test_a_unique_race_while_streaming_is_retried_as_a_batch(
    settings, tmp_path, monkeypatch, streaming, streamed
):
    from sqlalchemy.exc import IntegrityError

    folder = _corpus(tmp_path / "m")
    real = register._Batch.automation_part

    def races(self, docs):
        if not streamed:
            streamed.append("raced")
            raise IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed"))
        return real(self, docs)

    monkeypatch.setattr(register._Batch, "automation_part", races)
    result = _invoke(settings, "register", str(folder))
    assert result.exit_code == 0, result.output
    assert "registered 80 manifest(s): 80 created" in result.output
    assert streamed == ["raced"]  # the retry wrote it as a batch (apply, not streamed)
    assert len(_state(settings)["automation"]) == 80


def test_an_unchanged_batch_writes_nothing_not_even_the_schema(
    settings, tmp_path, streaming, streamed
):
    if not settings.is_sqlite:
        pytest.skip("the rollup trigger is taken out on SQLite only")
    folder = _corpus(tmp_path / "m")
    assert _invoke(settings, "register", str(folder)).exit_code == 0
    engine = make_engine(settings)

    def version() -> int:
        with engine.connect() as connection:
            return connection.execute(text("PRAGMA schema_version")).scalar_one()

    before, state = version(), _state(settings)
    again = _invoke(settings, "register", str(folder))
    assert "0 created, 0 updated, 80 unchanged" in again.output
    assert (version(), _state(settings)) == (before, state)
    assert streamed == ["streamed", "streamed"]
    engine.dispose()
