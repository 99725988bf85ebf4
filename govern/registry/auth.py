"""Who may do what: API tokens, roles and ownership rules.

Roles are ordered viewer < developer < reviewer < admin. A developer changes only
automations it owns (by email) or in namespaces it was granted; reviewers change
review state anywhere; admins manage tokens, people and everything else.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from govern.db import utcnow, write_session
from govern.registry import audit
from govern.registry.models import ApiToken
from govern.registry.models.vocab import ROLE_RANK, ROLES

TOKEN_PREFIX = "gov_"
log = logging.getLogger(__name__)


class AuthError(Exception):
    """Base for authentication (401) and authorisation (403) failures."""


class Unauthenticated(AuthError):
    pass


class Forbidden(AuthError):
    pass


@dataclass(frozen=True)
class Principal:
    """The caller of an operation. ``name`` is what the audit log records."""

    name: str
    role: str
    email: str | None = None
    namespaces: tuple[str, ...] = field(default_factory=tuple)

    def at_least(self, role: str) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[role]

    @property
    def actor(self) -> str:
        return self.email or self.name


SYSTEM = Principal(name="system", role="admin")
LOCAL_ADMIN = Principal(name="local-cli", role="admin")


def require_role(principal: Principal, role: str, what: str) -> None:
    if not principal.at_least(role):
        raise Forbidden(f"{what} needs the {role} role; your role is {principal.role}")


def can_change(principal: Principal, namespace: str, owner_email: str | None) -> bool:
    """May this principal change an automation in ``namespace`` owned by ``owner_email``?"""
    if principal.at_least("admin"):
        return True
    if not principal.at_least("developer"):
        return False
    if "*" in principal.namespaces or namespace in principal.namespaces:
        return True
    return bool(principal.email and owner_email and principal.email == owner_email.lower())


def require_change(principal: Principal, namespace: str, owner_email: str | None, key: str) -> None:
    if not can_change(principal, namespace, owner_email):
        if not principal.at_least("developer"):
            raise Forbidden(
                f"changing {key} needs the developer role; your role is {principal.role}"
            )
        raise Forbidden(
            f"you may not change {key}: it is not yours and namespace '{namespace}' is not granted "
            "to your token; ask an admin to grant the namespace"
        )


def hash_token(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def create_token(
    session: Session,
    *,
    name: str,
    role: str,
    namespaces: list[str] | None = None,
    email: str | None = None,
    expires_at: datetime | None = None,
    actor: Principal = LOCAL_ADMIN,
) -> tuple[ApiToken, str]:
    """Make a token; returns the record and the clear value, which is never stored."""
    require_role(actor, "admin", "creating tokens")
    if role not in ROLES:
        raise ValueError(f"role {role!r} is not one of: {', '.join(ROLES)}")
    if session.exec(select(ApiToken).where(ApiToken.name == name)).first():
        raise ValueError(f"a token named {name!r} already exists; choose another name")
    value = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name,
        token_hash=hash_token(value),
        prefix=value[:10],
        role=role,
        namespaces=sorted(set(namespaces or [])),
        email=email.lower() if email else None,
        expires_at=expires_at,
        created_by=actor.actor,
    )
    session.add(token)
    audit.record(
        session,
        actor=actor.actor,
        action="token.created",
        entity_type="token",
        entity_key=name,
        after={"role": role, "namespaces": token.namespaces, "email": token.email},
    )
    return token, value


def revoke_token(session: Session, *, name: str, actor: Principal = LOCAL_ADMIN) -> ApiToken:
    require_role(actor, "admin", "revoking tokens")
    token = session.exec(select(ApiToken).where(ApiToken.name == name)).first()
    if token is None:
        raise LookupError(f"no token named {name!r}; `govern token list` shows them")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.add(token)
        audit.record(
            session,
            actor=actor.actor,
            action="token.revoked",
            entity_type="token",
            entity_key=name,
        )
    return token


def list_tokens(session: Session) -> list[ApiToken]:
    return list(session.exec(select(ApiToken).order_by(col(ApiToken.name))))


def authenticate(session: Session, value: str) -> Principal:
    """The principal behind a bearer token, or Unauthenticated."""
    return principal_for(valid_token(session, value))


def valid_token(session: Session, value: str) -> ApiToken:
    """The active token whose value is ``value``, or Unauthenticated saying why not."""
    if not value:
        raise Unauthenticated("no API token; send 'Authorization: Bearer <token>'")
    token = session.exec(select(ApiToken).where(ApiToken.token_hash == hash_token(value))).first()
    now = utcnow()
    if token is None:
        raise Unauthenticated("the API token is not valid")
    if token.revoked_at is not None:
        raise Unauthenticated("the API token was revoked")
    if token.expires_at is not None and token.expires_at <= now:
        raise Unauthenticated("the API token has expired")
    return token


#: ``last_used_at`` is kept to this resolution: at most one write per token per interval,
#: so authenticating every request does not turn every read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=5)


def is_use_stale(token: ApiToken, now: datetime) -> bool:
    """Whether the token's recorded last use is older than the resolution."""
    last = token.last_used_at
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=UTC)
    return last is None or now - last >= LAST_USED_RESOLUTION


def record_use(session: Session, token_id: int, now: datetime) -> bool:
    """Set ``last_used_at`` unless a concurrent request already did within the resolution."""
    table = ApiToken.__table__
    stale = or_(table.c.last_used_at.is_(None), table.c.last_used_at <= now - LAST_USED_RESOLUTION)
    result = session.execute(
        update(table).where(table.c.id == token_id, stale).values(last_used_at=now)
    )
    return bool(result.rowcount)


def note_use(engine: Engine, token: ApiToken) -> None:
    """Record, in its own short transaction, that ``token`` was just used.

    Best effort and throttled: a busy database must not fail the caller's request over
    bookkeeping, and a fresh enough ``last_used_at`` is not written again.
    """
    now = utcnow()
    if not is_use_stale(token, now):
        return
    try:
        with write_session(engine) as session:
            record_use(session, token.id, now)
    except OperationalError:
        log.warning("could not record the last use of token %s; will try again", token.name)


def principal_for(token: ApiToken) -> Principal:
    return Principal(
        name=f"token:{token.name}",
        role=token.role,
        email=token.email,
        namespaces=tuple(token.namespaces or ()),
    )
