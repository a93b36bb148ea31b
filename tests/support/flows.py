"""The desk's flows in a line each, through the same commands every door uses (`Desk.commands`)."""

from __future__ import annotations

from typing import Any

from triagedesk.app.desk import Desk
from triagedesk.domain.records import ExpertRequest, Session
from triagedesk.domain.requests.actions import ACTIONS, Actor
from triagedesk.domain.requests.plan import Intent


def actor_for(desk: Desk, request_id: str, action: str, name: str = "test") -> Actor:
    """A coordinator where the table lets one act; else the expert holding the request."""
    if "coordinator" in ACTIONS[action].roles:
        return Actor(name)
    holder = desk.queries.require_request(request_id).assigned_expert_id
    return Actor(name, "expert", holder)


def act(desk: Desk, request_id: str, action: str, actor: str = "test", expert_id: str | None = None,
        note: str = "", **values: Any) -> ExpertRequest:
    """One move of a request, as the CLI's `request ACTION` takes it."""
    return desk.commands.act(request_id, action, actor_for(desk, request_id, action, actor), expert_id, note,
                             **values)


def escalate(desk: Desk, issue_id: str, actor: str = "test", **args: Any) -> ExpertRequest:
    return desk.commands.escalate(issue_id, actor, **args)


def assign(desk: Desk, issue_id: str, expert_id: str, actor: str = "test", note: str = "",
           override: bool = False) -> ExpertRequest:
    return desk.commands.assign(issue_id, expert_id, actor, note, override)


def start_session(desk: Desk, request_id: str, expert_id: str | None = None, channel: str | None = None) -> Session:
    """The holder (or `expert_id`) starts a session on the request."""
    holder = expert_id or desk.queries.require_request(request_id).assigned_expert_id
    done = desk.commands.run(Actor(holder or "?", "expert", holder),
                             desk.commands.intent_for_request(request_id, "start",
                                                              values={"channel": channel} if channel else {}))
    return done.of("sessions")[-1]  # type: ignore[return-value]


def session_move(desk: Desk, request_id: str, move: str, expert_id: str | None = None) -> Session:
    """pause, resume or end the expert's running session on the request."""
    holder = expert_id or desk.queries.require_request(request_id).assigned_expert_id
    done = desk.commands.run(Actor(holder or "?", "expert", holder),
                             desk.commands.intent_for_request(request_id, f"{move}_session"))
    return done.of("sessions")[-1]  # type: ignore[return-value]


def record_outcome(desk: Desk, request_id: str, expert_id: str | None = None, **values: Any) -> Any:
    holder = expert_id or desk.queries.require_request(request_id).assigned_expert_id
    fields = {"resolution_achieved": True, "knowledge_gained": "learned", **values}
    return desk.commands.run(Actor(holder or "?", "expert", holder),
                             desk.commands.intent_for_request(request_id, "outcome", values=fields))


def bulk(desk: Desk, action: str, issue_ids: list[str], actor: str = "test", expert_id: str | None = None,
         note: str = "") -> Any:
    return desk.commands.run_many(actor, [Intent(action, key, expert_id=expert_id, note=note) for key in issue_ids])


def specialist(desk: Desk, issue_id: str) -> str:
    """The best-ranked expert who specialises in the issue (whom a coordinator's 1 would give it to)."""
    from triagedesk.domain.routing.eligibility import eligible

    issue = desk.queries.issue(issue_id)
    assert issue is not None, issue_id
    found = eligible(desk.queries.candidates(issue).ranked, desk.figures.counted())
    assert found, f"nobody specialises in {issue_id}"
    return found[0].expert_id
