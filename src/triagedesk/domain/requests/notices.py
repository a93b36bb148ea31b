"""The messages the dispatcher sends: seed 000's initial contact and follow-up, appraisal requests, notices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from triagedesk.domain.insight import package
from triagedesk.domain.models import Decision, Expert, Issue
from triagedesk.domain.records import ExpertRequest, NoticeKind, Outcome, Session


@dataclass(frozen=True)
class Notice:
    """A message before it has a channel: subject and plain-text body."""

    kind: NoticeKind
    subject: str
    body: str


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "-"


def _split(text: str) -> tuple[str, str]:
    first, _, rest = text.partition("\n")
    return first.removeprefix("Subject: ").strip(), rest.lstrip("\n")


def _ack(ack_url: str | None) -> str:
    if not ack_url:
        return ""
    return f"\n\nACKNOWLEDGE: open this link to confirm you are on it (single use):\n{ack_url}\n"


def assignment(issue: Issue, decision: Decision, request: ExpertRequest, expert: Expert,
               ack_url: str | None = None, reassigned_from: str | None = None) -> Notice:
    """Seed 000's initial-contact message (or, for a tiered request, the request with its tier, due time, item)."""
    ctx = package.PackageContext(issue, decision, request, expert)
    subject, body = _split(package.initial_contact(ctx))
    if request.tier_id:
        body = (f"{body}\n\nREQUEST:\n- Request: {request.id}\n- Tier: {request.tier_name or request.tier_id}"
                f" (${request.price:,.2f})\n- Due: {_when(request.due_at)}\n- Item: {request.item_name or '-'}"
                f"{' (' + request.item_category + ')' if request.item_category else ''}")
    else:
        body = f"{body}\n\nRequest {request.id}, due {_when(request.due_at)}."
    kind: NoticeKind = "assignment"
    if reassigned_from:
        kind = "reassignment"
        body = f"Reassigned to you: {reassigned_from} did not acknowledge in time.\n\n{body}"
    return Notice(kind, subject, body + _ack(ack_url))


def at_risk(request: ExpertRequest, expert: Expert | None, left_minutes: float, ack_url: str | None = None) -> Notice:
    name = expert.name if expert else "Expert"
    subject = f"At risk: {request.urgency.capitalize()} request {request.id} has under 25% of its SLA left"
    body = (f"{name},\n\nRequest {request.id} ({request.item_name or 'no title'}) is due {_when(request.due_at)}: "
            f"{max(left_minutes, 0):.0f} working minutes left.\nPlease update the desk or hand it back.")
    return Notice("at_risk", subject, body + _ack(ack_url if request.acknowledged_at is None else None))


def breach(request: ExpertRequest, expert: Expert | None, previous: str | None, refund_exposure: float,
           ack_url: str | None = None) -> Notice:
    name = expert.name if expert else "Expert"
    subject = f"SLA breached: {request.urgency.capitalize()} request {request.id} escalated to you"
    refund = f"\nRefund exposure: ${refund_exposure:,.2f} (paid tier past its guarantee)." if refund_exposure else ""
    body = (f"{name},\n\nRequest {request.id} ({request.item_name or 'no title'}) passed its due time "
            f"{_when(request.due_at)}{' with ' + previous if previous else ''}; it is yours now as the senior "
            f"expert.{refund}")
    return Notice("breach", subject, body + _ack(ack_url))


def coordinator(request: ExpertRequest, reason: str, refund_exposure: float = 0.0) -> Notice:
    subject = f"Coordinator needed: request {request.id} ({request.urgency})"
    refund = f"\nRefund exposure: ${refund_exposure:,.2f}." if refund_exposure else ""
    body = (f"The dispatcher cannot settle request {request.id} ({request.item_name or 'no title'}) on its own: "
            f"{reason}.\nHeld by: {request.assigned_expert_name or request.assigned_expert_id or 'nobody'}; "
            f"due {_when(request.due_at)}.{refund}")
    return Notice("coordinator", subject, body)


def follow_up(issue: Issue, decision: Decision, request: ExpertRequest | None, expert: Expert | None,
              sessions: list[Session], outcome: Outcome) -> Notice:
    """Seed 000's follow-up template, once an outcome is recorded."""
    ctx = package.PackageContext(issue, decision, request, expert, sessions, outcome)
    subject, body = _split(package.follow_up(ctx))
    return Notice("follow_up", subject, body)
