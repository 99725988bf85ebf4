"""Registering manifests: an idempotent, all-or-nothing upsert by identity.

Automations are keyed by ``namespace/name``, assets by their normalised name,
people by email. Re-registering an unchanged manifest writes nothing and records
no audit event. The caller owns the transaction: on any error nothing is kept.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from govern.db import utcnow
from govern.registry import assets as asset_service
from govern.registry import audit
from govern.registry.auth import Principal, require_change, require_role
from govern.registry.manifest import (
    Document,
    LoadResult,
    ManifestInvalid,
    identity,
    normalise_asset_key,
    validate,
)
from govern.registry.models import Access, Asset, Automation, AutomationLink, Person
from govern.registry.views import automation_snapshot


@dataclass(frozen=True)
class Outcome:
    kind: str
    key: str
    action: str  # created | updated | unchanged

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "key": self.key, "action": self.action}


def manifest_hash(body: dict[str, Any]) -> str:
    clean = {k: v for k, v in body.items() if k != "$schema"}
    text = json.dumps(clean, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def register(
    session: Session,
    loaded: LoadResult,
    *,
    principal: Principal,
    internal_domains: tuple[str, ...] = (),
) -> list[Outcome]:
    """Validate and apply every document, or raise and apply none."""
    validate(loaded)
    if loaded.problems:
        raise ManifestInvalid(loaded.problems)
    batch = _Batch(session, principal, internal_domains)
    return batch.apply(loaded.documents)


class _Batch:
    """One registration batch, with everything it needs prefetched in a few queries."""

    def __init__(self, session: Session, principal: Principal, internal_domains: tuple[str, ...]):
        self.session = session
        self.principal = principal
        self.internal_domains = internal_domains
        self.now = utcnow()
        self.assets: dict[str, Asset] = {}
        self.people: dict[str, Person] = {}
        self.created: dict[str, Automation] = {}

    def apply(self, documents: list[Document]) -> list[Outcome]:
        by_kind: dict[str, list[Document]] = {"Person": [], "Asset": [], "Automation": []}
        for doc in documents:
            by_kind[doc.kind].append(doc)
        self._prefetch(documents)
        outcomes = [self._person(d) for d in by_kind["Person"]]
        outcomes += [self._asset(d) for d in by_kind["Asset"]]
        outcomes += self._automations(by_kind["Automation"])
        return outcomes

    # -- prefetch -------------------------------------------------------------

    def _prefetch(self, documents: list[Document]) -> None:
        asset_keys: set[str] = set()
        emails: set[str] = set()
        for doc in documents:
            spec = doc.body.get("spec", {})
            if doc.kind == "Asset":
                asset_keys.add(normalise_asset_key(spec["uri"]))
            elif doc.kind == "Person":
                emails.add(spec["email"].lower())
            else:
                emails.update(e.lower() for e in (spec.get("owner"), spec.get("backupOwner")) if e)
                for mode in ("reads", "writes", "calls"):
                    asset_keys.update(normalise_asset_key(r["asset"]) for r in spec.get(mode, []))
        self.assets = asset_service.fetch_by_keys(self.session, asset_keys)
        for start in range(0, len(emails), 500):
            chunk = sorted(emails)[start : start + 500]
            for person in self.session.exec(select(Person).where(col(Person.email).in_(chunk))):
                self.people[person.email] = person

    # -- people and assets ----------------------------------------------------

    def _person(self, doc: Document) -> Outcome:
        require_role(self.principal, "admin", "registering people")
        spec = doc.body["spec"]
        email = spec["email"].lower()
        digest = manifest_hash(doc.body)
        person = self.people.get(email)
        if person is not None and person.manifest_hash == digest:
            return Outcome("Person", email, "unchanged")
        before = _person_snapshot(person) if person else None
        action = "updated" if person else "created"
        person = person or Person(email=email)
        cert = spec.get("certification") or {}
        person.name = spec.get("displayName", person.name or "")
        person.department = spec.get("department", person.department or "")
        person.active = spec.get("active", True)
        person.certification_level = cert.get("level", 0)
        expires = cert.get("expires")
        person.certification_expires = date.fromisoformat(expires) if expires else None
        person.manager_email = (spec.get("manager") or "").lower() or None
        person.manifest_hash = digest
        person.updated_at = self.now
        self.session.add(person)
        self.people[email] = person
        self._audit(f"person.{action}", "person", email, before, _person_snapshot(person))
        return Outcome("Person", email, action)

    def _asset(self, doc: Document) -> Outcome:
        require_role(self.principal, "developer", "registering assets")
        spec = doc.body["spec"]
        key = normalise_asset_key(spec["uri"])
        digest = manifest_hash(doc.body)
        asset = self.assets.get(key)
        if asset is not None and asset.manifest_hash == digest:
            return Outcome("Asset", key, "unchanged")
        if asset is not None and asset.declared and not self.principal.at_least("reviewer"):
            owner = asset.owner_email
            if not (owner and self.principal.email == owner):
                raise_forbidden_asset(key)
        before = _asset_snapshot(asset) if asset else None
        action = "updated" if asset else "created"
        asset = asset or asset_service.new_asset(key, self.internal_domains)
        meta = doc.body["metadata"]
        asset.title = meta.get("title", "")
        asset.description = spec.get("description", meta.get("description", ""))
        asset.kind = spec.get("kind", asset.kind)
        asset.classification = spec.get("classification", asset.classification)
        asset.tags = sorted(set(spec.get("tags", [])))
        asset.external = spec.get("external", asset.external)
        asset.approved = spec.get("approved", False)
        asset.system_of_record = spec.get("systemOfRecord", False)
        asset.ai_provider = spec.get("aiProvider", asset.ai_provider)
        if asset.ai_provider and asset.kind in ("other", "api"):
            asset.kind = "ai-service"
        asset.owner_email = (spec.get("owner") or "").lower() or None
        asset.declared = True
        asset.manifest_hash = digest
        asset.updated_at = self.now
        self.session.add(asset)
        self.assets[key] = asset
        self._audit(f"asset.{action}", "asset", key, before, _asset_snapshot(asset))
        return Outcome("Asset", key, action)

    def _asset_for(self, ref: dict[str, Any]) -> Asset:
        key = normalise_asset_key(ref["asset"])
        asset = self.assets.get(key)
        if asset is None:
            asset = asset_service.new_asset(key, self.internal_domains)
            self.assets[key] = asset
        if asset_service.apply_inline(asset, ref) or asset.id is None:
            self.session.add(asset)
        return asset

    # -- automations ----------------------------------------------------------

    def _automations(self, docs: list[Document]) -> list[Outcome]:
        keys = [identity(d.body)[1] for d in docs]
        existing: dict[str, Automation] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            for a in self.session.exec(select(Automation).where(col(Automation.key).in_(chunk))):
                existing[a.key] = a
        outcomes: list[Outcome] = []
        changed: list[tuple[Automation, Document]] = []
        for doc, key in zip(docs, keys, strict=True):
            automation = existing.get(key)
            outcome = self._automation(doc, key, automation)
            outcomes.append(outcome)
            if outcome.action != "unchanged":
                changed.append((existing.get(key) or self.created[key], doc))
        if changed:
            self.session.flush()
            self._replace_accesses(changed)
            self._replace_links(changed)
        return outcomes

    def _automation(self, doc: Document, key: str, automation: Automation | None) -> Outcome:
        body = doc.body
        meta, spec = body["metadata"], body["spec"]
        namespace = meta.get("namespace") or "default"
        digest = manifest_hash(body)
        owner = spec["owner"].lower()
        if automation is not None:
            require_change(self.principal, automation.namespace, automation.owner_email, key)
        require_change(self.principal, namespace, owner, key)
        if (
            automation is not None
            and automation.manifest_hash == digest
            and automation.lifecycle != "retired"
        ):
            return Outcome("Automation", key, "unchanged")
        before = automation_snapshot(automation) if automation else None
        action = "updated" if automation else "created"
        if automation is None:
            automation = Automation(
                key=key,
                namespace=namespace,
                name=meta["name"],
                platform=spec["platform"],
                origin="declared",
                reconciliation_state="registered",
                review_state="pending",
                first_seen=self.now,
            )
            self.created[key] = automation
        self._fill(automation, meta, spec, owner)
        if automation.origin == "discovered":
            automation.origin = "both"
        automation.reconciliation_state = "registered"
        if action == "updated" and automation.review_state in ("approved", "rejected"):
            automation.review_state = "pending"
        automation.manifest = body
        automation.manifest_hash = digest
        automation.updated_at = self.now
        self.session.add(automation)
        after = automation_snapshot(automation)
        self._audit(f"automation.{action}", "automation", key, before, after)
        return Outcome("Automation", key, action)

    def _fill(self, a: Automation, meta: dict, spec: dict, owner: str) -> None:
        trigger = spec.get("trigger") or {}
        a.title = meta.get("title", "")
        a.description = meta.get("description", "")
        a.tags = list(meta.get("tags", []))
        a.annotations = dict(meta.get("annotations", {}))
        a.platform = spec["platform"]
        a.owner_email = owner
        a.backup_owner_email = (spec.get("backupOwner") or "").lower() or None
        person = self.people.get(owner)
        a.department = (person.department if person and person.department else None) or (
            a.namespace
        )
        a.justification = spec.get("justification", "")
        a.criticality = spec.get("criticality", "low")
        a.track = spec.get("track", "sandbox")
        if a.lifecycle == "retired" or "lifecycle" in spec:
            a.lifecycle = spec.get("lifecycle", "active")
        a.trigger = trigger
        a.trigger_type = trigger.get("type")
        a.schedule = trigger.get("cron")
        a.location = spec.get("location")
        a.fingerprint = spec.get("fingerprint", a.fingerprint)
        calls_ai = any(self._asset_for(r).ai_provider for r in spec.get("calls", []))
        a.uses_ai = bool(spec.get("usesAI", False) or calls_ai)

    def _replace_accesses(self, changed: list[tuple[Automation, Document]]) -> None:
        ids = [a.id for a, _ in changed]
        current: dict[int, dict[tuple[int, str], Access]] = {i: {} for i in ids}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            query = select(Access).where(
                col(Access.automation_id).in_(chunk), Access.learned == "declared"
            )
            for acc in self.session.exec(query):
                current[acc.automation_id][(acc.asset_id, acc.mode)] = acc
        for automation, doc in changed:
            spec = doc.body["spec"]
            have = current[automation.id]
            want: set[tuple[int, str]] = set()
            for field, mode in (("reads", "read"), ("writes", "write"), ("calls", "call")):
                for ref in spec.get(field, []):
                    asset = self._asset_for(ref)
                    if asset.id is None:
                        self.session.flush()
                    pair = (asset.id, mode)
                    want.add(pair)
                    acc = have.get(pair) or Access(
                        automation_id=automation.id,
                        asset_id=asset.id,
                        mode=mode,
                        learned="declared",
                        first_seen=self.now,
                    )
                    acc.masking = bool(ref.get("masking", False))
                    acc.purpose = ref.get("purpose", "")
                    acc.last_seen = self.now
                    self.session.add(acc)
                    have[pair] = acc
            for pair, acc in list(have.items()):
                if pair not in want:
                    self.session.delete(acc)

    def _replace_links(self, changed: list[tuple[Automation, Document]]) -> None:
        ids = [a.id for a, _ in changed]
        for start in range(0, len(ids), 500):
            query = select(AutomationLink).where(
                col(AutomationLink.source_id).in_(ids[start : start + 500]),
                AutomationLink.learned == "declared",
            )
            for link in self.session.exec(query):
                self.session.delete(link)
        wanted = {t for _, doc in changed for t in doc.body["spec"].get("triggers", [])}
        by_key: dict[str, Automation] = {}
        if wanted:
            found = self.session.exec(select(Automation).where(col(Automation.key).in_(wanted)))
            by_key = {a.key: a for a in found}
        for automation, doc in changed:
            for target in doc.body["spec"].get("triggers", []):
                ref = by_key.get(target) or self.created.get(target)
                if ref is None:
                    continue  # resolved when the target is registered later
                self.session.add(
                    AutomationLink(
                        source_id=automation.id,
                        target_id=ref.id,
                        kind="triggers",
                        learned="declared",
                    )
                )

    def _audit(self, action: str, entity: str, key: str, before, after) -> None:
        audit.record(
            self.session,
            actor=self.principal.actor,
            action=action,
            entity_type=entity,
            entity_key=key,
            before=before,
            after=after,
        )


def raise_forbidden_asset(key: str) -> None:
    from govern.registry.auth import Forbidden

    raise Forbidden(
        f"asset {key} was declared by its data owner; only the owner or a reviewer may change it"
    )


def _person_snapshot(p: Person) -> dict[str, Any]:
    return {
        "name": p.name,
        "department": p.department,
        "active": p.active,
        "certificationLevel": p.certification_level,
        "certificationExpires": p.certification_expires.isoformat()
        if p.certification_expires
        else None,
        "manager": p.manager_email,
    }


def _asset_snapshot(a: Asset) -> dict[str, Any]:
    return {
        "kind": a.kind,
        "classification": a.classification,
        "tags": list(a.tags or []),
        "external": a.external,
        "approved": a.approved,
        "systemOfRecord": a.system_of_record,
        "aiProvider": a.ai_provider,
        "owner": a.owner_email,
    }
