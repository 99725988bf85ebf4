"""Seeding the demo enterprise: people, assets and automations through the real register path,
then what only scanners and reviewers produce (shadow automations, review decisions), then
the optional extensions other areas ship (lineage flows, scans, compliance).

Deterministic: the same seed gives the same inventory.
"""

from __future__ import annotations

import importlib
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from govern.config import Settings
from govern.db import utcnow
from govern.demo import base_catalog as cat
from govern.registry import audit
from govern.registry.auth import Principal
from govern.registry.manifest import Document, LoadResult
from govern.registry.models import Access, Asset, Automation
from govern.registry.register import register
from govern.registry.views import automation_snapshot

EXTENSIONS = ("govern.demo.lineage_flows", "govern.demo.scans", "govern.demo.compliance")
SEEDER = Principal(name="demo-seed", role="admin", email="demo-seed@example.com")
REVIEWER = "nadia.security@example.com"
DOMAIN = "example.com"


class AlreadySeeded(RuntimeError):
    """The registry is not empty; the demo seeds only an empty one."""


@dataclass
class Summary:
    people: int = 0
    assets: int = 0
    automations: int = 0
    shadow: int = 0
    extensions: list[str] = field(default_factory=list)


def seed(
    session: Session, settings: Settings, *, seed: int = 42, automations: int = 300
) -> Summary:
    """Fill an empty registry with the demo enterprise (the caller commits)."""
    if session.exec(select(func.count()).select_from(Automation)).one():
        raise AlreadySeeded("the registry already holds automations")
    rng = random.Random(seed)
    people = _people(rng)
    documents = [*people.manifests, *_asset_manifests()]
    declared_count = round(automations * 0.88)
    plans = _plans(rng, people, automations)
    documents += [p.manifest for p in plans[:declared_count]]
    loaded = LoadResult(documents=[Document("demo", i, body) for i, body in enumerate(documents)])
    register(
        session,
        loaded,
        principal=SEEDER,
        internal_domains=settings.internal_domains,
        evaluate=False,
    )
    session.flush()
    _shadow(session, rng, plans[declared_count:])
    _reviews_and_states(session, rng)
    summary = Summary(
        people=len(people.manifests),
        assets=session.exec(select(func.count()).select_from(Asset)).one(),
        automations=automations,
        shadow=automations - declared_count,
    )
    for name in EXTENSIONS:
        if _extend(name, session, rng, settings):
            summary.extensions.append(name.rsplit(".", 1)[-1])
    return summary


def _extend(name: str, session: Session, rng: random.Random, settings: Settings) -> bool:
    """Run an optional extension module another area ships, if it is installed."""
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and not name.startswith(exc.name):
            raise
        return False
    module.extend(session, rng, settings)
    session.flush()
    return True


# -- people ------------------------------------------------------------------------


@dataclass
class _People:
    manifests: list[dict[str, Any]] = field(default_factory=list)
    by_dept: dict[str, list[str]] = field(default_factory=dict)


def _people(rng: random.Random) -> _People:
    out = _People()
    used: set[str] = set()
    today = date(2026, 11, 1)
    for ns, (dept, _share) in cat.DEPARTMENTS.items():
        out.by_dept[ns] = []
        for _ in range(rng.randint(9, 13)):
            while True:
                first, last = rng.choice(cat.FIRST_NAMES), rng.choice(cat.LAST_NAMES)
                email = f"{first}.{last}@{DOMAIN}"
                if email not in used:
                    used.add(email)
                    break
            level = rng.choices((0, 1, 2, 3), weights=(35, 30, 25, 10))[0]
            spec: dict[str, Any] = {
                "email": email,
                "displayName": f"{first.title()} {last.title()}",
                "department": dept,
                "active": rng.random() > 0.08,
            }
            if level:
                expires = today + timedelta(days=rng.randint(-200, 700))
                spec["certification"] = {"level": level, "expires": expires.isoformat()}
            out.manifests.append(_person(email, spec))
            out.by_dept[ns].append(email)
    reviewer = {
        "email": REVIEWER,
        "displayName": "Nadia Security",
        "department": "IT Security",
        "active": True,
        "certification": {"level": 3, "expires": "2028-06-30"},
    }
    out.manifests.append(_person(REVIEWER, reviewer))
    return out


def _person(email: str, spec: dict[str, Any]) -> dict[str, Any]:
    name = email.split("@")[0].replace(".", "-")
    return {
        "apiVersion": "govern/v1",
        "kind": "Person",
        "metadata": {"name": name},
        "spec": spec,
    }


# -- assets ------------------------------------------------------------------------


