"""The kinds of record the desk keeps, each with its model: one home for the store, the app's replica and sync."""

from __future__ import annotations

from pydantic import BaseModel

from triagedesk.domain.intake.records import AlertRecord, MaintenanceWindow
from triagedesk.domain.models import Expert, Issue
from triagedesk.domain.records import (
    AuditEntry,
    Correction,
    ExpertRequest,
    KnowledgeEntry,
    OutboxMessage,
    Outcome,
    Session,
)
from triagedesk.domain.routing.calendars import Calendar
from triagedesk.domain.routing.schedules import Schedule

MODELS: dict[str, type[BaseModel]] = {
    "issues": Issue, "experts": Expert, "requests": ExpertRequest, "sessions": Session, "outcomes": Outcome,
    "corrections": Correction, "knowledge": KnowledgeEntry, "schedules": Schedule, "calendars": Calendar,
    "audit": AuditEntry, "outbox": OutboxMessage, "alerts": AlertRecord, "maintenance": MaintenanceWindow,
}
