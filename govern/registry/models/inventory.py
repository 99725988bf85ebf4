"""What exists: automations, the assets they touch, the edges between them, people."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from govern.db import utcnow


class Person(SQLModel, table=True):
    """Someone who owns, backs up or reviews automations."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(index=True, unique=True, max_length=320)
    name: str = Field(default="", max_length=200)
    department: str = Field(default="", index=True, max_length=120)
    active: bool = Field(default=True, index=True)
    certification_level: int = Field(default=0)
    certification_expires: date | None = None
    manager_email: str | None = Field(default=None, max_length=320)
    manifest_hash: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Asset(SQLModel, table=True):
    """Anything an automation reads, writes or calls, named OpenLineage-style.

    ``key`` is ``namespace`` + ``/`` + ``name`` when a name exists, e.g.
    ``postgres://crm-db:5432/crm.public.customers`` or ``https://api.openai.com``.
    """

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(index=True, unique=True, max_length=1000)
    namespace: str = Field(index=True, max_length=500)
    name: str = Field(default="", max_length=1000)
    title: str = Field(default="", max_length=300)
    description: str = Field(default="")
    kind: str = Field(default="other", max_length=40)
    classification: str | None = Field(default=None, index=True, max_length=20)
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    external: bool = Field(default=False, index=True)
    approved: bool = Field(default=False)
    system_of_record: bool = Field(default=False)
    ai_provider: str | None = Field(default=None, max_length=60)
    owner_email: str | None = Field(default=None, max_length=320)
    declared: bool = Field(default=False)
    manifest_hash: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Automation(SQLModel, table=True):
    """A script, flow, bot or job, declared, discovered, or both."""

    __table_args__ = (
        UniqueConstraint("namespace", "name", name="uq_automation_namespace_name"),
        Index("ix_automation_list", "namespace", "name"),
        # Every list sort ends with the key; these let a page walk an index and stop.
        Index("ix_automation_risk_key", "risk_score", "key"),
        Index("ix_automation_created_key", "created_at", "key"),
        Index("ix_automation_updated_key", "updated_at", "key"),
        Index("ix_automation_platform_key", "platform", "key"),
        Index("ix_automation_owner_key", "owner_email", "key"),
    )
    # The table also has ``search_text``, a lower-cased column the database generates
    # (migration 0002_registry_list_performance) for free-text search; it is not mapped
    # here because nothing writes it.

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(index=True, unique=True, max_length=260)
    namespace: str = Field(index=True, max_length=63)
    name: str = Field(max_length=190)
    title: str = Field(default="", max_length=300)
    description: str = Field(default="")
    platform: str = Field(max_length=40)
    trigger_type: str | None = Field(default=None, max_length=20)
    schedule: str | None = Field(default=None, max_length=120)
    trigger: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    owner_email: str | None = Field(default=None, max_length=320)
    backup_owner_email: str | None = Field(default=None, max_length=320)
    department: str | None = Field(default=None, index=True, max_length=120)
    justification: str = Field(default="")
    criticality: str = Field(default="low", max_length=20)
    track: str = Field(default="sandbox", index=True, max_length=20)
    lifecycle: str = Field(default="active", index=True, max_length=20)
    origin: str = Field(default="declared", index=True, max_length=20)
    reconciliation_state: str = Field(default="registered", index=True, max_length=20)
    review_state: str = Field(default="pending", index=True, max_length=30)
    risk_score: int = Field(default=0)
    risk_tier: str = Field(default="low", index=True, max_length=20)
    risk_factors: list[dict] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    location: str | None = Field(default=None, index=True, max_length=2000)
    fingerprint: str | None = Field(default=None, index=True, max_length=64)
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    annotations: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    uses_ai: bool = Field(default=False, index=True)
    manifest: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    manifest_hash: str | None = Field(default=None, max_length=64)
    reviewed_by: str | None = Field(default=None, max_length=320)
    reviewed_at: datetime | None = None
    review_comment: str = Field(default="")
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    missing_runs: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Access(SQLModel, table=True):
    """Edge automation -> asset: read, write or call, and how we learned it."""

    __table_args__ = (
        UniqueConstraint("automation_id", "asset_id", "mode", "learned", name="uq_access"),
    )

    id: int | None = Field(default=None, primary_key=True)
    automation_id: int = Field(foreign_key="automation.id", index=True)
    asset_id: int = Field(foreign_key="asset.id", index=True)
    mode: str = Field(max_length=10)
    learned: str = Field(default="declared", max_length=10)
    masking: bool = Field(default=False)
    purpose: str = Field(default="")
    first_seen: datetime = Field(default_factory=utcnow)
    last_seen: datetime = Field(default_factory=utcnow)


class AutomationLink(SQLModel, table=True):
    """Edge automation -> automation (one triggers or calls the other)."""

    __tablename__ = "automation_link"
    __table_args__ = (
        UniqueConstraint("source_id", "target_id", "kind", name="uq_automation_link"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="automation.id", index=True)
    target_id: int = Field(foreign_key="automation.id", index=True)
    kind: str = Field(default="triggers", max_length=20)
    learned: str = Field(default="declared", max_length=10)
    first_seen: datetime = Field(default_factory=utcnow)
    last_seen: datetime = Field(default_factory=utcnow)