def _asset_manifests() -> list[dict[str, Any]]:
    out = []
    for uri, kind, classification, tags, external, approved, owner_ns, title in cat.SHARED_ASSETS:
        slug = "".join(c if c.isalnum() else "-" for c in uri.split("://", 1)[1].lower())
        spec: dict[str, Any] = {
            "uri": uri,
            "kind": kind,
            "classification": classification,
            "tags": tags,
            "external": external,
            "approved": approved,
            "systemOfRecord": kind == "table" and classification in ("confidential", "restricted"),
        }
        if owner_ns:
            spec["owner"] = f"data-owner.{owner_ns}@{DOMAIN}"
        out.append(
            {
                "apiVersion": "govern/v1",
                "kind": "Asset",
                "metadata": {"name": slug.strip("-")[:180], "title": title},
                "spec": spec,
            }
        )
    return out


# -- automations -------------------------------------------------------------------


@dataclass
class _Plan:
    key: str
    namespace: str
    manifest: dict[str, Any]


def _plans(rng: random.Random, people: _People, total: int) -> list[_Plan]:
    """``total`` automation manifests spread over departments by their share."""
    namespaces = list(cat.DEPARTMENTS)
    shares = [cat.DEPARTMENTS[ns][1] for ns in namespaces]
    platforms = list(cat.PLATFORMS)
    weights = [cat.PLATFORMS[p][0] for p in platforms]
    plans: list[_Plan] = []
    seen: set[str] = set()
    while len(plans) < total:
        ns = rng.choices(namespaces, weights=shares)[0]
        slug, title = rng.choice(cat.TASKS[ns])
        variant = rng.choice(cat.VARIANTS)
        name = f"{slug}-{variant}" if variant else slug
        key = f"{ns}/{name}"
        if key in seen:
            name = f"{name}-{rng.randint(2, 99)}"
            key = f"{ns}/{name}"
            if key in seen:
                continue
        seen.add(key)
        platform = rng.choices(platforms, weights=weights)[0]
        plans.append(
            _Plan(key, ns, _manifest(rng, people, ns, name, title, variant, platform, plans))
        )
    return plans


def _manifest(
    rng: random.Random,
    people: _People,
    ns: str,
    name: str,
    title: str,
    variant: str,
    platform: str,
    earlier: list[_Plan],
) -> dict[str, Any]:
    staff = people.by_dept[ns]
    # One in twenty is owned by a contractor with no Person record.
    roll = rng.random()
    owner = f"contractor.{rng.randint(1, 40)}@{DOMAIN}" if roll < 0.05 else rng.choice(staff)
    production = rng.random() < 0.35
    criticality = rng.choices(("low", "medium", "high", "critical"), weights=(40, 35, 18, 7))[0]
    spec: dict[str, Any] = {
        "platform": platform,
        "owner": owner,
        "track": "production" if production else "sandbox",
        "criticality": criticality,
        "location": cat.PLATFORMS[platform][1].format(ns=ns, name=name),
    }
    if rng.random() < 0.55:
        spec["backupOwner"] = rng.choice([p for p in staff if p != owner] or staff)
    if production or rng.random() < 0.3:
        spec["justification"] = rng.choice(cat.JUSTIFICATIONS).format(
            d=rng.randint(2, 6), h=rng.randint(2, 12)
        )
    kind = rng.choices(("schedule", "event", "manual"), weights=(60, 25, 15))[0]
    if kind == "schedule":
        spec["trigger"] = {"type": "schedule", "cron": rng.choice(cat.CRONS)}
    elif kind == "event":
        spec["trigger"] = {"type": "event", "event": rng.choice(cat.EVENTS)}
    else:
        spec["trigger"] = {"type": "manual"}
    reads_pool, writes_pool, calls_pool = cat.DATA_POOLS[ns]
    spec["reads"] = [
        {"asset": a} for a in rng.sample(reads_pool, k=rng.randint(1, len(reads_pool)))
    ]
    spec["writes"] = [
        _inline(rng, a) for a in rng.sample(writes_pool, k=rng.randint(0, len(writes_pool)))
    ]
    calls = []
    if rng.random() < 0.4:
        calls.append({"asset": rng.choice(calls_pool)})
    if rng.random() < 0.28:
        pool = cat.APPROVED_AI if rng.random() < 0.65 else cat.UNAPPROVED_AI
        calls.append({"asset": rng.choice(pool), "purpose": "summarise and draft text"})
    if calls:
        spec["calls"] = calls
    same_ns = [p.key for p in earlier if p.namespace == ns]
    if same_ns and rng.random() < 0.12:
        spec["triggers"] = [rng.choice(same_ns)]
    meta: dict[str, Any] = {"name": name, "namespace": ns, "title": _title(title, variant)}
    if rng.random() < 0.5:
        meta["description"] = f"{_title(title, variant)}, built by the {ns} team."
    if rng.random() < 0.05:
        spec["lifecycle"] = rng.choice(("draft", "deprecated"))
    return {"apiVersion": "govern/v1", "kind": "Automation", "metadata": meta, "spec": spec}


