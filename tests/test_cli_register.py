"""`govern register`: valid manifests go in; each kind of mistake is refused with exit code 2,
a message naming the file and the field, and nothing written."""

from __future__ import annotations

import pytest
from conftest import automation_manifest
from registry_support import counts, write_json, write_yaml

from govern.cli import EXIT_INVALID

VALID = automation_manifest(trigger={"type": "schedule", "cron": "0 6 1 * *"})


def test_registers_valid_manifests_then_is_idempotent(runner, engine, tmp_path):
    path = write_yaml(
        tmp_path / "m.yaml", VALID, automation_manifest(name="second", namespace="hr")
    )
    result = runner("register", str(path))
    assert result.exit_code == 0, result.output
    assert "registered 2 manifest(s): 2 created, 0 updated, 0 unchanged" in result.output
    assert counts(engine) == (2, 2)
    again = runner("register", str(path))
    assert again.exit_code == 0
    assert "0 created, 0 updated, 2 unchanged" in again.output
    assert counts(engine) == (2, 2)  # unchanged writes nothing, not even an audit event


def test_registers_a_directory_and_json(runner, engine, tmp_path):
    (tmp_path / "sub").mkdir()
    write_yaml(tmp_path / "a.yaml", VALID)
    write_json(tmp_path / "sub" / "b.json", automation_manifest(name="from-json"))
    (tmp_path / "notes.txt").write_text("not a manifest")
    result = runner("register", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert counts(engine)[0] == 2


def _without(field: str) -> dict:
    body = automation_manifest()
    del body["spec"][field]
    return body


BAD = {
    "missing-owner": (_without("owner"), "spec.owner is missing"),
    "bad-email": (automation_manifest(owner="bob"), "spec.owner: 'bob' is not an email address"),
    "unknown-platform": (
        automation_manifest(platform="excel-macro"),
        "spec.platform: 'excel-macro' is not a known platform",
    ),
    "bad-cron": (
        automation_manifest(trigger={"type": "schedule", "cron": "every monday"}),
        "spec.trigger.cron: 'every monday' is not a valid cron expression",
    ),
    "wrong-api-version": (
        {**automation_manifest(), "apiVersion": "govern/v2"},
        "apiVersion: 'govern/v2' is not supported",
    ),
    "unknown-key": (
        automation_manifest(onwer="li.wei@example.com"),
        "spec.onwer: unknown key (did you mean 'owner'?)",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_each_invalid_manifest_is_refused(case, runner, engine, tmp_path):
    body, expected = BAD[case]
    path = write_yaml(tmp_path / f"{case}.yaml", VALID | {"metadata": {"name": "ok"}}, body)
    result = runner("register", str(path))
    assert result.exit_code == EXIT_INVALID, result.output
    assert f"{path} (document 2): {expected}" in result.output
    assert "nothing was registered" in result.output
    assert counts(engine) == (0, 0)  # the valid first document was not kept either


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("apiVersion: govern/v1\nkind: [Automation\n", "not valid YAML at line"),
        ("\x00\x01garbage{{{: :", "not valid YAML"),
        ("", "the file is empty"),
        ("   \n# only a comment\n---\n", "the file holds no manifest"),
        ("just some words", "expected a manifest"),
        ('{"apiVersion": "govern/v1", "kind": ', "not valid JSON at line 1"),
    ],
)
def test_garbage_and_empty_files_are_refused(content, expected, runner, engine, tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text(content)
    result = runner("register", str(path))
    assert result.exit_code == EXIT_INVALID
    assert f"error: {path}" in result.output and expected in result.output
    assert counts(engine) == (0, 0)


def test_binary_file_is_refused(runner, engine, tmp_path):
    path = tmp_path / "image.yaml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    result = runner("register", str(path))
    assert result.exit_code == EXIT_INVALID
    assert "not UTF-8 text" in result.output
    assert counts(engine) == (0, 0)


def test_fifty_megabyte_file_is_refused_without_reading_it(runner, engine, tmp_path):
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:
        handle.write(b"apiVersion: govern/v1\n")
        handle.truncate(50 * 1024 * 1024)
    result = runner("register", str(path))
    assert result.exit_code == EXIT_INVALID
    assert f"{path}: the file is 50.0 MB, over the 10 MB limit" in result.output
    assert counts(engine) == (0, 0)


def test_missing_path_and_duplicates(runner, engine, tmp_path):
    result = runner("register", str(tmp_path / "nope.yaml"))
    assert result.exit_code == EXIT_INVALID
    assert "nope.yaml: no such file or directory" in result.output
    a = write_yaml(tmp_path / "a.yaml", VALID)
    b = write_yaml(tmp_path / "b.yaml", VALID)
    result = runner("register", str(a), str(b))
    assert result.exit_code == EXIT_INVALID
    assert "declared twice" in result.output
    assert counts(engine) == (0, 0)


def test_dry_run_writes_nothing(runner, engine, tmp_path):
    path = write_yaml(tmp_path / "m.yaml", VALID)
    result = runner("register", "--dry-run", str(path))
    assert result.exit_code == 0
    assert "1 manifest(s) valid; nothing written" in result.output
    assert counts(engine) == (0, 0)


def test_list_show_history_retire(runner, tmp_path):
    runner("register", str(write_yaml(tmp_path / "m.yaml", VALID)))
    changed = automation_manifest(
        trigger={"type": "schedule", "cron": "0 7 1 * *"}, criticality="high"
    )
    runner("register", str(write_yaml(tmp_path / "m.yaml", changed)))
    listed = runner("list")
    assert "finance/monthly-close-report" in listed.output and "-- 1 of 1" in listed.output
    shown = runner("show", "finance/monthly-close-report")
    assert "At 07:00, on day 1 of the month" in shown.output
    history = runner("history", "finance/monthly-close-report")
    assert (
        "automation.updated" in history.output and "criticality: 'low' -> 'high'" in history.output
    )
    assert runner("retire", "finance/monthly-close-report").exit_code == 0
    assert "-- 0 of 0" in runner("list").output
    assert "-- 1 of 1" in runner("list", "--lifecycle", "retired").output
    missing = runner("show", "finance/nope")
    assert missing.exit_code == 1 and "no automation 'finance/nope'" in missing.output
