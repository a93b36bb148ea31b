"""The messages the dispatcher sends: seed 000's initial contact and follow-up, appraisal requests, notices.

Every page stands on its own: it opens with the issue (id and title), the request, its urgency and due time and
the acknowledgement link, so an expert woken at 3 a.m. needs nothing else to know what it is about.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from triagedesk.domain.insight import package
from triagedesk.domain.models import Decision, Expert, Issue
from triagedesk.domain.records import ExpertRequest, NoticeKind, Outcome, Session
from triagedesk.domain.requests import clocks


@dataclass(frozen=True)
class Notice:
    """A message before it has a channel: subject, plain-text body, and the file it carries where it can."""

    kind: NoticeKind
    subject: str
    body: str
    attachment_name: str | None = None
    attachment: str | None = None


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "-"


def _due(request: ExpertRequest) -> str:
    """The resolve target's due time as the clock reads it (the stored one pushed by the waits)."""
    return _when(clocks.resolve_due(request, None))


def _split(text: str) -> tuple[str, str]:
    first, _, rest = text.partition("\n")
    return first.removeprefix("Subject: ").strip(), rest.lstrip("\n")


def _line(text: str) -> str:
    """Text from data on one line: a title with a newline cannot forge a second header line."""
    return " ".join(str(text).split())


def head(issue: Issue | None, request: ExpertRequest, ack_url: str | None) -> str:
    """What the page is about, in its first lines: issue, request, urgency, due time, acknowledgement link."""
    title = _line(issue.title) if issue is not None and issue.title else "(no title)"
    lines = [f"Issue {_line(issue.id or '-') if issue is not None else _line(request.analysis_id)}: {title}",
             f"Request {request.id} · urgency {request.urgency} · due {_due(request)}"]
    if ack_url:
        lines.append(f"Acknowledge (a page with a confirm button, single use): {ack_url}")
    return "\n".join(lines) + "\n\n"


def package_name(issue_id: str) -> str:
    return f"escalation-package-{issue_id}.md"


def package_line(issue_id: str, name: str | None, attached: bool) -> str:
    """The page's line about the escalation package: it claims an attachment only when one went with it."""
    if name is None:
        return ""
    if attached:
        return f"Full technical package attached: {name}"
    return f"Full technical package: not attached (this service takes no files); `triagedesk package {issue_id}`"


def with_package_line(body: str, line: str) -> str:
    """The body with the package line at the end of its head (the first paragraph: issue, request, link)."""
    if not line:
        return body
    head_part, sep, rest = body.partition("\n\n")
    return f"{head_part}\n{line}{sep}{rest}" if sep else f"{body}\n{line}"


def assignment(issue: Issue, decision: Decision, request: ExpertRequest, expert: Expert,
               ack_url: str | None = None, reassigned_from: str | None = None,
               package_text: str | None = None) -> Notice:
    """Seed 000's initial-contact message (or, for a tiered request, the request with its tier, due time, item),
    with the escalation package (`package_text`) to attach where the service takes files."""
    ctx = package.PackageContext(issue, decision, request, expert)
    subject, body = _split(package.initial_contact(ctx, package_attached=False))
    if request.tier_id:
        body = (f"{body}\n\nREQUEST:\n- Request: {request.id}\n- Tier: {request.tier_name or request.tier_id}"
                f" (${request.price:,.2f})\n- Due: {_due(request)}\n- Item: {request.item_name or '-'}"
                f"{' (' + request.item_category + ')' if request.item_category else ''}")
    kind: NoticeKind = "assignment"
    if reassigned_from:
        kind = "reassignment"
        body = f"Reassigned to you: {reassigned_from} did not acknowledge in time.\n\n{body}"
    name = package_name(issue.id or request.analysis_id) if package_text is not None else None
    return Notice(kind, subject, head(issue, request, ack_url) + body, name, package_text)


@dataclass(frozen=True)
class Cover:
    """A page redirected to whoever is on call because the one it is about is off hours (Zammad #4432)."""

    holder: str
    """The name of the expert the page is about (who holds the request, or was given it)."""
    scope: str
    """What the recipient is on call for (the issue's profile)."""

    @property
    def line(self) -> str:
        return f"You are on call for {self.scope}, covering {self.holder}, who is off hours: this page is for you."


def _name(expert: Expert | None) -> str:
    return _line(expert.name or expert.id) if expert is not None else "Expert"


def at_risk(issue: Issue | None, request: ExpertRequest, expert: Expert | None, left_minutes: float,
            ack_url: str | None = None, cover: Cover | None = None) -> Notice:
    """The holder's at-risk page; with `cover`, addressed to `expert` as the one on call, saying whom they cover."""
    subject = f"At risk: {request.urgency.capitalize()} request {request.id} has under 25% of its SLA left"
    left = f"Request {request.id} is due {_due(request)}: {max(left_minutes, 0):.0f} working minutes left."
    if cover is None:
        body = f"{_name(expert)},\n\n{left}\nPlease update the desk or hand it back."
    else:
        body = (f"{_name(expert)},\n\n{cover.line}\n{left}\nIt is with {cover.holder}: please look at it on the "
                f"desk, and take it over or tell a coordinator if it cannot wait for them.")
    link = ack_url if request.acknowledged_at is None and cover is None else None  # the holder's own link
    return Notice("at_risk", subject, head(issue, request, link) + body)


def breach(issue: Issue | None, request: ExpertRequest, expert: Expert | None, previous: str | None,
           refund_exposure: float, ack_url: str | None = None, cover: Cover | None = None) -> Notice:
    """The senior's breach page; with `cover`, addressed to `expert` as the one on call for the senior."""
    refund = f"\nRefund exposure: ${refund_exposure:,.2f} (paid tier past its guarantee)." if refund_exposure else ""
    passed = f"Request {request.id} passed its due time {_due(request)}{' with ' + previous if previous else ''}"
    if cover is None:
        subject = f"SLA breached: {request.urgency.capitalize()} request {request.id} escalated to you"
        body = f"{_name(expert)},\n\n{passed}; it is yours now as the senior expert.{refund}"
        return Notice("breach", subject, head(issue, request, ack_url) + body)
    subject = f"SLA breached: {request.urgency.capitalize()} request {request.id} (you are on call)"
    body = (f"{_name(expert)},\n\n{cover.line}\n{passed}; it went to {cover.holder} as the senior expert. "
            f"Please take it over until they are back, or tell a coordinator.{refund}")
    return Notice("breach", subject, head(issue, request, None) + body)


def coordinator(issue: Issue | None, request: ExpertRequest, reason: str, refund_exposure: float = 0.0) -> Notice:
    subject = f"Coordinator needed: request {request.id} ({request.urgency})"
    refund = f"\nRefund exposure: ${refund_exposure:,.2f}." if refund_exposure else ""
    body = (f"The dispatcher cannot settle request {request.id} on its own: "
            f"{reason}.\nHeld by: {request.assigned_expert_name or request.assigned_expert_id or 'nobody'}; "
            f"due {_due(request)}.{refund}")
    return Notice("coordinator", subject, head(issue, request, None) + body)


def follow_up(issue: Issue, decision: Decision, request: ExpertRequest | None, expert: Expert | None,
              sessions: list[Session], outcome: Outcome) -> Notice:
    """Seed 000's follow-up template, once an outcome is recorded."""
    ctx = package.PackageContext(issue, decision, request, expert, sessions, outcome)
    subject, body = _split(package.follow_up(ctx))
    return Notice("follow_up", subject, (head(issue, request, None) if request is not None else "") + body)
