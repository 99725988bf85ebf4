"""``govern policy test DIR``: YAML test cases for policies, in the spirit of ``opa test``.

Files named ``*_test.yaml`` (or ``*.test.yaml``) hold cases; other YAML files in the
directory hold policy documents, which are tested together with the built-in pack
(a policy in the directory replaces a built-in one with the same id). A case::

    tests:
      - name: webhook without authentication fails
        given:                       # Person, Asset and Automation manifests
          - {apiVersion: govern/v1, kind: Automation, metadata: {...}, spec: {...}}
        state:                       # optional: fields a manifest cannot set
          finance/hook: {reconciliation_state: shadow, first_seen: "2026-01-01"}
        discoveries:                 # optional: what a scanner found (secrets redacted)
          - {automation: finance/hook, location: //fs/x.py, secrets: [{type: aws, line: 3}]}
        now: "2026-06-01T00:00:00Z"  # optional evaluation time
        expect:
          finance/hook: {unauthenticated-webhook: fail}

The run fails when any expectation is not met, and also when no test ran at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml
from sqlmodel import select

from govern.db import utcnow, write_session
from govern.policies.evaluate import compute
from govern.policies.loader import PolicyInvalid, builtin_policies, compile_documents
from govern.policies.model import STATUSES, CompiledPolicy
from govern.policies.scratch import scratch_engine
from govern.registry.auth import LOCAL_ADMIN
from govern.registry.manifest import Document, LoadResult, Problem, load_path
from govern.registry.models import Automation, Discovery
from govern.registry.register import register

CASE_KEYS = {"name", "given", "state", "discoveries", "now", "expect", "description"}
TIME_FIELDS = {"first_seen", "last_seen", "created_at", "updated_at", "reviewed_at"}


class CaseFileInvalid(ValueError):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class Failure:
    automation: str
    policy: str
    expected: str
    actual: str
    explanation: str


@dataclass
class CaseResult:
    file: str
    name: str
    failures: list[Failure] = field(default_factory=list)
    error: str = ""
    checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.failures and not self.error


@dataclass
class Report:
    cases: list[CaseResult]
    covered: dict[str, set[str]]

    @property
    def ok(self) -> bool:
        return bool(self.cases) and all(c.ok for c in self.cases)


def is_test_file(path: Path) -> bool:
    name = path.name
    return name.endswith(("_test.yaml", "_test.yml", ".test.yaml", ".test.yml"))


def discover(directory: Path) -> tuple[list[Path], list[Path]]:
    files = sorted(p for p in directory.rglob("*") if p.suffix in (".yaml", ".yml"))
    tests = [p for p in files if is_test_file(p)]
    return tests, [p for p in files if not is_test_file(p)]


def policies_for(policy_files: list[Path]) -> list[CompiledPolicy]:
    loaded = LoadResult()
    for path in policy_files:
        loaded.extend(load_path(path))
    own = compile_documents(loaded) if loaded.documents or loaded.problems else []
    mine = {p.id for p in own}
    return [p for p in builtin_policies() if p.id not in mine] + own


def run_directory(directory: Path, *, policy_files: list[Path] | None = None) -> Report:
    tests, policy_paths = discover(directory)
    policies = policies_for(policy_paths + list(policy_files or []))
    cases: list[CaseResult] = []
    covered: dict[str, set[str]] = {}
    for path in tests:
        for case in load_cases(path):
            cases.append(run_case(path, case, policies, covered))
    return Report(cases, covered)


def load_cases(path: Path) -> list[dict[str, Any]]:
    try:
        body = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CaseFileInvalid([Problem(str(path), "", f"not valid YAML: {exc}")]) from None
    problems = []
    if not isinstance(body, dict) or not isinstance(body.get("tests"), list):
        raise CaseFileInvalid(
            [Problem(str(path), "tests", "expected a mapping with a tests: list")]
        )
    for i, case in enumerate(body["tests"]):
        where = f"tests[{i}]"
        if not isinstance(case, dict):
            problems.append(Problem(str(path), where, f"{where}: expected a mapping"))
            continue
        for key in case:
            if key not in CASE_KEYS:
                msg = f"{where}.{key}: unknown key; use one of: {', '.join(sorted(CASE_KEYS))}"
                problems.append(Problem(str(path), f"{where}.{key}", msg))
        for key in ("name", "given", "expect"):
            if key not in case:
                problems.append(Problem(str(path), f"{where}.{key}", f"{where}.{key} is missing"))
        for akey, expected in (case.get("expect") or {}).items():
            for pid, status in (expected or {}).items():
                if status not in STATUSES:
                    problems.append(
                        Problem(
                            str(path),
                            f"{where}.expect.{akey}.{pid}",
                            f"{where}.expect.{akey}.{pid}: {status!r} is not one of "
                            f"{', '.join(STATUSES)}",
                        )
                    )
    if problems:
        raise CaseFileInvalid(problems)
    return body["tests"]


def run_case(
    path: Path, case: dict, policies: list[CompiledPolicy], covered: dict[str, set[str]]
) -> CaseResult:
    result = CaseResult(str(path), str(case["name"]))
    known = {p.id for p in policies}
    engine = scratch_engine()
    try:
        with write_session(engine) as session:
            docs = [Document(str(path), i, d) for i, d in enumerate(case["given"])]
            register(session, LoadResult(documents=docs), principal=LOCAL_ADMIN, evaluate=False)
            _apply_state(session, case.get("state") or {})
            _add_discoveries(session, case.get("discoveries") or [])
            now = _time(case["now"]) if case.get("now") else utcnow()
            keys = list((case.get("expect") or {}).keys())
            comp = compute(session, keys=keys, now=now, policies=policies, explain=True)
            got = {(r.automation_key, r.policy.id): r for r in comp.all_results or []}
            for akey, expected in case["expect"].items():
                for pid, status in expected.items():
                    if pid not in known:
                        result.error = f"expect.{akey}.{pid}: no such policy"
                        continue
                    r = got.get((akey, pid))
                    if r is None:
                        result.error = f"expect.{akey}: no automation {akey!r} in given"
                        continue
                    result.checked += 1
                    covered.setdefault(pid, set()).add(status)
                    if r.status != status:
                        result.failures.append(Failure(akey, pid, status, r.status, r.explanation))
    except Exception as exc:  # a broken case is reported, the run goes on
        result.error = f"{type(exc).__name__}: {exc}"
    finally:
        engine.dispose()
    return result


def _time(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _apply_state(session, state: dict[str, dict]) -> None:
    for key, values in state.items():
        a = session.exec(select(Automation).where(Automation.key == key)).first()
        if a is None:
            raise ValueError(f"state.{key}: no automation {key!r} in given")
        for name, value in values.items():
            if not hasattr(a, name) or name in ("id", "key"):
                raise ValueError(f"state.{key}.{name}: not an automation field")
            setattr(a, name, _time(value) if name in TIME_FIELDS and value else value)
        session.add(a)
    session.flush()


def _add_discoveries(session, discoveries: list[dict]) -> None:
    for i, d in enumerate(discoveries):
        key = d.get("automation")
        a = session.exec(select(Automation).where(Automation.key == key)).first()
        if a is None:
            raise ValueError(f"discoveries[{i}].automation: no automation {key!r} in given")
        session.add(
            Discovery(
                location=d.get("location", f"//test/{i}"),
                platform=d.get("platform", a.platform),
                automation_id=a.id,
                secrets=list(d.get("secrets", [])),
                first_seen=_time(d["first_seen"]) if d.get("first_seen") else utcnow(),
            )
        )
    session.flush()


def format_report(report: Report, verbose: bool = False) -> str:
    lines = []
    for case in report.cases:
        if case.ok:
            if verbose:
                lines.append(f"PASS {case.file}: {case.name}")
            continue
        lines.append(f"FAIL {case.file}: {case.name}")
        if case.error:
            lines.append(f"  error: {case.error}")
        for f in case.failures:
            lines.append(
                f"  {f.automation} {f.policy}: expected {f.expected}, got {f.actual}"
                f" -- {f.explanation}"
            )
    passed = sum(1 for c in report.cases if c.ok)
    if not report.cases:
        lines.append("no tests ran: write cases in *_test.yaml files (see govern policy test -h)")
    else:
        lines.append("-" * 60)
        lines.append(f"PASS: {passed}/{len(report.cases)}" + ("" if report.ok else " (FAILED)"))
    return "\n".join(lines)


__all__ = ["PolicyInvalid", "Report", "CaseFileInvalid", "format_report", "run_directory"]
