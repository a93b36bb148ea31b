"""What the desk's thread workers compute, and the messages that carry it back to the UI thread."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from textual.message import Message

from triagedesk.app.desk import Desk
from triagedesk.domain.insight.knowledge import Hit
from triagedesk.domain.models import Decision, Issue, Match
from triagedesk.domain.requests.sessions import elapsed_seconds
from triagedesk.domain.requests.sla import refund_exposure
from triagedesk.app.queue import QueueData, load
from triagedesk.tui.widgets.timers_pane import TimerSpec


class QueueLoaded(Message):
    def __init__(self, data: QueueData) -> None:
        super().__init__()
        self.data = data


@dataclass
class Detail:
    issue: Issue
    decision: Decision
    match: Match | None
    hits: list[Hit]


class DetailReady(Message):
    def __init__(self, issue_id: str, detail: Detail | None) -> None:
        super().__init__()
        self.issue_id = issue_id
        self.detail = detail


class TimersReady(Message):
    def __init__(self, specs: list[TimerSpec], summary: str) -> None:
        super().__init__()
        self.specs = specs
        self.summary = summary


class ReportReady(Message):
    def __init__(self, days: int, data: dict[str, Any]) -> None:
        super().__init__()
        self.days = days
        self.data = data


class PackageReady(Message):
    def __init__(self, issue_id: str, markdown: str) -> None:
        super().__init__()
        self.issue_id = issue_id
        self.markdown = markdown


class BacktestReady(Message):
    def __init__(self, source: str, result: dict[str, Any]) -> None:
        super().__init__()
        self.source = source
        self.result = result


class ActionDone(Message):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


def queue(desk: Desk, now: datetime, assignee: str | None = None) -> QueueData:
    return load(desk, now, assignee)


def detail(desk: Desk, data: QueueData, issue_id: str, with_match: bool = True) -> Detail | None:
    issue = data.issues.get(issue_id) or desk.store.issues.get(issue_id)
    if issue is None:
        return None
    decision = desk.decide(issue)
    match = desk.candidates(issue) if with_match else None
    hits = desk.knowledge_for(f"{issue.title} {issue.description}", 3)
    return Detail(issue, decision, match, hits)


def short_hint(suggestion: str) -> str:
    """A suggestion as a tag that fits a timer line."""
    if suggestion.startswith("SLA breached"):
        return "escalate to senior"
    if suggestion.startswith("Under 25%"):
        return "at risk: senior?"
    if suggestion.startswith("Not acknowledged"):
        return "unacknowledged: next candidate?"
    return suggestion


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
        hint = f" · {short_hint(hints[0])}" if hints else ""
        specs.append((request.id, f"{request.analysis_id} · {request.status} · {who}{hint}",
                      timer.left_minutes * 60, timer.budget_minutes * 60, timer.state == "paused", False))
    for session in desk.running_sessions(expert_id)[:limit]:
        specs.append((session.id, f"session {session.issue_id} · {session.expert_id} · {session.channel}",
                      elapsed_seconds(session, now), 1.0, False, True))
    summary = f"{len(clocks)} clocks · {breached} breached · refund exposure ${exposure:,.0f}"
    return specs, summary
