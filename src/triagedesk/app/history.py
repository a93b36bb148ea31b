"""A person's undo and redo, read from the audit log (their steps) and written as new steps through the table."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, replace

from triagedesk.app.commands import STEP, Commands, as_actor
from triagedesk.domain.errors import UserError
from triagedesk.domain.requests.actions import Actor, Refusal
from triagedesk.domain.requests.plan import Intent, Plan, plan
from triagedesk.domain.requests.undo import Stacks, Step, Taken, again, compensation, stacks
from triagedesk.store.repositories import Store


@dataclass
class Replayed:
    """What an undo or a redo did: the step it acted on, what was taken, and what could not be and why."""

    step: Step
    verb: str
    done: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        text = f"{self.verb.capitalize()}: {self.step.summary or self.step.id}"
        if self.refused and not self.done:
            return f"Cannot {self.verb}: " + "; ".join(f"{key}: {why}" for key, why in self.refused[:3])
        if self.refused:
            text += f" ({len(self.refused)} not: " + "; ".join(f"{k}: {w}" for k, w in self.refused[:2]) + ")"
        return text

    def as_dict(self) -> dict[str, object]:
        return {"step": self.step.id, "verb": self.verb, "summary": self.step.summary, "done": self.done,
                "refused": [{"issue_id": k, "reason": w} for k, w in self.refused]}


class History:
    """Undo takes back the person's last step not yet undone; redo takes the last undone step again."""

    def __init__(self, store: Store, commands: Commands) -> None:
        self.store = store
        self.commands = commands

    def steps(self, actor: str) -> list[Step]:
        """The person's steps, oldest first (one index lookup in the audit log)."""
        found = [e for e in self.store.audit_log.by("action", STEP) if e.actor == actor]
        found.sort(key=lambda e: e.at)
        out = []
        for entry in found:
            after = entry.after or {}
            taken = tuple(Taken.of(t) for t in after.get("taken", []) if isinstance(t, dict))
            out.append(Step(entry.target_id, entry.actor, taken, str(after.get("summary") or entry.note),
                            after.get("undoes"), after.get("redoes")))
        return out

    def where(self, actor: str) -> Stacks:
        return stacks(self.steps(actor))

    def undo(self, actor: Actor | str, skip: Collection[str] = ()) -> Replayed:
        """Take back the person's last step not yet undone, passing over the steps in `skip` (those an undo of
        this walk was refused: the steps before them can still be undone)."""
        who = as_actor(actor)
        with self.store.transaction():
            left = [s for s in self.where(who.name).done if s.id not in skip]
            if not left:
                if skip:
                    raise UserError("nothing more to undo: the steps left cannot be taken back")
                raise UserError(f"nothing to undo: {who.name} has taken no step (or every one is undone)")
            step = left[-1]
            found = Replayed(step, "undo")
            intents: list[tuple[str, list[Intent]]] = []
            for taken in reversed(step.taken):  # the last action first
                request = self.store.requests.get(taken.request_id) if taken.request_id else None
                back = compensation(taken, request)
                if isinstance(back, str):
                    found.refused.append((taken.issue_id, back))
                else:
                    intents.append((taken.issue_id, back))
            done = self._take(who, intents, found)
            if done:
                self.commands.record(who, done, found.summary(), undoes=step.id)
            return found

    def redo(self, actor: Actor | str) -> Replayed:
        who = as_actor(actor)
        with self.store.transaction():
            step = self.where(who.name).to_redo
            if step is None:
                raise UserError(f"nothing to redo for {who.name}")
            found = Replayed(step, "redo")
            done = self._take(who, [(t.issue_id, [again(t)]) for t in step.taken], found)
            if done:
                self.commands.record(who, done, found.summary(), redoes=step.id)
            return found

    def _take(self, who: Actor, intents: list[tuple[str, list[Intent]]], found: Replayed) -> list[Taken]:
        """Plan each issue's intents, each on the request the one before leaves, and write all of them, or none
        (the table may refuse one: then the issue is named with the reason)."""
        taken: list[Taken] = []
        for issue_id, chain in intents:
            planned_chain: list[tuple[Plan, Taken]] = []
            situation = None
            for intent in chain:
                situation = self.commands.situation(intent) if situation is None else replace(
                    situation, request=planned_chain[-1][0].request)
                planned = plan(situation, who, intent)
                if isinstance(planned, Refusal):
                    found.refused.append((issue_id, planned.text))
                    break
                planned_chain.append((planned, Taken.from_plan(planned, situation.request)))
            else:
                for planned, one in planned_chain:
                    self.commands.apply(planned, who)
                    taken.append(one)
                found.done.append(issue_id)
        return taken