def _inline(rng: random.Random, uri: str) -> dict[str, Any]:
    """Writes to assets nobody declared carry the writer's classification."""
    if uri.startswith(("file://", "imap://", "snowflake://")):
        return {"asset": uri, "classification": rng.choice(("internal", "confidential"))}
    return {"asset": uri}


def _title(title: str, variant: str) -> str:
    return f"{title} ({variant.upper() if len(variant) == 2 else variant})" if variant else title


# -- what scanners and reviewers add -------------------------------------------------


def _shadow(session: Session, rng: random.Random, plans: list[_Plan]) -> None:
    """Automations a scanner found and nobody declared (origin discovered, shadow)."""
    now = utcnow()
    assets = {a.key: a for a in session.exec(select(Asset))}
    for plan in plans:
        spec, meta = plan.manifest["spec"], plan.manifest["metadata"]
        owner = spec["owner"] if rng.random() < 0.5 else None
        first_seen = now - timedelta(days=rng.randint(3, 400))
        automation = Automation(
            key=plan.key,
            namespace=plan.namespace,
            name=meta["name"],
            title=meta["title"],
            platform=spec["platform"],
            trigger=spec["trigger"],
            trigger_type=spec["trigger"]["type"],
            schedule=spec["trigger"].get("cron"),
            owner_email=owner,
            department=plan.namespace,
            location=spec["location"],
            fingerprint=f"{rng.getrandbits(128):032x}",
            origin="discovered",
            reconciliation_state="shadow",
            review_state="pending",
            first_seen=first_seen,
            last_seen=now - timedelta(hours=rng.randint(1, 72)),
            created_at=first_seen,
            updated_at=now,
        )
        session.add(automation)
        session.flush()
        modes = (("reads", "read"), ("writes", "write"), ("calls", "call"))
        for field_name, mode in modes:
            for ref in spec.get(field_name, []):
                asset = assets.get(ref["asset"])
                if asset is None:
                    continue
                automation.uses_ai = automation.uses_ai or bool(asset.ai_provider)
                session.add(
                    Access(
                        automation_id=automation.id,
                        asset_id=asset.id,
                        mode=mode,
                        learned="scanned",
                        first_seen=first_seen,
                        last_seen=automation.last_seen,
                    )
                )
        audit.record(
            session,
            actor="scanner:filesystem",
            action="automation.discovered",
            entity_type="automation",
            entity_key=plan.key,
            after=automation_snapshot(automation),
        )


def _reviews_and_states(session: Session, rng: random.Random) -> None:
    """Mixed review outcomes, some automations also seen by scanners, a few retired."""
    now = utcnow()
    declared = session.exec(
        select(Automation).where(Automation.origin == "declared").order_by(Automation.key)
    ).all()
    for automation in declared:
        before = automation_snapshot(automation)
        state = rng.choices(
            ("approved", "pending", "changes-requested", "rejected"), weights=(45, 32, 17, 6)
        )[0]
        comment = {
            "approved": "Reviewed: data use matches the declaration.",
            "changes-requested": "Add a backup owner and say which fields are read.",
            "rejected": "Sends customer data to a service without a contract.",
            "pending": "",
        }[state]
        roll = rng.random()
        if roll < 0.25:
            automation.origin = "both"
            automation.fingerprint = f"{rng.getrandbits(128):032x}"
            automation.last_seen = now - timedelta(hours=rng.randint(1, 48))
        elif roll < 0.29:
            automation.origin = "both"
            automation.reconciliation_state = "missing"
            automation.missing_runs = rng.randint(3, 6)
            automation.last_seen = now - timedelta(days=rng.randint(20, 90))
        elif roll < 0.40:
            automation.reconciliation_state = "unverified"
        if state != "pending":
            automation.review_state = state
            automation.reviewed_by = REVIEWER
            automation.reviewed_at = now - timedelta(days=rng.randint(1, 120))
            automation.review_comment = comment
        if rng.random() < 0.03:
            automation.lifecycle = "retired"
        automation.updated_at = now
        session.add(automation)
        after = automation_snapshot(automation)
        if after != before:
            audit.record(
                session,
                actor=REVIEWER if state != "pending" else SEEDER.actor,
                action="automation.review" if state != "pending" else "automation.updated",
                entity_type="automation",
                entity_key=automation.key,
                before=before,
                after=after,
                comment=comment,
            )
