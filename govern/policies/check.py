"""``govern check``: a citizen developer's own pre-review, offline, with no server.

A manifest file is evaluated as it would be registered. Anything else (a script, a
flow export, a folder) is scanned first; each discovery becomes the manifest govern
would register for it, and its secrets (redacted) count against it. The real
registration and evaluation code runs against a throwaway in-memory database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govern.db import write_session
from govern.policies.loader import builtin_policies, load_file
from govern.policies.model import CompiledPolicy
from govern.policies.preview import evaluate_manifest
from govern.policies.scratch import scratch_engine
from govern.registry.manifest import ManifestInvalid, load_path, validate
from govern.registry.models.vocab import PLATFORMS

CHECK_SECRET_KEY = "govern-check-local-only-hash-key-0123456789"
UNKNOWN_OWNER = "unknown-owner@example.invalid"


@dataclass
class Target:
    """One automation to check: its manifest, where it came from, its scanner findings."""

    manifest: dict[str, Any]
    source: str
    discoveries: list[dict[str, Any]] = field(default_factory=list)
    extra: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Findings:
    target: Target
    results: list[dict[str, Any]]

    @property
    def key(self) -> str:
        meta = self.target.manifest["metadata"]
        return f"{meta.get('namespace') or 'default'}/{meta['name']}"

    @property
    def failures(self) -> list[dict[str, Any]]:
        return [r for r in self.results if r["status"] == "fail"]

    @property
    def blocking(self) -> list[dict[str, Any]]:
        return [r for r in self.failures if r["mode"] == "enforce" and not r["waived"]]


def is_manifest_file(path: Path) -> bool:
    if path.suffix.lower() not in (".yaml", ".yml", ".json") or not path.is_file():
        return False
    loaded = load_path(path)
    return bool(loaded.documents) and all(
        d.body.get("apiVersion") == "govern/v1" for d in loaded.documents
    )


def targets_from_manifest(path: Path) -> list[Target]:
    loaded = validate(load_path(path))
    if loaded.problems:
        raise ManifestInvalid(loaded.problems)
    autos = [d.body for d in loaded.documents if d.kind == "Automation"]
    extra = [d.body for d in loaded.documents if d.kind != "Automation"]
    if not autos:
        from govern.registry.manifest import Problem

        raise ManifestInvalid([Problem(str(path), "kind", "no Automation manifest in the file")])
    return [Target(m, str(path), extra=extra) for m in autos]


def targets_from_scan(
    paths: list[Path], *, namespace: str, owner: str | None, ignore: tuple[str, ...] = ()
) -> list[Target]:
    from govern.scanner.api import scan

    result = scan(paths, secret_key=CHECK_SECRET_KEY, ignore=ignore).as_dict()
    return [
        Target(manifest_for(d, namespace=namespace, owner=owner), d.get("location", "?"), [d])
        for d in result.get("discoveries", [])
    ]


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9._-]+", "-", text.lower()).strip("-._")
    return (slug or "automation")[:180]


def manifest_for(d: dict[str, Any], *, namespace: str, owner: str | None) -> dict[str, Any]:
    """The manifest govern would register for one discovery (sandbox track)."""
    platform = d.get("platform") if d.get("platform") in PLATFORMS else "other"
    spec: dict[str, Any] = {
        "platform": platform,
        "owner": owner or d.get("owner_hint") or UNKNOWN_OWNER,
        "track": "sandbox",
        "location": str(d.get("location", ""))[:2000],
    }
    if re.fullmatch(r"[0-9a-f]{16,64}", str(d.get("fingerprint") or "")):
        spec["fingerprint"] = d["fingerprint"]
    triggers = d.get("triggers") or []
    if triggers:
        t = triggers[0]
        trigger: dict[str, Any] = {"type": t.get("type", "manual")}
        if trigger["type"] not in ("schedule", "event", "manual", "webhook"):
            trigger["type"] = "event"
        cron = t.get("schedule") or t.get("cron")
        if trigger["type"] == "schedule" and cron and len(str(cron).split()) == 5:
            trigger["cron"] = cron
        elif trigger["type"] == "schedule":
            trigger["type"] = "event"
        if "authenticated" in t:
            trigger["authenticated"] = bool(t["authenticated"])
        spec["trigger"] = trigger
    for field_name in ("reads", "writes", "calls"):
        refs = []
        for item in d.get(field_name) or []:
            name = item.get("asset") if isinstance(item, dict) else item
            if isinstance(name, str) and "://" in name and " " not in name:
                refs.append({"asset": name})
        if refs:
            spec[field_name] = refs
    if d.get("ai_services"):
        spec["usesAI"] = True
    return {
        "apiVersion": "govern/v1",
        "kind": "Automation",
        "metadata": {"name": _slug(d.get("name") or Path(str(d.get("location"))).stem),
                     "namespace": namespace},
        "spec": spec,
    }  # fmt: skip


def run_check(
    path: Path,
    *,
    policy_files: list[Path] = (),
    namespace: str = "sandbox",
    owner: str | None = None,
    internal_domains: tuple[str, ...] = (),
) -> list[Findings]:
    """Findings for every automation in ``path``; raises ManifestInvalid / PolicyInvalid."""
    policies = policy_set(policy_files)
    if is_manifest_file(path):
        targets = targets_from_manifest(path)
    else:
        targets = targets_from_scan([path], namespace=namespace, owner=owner)
    out: list[Findings] = []
    for target in targets:
        engine = scratch_engine()
        try:
            with write_session(engine) as session:
                results = evaluate_manifest(
                    session,
                    target.manifest,
                    policies=policies,
                    discoveries=target.discoveries,
                    internal_domains=internal_domains,
                    extra=target.extra,
                )
        finally:
            engine.dispose()
        out.append(Findings(target, results))
    return out


def policy_set(policy_files) -> list[CompiledPolicy]:
    own: list[CompiledPolicy] = []
    for path in policy_files:
        own += load_file(Path(path))
    mine = {p.id for p in own}
    return [p for p in builtin_policies() if p.id not in mine] + own


def exit_code(findings: list[Findings]) -> int:
    """Non-zero (1) when an enforce-mode policy fails: the automation would be blocked."""
    return 1 if any(f.blocking for f in findings) else 0


def format_text(findings: list[Findings]) -> str:
    lines: list[str] = []
    total_fail = total_block = 0
    for f in findings:
        counts = {"pass": 0, "not-applicable": 0}
        for r in f.results:
            if r["status"] in counts:
                counts[r["status"]] += 1
        lines.append(f"{f.key}  ({f.target.source})")
        if not f.failures:
            lines.append("  no problems found")
        for r in f.failures:
            badge = "BLOCKS APPROVAL" if r["mode"] == "enforce" else "warning"
            lines.append(f"  [{r['severity']}] {r['title']} ({r['policy']}, {badge})")
            lines.append(f"    why: {r['explanation']}")
            for line in _evidence_lines(r["evidence"])[:5]:
                lines.append(f"    evidence: {line}")
            lines.append(f"    how to fix: {r['remediation']}")
        lines.append(
            f"  {len(f.failures)} problem(s), {counts['pass']} passed, "
            f"{counts['not-applicable']} not applicable"
        )
        lines.append("")
        total_fail += len(f.failures)
        total_block += len(f.blocking)
    if not findings:
        lines.append("nothing to check: no automation was found")
    lines.append(
        f"{len(findings)} automation(s) checked: {total_fail} problem(s), "
        f"{total_block} would block approval"
    )
    return "\n".join(lines)


def _evidence_lines(evidence: list[dict]) -> list[str]:
    out = []
    for e in evidence:
        if "secret" in e:
            s = e["secret"]
            out.append(f"{s.get('type')} {s.get('preview', '')} in {s.get('location')} "
                       f"line {s.get('line')}")  # fmt: skip
        elif "path" in e:
            p = e["path"]
            out.append(" -> ".join([p.get("source", ""), *p.get("automations", []),
                                    p.get("sink", "")]))  # fmt: skip
        elif "asset" in e:
            out.append(f"{e.get('mode')} {e['asset']}")
        elif "field" in e:
            out.append(f"{e['field']} = {e.get('value')!r}")
        elif "email" in e:
            out.append(f"{e.get('person')} {e.get('email')}")
    return out


def as_json(findings: list[Findings]) -> dict[str, Any]:
    return {
        "automations": [
            {
                "key": f.key,
                "source": f.target.source,
                "manifest": f.target.manifest,
                "results": f.results,
                "blocking": len(f.blocking),
            }
            for f in findings
        ],
        "summary": {
            "automations": len(findings),
            "failures": sum(len(f.failures) for f in findings),
            "blocking": sum(len(f.blocking) for f in findings),
        },
    }
