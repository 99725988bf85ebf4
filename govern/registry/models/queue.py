"""Work the service still owes: automations whose policy evaluation was deferred."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from govern.db import utcnow


class EvaluationQueue(SQLModel, table=True):
    """One automation whose stored verdicts (violations, risk) are not yet up to date.

    A registration batch larger than ``GOVERN_INLINE_EVALUATION_LIMIT`` writes its
    changed automations here, in its own transaction; ``govern.policies.pending``
    drains the queue. Re-queuing a key moves ``queued_at`` forward, so a drain that
    read the older row does not delete the newer request.
    """

    __tablename__ = "evaluation_queue"

    key: str = Field(primary_key=True, max_length=1000)
    queued_at: datetime = Field(default_factory=utcnow, index=True)
    reason: str = Field(default="changed", max_length=20)
