"""Policy documents: three validation layers, errors with the path of the mistake, and a
schema generated from the condition registry."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from govern.policies.conditions import conditions
from govern.policies.loader import PolicyInvalid, builtin_dir, load_text
from govern.policies.schema import policy_schema

DOCS = Path(__file__).parent.parent / "docs" / "policies.md"

BASE = """
apiVersion: govern/v1
kind: Policy
id: test-policy
title: A test policy
severity: high
mode: audit
selector:
  field: {path: lifecycle, op: ne, value: retired}
conditions:
  field: {path: track, op: eq, value: production}
remediation: Fix it.
"""


def paths_of(text: str) -> list[str]:
    with pytest.raises(PolicyInvalid) as info:
        load_text(text)
    return [p.path for p in info.value.problems]


def test_valid_policy_loads():
    (policy,) = load_text(BASE)
    assert policy.id == "test-policy" and len(policy.revision) == 64


def test_typo_in_top_level_key_is_an_error_not_a_match_all():
    assert paths_of(BASE + "filter: {}\n") == ["filter"]
    text = BASE.replace("selector:", "selectors:")
    problems = paths_of(text)
    assert "selectors" in problems and "selector" in problems


def test_unknown_condition_names_the_path_and_suggests():
    text = BASE.replace("  field: {path: track", "  feild: {path: track")
    with pytest.raises(PolicyInvalid) as info:
        load_text(text)
    (problem,) = info.value.problems
    assert problem.path == "conditions.feild"
    assert "did you mean 'field'" in problem.message


def test_wrong_operator_and_operator_for_field_type():
    assert paths_of(BASE.replace("op: eq, value: production", "op: equals, value: x")) == [
        "conditions.field.op"
    ]
    bad = BASE.replace(
        "path: track, op: eq, value: production", "path: created_at, op: regex, value: x"
    )
    with pytest.raises(PolicyInvalid) as info:
        load_text(bad)
    assert info.value.problems[0].path == "conditions.field.op"
    assert "does not apply to created_at" in info.value.problems[0].message


def test_bad_types_are_rejected_with_paths():
    assert paths_of(BASE.replace("severity: high", "severity: 3")) == ["severity"]
    text = BASE.replace(
        "  field: {path: track, op: eq, value: production}",
        "  all:\n    - field: {path: secret_count, op: gt, value: many}\n"
        "    - person: {who: owner, min_certification: two}\n"
        "    - assets: {modes: [read], quantifier: any, where: {}}\n"
        "    - field: {path: justification, op: exists, value: 1}",
    )
    assert paths_of(text) == [
        "conditions.all[0].field.value",
        "conditions.all[1].person.min_certification",
        "conditions.all[2].assets.where",
        "conditions.all[3].field.value",
    ]


def test_regex_must_compile_and_dates_must_parse():
    text = BASE.replace("op: eq, value: production", "op: regex, value: '('")
    assert paths_of(text) == ["conditions.field.value"]
    text = BASE.replace(
        "path: track, op: eq, value: production", "path: created_at, op: lt, value: soon"
    )
    assert paths_of(text) == ["conditions.field.value"]


def test_condition_must_be_one_key_mapping():
    text = BASE.replace(
        "  field: {path: track, op: eq, value: production}",
        "  field: {path: track, op: eq, value: production}\n"
        "  not: {field: {path: track, op: exists}}",
    )
    assert paths_of(text) == ["conditions"]


def test_duplicate_ids_rejected():
    assert "id" in paths_of(BASE + "---\n" + BASE)


def test_registry_sweep_every_condition_has_schema_and_examples_that_load():
    for name, cls in conditions.items():
        assert cls.schema, name
        assert cls.examples, name
        assert cls.summary and cls.__doc__, name
        for example in cls.examples:
            assert next(iter(example)) in conditions.names()
            doc = yaml.safe_load(BASE)
            doc["conditions"] = example
            load_text(yaml.safe_dump(doc))


def test_generated_schema_rejects_unknown_keys_and_accepts_the_builtin_pack():
    schema = policy_schema()
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema)
    assert schema["additionalProperties"] is False
    for name in conditions.names():
        assert schema["$defs"][name]
    for path in builtin_dir().glob("*.yaml"):
        for doc in yaml.safe_load_all(path.read_text()):
            assert not list(validator.iter_errors(doc)), doc["id"]
    doc = yaml.safe_load(BASE)
    doc["filter"] = {}
    assert list(validator.iter_errors(doc))


def test_cli_validate_and_schema(runner, tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text(BASE)
    result = runner("policy", "validate", str(good))
    assert result.exit_code == 0 and "1 policy valid" in result.output
    bad = tmp_path / "bad.yaml"
    bad.write_text(BASE + "filter: {}\n")
    result = runner("policy", "validate", str(bad))
    assert result.exit_code == 2
    assert "filter: unknown key" in result.output
    result = runner("policy", "schema")
    assert result.exit_code == 0 and json.loads(result.output)["$id"].endswith("policy-v1.json")


def test_every_example_in_the_author_guide_loads():
    text = DOCS.read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text, flags=re.S)
    policies = [b for b in blocks if "kind: Policy" in b]
    assert len(policies) >= len(conditions.names())
    loaded = [p for block in policies for p in load_text(block, "docs")]
    used = {c.name for p in loaded for root in (p.selector, p.condition) for c in root.walk()}
    assert used >= set(conditions.names())


def test_outside_condition_plugins_register_through_entry_points(monkeypatch):
    from govern.policies import conditions as pkg
    from govern.policies.conditions.base import Condition, Verdict

    class Weekend(Condition):
        """Holds on Saturdays and Sundays."""

        name = "weekend-test"
        summary = "it is the weekend"
        schema = {"type": "object", "additionalProperties": False, "properties": {}}
        examples = [{"weekend-test": {}}]

        def explain(self, facts, ctx):
            return Verdict(ctx.now.weekday() >= 5, "day of week")

        def describe(self):
            return "it is the weekend"

    class EP:
        name, value = "weekend", "tests:Weekend"

        def load(self):
            return Weekend

    monkeypatch.setattr(pkg, "entry_points", lambda group: [EP()])
    pkg.load_plugins.cache_clear()
    try:
        assert pkg.load_plugins() == ("weekend-test",)
        assert "weekend-test" in policy_schema()["$defs"]
        doc = yaml.safe_load(BASE)
        doc["conditions"] = {"weekend-test": {}}
        assert load_text(yaml.safe_dump(doc))[0].condition.name == "weekend-test"
    finally:
        pkg.conditions._classes.pop("weekend-test", None)
        pkg.load_plugins.cache_clear()
