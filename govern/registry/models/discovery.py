"""What scanners saw: targets, runs and discoveries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from govern.db import utcnow


class ScanTarget(SQLModel, table=True):
    """A place the service scans on a schedule (file tree, egress log, export)."""

    __tablename__ = "scan_target"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True, max_length=120)
    kind: str = Field(default="path", max_length=20)
    location: str = Field(max_length=2000)
    namespace: str | None = Field(default=None, max_length=63)
    interval_seconds: int | None = None
    cron: str | None = Field(default=None, max_length=120)
    ignore: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    enabled: bool = Field(default=True)
    missing_after_runs: int = Field(default=3)
    last_success_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ScanRun(SQLModel, table=True):
    """One execution of a scan, local or pushed by a remote agent."""

    __tablename__ = "scan_run"

    id: int | None = Field(default=None, primary_key=True)
    run_uid: str = Field(index=True, unique=True, max_length=64)
    target_id: int | None = Field(default=None, foreign_key="scan_target.id", index=True)
    target_name: str = Field(default="", index=True, max_length=120)
    agent: str = Field(default="local", max_length=200)
    status: str = Field(default="running", index=True, max_length=20)
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    duration_seconds: float | None = None
    files_seen: int = Field(default=0)
    files_read: int = Field(default=0)
    bytes_read: int = Field(default=0)
    discoveries: int = Field(default=0)
    errors: list[dict] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    secrets: int = Field(default=0)
    shadow: int = Field(default=0)
    new_discoveries: int = Field(default=0)
    gone: int = Field(default=0)
    batches: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    stats: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Discovery(SQLModel, table=True):
    """An artifact a scanner recognised. Secrets are kept redacted and hashed only."""

    __table_args__ = (UniqueConstraint("scanner", "location", name="uq_discovery_location"),)

    id: int | None = Field(default=None, primary_key=True)
    scanner: str = Field(default="filesystem", max_length=60)
    target_name: str = Field(default="", index=True, max_length=120)
    location: str = Field(max_length=2000)
    name: str = Field(default="", max_length=300)
    platform: str = Field(index=True, max_length=40)
    fingerprint: str | None = Field(default=None, index=True, max_length=64)
    content_hash: str | None = Field(default=None, max_length=64)
    signals: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    secrets: list[dict] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    owner_hint: str | None = Field(default=None, max_length=320)
    errors: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    automation_id: int | None = Field(default=None, foreign_key="automation.id", index=True)
    status: str = Field(default="present", index=True, max_length=20)
    decision: str | None = Field(default=None, max_length=300)
    decided_by: str | None = Field(default=None, max_length=320)
    decided_at: datetime | None = None
    copies: int = Field(default=1)
    scan_run_id: int | None = Field(default=None, foreign_key="scan_run.id")
    first_seen: datetime = Field(default_factory=utcnow)
    last_seen: datetime = Field(default_factory=utcnow, index=True)
