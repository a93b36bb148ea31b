"""What the desk's thread workers compute, each in its own named function (the screen posts the results)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from triagedesk.app import queue_updates
from triagedesk.app.desk import Desk
from triagedesk.app.queue import QueueData
from triagedesk.domain.insight.knowledge import Hit
from triagedesk.domain.models import Decision, Issue, Match
from triagedesk.domain.requests import workflow
from triagedesk.domain.requests.sessions import elapsed_seconds
from triagedesk.domain.requests.sla import refund_exposure
from triagedesk.tui.widgets.timers_pane import TimerSpec


@dataclass
class Detail:
    """The highlighted issue: its decision, candidates, knowledge hits, and what its keys need to know."""

    issue: Issue
    decision: Decision
    match: Match | None
    hits: list[Hit]
    session: str | None = None
    """The status of its request's running session (active, paused), None without one."""
    opens_as: str = "pending_assignment"
    acknowledged: bool = False
    """The request's expert has acknowledged it."""
    awaiting_outcome: str | None = None
    """The request's latest ended session without an outcome (`o` records it)."""


def queue(desk: Desk, now: datetime, assignee: str | None = None) -> QueueData:
    """The open queue (one expert's, when given)."""
    return queue_updates.load(desk, now, assignee)


def detail(desk: Desk, data: QueueData, issue_id: str, with_match: bool = True) -> Detail | None:
    """Everything the side panes show for one issue (a cursor move loads this)."""
    issue = data.issues.get(issue_id) or desk.issue(issue_id)
    if issue is None:
        return None
    decision = desk.decide(issue)
    match = desk.candidates(issue) if with_match else None
    hits = desk.knowledge_for(f"{issue.title} {issue.description}", 3)
    row = data.position(issue_id)
    request_id = data.request_id[row] if row is not None else None
    running = desk.running_session(request_id) if request_id else None
    request = desk.require_request(request_id) if request_id else None
    awaiting = desk.session_awaiting_outcome(request_id) if request_id and running is None else None
    return Detail(issue, decision, match, hits, running.status if running else None, desk.opens_as(issue),
                  acknowledged=request is not None and request.acknowledged_at is not None,
                  awaiting_outcome=awaiting.id if awaiting else None)


def timers(desk: Desk, limit: int, expert_id: str | None = None) -> tuple[list[TimerSpec], str]:
    """The most pressing clocks (and running sessions), as specs for the Timers pane."""
    now = desk.clock()
    clocks = desk.clocks()
    if expert_id is not None:
        clocks = [c for c in clocks if c[0].assigned_expert_id == expert_id]
    exposure = refund_exposure([t for _, t, _ in clocks])
    breached = sum(t.state == "breached" for _, t, _ in clocks)
    specs: list[TimerSpec] = []
    for request, timer, hints in clocks[:limit]:
        who = request.assigned_expert_name or request.assigned_expert_id or "-"
        hint = f" · {hints[0].hint}" if hints else ""
        specs.append((request.id, f"{request.analysis_id} · {request.status} · {who}{hint}",
                      timer.left_minutes * 60, timer.budget_minutes * 60, timer.state == "paused", False))
    for session in desk.running_sessions(expert_id)[:limit]:
        paused = not workflow.session_ticking(session.status)
        label = " · ".join(filter(None, (f"session {session.issue_id}", session.expert_id, session.channel)))
        specs.append((session.id, label,
                      elapsed_seconds(session, now), 1.0, paused, True))
    summary = f"{len(clocks)} clocks · {breached} breached · refund exposure ${exposure:,.0f}"
    return specs, summary


def on_call(desk: Desk, expert_id: str | None = None, limit: int = 4) -> list[str]:
    """The on-call pane's lines: each schedule's person now, until when, and who is next; on an expert's desk,
    their own next shifts first."""
    now = desk.clock()
    lines: list[str] = []
    if expert_id:
        shifts = desk.oncall.shifts_of(expert_id, now, 14)[:limit]
        lines += [f"you · {s.source} {s.start:%a %d %H:%M}-{s.end:%a %H:%M} UTC" for s in shifts] or \
            ["you · no shift in the next 14 days"]
    for answer, handoffs in desk.oncall.on_call(now, 1)[:limit]:
        until = f" until {answer.until:%a %H:%M}" if answer.until else ""
        following = f" → {handoffs[0].member or 'nobody'}" if handoffs else ""
        lines.append(f"{answer.schedule} · {answer.member or 'nobody'}{until}{following}")
    return lines
