"""THE action table: every action's legal states, who may take it, what it writes and what else it moves.

Every door reads it: the desk's keys and key bar, bulk, the CLI, the dispatcher's steps, the help, the palette,
every refusal notice, and the server's `validate_doc_update` (generated from `fields` and `roles`). The cheap
check here needs only a `Standing` (what a queue row knows); `plan.plan` adds the preconditions that need records
(the paid path, specialisation, seniority, an active expert) and builds the writes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from triagedesk.domain.requests.states import (
    CLOSED_STATUSES,
    HELD_STATUSES,
    OPEN_STATUSES,
    SESSION_RUNNING,
    STATE_NAMES,
)

Role = Literal["coordinator", "expert", "lead", "dispatcher"]
ROLES: tuple[Role, ...] = ("coordinator", "expert", "lead", "dispatcher")
Subject = Literal["issue", "request", "session"]
NO_REQUEST = frozenset({None}) | CLOSED_STATUSES
"""Where escalating opens a new request: none yet, or the last one closed."""
ANY_STATE: frozenset[str | None] = frozenset({None}) | OPEN_STATUSES | CLOSED_STATUSES

ASSIGNMENT_FIELDS = frozenset({"status", "assigned_expert_id", "assigned_expert_name", "assigned_at",
                               "acknowledged_at", "started_at", "ack_due_at", "waiting_since", "paused_minutes",
                               "lapsed_expert_ids"})
"""What giving a request to an expert rewrites (a wait it was in ends, its length pushing the resolve target)."""


@dataclass(frozen=True)
class Actor:
    """Who acts: a person's name for the audit log, their role, and the expert they are on an expert's desk."""

    name: str
    role: Role = "coordinator"
    expert_id: str | None = None


@dataclass(frozen=True)
class Action:
    """One row of the table."""

    name: str
    label: str
    subject: Subject
    states: frozenset[str | None]
    """The issue's latest request's states it may start from (None: the issue has no request)."""
    roles: frozenset[Role]
    to: str | None = None
    """The state it leads to (None: unchanged; "resume" goes back to where the wait began)."""
    moves_from: frozenset[str] | None = None
    """The states it moves out of to `to` (None: every state it is legal in; elsewhere the state stays)."""
    assignee_only: bool = True
    """An expert may take it only on a request they hold (or a session they run)."""
    fields: frozenset[str] = frozenset()
    """The request fields it may write: what the server lets an expert's revision change for this move."""
    creates: tuple[str, ...] = ()
    """The other records it writes (sessions, outcomes, knowledge, corrections)."""
    needs_expert: bool = False
    """It gives the request to an expert, named or picked from the ranked candidates (assign, reassign, senior,
    claim): planning it ranks the issue's candidates."""
    ends_sessions: bool = False
    """Running sessions end with it (recorded, with their working time): the previous holder's for a change of
    hands, every one on the request for an end of the request (complete, cancel)."""
    clocks: str = ""
    """What it does to the request's SLA targets, in words (the help and the docs read it)."""
    notifies: tuple[str, ...] = ()
    """Who the dispatcher tells when it takes this action."""
    via_escalate: bool = False
    """From an issue without an open request, it first escalates, when that opens a request it may take."""
    confirm: bool = True
    """The desk asks before writing (with an optional note)."""
    help: str = ""
    aliases: tuple[str, ...] = field(default=())


C, E, D = "coordinator", "expert", "dispatcher"


def _row(name: str, label: str, subject: Subject, states: Iterable[str | None], roles: Iterable[str],
         **more: object) -> Action:
    return Action(name, label, subject, frozenset(states), frozenset(roles), **more)  # type: ignore[arg-type]


