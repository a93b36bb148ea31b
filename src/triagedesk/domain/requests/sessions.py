"""Seed 000's session manager: initiate, pause, resume and end sessions; capture outcomes into knowledge."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from triagedesk.domain.errors import UserError
from triagedesk.domain.models import Issue
from triagedesk.domain.records import KnowledgeEntry, Outcome, Session, new_id
from triagedesk.domain.scoring.keywords import words_of


class SessionError(UserError):
    """An impossible session move (pausing an ended session...)."""


def initiate(issue_id: str, expert_id: str, at: datetime, request_id: str | None = None,
             channel: str = "video_conference", participants: list[str] | None = None) -> Session:
    session = Session(issue_id=issue_id, expert_id=expert_id, request_id=request_id, channel=channel,
                      started_at=at, status="active", phase="briefing")
    if participants is not None:
        session = session.model_copy(update={"participants": participants})
    return session


def channel_for(policy_channels: list[str], expert_methods: list[str], asked: str | None = None) -> str:
    """The session's channel: the one asked for, else the expert's first method that fits the domain,
    else the domain's default (an appraisal is never a `video_conference` with an infrastructure agent)."""
    if asked:
        return asked
    fitting = [m for m in expert_methods if m in policy_channels]
    return fitting[0] if fitting else policy_channels[0]


def pause(session: Session, at: datetime) -> Session:
    if session.status != "active":
        raise SessionError(f"session {session.id} is {session.status}, not active")
    return session.model_copy(update={"status": "paused", "paused_at": at})


def resume(session: Session, at: datetime) -> Session:
    if session.status != "paused" or session.paused_at is None:
        raise SessionError(f"session {session.id} is {session.status}, not paused")
    paused = (at - session.paused_at).total_seconds()
    return session.model_copy(update={"status": "active", "paused_at": None,
                                      "paused_seconds": session.paused_seconds + max(paused, 0.0)})


def end(session: Session, at: datetime) -> Session:
    if session.status == "ended":
        raise SessionError(f"session {session.id} has already ended")
    if session.status == "paused":
        session = resume(session, at)
    return session.model_copy(update={"status": "ended", "ended_at": at, "phase": "wrap-up"})


def elapsed_seconds(session: Session, now: datetime) -> float:
    """Working time of a session: wall time since its start, less its pauses."""
    until = session.ended_at or session.paused_at or now
    return max((until - session.started_at).total_seconds() - session.paused_seconds, 0.0)


@dataclass(frozen=True)
class Progress:
    """Seed 000's track_session_progress."""

    session_id: str
    elapsed_seconds: float
    phase: str
    status: str


def track(session: Session, now: datetime) -> Progress:
    return Progress(session.id, elapsed_seconds(session, now), session.phase, session.status)


def capture(session: Session, issue: Issue, at: datetime, resolution_achieved: bool, recommendations: list[str],
            actions_taken: list[str], knowledge_gained: str, follow_up_needed: bool = False,
            rating: int | None = None, process_improvements: str = "") -> tuple[Outcome, KnowledgeEntry]:
    """Seed 000's capture_session_outcomes: the outcome and the knowledge-base entry it becomes."""
    minutes = elapsed_seconds(session, at) / 60
    outcome = Outcome(
        session_id=session.id, request_id=session.request_id, issue_id=issue.id or session.issue_id,
        expert_id=session.expert_id, resolution_achieved=resolution_achieved, recommendations=recommendations,
        actions_taken=actions_taken, knowledge_gained=knowledge_gained, follow_up_needed=follow_up_needed,
        rating=rating, process_improvements=process_improvements,
        time_to_resolution_minutes=round(minutes, 1), created_at=at,
    )
    tags = sorted({w.decode() for w in words_of(issue.title.lower()) if len(w) > 4})[:6]
    entry = KnowledgeEntry(
        id=new_id("kb"), issue_id=outcome.issue_id, outcome_id=outcome.id, profile=issue.profile or "",
        category=issue.category, title=issue.title, problem=issue.description,
        resolution="; ".join([*actions_taken, knowledge_gained]).strip("; "), tags=tags, created_at=at,
    )
    return outcome, entry
