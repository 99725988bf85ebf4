"""Loading policy documents, in three layers of validation (after Cloud Custodian):

1. structure: each document is a mapping with ``apiVersion: govern/v1`` and
   ``kind: Policy``; each condition is a one-key mapping naming a known condition;
2. JSON Schema: the document envelope, then each condition against its own class schema
   (looked up by its key first, so errors name the real mistake);
3. each condition's ``check()``: what a schema cannot say (operator fits the field's
   type, the regex compiles, the date parses).

Every problem carries the JSON path of the mistake.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from govern.policies.conditions import conditions, load_plugins
from govern.policies.conditions.base import Condition, shallow
from govern.policies.model import CompiledPolicy, revision_of
from govern.policies.schema import envelope
from govern.registry.manifest import (
    Document,
    LoadResult,
    Problem,
    did_you_mean,
    load_path,
    parse_text,
    type_phrase,
)

POLICY_SUFFIXES = (".yaml", ".yml", ".json")


class PolicyInvalid(ValueError):
    """Raised with every problem found in a set of policy documents."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class _Invalid(Exception):
    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems


@cache
def _envelope_validator() -> Draft202012Validator:
    load_plugins()
    return Draft202012Validator(envelope({"type": "object"}))


@cache
def _condition_validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(shallow(conditions.get(name).schema))


def compile_condition(node: Any, path: str) -> Condition:
    """Build one condition (and its children), or raise _Invalid with every problem."""
    load_plugins()
    if not isinstance(node, dict) or len(node) != 1:
        names = ", ".join(conditions.names())
        got = f"a mapping with {len(node)} keys" if isinstance(node, dict) else _kind(node)
        raise _Invalid(
            [(path, f"{path}: a condition is a mapping with exactly one key ({names}); got {got}")]
        )
    ((name, spec),) = node.items()
    cls = conditions.get(name)
    if cls is None:
        hint = did_you_mean(str(name), conditions.names())
        raise _Invalid(
            [
                (
                    f"{path}.{name}",
                    f"{path}.{name}: unknown condition{hint}; "
                    f"use one of: {', '.join(conditions.names())}",
                )
            ]
        )
    where = f"{path}.{name}"
    errors = sorted(
        _condition_validator(name).iter_errors(spec), key=lambda e: list(e.absolute_path)
    )
    if errors:
        raise _Invalid([p for e in errors for p in _explain(where, e)])
    child_problems: list[tuple[str, str]] = []

    def build(child: Any, child_path: str) -> Condition:
        try:
            return compile_condition(child, child_path)
        except _Invalid as exc:
            child_problems.extend(exc.problems)
            return _Broken(child, child_path, build)

    condition = cls(spec, where, build)
    problems = child_problems + condition.check()
    if problems:
        raise _Invalid(problems)
    return condition


class _Broken(Condition):
    """Stands in for an invalid child so every sibling still gets checked."""

    name = "_broken"


def compile_document(doc: Document, source: str = "file") -> tuple[CompiledPolicy | None, list]:
    """One policy document -> (policy, problems)."""
    body = doc.body

    def problem(path: str, message: str) -> Problem:
        return Problem(doc.source, path, message, doc.index)

    if body.get("apiVersion") != "govern/v1" or body.get("kind") != "Policy":
        return None, [
            problem(
                "kind",
                "not a policy document: write apiVersion: govern/v1 and kind: Policy "
                f"(got apiVersion {body.get('apiVersion')!r}, kind {body.get('kind')!r})",
            )
        ]
    errors = sorted(_envelope_validator().iter_errors(body), key=lambda e: list(e.absolute_path))
    problems = [problem(p, m) for e in errors for p, m in _explain("", e)]
    built: dict[str, Condition] = {}
    for part in ("selector", "conditions"):
        if isinstance(body.get(part), dict):
            try:
                built[part] = compile_condition(body[part], part)
            except _Invalid as exc:
                problems += [problem(p, m) for p, m in exc.problems]
    if problems:
        return None, problems
    policy = CompiledPolicy(
        id=body["id"],
        title=body["title"],
        description=body.get("description", ""),
        severity=body["severity"],
        mode=body["mode"],
        remediation=body["remediation"],
        references=list(body.get("references", [])),
        tags=list(body.get("tags", [])),
        enabled=body.get("enabled", True),
        selector=built["selector"],
        condition=built["conditions"],
        document=body,
        revision=revision_of(body),
        source=source,
    )
    return policy, []


def compile_documents(loaded: LoadResult, source: str = "file") -> list[CompiledPolicy]:
    """Every policy in ``loaded``, or PolicyInvalid listing every problem."""
    problems = list(loaded.problems)
    policies: list[CompiledPolicy] = []
    seen: dict[str, Document] = {}
    for doc in loaded.documents:
        policy, found = compile_document(doc, source)
        problems += found
        if policy is None:
            continue
        if policy.id in seen:
            first = seen[policy.id]
            problems.append(
                Problem(
                    doc.source,
                    "id",
                    f"id: policy {policy.id!r} is defined twice (also in {first.source} "
                    f"document {first.index + 1}); ids must be unique",
                    doc.index,
                )
            )
        seen[policy.id] = doc
        policies.append(policy)
    if problems:
        raise PolicyInvalid(problems)
    return policies


def load_file(path: Path, source: str = "file") -> list[CompiledPolicy]:
    return compile_documents(load_path(path), source)


def load_text(text: str, name: str = "policy", source: str = "file") -> list[CompiledPolicy]:
    return compile_documents(parse_text(text, name), source)


def builtin_dir() -> Path:
    return Path(__file__).parent / "builtin"


def builtin_policies() -> list[CompiledPolicy]:
    """The built-in pack shipped with govern."""
    loaded = LoadResult()
    for path in sorted(builtin_dir().glob("*.yaml")):
        loaded.extend(load_path(path))
    return compile_documents(loaded, "builtin")


# -- messages -----------------------------------------------------------------


def _join(base: str, parts) -> str:
    out = base
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _explain(base: str, error) -> list[tuple[str, str]]:
    path = _join(base, error.absolute_path)
    shown = path or "the document"
    value = error.instance
    v = error.validator
    if v == "additionalProperties":
        known = sorted(error.schema.get("properties", {}))
        extra = [k for k in value if k not in known] if isinstance(value, dict) else []
        return [
            (
                _join(path, [k]),
                f"{_join(path, [k])}: unknown key{did_you_mean(k, known)}; "
                f"use one of: {', '.join(known)}",
            )
            for k in extra
        ]
    if v == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        where = _join(path, [missing])
        return [(where, f"{where} is missing")]
    if v == "enum":
        options = [str(o) for o in error.validator_value]
        hint = did_you_mean(str(value), options)
        return [
            (path, f"{shown}: {value!r} is not allowed{hint}; use one of: {', '.join(options)}")
        ]
    if v == "const":
        return [(path, f"{shown}: must be {error.validator_value!r}, got {value!r}")]
    if v == "type":
        return [
            (path, f"{shown}: expected {type_phrase(error.validator_value)}, got {_kind(value)}")
        ]
    if v == "minProperties":
        return [(path, f"{shown}: is empty; name at least what to match")]
    if v == "minItems":
        return [(path, f"{shown}: needs at least {error.validator_value} item(s)")]
    if v == "pattern":
        return [(path, f"{shown}: {value!r} does not match {error.validator_value}")]
    return [(path, f"{shown}: {error.message}")]


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    return {dict: "a mapping", list: "a list", str: "text", bool: "true/false"}.get(
        type(value), "a number" if isinstance(value, int | float) else type(value).__name__
    )
