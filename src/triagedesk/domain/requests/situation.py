"""What `plan` reads and returns: a door's `Intent`, the app's `Situation`, and the `Plan` of writes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from triagedesk.domain.models import Candidate, Decision, Expert, Issue
from triagedesk.domain.records import ExpertRequest, Session
from triagedesk.domain.requests.actions import Actor, Standing
from triagedesk.domain.requests.states import SESSION_RUNNING
from triagedesk.domain.routing.coverage import CalendarBook
from triagedesk.domain.scoring.profiles import Profile


@dataclass(frozen=True)
class Intent:
    """What a door asks for: an action on an issue (and its request), with the action's arguments."""

    action: str
    issue_id: str
    request_id: str | None = None
    """The request acted on; None: the issue's latest."""
    expert_id: str | None = None
    """Who takes the request (assign, reassign, senior; None lets the matcher pick for reassign and senior)."""
    note: str = ""
    override: bool = False
    """Assign outside the issue's specialisation: allowed to a coordinator with a note, and audited."""
    lapsed: bool = False
    """The holder let the request lapse (a missed acknowledgement, a breach): never given it back."""
    tier_id: str | None = None
    again: bool = False
    """Escalate although a request is open (a second, parallel request)."""
    values: Mapping[str, Any] = field(default_factory=dict)
    """An outcome's, a correction's or an edit's fields."""


@dataclass(frozen=True)
class Situation:
    """What the rules need to know, read from the store by the app (`app.commands`)."""

    issue: Issue
    profile: Profile
    decision: Decision
    request: ExpertRequest | None
    experts: Mapping[str, Expert]
    """The network with its counted figures (workload, reviews, rating)."""
    ranked: Sequence[Candidate]
    """The matcher's ranking for the issue, now."""
    sessions: Sequence[Session]
    """The request's sessions."""
    with_outcome: frozenset[str]
    """The ids of those sessions that have an outcome."""
    now: datetime
    calendars: CalendarBook | None = None
    """The stored business and holiday calendars (an acknowledge target counts the expert's working minutes)."""
    on_call: tuple[str, ...] = ()
    """Who is on call now in the schedules covering the issue (the dispatcher's picks take them first)."""
    latest: ExpertRequest | None = None
    """The issue's latest request, read under the same lock, when the intent names an older one (None: the request
    is the issue's latest)."""

    def standing(self, actor: Actor) -> Standing:
        request = self.request
        if request is None:
            return Standing(None, self.opens_as)
        own = self.own_session(actor)
        return Standing(request.status, self.opens_as, request.assigned_expert_id,
                        request.acknowledged_at is not None or request.started_at is not None,
                        own.status if own is not None else None, self.awaiting(actor) is not None)

    @property
    def opens_as(self) -> str:
        tier = self.decision.recommended_tier if self.decision.recommended_tier in self.profile.tiers else None
        return "pending_payment" if self.profile.payment and tier is not None else "pending_assignment"

    def own_session(self, actor: Actor) -> Session | None:
        """The actor's running session on the request (an expert drives only their own)."""
        return next((s for s in self.sessions if s.status in SESSION_RUNNING and s.expert_id == actor.expert_id), None)

    def awaiting(self, actor: Actor) -> Session | None:
        """The actor's latest ended session on the request without an outcome."""
        ended = [s for s in self.sessions if s.status == "ended" and s.expert_id == actor.expert_id
                 and s.id not in self.with_outcome]
        return max(ended, key=lambda s: s.ended_at or s.started_at) if ended else None


@dataclass(frozen=True)
class Write:
    """One record the plan writes, with the audit entry's action and note."""

    kind: str
    record: BaseModel
    audit: str
    new: bool = False
    note: str = ""
    delete: bool = False
    """The record is removed (a withdrawn request): the audit keeps what it was."""


@dataclass(frozen=True)
class Plan:
    """What an action will do: the writes in order, and the words a confirmation and a notice use."""

    intent: Intent
    writes: tuple[Write, ...]
    summary: str
    """"APR-000012 assigned to Ruth Abara": the notice after, and the CLI's line."""
    detail: tuple[str, ...] = ()
    """What else happens (a request opened, a session ended, an override): the confirmation lists it."""
    question: str = ""
    """What a confirmation asks ("Assign APR-000012 (Silver teapot) to Ruth Abara?")."""
    verb: str = ""
    """What its confirming button says ("Assign", "Cancel the request")."""

    @property
    def request(self) -> ExpertRequest | None:
        """The request as the plan leaves it."""
        found = [w.record for w in self.writes if w.kind == "requests"]
        return found[-1] if found else None  # type: ignore[return-value]

    def of(self, kind: str) -> list[BaseModel]:
        return [w.record for w in self.writes if w.kind == kind]


__all__ = ["Intent", "Plan", "Situation", "Write"]
