"""Evaluating a not-yet-registered Automation manifest: the registration desk and
``govern check`` show findings before anyone submits anything.

The manifest is registered inside a savepoint that is always rolled back, so the
preview sees exactly what a registration would produce (assets, lineage paths through
existing automations, the owner's directory entry) and nothing is kept.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from govern.policies.evaluate import compute, previewing
from govern.policies.model import CompiledPolicy
from govern.registry.auth import SYSTEM
from govern.registry.manifest import Document, LoadResult, ManifestInvalid, identity


def evaluate_manifest(
    session: Session,
    manifest: dict[str, Any],
    *,
    policies: list[CompiledPolicy] | None = None,
    discoveries: list[dict[str, Any]] | None = None,
    internal_domains: tuple[str, ...] = (),
    extra: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Results (policy id, title, severity, mode, status, explanation, evidence,
    remediation) for ``manifest``, failures first. Raises ManifestInvalid when the
    manifest itself is invalid. ``discoveries`` (scanner output for the same files)
    and ``extra`` (Person/Asset manifests) are added to the preview."""
    from govern.registry.register import register

    ident = identity(manifest)
    if ident is None or ident[0] != "Automation":
        raise ManifestInvalid([_problem("kind: expected an Automation manifest")])
    key = ident[1]
    docs = [Document("manifest", i, d) for i, d in enumerate([*(extra or []), manifest])]
    with previewing():
        nested = session.begin_nested()
        try:
            register(
                session,
                LoadResult(documents=docs),
                principal=SYSTEM,
                internal_domains=internal_domains,
                evaluate=False,
            )
            if discoveries:
                _add_discoveries(session, key, discoveries)
            comp = compute(session, keys=[key], policies=policies, explain=True)
            results = [r.as_dict() for r in comp.all_results or []]
        finally:
            nested.rollback()
    order = {"fail": 0, "pass": 1, "not-applicable": 2}
    sev = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}
    results.sort(key=lambda r: (order[r["status"]], sev[r["severity"]], r["policy"]))
    return results


def _problem(message: str):
    from govern.registry.manifest import Problem

    return Problem("manifest", "kind", message)


def _add_discoveries(session: Session, key: str, discoveries: list[dict[str, Any]]) -> None:
    """Scanner findings for the manifest's files (secrets, redacted) join the preview."""
    from sqlmodel import select

    from govern.db import utcnow
    from govern.registry.models import Automation, Discovery

    automation = session.exec(select(Automation).where(Automation.key == key)).one()
    for index, d in enumerate(discoveries):
        session.add(
            Discovery(
                scanner="check",
                location=f"{d.get('location', 'file')}#{index}",
                name=d.get("name", ""),
                platform=d.get("platform", "other"),
                fingerprint=d.get("fingerprint"),
                secrets=[
                    {k: s.get(k) for k in ("type", "line", "preview", "hash")}
                    for s in d.get("secrets", [])
                ],
                automation_id=automation.id,
                first_seen=utcnow(),
                last_seen=utcnow(),
            )
        )
    session.flush()
