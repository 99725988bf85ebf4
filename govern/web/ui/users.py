"""UI accounts: create, list, change password, enable/disable, sign in with a password.

Passwords are hashed with werkzeug's scrypt; only the hash is stored. Every change is
audited. Functions take a session and never commit.
"""

from __future__ import annotations

import re

from sqlmodel import Session, col, select
from werkzeug.security import check_password_hash, generate_password_hash

from govern.db import utcnow
from govern.registry import audit
from govern.registry.auth import LOCAL_ADMIN, Principal, require_role
from govern.registry.models import User
from govern.registry.models.vocab import ROLES

MIN_PASSWORD = 10
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,118}[a-z0-9]$")
# A real hash to compare against when the user does not exist, so sign-in takes the
# same time whether or not the username is known.
_DUMMY_HASH = generate_password_hash("not-a-real-password-0000")


class UserError(ValueError):
    """Invalid input for an account operation; the message says what to change."""


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"the password is too short: use at least {MIN_PASSWORD} characters")


def _normalise_namespaces(namespaces: list[str] | None) -> list[str]:
    return sorted({n.strip() for n in namespaces or [] if n.strip()})


def get_user(session: Session, username: str) -> User | None:
    return session.exec(select(User).where(User.username == username.lower())).first()


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: str = "viewer",
    email: str | None = None,
    namespaces: list[str] | None = None,
    actor: Principal = LOCAL_ADMIN,
) -> User:
    require_role(actor, "admin", "creating users")
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise UserError(
            f"username {username!r} is not valid: use 3-120 lower-case letters, digits, "
            "'.', '_', '-' or '@'"
        )
    if role not in ROLES:
        raise UserError(f"role {role!r} is not one of: {', '.join(ROLES)}")
    if email and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", email):
        raise UserError(f"email {email!r} is not an email address")
    _check_password(password)
    if get_user(session, username) is not None:
        raise UserError(f"a user named {username!r} already exists")
    user = User(
        username=username,
        email=email.lower() if email else None,
        password_hash=generate_password_hash(password),
        role=role,
        namespaces=_normalise_namespaces(namespaces),
    )
    session.add(user)
    audit.record(
        session,
        actor=actor.actor,
        action="user.created",
        entity_type="user",
        entity_key=username,
        after=user_snapshot(user),
    )
    return user


def update_user(
    session: Session,
    username: str,
    *,
    role: str | None = None,
    email: str | None = None,
    namespaces: list[str] | None = None,
    active: bool | None = None,
    actor: Principal = LOCAL_ADMIN,
) -> User:
    require_role(actor, "admin", "changing users")
    user = _existing(session, username)
    before = user_snapshot(user)
    if role is not None:
        if role not in ROLES:
            raise UserError(f"role {role!r} is not one of: {', '.join(ROLES)}")
        user.role = role
    if email is not None:
        user.email = email.lower() or None
    if namespaces is not None:
        user.namespaces = _normalise_namespaces(namespaces)
    if active is not None:
        user.active = active
    session.add(user)
    audit.record(
        session,
        actor=actor.actor,
        action="user.updated",
        entity_type="user",
        entity_key=user.username,
        before=before,
        after=user_snapshot(user),
    )
    return user


def set_password(
    session: Session, username: str, password: str, *, actor: Principal = LOCAL_ADMIN
) -> User:
    """Admins reset anyone's password; a user may change their own."""
    user = _existing(session, username)
    if actor.name != f"user:{user.username}":
        require_role(actor, "admin", "changing another user's password")
    _check_password(password)
    user.password_hash = generate_password_hash(password)
    session.add(user)
    audit.record(
        session,
        actor=actor.actor,
        action="user.password",
        entity_type="user",
        entity_key=user.username,
    )
    return user


def list_users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(col(User.username))))


def verify(session: Session, username: str, password: str) -> User | None:
    """The active user with this username and password, or None (same cost either way)."""
    user = get_user(session, username.strip())
    if user is None or not user.active:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password):
        return None
    return user


def record_login(session: Session, user: User) -> None:
    user.last_login_at = utcnow()
    session.add(user)
    audit.record(
        session,
        actor=principal_for(user).actor,
        action="user.login",
        entity_type="user",
        entity_key=user.username,
    )


def principal_for(user: User) -> Principal:
    return Principal(
        name=f"user:{user.username}",
        role=user.role,
        email=user.email,
        namespaces=tuple(user.namespaces or ()),
    )


def user_snapshot(user: User) -> dict:
    return {
        "email": user.email,
        "role": user.role,
        "namespaces": list(user.namespaces or []),
        "active": user.active,
    }


def _existing(session: Session, username: str) -> User:
    user = get_user(session, username)
    if user is None:
        raise UserError(f"no user named {username!r}; `govern user list` shows them")
    return user
