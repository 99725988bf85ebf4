"""What is allowed: policies, their results, waivers and the decision log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from govern.db import utcnow


class Policy(SQLModel, table=True):
    """A stored policy document; ``revision`` is the hash of its content."""

    id: int | None = Field(default=None, primary_key=True)
    policy_id: str = Field(index=True, unique=True, max_length=120)
    revision: str = Field(max_length=64)
    title: str = Field(default="", max_length=300)
    severity: str = Field(default="medium", max_length=20)
    mode: str = Field(default="audit", max_length=20)
    enabled: bool = Field(default=True)
    source: str = Field(default="builtin", max_length=20)
    document: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class PolicyResult(SQLModel, table=True):
    """The latest result of one policy on one automation; a failing one is a violation."""

    __tablename__ = "policy_result"
    __table_args__ = (
        # also the index for lookups by policy (its leading column)
        UniqueConstraint("policy_id", "automation_id", name="uq_policy_result"),
        # lists are newest first: a page stops after its rows instead of sorting them all
        Index("ix_policy_result_recent", "last_seen", "id"),
        # per-policy counts (policies lists) read this narrow index, not the rows
        Index("ix_policy_result_counts", "policy_id", "state", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    policy_id: str = Field(max_length=120)
    automation_id: int = Field(foreign_key="automation.id", index=True)
    status: str = Field(max_length=20)
    state: str | None = Field(default=None, max_length=20)
    severity: str = Field(default="medium", max_length=20)
    mode: str = Field(default="audit", max_length=20)
    explanation: str = Field(default="")
    evidence: list[dict] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    waiver_id: int | None = Field(default=None, foreign_key="waiver.id")
    first_seen: datetime = Field(default_factory=utcnow)
    last_seen: datetime = Field(default_factory=utcnow)
    resolved_at: datetime | None = None


class Waiver(SQLModel, table=True):
    """An accepted risk: a policy does not count against an automation until it expires."""

    id: int | None = Field(default=None, primary_key=True)
    policy_id: str = Field(index=True, max_length=120)
    automation_id: int | None = Field(default=None, foreign_key="automation.id", index=True)
    selector: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    reason: str
    approver: str = Field(max_length=320)
    ticket: str = Field(default="", max_length=200)
    expires_at: datetime = Field(index=True)
    created_by: str = Field(default="", max_length=320)
    created_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None


class Decision(SQLModel, table=True):
    """Append-only decision log: which policy revision said what, when."""

    id: int | None = Field(default=None, primary_key=True)
    decision_id: str = Field(index=True, unique=True, max_length=36)
    policy_id: str = Field(index=True, max_length=120)
    policy_revision: str = Field(max_length=64)
    automation_id: int = Field(index=True)
    result: str = Field(max_length=20)
    waived: bool = Field(default=False)
    at: datetime = Field(default_factory=utcnow, index=True)