ACTIONS: dict[str, Action] = {a.name: a for a in (
    _row("escalate", "Escalate", "issue", NO_REQUEST, (C, D), fields=frozenset({"*"}),
         clocks="opens the resolve target, from submission (the tier's turnaround, else the urgency's window plus "
                "the expert time)", help="open an expert request (a paid profile's waits for the payment)"),
    _row("pay", "Record payment", "request", {"pending_payment"}, (C,), to="pending_assignment",
         fields=frozenset({"status", "paid_at", "due_at"}), clocks="starts a paid tier's resolve target",
         help="record the payment (then assign)"),
    _row("assign", "Assign", "request", {"pending_assignment"}, (C, D), to="assigned", needs_expert=True,
         fields=ASSIGNMENT_FIELDS, via_escalate=True, notifies=("assignee",),
         clocks="starts the acknowledge target (the expert's response SLA on their calendar); the resolve target "
                "does not move", help="give the request to an expert of the issue's specialisation"),
    _row("reassign", "Reassign", "request", HELD_STATUSES, (C, D), to="assigned", needs_expert=True,
         fields=ASSIGNMENT_FIELDS, ends_sessions=True, notifies=("assignee",),
         clocks="a new acknowledge target for the new expert; the resolve target does not move",
         help="give a held request to another expert (the previous expert's session ends)"),
    _row("senior", "Escalate to senior", "request", {"pending_assignment"} | HELD_STATUSES, (C, D), to="assigned",
         needs_expert=True,
         fields=ASSIGNMENT_FIELDS | {"escalated_to_senior"}, ends_sessions=True, notifies=("assignee",),
         clocks="a new acknowledge target; the resolve target does not move",
         help="give the request to a more senior specialist who has not let it lapse"),
    _row("claim", "Claim", "request", {"pending_assignment"}, (E,), to="assigned", assignee_only=False,
         needs_expert=True, fields=ASSIGNMENT_FIELDS,
         clocks="starts the acknowledge target, met at once (the expert took it)",
         help="take an unassigned request of your specialisation (where the profile's policy allows claims)"),
    _row("unassign", "Unassign", "request", {"assigned"}, (C,), to="pending_assignment",
         fields=ASSIGNMENT_FIELDS, notifies=("assignee",),
         clocks="ends the acknowledge target; the resolve target does not move",
         help="take the request back from an expert who has not acknowledged it (undo of an assignment)"),
    _row("withdraw", "Withdraw", "request", {"pending_payment", "pending_assignment"}, (C,),
         fields=frozenset({"*"}), clocks="the request is gone, as if never escalated",
         help="withdraw a request nothing has happened to (undo of an escalation)"),
    _row("acknowledge", "Acknowledge", "request", {"assigned", "waiting"}, (C, E, D),
         fields=frozenset({"acknowledged_at"}),
         confirm=False, clocks="meets the acknowledge target", help="the expert has seen the request"),
    _row("start", "Start session", "session", {"assigned", "in_review"}, (E,), to="in_review",
         moves_from=frozenset({"assigned"}),
         fields=frozenset({"status", "started_at", "acknowledged_at"}), creates=("sessions",), confirm=False,
         clocks="meets the acknowledge target", help="start a session on the request"),
    _row("pause_session", "Pause session", "session", HELD_STATUSES | CLOSED_STATUSES | {"pending_assignment"}, (E,),
         creates=("sessions",), confirm=False, help="pause the running session"),
    _row("resume_session", "Resume session", "session", HELD_STATUSES | CLOSED_STATUSES | {"pending_assignment"}, (E,),
         creates=("sessions",), confirm=False, help="resume the paused session"),
    _row("end_session", "End session", "session", HELD_STATUSES | CLOSED_STATUSES | {"pending_assignment"}, (E,),
         creates=("sessions",), confirm=False, help="end the running session"),
    _row("outcome", "Outcome", "session", HELD_STATUSES | CLOSED_STATUSES | {"pending_assignment"}, (E,),
         to="completed", moves_from=frozenset({"in_review"}),
         fields=frozenset({"status", "completed_at", "refund_due", "rating", "final_report"}),
         creates=("sessions", "outcomes", "knowledge"), confirm=False,
         clocks="completes the request when it is in review: met or missed, a missed paid tier is owed a refund",
         help="record the session's outcome (ends it; completes a request in review)"),
    _row("complete", "Complete", "request", {"in_review"}, (C, E), to="completed",
         fields=frozenset({"status", "completed_at", "refund_due", "rating", "final_report"}), creates=("sessions",),
         ends_sessions=True, clocks="stops the resolve target: met, or missed and (paid tiers) owed a refund",
         help="complete the request without a session outcome (a running session ends)"),
    _row("correction", "Correction", "request", HELD_STATUSES | {"completed"}, (E,),
         fields=frozenset({"expert_corrections"}), creates=("corrections",), confirm=False,
         help="correct one of the profile's correctable fields of the automated assessment"),
    _row("wait", "Wait for requester", "request", {"assigned", "in_review"}, (C, E), to="waiting",
         fields=frozenset({"status", "waiting_since"}), clocks="pauses the resolve target",
         help="wait for the requester (the clocks pause)"),
    _row("resume", "Resume", "request", {"waiting"}, (C, E), to="resume",
         fields=frozenset({"status", "waiting_since", "paused_minutes"}),
         clocks="the resolve target runs again, pushed by the wait (the acknowledge target never pauses)",
         help="stop waiting: the clocks run again"),
    _row("cancel", "Cancel", "request", OPEN_STATUSES, (C,), to="cancelled",
         fields=frozenset({"status", "cancelled_at"}), creates=("sessions",), ends_sessions=True,
         clocks="stops every target",
         help="cancel the request (a running session ends)"),
    _row("refund", "Refund", "request", {"completed"}, (C,), to="refunded", fields=frozenset({"status", "refunded_at"}),
         help="refund a completed request"),
    _row("edit", "Edit issue", "issue", ANY_STATE, (C,), help="edit the issue's fields (each change audited)"),
)}
"""Every action, in the order the help lists them."""

