"""Who did what: the audit log, API tokens and UI users."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from govern.db import utcnow


class AuditEvent(SQLModel, table=True):
    """Append-only record of every write: who, what, when, before and after."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor: str = Field(index=True, max_length=320)
    action: str = Field(index=True, max_length=60)
    entity_type: str = Field(index=True, max_length=40)
    entity_key: str = Field(index=True, max_length=1000)
    before: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    diff: list[dict] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    comment: str = Field(default="")


class ApiToken(SQLModel, table=True):
    """A bearer token. Only its SHA-256 is stored; the value is shown once."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True, max_length=120)
    token_hash: str = Field(index=True, unique=True, max_length=64)
    prefix: str = Field(max_length=16)
    role: str = Field(max_length=20)
    namespaces: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    email: str | None = Field(default=None, max_length=320)
    created_by: str = Field(default="", max_length=320)
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None
    expires_at: datetime | None = None
    revoked_at: datetime | None = None


class User(SQLModel, table=True):
    """A person who signs in to the web UI with a password (hashed)."""

    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(index=True, unique=True, max_length=120)
    email: str | None = Field(default=None, max_length=320)
    password_hash: str = Field(max_length=300)
    role: str = Field(default="viewer", max_length=20)
    namespaces: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow)
    last_login_at: datetime | None = None
