"""What policies look at: plain, read-only snapshots of automations, assets and people.

Loaded in bulk (a handful of queries for any number of automations), so a full
evaluation of 100,000 automations never issues a query per automation.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import String, cast, select
from sqlmodel import Session

from govern.registry.models import Access, Asset, Automation, Discovery, Person
from govern.registry.models.vocab import CLASSIFICATION_RANK

CHUNK = 900


@dataclass(slots=True)
class AssetFact:
    key: str
    kind: str
    classification: str | None
    tags: frozenset[str]
    external: bool
    approved: bool
    system_of_record: bool
    ai_provider: str | None
    rank: int = -1
    scheme: str = ""

    def __post_init__(self) -> None:
        self.rank = CLASSIFICATION_RANK.get(self.classification or "", -1)
        self.scheme = self.key.split("://", 1)[0].lower() if "://" in self.key else ""


@dataclass(slots=True)
class AccessFact:
    mode: str
    asset: AssetFact
    masking: bool = False


@dataclass(slots=True)
class PersonFact:
    email: str
    active: bool
    certification_level: int
    certification_expires: date | None


@dataclass(slots=True)
class AutomationFacts:
    """One automation as policies see it. ``values`` holds every field in FIELDS."""

    id: int | None
    key: str
    values: dict[str, Any]
    accesses: list[AccessFact] = field(default_factory=list)
    owner: PersonFact | None = None
    backup: PersonFact | None = None
    secrets: list[dict] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    risk: tuple[int, str, list] = (0, "low", [])


def aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every timestamp in govern is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


_A = Automation.__table__.c
_AUTOMATION_COLUMNS = (
    _A.id,
    _A.key,
    _A.namespace,
    _A.name,
    _A.title,
    _A.platform,
    _A.owner_email,
    _A.backup_owner_email,
    _A.department,
    _A.justification,
    _A.criticality,
    _A.track,
    _A.lifecycle,
    _A.origin,
    _A.reconciliation_state,
    _A.review_state,
    cast(_A.trigger, String).label("trigger"),
    _A.location,
    _A.fingerprint,
    _A.uses_ai,
    cast(_A.tags, String).label("tags"),
    cast(_A.first_seen, String).label("first_seen"),
    cast(_A.last_seen, String).label("last_seen"),
    cast(_A.created_at, String).label("created_at"),
    cast(_A.updated_at, String).label("updated_at"),
    cast(_A.reviewed_at, String).label("reviewed_at"),
    _A.risk_score,
    _A.risk_tier,
    cast(_A.risk_factors, String).label("risk_factors"),
)
_EMPTY_JSON = {None: None, "{}": {}, "[]": [], "null": None}


def _json(text: Any) -> Any:
    """JSON columns arrive as text here; most are empty, so skip the parser for those."""
    if not isinstance(text, str):
        return text
    if text in _EMPTY_JSON:
        return _EMPTY_JSON[text]
    return json.loads(text)


def _time(value: Any) -> datetime | None:
    """Timestamps are read as text (the C parser is much faster than the ORM's) in UTC."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        tail = value[19:]
        if "+" in tail or "-" in tail or tail.endswith("Z"):
            # an offset, e.g. PostgreSQL's '...+00' (Python 3.11 parses it)
            return aware(datetime.fromisoformat(value.replace("Z", "+00:00")))
        return datetime.fromisoformat(value + "+00:00")
    return aware(value)


def automation_values(row: Any) -> dict[str, Any]:
    """The field values of one automation row (or an Automation object)."""
    trigger = _json(row.trigger) or {}
    last_seen, updated_at = _time(row.last_seen), _time(row.updated_at)
    return {
        "key": row.key,
        "namespace": row.namespace,
        "name": row.name,
        "title": row.title,
        "platform": row.platform,
        "owner_email": row.owner_email,
        "backup_owner_email": row.backup_owner_email,
        "department": row.department,
        "justification": row.justification,
        "criticality": row.criticality,
        "track": row.track,
        "lifecycle": row.lifecycle,
        "origin": row.origin,
        "reconciliation_state": row.reconciliation_state,
        "review_state": row.review_state,
        "trigger.type": trigger.get("type"),
        "trigger.cron": trigger.get("cron"),
        "trigger.event": trigger.get("event"),
        "trigger.authenticated": trigger.get("authenticated"),
        "location": row.location,
        "fingerprint": row.fingerprint,
        "uses_ai": bool(row.uses_ai),
        "tags": list(_json(row.tags) or []),
        "first_seen": _time(row.first_seen),
        "last_seen": last_seen,
        "last_activity": last_seen or updated_at,
        "created_at": _time(row.created_at),
        "updated_at": updated_at,
        "reviewed_at": _time(row.reviewed_at),
        "discovered_at": None,
        "secret_count": 0,
        "duplicate_count": 0,
        "access_count": 0,
    }


def _row_values(row: Any) -> dict[str, Any]:
    """``automation_values`` for a row of ``_AUTOMATION_COLUMNS``, read by position (the
    same dict, in the same order; this runs once per automation in a full pass)."""
    (_, key, namespace, name, title, platform, owner, backup, department, justification,
     criticality, track, lifecycle, origin, reconciliation, review, trigger, location,
     fingerprint, uses_ai, tags, first_seen, last_seen, created_at, updated_at,
     reviewed_at) = row[:26]  # fmt: skip
    trigger = _json(trigger) or {}
    last_seen, updated_at = _time(last_seen), _time(updated_at)
    get = trigger.get
    return {
        "key": key,
        "namespace": namespace,
        "name": name,
        "title": title,
        "platform": platform,
        "owner_email": owner,
        "backup_owner_email": backup,
        "department": department,
        "justification": justification,
        "criticality": criticality,
        "track": track,
        "lifecycle": lifecycle,
        "origin": origin,
        "reconciliation_state": reconciliation,
        "review_state": review,
        "trigger.type": get("type"),
        "trigger.cron": get("cron"),
        "trigger.event": get("event"),
        "trigger.authenticated": get("authenticated"),
        "location": location,
        "fingerprint": fingerprint,
        "uses_ai": bool(uses_ai),
        "tags": list(_json(tags) or []),
        "first_seen": _time(first_seen),
        "last_seen": last_seen,
        "last_activity": last_seen or updated_at,
        "created_at": _time(created_at),
        "updated_at": updated_at,
        "reviewed_at": _time(reviewed_at),
        "discovered_at": None,
        "secret_count": 0,
        "duplicate_count": 0,
        "access_count": 0,
    }


def asset_fact(row: Any) -> AssetFact:
    return AssetFact(
        key=row.key,
        kind=row.kind,
        classification=row.classification,
        tags=frozenset(row.tags or ()),
        external=bool(row.external),
        approved=bool(row.approved),
        system_of_record=bool(row.system_of_record),
        ai_provider=row.ai_provider,
    )


def person_fact(row: Any) -> PersonFact:
    return PersonFact(
        email=row.email,
        active=bool(row.active),
        certification_level=row.certification_level or 0,
        certification_expires=row.certification_expires,
    )


def _chunks(items: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def load(session: Session, keys: Iterable[str] | None = None) -> list[AutomationFacts]:
    """Facts for the automations with ``keys`` (every automation when None)."""
    rows: list[Any] = []
    if keys is None:
        rows = session.execute(select(*_AUTOMATION_COLUMNS)).all()
    else:
        for chunk in _chunks(sorted(set(keys))):
            rows += session.execute(select(*_AUTOMATION_COLUMNS).where(_A.key.in_(chunk))).all()
    facts = {}
    for row in rows:
        f = AutomationFacts(id=row[0], key=row[1], values=_row_values(row))
        f.risk = (row[26], row[27], row[28] or "[]")
        facts[row[0]] = f
    if not facts:
        return []
    whole = keys is None
    _attach_accesses(session, facts, whole)
    _attach_people(session, facts, whole)
    _attach_discoveries(session, facts, whole)
    _attach_duplicates(session, facts, whole)
    return sorted(facts.values(), key=lambda f: f.key)


def _by_ids(session: Session, columns, id_column, ids: list[int], whole: bool):
    if whole:
        yield from session.execute(select(*columns)).all()
        return
    for chunk in _chunks(ids):
        yield from session.execute(select(*columns).where(id_column.in_(chunk))).all()


def _attach_accesses(session: Session, facts: dict[int, AutomationFacts], whole: bool) -> None:
    c = Access.__table__.c
    edges = list(
        _by_ids(
            session,
            (c.automation_id, c.asset_id, c.mode, c.masking),
            c.automation_id,
            list(facts),
            whole,
        )
    )
    assets = load_assets(session, None if whole else {e.asset_id for e in edges})
    seen: set[tuple[int, int, str]] = set()
    for automation_id, asset_id, mode, masking in edges:
        f = facts.get(automation_id)
        asset = assets.get(asset_id)
        ident = (automation_id, asset_id, mode)
        if f is None or asset is None or ident in seen:
            continue  # declared and scanned edges of the same kind count once
        seen.add(ident)
        f.accesses.append(AccessFact(mode, asset, bool(masking)))
    for f in facts.values():
        f.values["access_count"] = len({a.asset.key for a in f.accesses})


def load_assets(session: Session, ids: set[int] | None) -> dict[int, AssetFact]:
    c = Asset.__table__.c
    cols = (
        c.id,
        c.key,
        c.kind,
        c.classification,
        c.tags,
        c.external,
        c.approved,
        c.system_of_record,
        c.ai_provider,
    )
    out: dict[int, AssetFact] = {}
    for row in _by_ids(session, cols, c.id, sorted(ids or ()), ids is None):
        out[row.id] = asset_fact(row)
    return out


def _attach_people(session: Session, facts: dict[int, AutomationFacts], whole: bool) -> None:
    emails = {
        e
        for f in facts.values()
        for e in (f.values["owner_email"], f.values["backup_owner_email"])
        if e
    }
    people = load_people(session, None if whole else emails)
    for f in facts.values():
        f.owner = people.get(f.values["owner_email"] or "")
        f.backup = people.get(f.values["backup_owner_email"] or "")


def load_people(session: Session, emails: set[str] | None) -> dict[str, PersonFact]:
    c = Person.__table__.c
    cols = (c.email, c.active, c.certification_level, c.certification_expires)
    out: dict[str, PersonFact] = {}
    if emails is None:
        rows = session.execute(select(*cols))
    else:
        rows = (
            row
            for chunk in _chunks(sorted(emails))
            for row in session.execute(select(*cols).where(c.email.in_(chunk)))
        )
    for row in rows:
        out[row.email] = person_fact(row)
    return out


def _attach_discoveries(session: Session, facts: dict[int, AutomationFacts], whole: bool) -> None:
    c = Discovery.__table__.c
    cols = (c.automation_id, c.location, c.secrets, c.first_seen, c.status)
    if whole:
        rows = session.execute(select(*cols).where(c.automation_id.is_not(None)))
    else:
        rows = _by_ids(session, cols, c.automation_id, list(facts), False)
    for row in rows:
        f = facts.get(row.automation_id)
        if f is None:
            continue
        first = aware(row.first_seen)
        current = f.values["discovered_at"]
        if first and (current is None or first < current):
            f.values["discovered_at"] = first
        if row.status == "present" or row.status is None:
            for secret in row.secrets or []:
                f.secrets.append(_redacted(secret, row.location))
    for f in facts.values():
        f.values["secret_count"] = len(f.secrets)


def _redacted(secret: dict, location: str) -> dict:
    """Only what is safe to show: never a raw value, even if a scanner stored one."""
    return {
        "location": location,
        "type": secret.get("type", "secret"),
        "line": secret.get("line"),
        "preview": secret.get("preview", ""),
        "hash": secret.get("hash", ""),
    }


def _attach_duplicates(session: Session, facts: dict[int, AutomationFacts], whole: bool) -> None:
    live = {f.key: f for f in facts.values() if f.values["lifecycle"] != "retired"}
    groups: dict[str, set[str]] = defaultdict(set)
    for f in live.values():
        if f.values["fingerprint"]:
            groups[f.values["fingerprint"]].add(f.key)
    if not whole and groups:
        prints = sorted(groups)
        for chunk in _chunks(prints):
            query = select(_A.key, _A.fingerprint).where(
                _A.fingerprint.in_(chunk), _A.lifecycle != "retired"
            )
            for row in session.execute(query):
                groups[row.fingerprint].add(row.key)
    for f in live.values():
        fp = f.values["fingerprint"]
        if fp:
            f.duplicates = sorted(groups[fp] - {f.key})
            f.values["duplicate_count"] = len(f.duplicates)
