"""The intake's own records: each alert as it arrived (one per fingerprint and start: a repeat of it is counted,
not stored again) and the maintenance windows. Both are kept, synced and exported like every record."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Literal

from pydantic import Field, field_validator, model_validator

from triagedesk.domain.intake.matchers import parse_all
from triagedesk.domain.models import as_utc
from triagedesk.domain.records import Record

AlertStatus = Literal["firing", "resolved"]


def alert_id(source: str, fingerprint: str, starts_at: datetime | None) -> str:
    """One alert's id: its source, fingerprint and start. Alertmanager repeats a firing alert with the same start in
    every notification of its group: the same id, so a repeat (or a replay) is never a second alert."""
    start = starts_at.isoformat() if starts_at is not None else "-"
    return "al-" + hashlib.sha256(f"{source}|{fingerprint}|{start}".encode()).hexdigest()[:20]


class AlertRecord(Record):
    """One alert (a label set firing from one start), as the intake received it and what became of it."""

    id: str
    source: str = "alertmanager"
    fingerprint: str = Field(max_length=200)
    group_key: str = Field("", max_length=200)
    issue_id: str | None = None
    """The issue it attached to (None: it was first seen resolved, with no open issue to note it on)."""
    alertname: str = ""
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    status: AlertStatus = "firing"
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    """Alertmanager's `endsAt` of the resolved alert."""
    arrived_at: datetime
    """When the intake first received it (what thresholds count and a paused alert's clocks start from)."""
    received_at: datetime
    """When the latest notification naming it arrived."""
    resolved_at: datetime | None = None
    """When the notification saying it resolved arrived."""
    events: int = Field(1, ge=1)
    """Notifications that named it."""
    seen_firing: bool = True
    """False when its first notification already said it had resolved (it never fired at the intake)."""

    @field_validator("arrived_at", "received_at", "resolved_at", "starts_at", "ends_at", mode="after")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        return as_utc(value)


class MaintenanceWindow(Record):
    """A scheduled maintenance: alerts whose labels match every matcher while it is active are recorded and
    suppressed (no request, no page); its subscribers are told when it starts and when it ends."""

    id: str = Field(pattern=r"^W-[0-9]{1,9}$")
    matchers: list[str] = Field(min_length=1)
    starts_at: datetime
    ends_at: datetime
    reason: str = Field(min_length=1, max_length=500)
    created_by: str = ""
    created_at: datetime
    ended_at: datetime | None = None
    """Ended early (`maintenance end`): the window stops at this time."""
    subscribers: list[str] = Field(default_factory=list)
    """Apprise URLs (or email addresses) told when the window starts and ends."""

    @field_validator("matchers")
    @classmethod
    def _matchers(cls, value: list[str]) -> list[str]:
        parse_all(value)
        return value

    @field_validator("starts_at", "ends_at", "created_at", "ended_at", mode="after")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        return as_utc(value)

    @model_validator(mode="after")
    def _ordered(self) -> MaintenanceWindow:
        if self.ends_at <= self.starts_at:
            raise ValueError("the end must come after the start")
        return self

    @property
    def until(self) -> datetime:
        """When it stops: its end, or earlier when it was ended early."""
        return min(self.ends_at, self.ended_at) if self.ended_at is not None else self.ends_at

    def active(self, at: datetime) -> bool:
        return self.starts_at <= at < self.until

    @property
    def number(self) -> int:
        return int(self.id[2:])