SESSION_MOVES = ("pause_session", "resume_session", "end_session")


@dataclass(frozen=True)
class Standing:
    """What the cheap check knows of an issue: all of it is on a queue row or in its detail."""

    status: str | None = None
    """Its latest request's state; None: never escalated."""
    opens_as: str = "pending_assignment"
    """The state escalating it would open a request in."""
    holder: str | None = None
    """The expert the request was last given to (who holds it, while it is assigned, in review or waiting)."""
    acknowledged: bool = False
    session: str | None = None
    """The status of the session the actor's expert runs on the request (active, paused), None without one."""
    awaiting_outcome: bool = False
    """An ended session of the actor's expert on the request has no outcome yet."""


@dataclass(frozen=True)
class Refusal:
    """Why an action cannot be taken now, and what would come first."""

    action: str
    reason: str
    first: tuple[str, ...] = ()
    """Actions that would make it legal, in order (the desk names their keys, the CLI their commands)."""
    overridable: bool = False
    """A coordinator may take it anyway with a note (an assignment outside the specialisation)."""

    @property
    def text(self) -> str:
        return f"{ACTIONS[self.action].label}: {self.reason}" if self.action in ACTIONS else self.reason


def _state(status: str | None) -> str:
    return STATE_NAMES.get(status, str(status))


def check(name: str, standing: Standing, actor: Actor) -> Refusal | None:
    """The table's answer for an action on an issue as it stands: None when legal, else the reason."""
    action = ACTIONS.get(name)
    if action is None:
        return Refusal(name, f"unknown action {name!r} (known: {', '.join(ACTIONS)})")
    if actor.role not in action.roles:
        who = " or ".join("the assigned expert" if r == E else f"a {r}" for r in sorted(action.roles) if r != D)
        article = "an" if actor.role[0] in "aeiou" else "a"
        return Refusal(name, f"{who or 'the dispatcher'} takes this, not {article} {actor.role}")
    status = standing.status
    if actor.role == E and action.assignee_only and action.subject != "issue":
        if standing.holder is not None and standing.holder != actor.expert_id and not _own_session(name, standing):
            held = f"held by {standing.holder}" if status in HELD_STATUSES else f"{_state(status)} by {standing.holder}"
            return Refusal(name, f"the request is not yours ({held})")
    if action.subject == "session":
        return _session_check(name, standing, status)
    if status not in action.states and not _escalates_first(action, standing):
        return _state_refusal(action, standing)
    if name == "acknowledge" and standing.acknowledged:
        return Refusal(name, "already acknowledged")
    if name == "unassign" and standing.acknowledged:
        return Refusal(name, f"{standing.holder or 'the expert'} has acknowledged it")
    return None


