"""Records the desk keeps: expert requests (seed 002), sessions, outcomes (seed 000), corrections, knowledge, audit."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import Field, field_validator

from triagedesk.domain import instants
from triagedesk.domain.models import DomainModel, EstimatedValue, as_utc, profile_name
from triagedesk.domain.requests.states import (  # noqa: F401 - the states' one home, re-exported for the models
    HELD_STATUSES,
    OPEN_STATUSES,
    REQUEST_STATUSES,
    RequestStatus,
)


def new_id(prefix: str) -> str:
    """A unique id like `req-3f9a1c0d2b`."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


utcnow = instants.now


_UTC_FIELDS = (
    "submitted_at", "assigned_at", "acknowledged_at", "started_at", "completed_at", "due_at",
    "cancelled_at", "refunded_at", "waiting_since", "created_at", "ended_at", "at", "updated_at",
    "paused_at", "next_attempt_at", "sent_at", "paid_at", "ack_due_at", "sending_since",
)


class Record(DomainModel):
    """Base of stored records: timestamps normalised to timezone-aware UTC."""

    @field_validator(*_UTC_FIELDS, mode="after", check_fields=False)
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return as_utc(value)


class ExpertCorrection(Record):
    """Seed 002's ExpertCorrection: what the expert corrected in the automated assessment."""

    field: str = Field(min_length=1)
    original_value: Any = None
    corrected_value: Any = None
    explanation: str = ""
    confidence: float = Field(1.0, ge=0.0, le=1.0)


class ExpertRequest(Record):
    """Seed 002's ExpertRequest, plus the clock fields our SLA rules need."""

    id: str = Field(default_factory=lambda: new_id("req"))
    analysis_id: str
    user_id: str = ""
    profile: str = ""
    _profile = field_validator("profile")(profile_name)
    tier_id: str | None = None
    tier_name: str | None = None
    price: float = Field(0.0, ge=0.0)
    status: RequestStatus = "pending_assignment"
    urgency: Literal["critical", "high", "medium", "low"] = "medium"
    assigned_expert_id: str | None = None
    assigned_expert_name: str | None = None
    submitted_at: datetime
    assigned_at: datetime | None = None
    acknowledged_at: datetime | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    cancelled_at: datetime | None = None
    refunded_at: datetime | None = None
    due_at: datetime | None = None
    """The resolve target's due time before any wait (clocks.py): set when the request opens (a paid tier's at
    payment) and never moved; waits (`paused_minutes`) push the target past it; no reassignment touches it."""
    paid_at: datetime | None = None
    ack_due_at: datetime | None = None
    """The current assignment's acknowledge target (clocks.py)."""
    lapsed_expert_ids: list[str] = Field(default_factory=list)
    """Experts who let this request lapse (a missed acknowledgement, a breach on their watch): never given it again
    by a reassignment or a senior escalation."""
    waiting_since: datetime | None = None
    paused_minutes: float = Field(0.0, ge=0.0)
    item_name: str = ""
    item_category: str | None = None
    estimated_value: EstimatedValue | None = None
    user_notes: str | None = None
    expert_notes: str | None = None
    expert_corrections: list[ExpertCorrection] = Field(default_factory=list)
    final_report: str | None = None
    refund_due: bool = False
    escalated_to_senior: bool = False
    rating: int | None = Field(None, ge=1, le=5)  # the completed work's rating: the expert's figures count it


class Session(Record):
    """Seed 000's expert session: who, over which channel, when, and how long it was paused."""

    id: str = Field(default_factory=lambda: new_id("ses"))
    request_id: str | None = None
    issue_id: str
    expert_id: str
    channel: str = "video_conference"
    participants: list[str] = Field(default_factory=lambda: ["expert", "requesting_engineer", "infrastructure_agent"])
    status: Literal["initiated", "active", "paused", "ended"] = "active"
    phase: str = "briefing"
    started_at: datetime
    paused_at: datetime | None = None
    paused_seconds: float = Field(0.0, ge=0.0)
    ended_at: datetime | None = None


class Outcome(Record):
    """Seed 000's captured session outcome."""

    id: str = Field(default_factory=lambda: new_id("out"))
    session_id: str | None = None
    request_id: str | None = None
    issue_id: str
    expert_id: str
    resolution_achieved: bool
    recommendations: list[str] = Field(default_factory=list)
    actions_taken: list[str] = Field(default_factory=list)
    knowledge_gained: str = ""
    process_improvements: str = ""
    follow_up_needed: bool = False
    rating: int | None = Field(None, ge=1, le=5)
    time_to_resolution_minutes: float | None = Field(None, ge=0.0)
    created_at: datetime


class Correction(ExpertCorrection):
    """A stored correction, with the request, expert and category it belongs to."""

    id: str = Field(default_factory=lambda: new_id("cor"))
    request_id: str
    expert_id: str
    category: str | None = None
    profile: str = ""
    created_at: datetime


class KnowledgeEntry(Record):
    """A past resolution in the knowledge base, searchable by text."""

    id: str = Field(default_factory=lambda: new_id("kb"))
    issue_id: str
    outcome_id: str | None = None
    profile: str = ""
    category: str | None = None
    title: str
    problem: str = ""
    resolution: str = ""
    tags: list[str] = Field(default_factory=list)
    created_at: datetime


class AuditEntry(Record):
    """An append-only audit record: who did what to which record, when, and before -> after."""

    id: str = Field(default_factory=lambda: new_id("aud"))
    at: datetime
    actor: str
    action: str
    kind: str
    target_id: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    note: str = ""


OutboxStatus = Literal["pending", "sending", "sent", "failed"]
OUTBOX_STATUSES: tuple[str, ...] = ("pending", "sending", "sent", "failed")
NoticeKind = Literal["assignment", "reassignment", "at_risk", "breach", "follow_up", "coordinator", "maintenance"]


class OutboxMessage(Record):
    """One notification, written with the change that caused it and delivered later by the dispatcher.

    Its id comes from the event (request and step), so one event never makes two messages; the id is also its
    idempotency key, carried by every send (a header, an email's Message-ID) so a receiver can drop a repeat.
    `sending` is written durably before each send: a row found `sending` after a crash may have gone out, and
    its next send is counted in `possible_repeats`.
    """

    id: str
    event: str
    kind: NoticeKind
    request_id: str | None = None
    expert_id: str | None = None
    method: str = ""
    target: str = ""
    subject: str = ""
    body: str = ""
    attachment_name: str | None = None
    attachment: str | None = None
    """The escalation package (Markdown), sent as a file where the service takes files."""
    status: OutboxStatus = "pending"
    attempts: int = Field(0, ge=0)
    """Sends started (counted before each one)."""
    possible_repeats: int = Field(0, ge=0)
    """Sends after a crash that came while this message was being sent: each may repeat one that went out."""
    attached: bool | None = None
    """Whether the sent message carried its attachment (None: not sent, or nothing to attach)."""
    last_error: str | None = None
    created_at: datetime
    next_attempt_at: datetime | None = None
    sending_since: datetime | None = None
    sent_at: datetime | None = None

    @property
    def idempotency_key(self) -> str:
        return self.id
