"""People: owners, backup owners and reviewers; who is certified, who has left."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from govern.db import utcnow
from govern.registry import audit
from govern.registry.auth import Principal, require_role
from govern.registry.automations import NotFound
from govern.registry.models import Automation, Person
from govern.registry.views import iso

EDITABLE = ("name", "department", "active", "certification_level", "certification_expires")


def list_people(
    session: Session,
    *,
    department: list[str] | None = None,
    active: bool | None = None,
    certified: bool | None = None,
    search: str = "",
    after: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[Person], int]:
    """A page of people ordered by email; ``after`` is a keyset cursor (the last email)."""
    clauses = []
    if department:
        clauses.append(col(Person.department).in_(department))
    if active is not None:
        clauses.append(Person.active == active)
    if certified is not None:
        today = utcnow().date()
        valid = (Person.certification_level > 0) & (
            col(Person.certification_expires).is_(None) | (Person.certification_expires >= today)
        )
        clauses.append(valid if certified else ~valid)
    if search:
        like = f"%{search.lower()}%"
        clauses.append(or_(func.lower(Person.email).like(like), func.lower(Person.name).like(like)))
    query = select(Person)
    count = select(func.count()).select_from(Person)
    for clause in clauses:
        query, count = query.where(clause), count.where(clause)
    total = session.exec(count).one()
    if after:
        query, offset = query.where(Person.email > after), 0
    people = list(session.exec(query.order_by(col(Person.email)).offset(offset).limit(limit)))
    return people, total


def get_person(session: Session, email: str) -> Person:
    person = session.exec(select(Person).where(Person.email == email.strip().lower())).first()
    if person is None:
        raise NotFound(f"no person {email!r}; register them with a Person manifest")
    return person


def owned(session: Session, email: str) -> list[dict[str, Any]]:
    """Automations this person owns or backs up (retired ones excluded)."""
    email = email.lower()
    rows = session.exec(
        select(Automation.key, Automation.owner_email, Automation.lifecycle)
        .where(
            or_(Automation.owner_email == email, Automation.backup_owner_email == email),
            Automation.lifecycle != "retired",
        )
        .order_by(col(Automation.key))
    )
    return [
        {"automation": key, "role": "owner" if owner == email else "backup", "lifecycle": life}
        for key, owner, life in rows
    ]


def update_person(
    session: Session, email: str, changes: dict[str, Any], *, principal: Principal
) -> Person:
    """Admins change a person (e.g. mark a leaver inactive). Audited.

    The stored manifest hash is cleared, so registering the person's manifest
    again re-applies it rather than being skipped as unchanged.
    """
    require_role(principal, "admin", "changing people")
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise ValueError(f"cannot change {', '.join(unknown)}; editable: {', '.join(EDITABLE)}")
    person = get_person(session, email)
    before = snapshot(person)
    for name, value in changes.items():
        if name == "certification_expires" and isinstance(value, str):
            value = date.fromisoformat(value)
        setattr(person, name, value)
    after = snapshot(person)
    if before == after:
        return person
    person.manifest_hash = None
    person.updated_at = utcnow()
    session.add(person)
    audit.record(
        session,
        actor=principal.actor,
        action="person.updated",
        entity_type="person",
        entity_key=person.email,
        before=before,
        after=after,
    )
    return person


def snapshot(p: Person) -> dict[str, Any]:
    return {
        "name": p.name,
        "department": p.department,
        "active": p.active,
        "certificationLevel": p.certification_level,
        "certificationExpires": iso(p.certification_expires),
        "manager": p.manager_email,
    }
