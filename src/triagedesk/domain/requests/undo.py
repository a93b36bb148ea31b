"""Undo and redo as the action table allows them: each step a person took is kept in the audit log with what it
did; undoing it is a new step of compensating actions (each planned by the table like any other, so it is refused
with the table's reason when the world has moved on), and redoing it takes the same actions again."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from triagedesk.domain.records import ExpertRequest
from triagedesk.domain.requests.plan import Intent, Plan

UNDOABLE = ("escalate", "assign", "claim", "reassign", "senior", "wait", "resume", "pause_session",
            "resume_session", "unassign")
"""What an undo can take back; the rest (a payment, a cancellation, a completion, an outcome) stays, said why."""
GIVES = ("assign", "claim", "reassign", "senior")
"""The actions that give the request to an expert (a step keeps whom)."""


@dataclass(frozen=True)
class Taken:
    """One action of a step, as the audit keeps it: enough to take it back or again."""

    action: str
    issue_id: str
    request_id: str | None
    expert_id: str | None = None
    note: str = ""
    override: bool = False
    holder_before: str | None = None
    opened: bool = False
    """The action opened the request (escalate, or an assign that escalated first)."""

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in (None, False, "")}

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> Taken:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})

    @classmethod
    def from_plan(cls, plan: Plan, before: ExpertRequest | None) -> Taken:
        after = plan.request
        opened = any(w.new and w.kind == "requests" for w in plan.writes)
        return cls(plan.intent.action, plan.intent.issue_id, after.id if after is not None else plan.intent.request_id,
                   after.assigned_expert_id if after is not None and plan.intent.action in GIVES else None,
                   plan.intent.note, plan.intent.override, before.assigned_expert_id if before is not None else None,
                   opened)


@dataclass(frozen=True)
class Step:
    """One step of a person's history: what it took, and whether it undid or redid another step."""

    id: str
    actor: str
    taken: tuple[Taken, ...]
    summary: str = ""
    undoes: str | None = None
    redoes: str | None = None


@dataclass
class Stacks:
    """Where a person's history stands: what `undo` takes back next, and what `redo` takes again."""

    done: list[Step] = field(default_factory=list)
    undone: list[Step] = field(default_factory=list)

    @property
    def to_undo(self) -> Step | None:
        return self.done[-1] if self.done else None

    @property
    def to_redo(self) -> Step | None:
        return self.undone[-1] if self.undone else None


def stacks(steps: Iterable[Step]) -> Stacks:
    """Replay a person's steps in order: a new step clears what could be redone (as in any editor)."""
    found = Stacks()
    by_id: dict[str, Step] = {}
    for step in steps:
        by_id[step.id] = step
        if step.undoes is not None:
            undone = by_id.get(step.undoes)
            if undone is not None and undone in found.done:
                found.done.remove(undone)
                found.undone.append(undone)
        elif step.redoes is not None:
            redone = by_id.get(step.redoes)
            if redone is not None and redone in found.undone:
                found.undone.remove(redone)
                found.done.append(redone)
        else:
            found.done.append(step)
            found.undone.clear()
    return found


def compensation(taken: Taken, request: ExpertRequest | None) -> list[Intent] | str:
    """The actions that take `taken` back, newest first, or why it cannot be (the table decides the rest when
    they are planned: an expert who has since acknowledged, a session started, a request moved on)."""
    action, issue_id = taken.action, taken.issue_id
    if action not in UNDOABLE:
        return f"{action} is not taken back by an undo"
    if request is None or request.id != taken.request_id:
        return f"{issue_id}'s request is no longer the one this step acted on"
    if action in GIVES and request.assigned_expert_id != taken.expert_id:
        return f"{issue_id} has moved on to {request.assigned_expert_name or request.assigned_expert_id or 'nobody'}"
    note = "undo"
    if action == "escalate":
        return [Intent("withdraw", issue_id, request.id, note=note)]
    if action == "claim":  # unassigning is a coordinator's: an expert rewriting assignments would let her hand it on
        return f"{issue_id}: a claim is given back by a coordinator (unassign), not undone by the expert"
    if action == "assign":
        back = [Intent("unassign", issue_id, request.id, note=note)]
        return [*back, Intent("withdraw", issue_id, request.id, note=note)] if taken.opened else back
    if action in ("reassign", "senior"):
        if taken.holder_before is None:
            return [Intent("unassign", issue_id, request.id, note=note)]
        return [Intent("reassign", issue_id, request.id, taken.holder_before, note=note, override=True)]
    if action == "unassign":
        if taken.holder_before is None:
            return f"{issue_id}: who held it is not known"
        return [Intent("assign", issue_id, request.id, taken.holder_before, note=note, override=True)]
    opposite = {"wait": "resume", "resume": "wait", "pause_session": "resume_session",
                "resume_session": "pause_session"}[action]
    return [Intent(opposite, issue_id, request.id, note=note)]


def again(taken: Taken) -> Intent:
    """The intent that takes the same action again (redo): planned by the table as it stands now."""
    return Intent(taken.action, taken.issue_id, None if taken.opened else taken.request_id, taken.expert_id,
                  taken.note, override=taken.override)
