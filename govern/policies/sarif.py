"""SARIF 2.1.0 output for ``govern check`` so findings show up in code-scanning UIs.

Written from the OASIS SARIF 2.1.0 specification: one run, the policies as
``tool.driver.rules``, one result per failing policy with a physical location
(the manifest or the scanned file; the secret's line when there is one).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from govern import __version__
from govern.policies.check import Findings
from govern.policies.model import CompiledPolicy

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "info": "1.0"}


def _rule(p: CompiledPolicy) -> dict[str, Any]:
    return {
        "id": p.id,
        "name": "".join(part.capitalize() for part in p.id.split("-")),
        "shortDescription": {"text": p.title},
        "fullDescription": {"text": (p.description or p.title).strip()},
        "help": {"text": p.remediation.strip()},
        "defaultConfiguration": {"level": LEVELS[p.severity]},
        "properties": {
            "tags": ["security", *p.tags, *p.references],
            "security-severity": SECURITY_SEVERITY[p.severity],
            "mode": p.mode,
        },
    }


def _uri(source: str, base: Path | None) -> str:
    path = Path(source.split("#", 1)[0])
    if base is not None:
        try:
            return path.resolve().relative_to(base.resolve()).as_posix()
        except ValueError:
            pass
    return path.as_posix().lstrip("/") if not path.is_absolute() else path.as_uri()


def _line(result: dict[str, Any]) -> int | None:
    for e in result.get("evidence", []):
        line = (e.get("secret") or {}).get("line") if isinstance(e, dict) else None
        if isinstance(line, int) and line >= 1:
            return line
    return None


def to_sarif(
    findings: list[Findings], policies: list[CompiledPolicy], *, base: Path | None = None
) -> dict[str, Any]:
    rules = [_rule(p) for p in policies]
    index = {p.id: i for i, p in enumerate(policies)}
    results = []
    for f in findings:
        for r in f.failures:
            location: dict[str, Any] = {
                "physicalLocation": {"artifactLocation": {"uri": _uri(f.target.source, base)}},
                "logicalLocations": [{"name": f.key, "kind": "module"}],
            }
            line = _line(r)
            if line:
                location["physicalLocation"]["region"] = {"startLine": line}
            digest = hashlib.sha256(f"{f.key}|{r['policy']}".encode()).hexdigest()
            result: dict[str, Any] = {
                "ruleId": r["policy"],
                "level": LEVELS[r["severity"]],
                "message": {"text": f"{r['explanation']} How to fix: {r['remediation']}"},
                "locations": [location],
                "partialFingerprints": {"governFinding/v1": digest},
                "properties": {"mode": r["mode"], "automation": f.key},
            }
            if r["policy"] in index:
                result["ruleIndex"] = index[r["policy"]]
            results.append(result)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "govern",
                        "version": __version__,
                        "informationUri": "https://govern.dev/docs/policies",
                        "rules": rules,
                    }
                },
                "invocations": [{"executionSuccessful": True}],
                "results": results,
            }
        ],
    }