def _escalates_first(action: Action, standing: Standing) -> bool:
    """Assigning an issue without an open request escalates it first, unless that request would await payment."""
    return action.via_escalate and standing.status in NO_REQUEST and standing.opens_as != "pending_payment"


def _own_session(name: str, standing: Standing) -> bool:
    """An expert drives their own session even after the request moved on (it ends, or records its outcome)."""
    return name in (*SESSION_MOVES, "outcome") and (standing.session is not None or standing.awaiting_outcome)


def _session_check(name: str, standing: Standing, status: str | None) -> Refusal | None:
    running = standing.session in SESSION_RUNNING
    if name == "start":
        if status not in ACTIONS["start"].states:
            return _state_refusal(ACTIONS["start"], standing)
        return Refusal(name, "a session is already running", ("end_session",)) if running else None
    if name == "outcome":
        return None if running or standing.awaiting_outcome else Refusal(
            name, "no session of yours without an outcome", ("start",))
    if not running:
        return Refusal(name, "no running session of yours", ("start",))
    if name == "pause_session" and standing.session != "active":
        return Refusal(name, "the session is already paused", ("resume_session",))
    if name == "resume_session" and standing.session != "paused":
        return Refusal(name, "the session is not paused", ("pause_session",))
    return None


def _state_refusal(action: Action, standing: Standing) -> Refusal:
    """The reason an action's state forbids it, saying what would come first where one path leads there."""
    status, name = standing.status, action.name
    if name in ("assign", "senior") and status == "pending_payment":
        return Refusal(name, "the request must be paid first", ("pay",))
    if name == "assign" and status in NO_REQUEST:
        if standing.opens_as == "pending_payment":
            return Refusal(name, "the issue must be escalated and paid first", ("escalate", "pay"))
        return Refusal(name, "the issue has no open request", ("escalate",))
    if name == "claim" and status in NO_REQUEST | {"pending_payment"}:
        return Refusal(name, "a coordinator escalates it first" + (" and records the payment" if
                       "pending_payment" in (status, standing.opens_as) else ""))
    if name in ("assign", "claim") and status in HELD_STATUSES:
        return Refusal(name, f"the request is already {_state(status)} with {standing.holder or 'an expert'}",
                       ("reassign",))
    if name == "escalate" and status in OPEN_STATUSES:
        return Refusal(name, f"the issue already has an open request ({_state(status)})")
    if status is None:
        return Refusal(name, "the issue has no request", ("escalate",))
    if name in ("start", "wait") and status == "waiting":
        return Refusal(name, "the request is waiting for the requester", ("resume",))
    if name in ("start", "wait", "acknowledge", "reassign", "complete") and status in ("pending_assignment",
                                                                                     "pending_payment"):
        first = ("pay", "assign") if status == "pending_payment" else ("assign",)
        return Refusal(name, f"nobody holds the request yet ({_state(status)})", first)
    if name == "unassign" and status in ("in_review", "waiting"):
        return Refusal(name, "the expert has since started a session" if status == "in_review" else
                       "the request is waiting for the requester")
    if name == "complete" and status == "assigned":
        return Refusal(name, "the review has not started", ("start",))
    if name == "refund" and status != "completed":
        return Refusal(name, f"only a completed request is refunded (it is {_state(status)})")
    ends = "it is final" if status in ("cancelled", "refunded") else f"it is {_state(status)}"
    return Refusal(name, f"not while {ends}")


def legal(standing: Standing, actor: Actor, names: Iterable[str] | None = None) -> list[str]:
    """The actions the actor may take now, in the table's order."""
    return [n for n in (names or ACTIONS) if check(n, standing, actor) is None]


def writable_fields(role: Role) -> dict[str, frozenset[str]]:
    """For each action a role may take on a request: the request fields its revision may change."""
    return {a.name: a.fields for a in ACTIONS.values() if role in a.roles and a.fields}


def next_states(status: str) -> set[str]:
    """Every state one action of the table leads to from `status` (the lifecycle's graph, for sync's conflicts)."""
    out: set[str] = set()
    for action in ACTIONS.values():
        moves = action.moves_from if action.moves_from is not None else action.states
        if status in action.states and status in moves and action.to is not None:
            out.update({"in_review", "assigned"} if action.to == "resume" else {action.to})
    return out
