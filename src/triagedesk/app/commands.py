"""The write side: every door's intent is planned by the domain's table and applied in one durable, audited write.

`preview` answers what an intent would do (the desk's confirmation, the bulk's groups, `policy explain`);
`run` plans again under the store's lock and writes the plan's records with their audit entries, or raises the
refusal as a one-line `Refused`. Bulk is `run_many`: a loop of plans in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from triagedesk.app import editing, noise
from triagedesk.app.engine import Engine
from triagedesk.app.figures import Figures
from triagedesk.app.queries import Queries
from triagedesk.domain.errors import UserError
from triagedesk.domain.intake.records import MaintenanceWindow
from triagedesk.domain.models import Issue
from triagedesk.domain.records import ExpertRequest, Session, new_id
from triagedesk.domain.requests.actions import ACTIONS, Actor, Refusal
from triagedesk.domain.requests.plan import Intent, Plan, Situation, plan
from triagedesk.domain.requests.states import HELD_STATUSES
from triagedesk.domain.requests.undo import Taken
from triagedesk.domain.routing.matching import Matcher
from triagedesk.store.repositories import Store

STEP = "step"
"""The audit action of a person's step (what undo and redo read)."""

ActorLike = Actor | str


class Refused(UserError):
    """The action table refused an intent: its one line, and the refusal for doors that say more."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.text)
        self.refusal = refusal


def as_actor(actor: ActorLike) -> Actor:
    """A bare name acts as a coordinator (the CLI's and the tests' default)."""
    return actor if isinstance(actor, Actor) else Actor(actor)


@dataclass
class BulkResult:
    """What a bulk action did: the issues it changed, and those it skipped with why."""

    action: str
    done: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    plans: list[Plan] = field(default_factory=list)

    def summary(self) -> str:
        verb = {"assign": "assigned", "escalate": "escalated", "cancel": "cancelled"}.get(self.action, "done")
        text = f"{len(self.done)} {verb}"
        if self.skipped:
            first = "; ".join(f"{key}: {why}" for key, why in self.skipped[:3])
            more = f" (+{len(self.skipped) - 3} more)" if len(self.skipped) > 3 else ""
            text += f", {len(self.skipped)} skipped: {first}{more}"
        return text


NEEDS_RANKING = frozenset(a.name for a in ACTIONS.values() if a.needs_expert)


class Commands:
    """Plans and applies intents over one store."""

    def __init__(self, store: Store, engine: Engine, figures: Figures, queries: Queries,
                 now: Callable[[], datetime]) -> None:
        self.store = store
        self.engine = engine
        self.figures = figures
        self.queries = queries
        self.now = now

    # -- reading what the rules need ------------------------------------------------------------------------
    def situation(self, intent: Intent, ranked: bool | None = None) -> Situation:
        """What the rules need for this intent, read from the store now."""
        request = self.store.requests.require(intent.request_id) if intent.request_id else \
            self.queries.request_for(intent.issue_id)
        issue_id = intent.issue_id or (request.analysis_id if request is not None else "")
        issue = self.store.issues.get(issue_id)
        if issue is None:
            raise UserError(f"no issue {issue_id!r} in {self.store.path}" if issue_id else "no issue named")
        scorer = self.engine.scorer(issue.profile)
        decision = scorer.decide(issue)
        experts = self.figures.counted()
        now = self.now()
        wanted = intent.action in NEEDS_RANKING if ranked is None else ranked
        coverage = self.queries.coverage()
        candidates = Matcher(scorer.profile, scorer, coverage).match(issue, experts.values(), now, decision).ranked \
            if wanted else []
        sessions: list[Session] = self.queries.sessions_of(request.id) if request is not None else []
        on_call = self.queries.oncall.covering(issue, now) if wanted and self.queries.oncall is not None else ()
        latest = self.queries.request_for(issue_id) if intent.request_id else None
        return Situation(issue, scorer.profile, decision, request, experts, candidates, sessions,
                         self.queries.with_outcome(sessions), now, self.queries.calendars(), on_call,
                         latest if latest is not None and request is not None and latest.id != request.id else None)

    def intent_for_request(self, request_id: str, action: str, **args: Any) -> Intent:
        """An intent naming a request (the CLI's `request ACTION REQUEST_ID`)."""
        request = self.store.requests.require(request_id)
        return Intent(action, request.analysis_id, request_id, **args)

    # -- planning and writing -------------------------------------------------------------------------------
    def preview(self, actor: ActorLike, intent: Intent) -> Refusal | Plan:
        """What the intent would do now (nothing is written)."""
        return plan(self.situation(intent), as_actor(actor), intent)

    def run(self, actor: ActorLike, intent: Intent) -> Plan:
        """Plan under the store's lock and write it in one durable, audited write (a step of the person's history,
        which undo takes back); a refusal raises `Refused`."""
        who = as_actor(actor)
        with self.store.transaction():
            situation = self.situation(intent)
            planned = plan(situation, who, intent)
            if isinstance(planned, Refusal):
                raise Refused(planned)
            self.apply(planned, who)
            self.record(who, [Taken.from_plan(planned, situation.request)], planned.summary)
            return planned

    def record(self, actor: Actor, taken: list[Taken], summary: str, undoes: str | None = None,
               redoes: str | None = None) -> str | None:
        """Keep a person's step in the audit log (the caller holds the transaction): what undo and redo read.
        The dispatcher's steps are its own audit entries, not a person's history."""
        if actor.role == "dispatcher" or not taken:
            return None
        step_id = new_id("stp")
        self.store.audit(actor.name, STEP, "steps", step_id, None,
                         {"taken": [t.as_dict() for t in taken], "undoes": undoes, "redoes": redoes,
                          "summary": summary}, summary)
        return step_id

    def apply(self, planned: Plan, actor: Actor) -> None:
        """Write a plan's records with their audit entries (the caller holds the transaction)."""
        for write in planned.writes:
            repository = self.store.repository(write.kind)
            if write.delete:
                key = str(write.record.model_dump(include={"id"})["id"])
                repository.delete(key, actor=actor.name, note=write.note or write.audit)
            elif write.new:
                repository.add(write.record, actor=actor.name, action=write.audit, note=write.note)
            else:
                repository.save(write.record, actor=actor.name, action=write.audit, note=write.note)

    def preview_many(self, actor: ActorLike, intents: Sequence[Intent]) -> list[Refusal | Plan]:
        """Each intent's plan or refusal, as a bulk would write them (the confirmation's groups)."""
        who = as_actor(actor)
        return [self._planned(who, intent) for intent in intents]

    def _planned(self, actor: Actor, intent: Intent) -> Refusal | Plan:
        if intent.issue_id not in self.store.issues:
            return Refusal(intent.action, f"no issue {intent.issue_id!r}")
        return plan(self.situation(intent), actor, intent)

    def run_many(self, actor: ActorLike, intents: Iterable[Intent], action: str | None = None) -> BulkResult:
        """Bulk: the same plan per issue as a single key, all written in one transaction (a failure writes none);
        an issue the table refuses is skipped with the reason. `action` names the bulk action for its summary."""
        who = as_actor(actor)
        found = list({i.issue_id: i for i in intents}.values())
        if not found:
            raise UserError("no issue marked")
        result = BulkResult(action or found[0].action)
        with self.store.transaction():
            taken: list[Taken] = []
            for intent in found:
                if intent.issue_id not in self.store.issues:
                    result.skipped.append((intent.issue_id, f"no issue {intent.issue_id!r}"))
                    continue
                situation = self.situation(intent)
                planned = plan(situation, who, intent)
                if isinstance(planned, Refusal):
                    result.skipped.append((intent.issue_id, planned.reason))
                    continue
                self.apply(planned, who)
                result.done.append(intent.issue_id)
                result.plans.append(planned)
                taken.append(Taken.from_plan(planned, situation.request))
            summary = result.plans[0].summary if len(result.plans) == 1 else result.summary()
            self.record(who, taken, summary)  # a bulk action is one step: one undo takes it back
        return result

    # -- the convenient forms of `run` -----------------------------------------------------------------------
    def escalate(self, issue_id: str, actor: ActorLike, tier_id: str | None = None, notes: str | None = None,
                 again: bool = False) -> ExpertRequest:
        done = self.run(actor, Intent("escalate", issue_id, tier_id=tier_id, note=notes or "", again=again))
        assert done.request is not None
        return done.request

    def act(self, request_id: str, action: str, actor: ActorLike, expert_id: str | None = None, note: str = "",
            **values: Any) -> ExpertRequest:
        """A lifecycle action on a request by id; returns the request as it was left."""
        done = self.run(actor, self.intent_for_request(request_id, action, expert_id=expert_id, note=note,
                                                       values=values))
        return done.request or self.store.requests.require(request_id)

    def giving(self, issue_id: str, expert_id: str | None, note: str = "", override: bool = False) -> Intent:
        """"Give this issue to that expert": reassign a held request, else assign (escalating first where that is
        the path). The desk's 1-5, its bulk and the CLI's bulk all ask this."""
        request = self.queries.request_for(issue_id) if issue_id in self.store.issues else None
        held = request is not None and request.status in HELD_STATUSES
        return Intent("reassign" if held else "assign", issue_id, expert_id=expert_id, note=note, override=override)

    def assign(self, issue_id: str, expert_id: str, actor: ActorLike, note: str = "",
               override: bool = False) -> ExpertRequest:
        """Give an issue to an expert (`giving`)."""
        done = self.run(actor, self.giving(issue_id, expert_id, note, override))
        assert done.request is not None
        return done.request

    # -- records that are not a request's moves ---------------------------------------------------------------
    def add_issue(self, issue: Issue, actor: str) -> Issue:
        """A new issue from the intake form, created now; without an id it gets the next in its profile's style."""
        with self.store.transaction():
            update: dict[str, Any] = {"created_at": self.now()}
            if not issue.id:
                update["id"] = self.queries.next_issue_id(issue.profile)
            return self.store.issues.add(issue.model_copy(update=update), actor=actor)

    def edit(self, kind: str, key: str, changes: dict[str, Any], actor: str, note: str = "") -> BaseModel:
        """Edit an issue (`issues`) or an expert (`experts`): validated per field, one audited write."""
        return editing.edit(self.store, kind, key, changes, actor, note)

    # -- noise control (app/noise.py) -------------------------------------------------------------------------
    def feedback(self, issue_id: str, mark: str | None, actor: str, note: str = "") -> Issue:
        """Mark an issue `useful` or `noise` (None: clear it); audited."""
        return noise.feedback(self.store, issue_id, mark, actor, note)

    def add_window(self, matchers: list[str], starts_at: datetime, ends_at: datetime, reason: str,
                   subscribers: list[str], actor: str) -> MaintenanceWindow:
        return noise.add_window(self.store, matchers, starts_at, ends_at, reason, subscribers, actor, self.now())

    def end_window(self, window_id: str, actor: str, note: str = "") -> MaintenanceWindow:
        return noise.end_window(self.store, window_id, actor, self.now(), note)
