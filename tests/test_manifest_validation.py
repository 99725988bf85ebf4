"""Manifest validation reports every problem with its path and a fix."""

from __future__ import annotations

from govern.registry.manifest import parse_text, validate


def problems_of(text: str) -> list[str]:
    return [p.message for p in validate(parse_text(text, "m.yaml")).problems]


VALID = """
apiVersion: govern/v1
kind: Automation
metadata: {name: monthly-close, namespace: finance}
spec:
  platform: python
  owner: li.wei@example.com
  trigger: {type: schedule, cron: "0 6 1 * *"}
"""


def test_valid_manifest_has_no_problems():
    assert problems_of(VALID) == []


def test_bad_email_names_field_and_fix():
    messages = problems_of(VALID.replace("li.wei@example.com", "bob"))
    assert messages == [
        "spec.owner: 'bob' is not an email address; "
        "use the owner's work email, e.g. bob@example.com"
    ]


def test_unknown_key_is_an_error_with_suggestion():
    messages = problems_of(VALID.replace("  owner:", "  onwer: x@example.com\n  owner:"))
    assert len(messages) == 1
    assert messages[0].startswith("spec.onwer: unknown key (did you mean 'owner'?)")


def test_every_problem_is_reported_at_once():
    text = VALID.replace("python", "pyhton").replace("0 6 1 * *", "99 * * * *")
    text = text.replace("li.wei@example.com", "nobody")
    paths = sorted(p.path for p in validate(parse_text(text, "m.yaml")).problems)
    assert paths == ["spec.owner", "spec.platform", "spec.trigger.cron"]


def test_wrong_api_version_and_kind():
    text = VALID.replace("govern/v1", "govern/v2").replace("kind: Automation", "kind: Automaton")
    messages = problems_of(text)
    assert any(m.startswith("apiVersion: 'govern/v2' is not supported") for m in messages)
    assert any("did you mean 'Automation'" in m for m in messages)


def test_missing_owner():
    text = VALID.replace("  owner: li.wei@example.com\n", "")
    assert problems_of(text) == [
        "spec.owner is missing; use the owner's work email, e.g. bob@example.com"
    ]


def test_garbage_and_empty_input():
    assert problems_of("")[0].startswith("the file is empty")
    assert problems_of("key: [unclosed")[0].startswith("not valid YAML at line")
    assert problems_of("just some words")[0].startswith("expected a manifest")


def test_production_needs_justification():
    text = VALID + "  track: production\n"
    messages = problems_of(text)
    assert len(messages) == 1 and messages[0].startswith("spec.justification is missing")
