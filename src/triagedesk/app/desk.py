"""The desk's operations: domain rules applied to the store, one durable, audited write each.

The CLI and the TUI both call these; no rule lives here that the domain does not define.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from triagedesk.app import bulk, editing, issue_search, issue_view
from triagedesk.app.bulk import BulkResult
from triagedesk.app.issue_search import Found
from triagedesk.app.issue_view import IssueRecord
from triagedesk.domain.errors import UserError
from triagedesk.domain.insight import analytics, package
from triagedesk.domain.insight.knowledge import Hit, search
from triagedesk.domain.models import Decision, Expert, Issue, Match
from triagedesk.domain.records import (
    HELD_STATUSES,
    OPEN_STATUSES,
    AuditEntry,
    Correction,
    ExpertCorrection,
    ExpertRequest,
    KnowledgeEntry,
    Outcome,
    Session,
    utcnow,
)
from triagedesk.domain.requests import lifecycle, performance, sessions, sla, workflow
from triagedesk.domain.routing.matching import LEVEL_ORDER, Matcher
from triagedesk.domain.scoring import backtest
from triagedesk.domain.scoring.escalation import Scorer
from triagedesk.resources import available_profiles, load_profile
from triagedesk.store.errors import StoreError
from triagedesk.store.repositories import Repository, Store, model_fields
from triagedesk.store.validity import REJECTED
from triagedesk.store.watch import Changes
from triagedesk.store.watch import ChangeWatcher as Follower


class Desk:
    """Operations over one store, with one compiled scorer per profile."""

    def __init__(self, store: Store, clock: Callable[[], datetime] = utcnow,
                 profile_override: str | None = None) -> None:
        self.store = store
        self.clock = clock
        self.profile_override = profile_override
        self._scorers: dict[str, Scorer] = {}

    # -- the store's files and records ------------------------------------------------------
    @property
    def path(self) -> Path:
        return Path(self.store.path)

    def close(self) -> None:
        self.store.close()

    def repository(self, kind: str) -> Repository[Any]:
        """The records of one kind (issues, experts, requests, sessions, ...)."""
        return self.store.repository(kind)

    def records(self, kind: str) -> list[Any]:
        return self.store.repository(kind).all()

    def put_many(self, kind: str, models: list[BaseModel], actor: str, action: str = "import",
                 note: str = "") -> tuple[int, int]:
        """Insert or replace records of one kind in one durable write: (inserted, updated)."""
        return self.store.repository(kind).put_many(models, actor=actor, action=action, note=note)

    def load_demo(self, data: Any, kinds: tuple[str, ...], note: str) -> None:
        """Write a generated demo history in one durable write, then compact so the next open is fast."""
        with self.store.transaction():
            for kind in kinds:
                self.store.repository(kind).put_many(getattr(data, kind), actor="demo", action="demo", note=note)
        try:
            self.store.journal.compact()
        except StoreError:
            pass  # the demo is committed in the journal, which stays in force; a later write compacts

    def follow(self, on_change: Callable[[Changes], None], interval: float,
               on_error: Callable[[Exception], None]) -> Follower:
        """Call `on_change` (on a thread) with what other processes changed; `.stop()` the result."""
        return Follower(self.store, on_change, interval, on_error=on_error).start()

    def audit_entries(self) -> list[AuditEntry]:
        return [AuditEntry.model_validate(model_fields(d)) for d in self.store.audit_log.raw()]

    # -- engine ---------------------------------------------------------------------------
    def scorer(self, name: str | None) -> Scorer:
        key = self.profile_override or name or self.default_profile
        if key not in self._scorers:
            self._scorers[key] = Scorer(load_profile(key))
        return self._scorers[key]

    def profiles(self) -> list[str]:
        """Every profile name the desk knows: the shipped ones and the user's own."""
        return list(available_profiles())

    @property
    def default_profile(self) -> str:
        """The profile of an issue that names none."""
        return self.profile_override or "infrastructure"

    def decide(self, issue: Issue) -> Decision:
        return self.scorer(issue.profile).decide(issue)

    def candidates(self, issue: Issue, at: datetime | None = None) -> Match:
        scorer = self.scorer(issue.profile)
        return Matcher(scorer.profile, scorer).match(issue, self.store.experts.all(), at or self.clock())

    def opening_status_of(self, profile: str | None) -> str:
        """The state a new request of this profile usually starts in (cheap: no decision is computed)."""
        scorer = self.scorer(profile)
        return workflow.opening_status(scorer.profile.payment, "tier" if scorer.profile.tiers else None)

    @property
    def folder(self) -> Path:
        """The store's folder (where packages are saved)."""
        return self.store.path.parent

    @property
    def where(self) -> str:
        """The store as the header names it: folder/file."""
        return f"{self.store.path.parent.name}/{self.store.path.name}"

    def issue(self, issue_id: str) -> Issue | None:
        return self.store.issues.get(issue_id)

    def require_request(self, request_id: str) -> ExpertRequest:
        return self.store.requests.require(request_id)

    def backtest(self, source: str, days: int) -> dict[str, Any]:
        """A changed profile (a name or a TOML path) replayed over the stored history."""
        candidate = Scorer(load_profile(source))
        result = backtest.backtest(self.store.issues.all(), self.store.requests.all(), self.store.corrections.all(),
                                   self.scorer(candidate.profile.name), candidate, self.clock(), days)
        return result.as_dict()

    def request_for(self, issue_id: str) -> ExpertRequest | None:
        found = [r for r in self.store.requests.raw() if r.get("analysis_id") == issue_id]
        if not found:
            return None
        latest = max(found, key=lambda r: r.get("submitted_at") or "")
        return self.store.requests.require(latest["id"])

    # -- lifecycle -------------------------------------------------------------------------
    def escalate(self, issue_id: str, actor: str, tier_id: str | None = None, notes: str | None = None,
                 again: bool = False) -> ExpertRequest:
        """Open an expert request for an issue (pending payment or pending assignment).

        Refused while the issue already has an open request, unless `again` (a second, parallel request)."""
        with self.store.transaction():
            now = self.clock()
            issue = self.store.issues.require(issue_id)
            held = self.open_request_for(issue_id)
            if held is not None and not again:
                raise UserError(f"{issue_id} already has an open request {held.id} ({held.status}); "
                                "--again opens another")
            scorer = self.scorer(issue.profile)
            request = self.new_request(issue, actor, tier_id, notes, now)
            request = request.model_copy(update={"due_at": sla.due_at(request, scorer.profile, None)})
            return self.store.requests.add(request, actor=actor, action="escalate", note=notes or "")

    def new_request(self, issue: Issue, actor: str, tier_id: str | None = None, notes: str | None = None,
                    at: datetime | None = None) -> ExpertRequest:
        """The request escalating `issue` would open (not written)."""
        scorer = self.scorer(issue.profile)
        return lifecycle.open_request(issue, scorer.decide(issue), scorer.profile, at or self.clock(), actor,
                                      tier_id, notes)

    def open_request_for(self, issue_id: str) -> ExpertRequest | None:
        """The issue's open request (the newest, should there be several), or None."""
        found = [r for r in self.store.requests.raw()
                 if r.get("analysis_id") == issue_id and r.get("status") in OPEN_STATUSES]
        if not found:
            return None
        return self.store.requests.require(max(found, key=lambda r: r.get("submitted_at") or "")["id"])

    def bulk(self, action: str, issue_ids: Iterable[str], actor: str, expert_id: str | None = None,
             note: str = "") -> BulkResult:
        """Assign, escalate or cancel many issues in one durable write (see `app.bulk`)."""
        return bulk.run(self, action, issue_ids, actor, expert_id, note)

    def act(self, request_id: str, action: str, actor: str, expert_id: str | None = None,
            note: str = "", rating: int | None = None) -> ExpertRequest:
        """Apply a lifecycle action; due times, refunds and workloads follow `workflow`'s rules."""
        now = self.clock()
        with self.store.transaction():
            request = self.store.requests.require(request_id)
            profile = self.scorer(request.profile or None).profile
            current = self.store.experts.get(request.assigned_expert_id) if request.assigned_expert_id else None
            expert = self.store.experts.require(expert_id) if expert_id else None
            paused = sla.paused_working_minutes(request, profile, current, now)
            updated = lifecycle.transition(request, action, now, expert, paused_minutes=paused)
            holder = expert or current
            if workflow.due_recomputed(action):
                effort = self.decide(self.store.issues.require(request.analysis_id)).estimated_expert_minutes \
                    if request.analysis_id in self.store.issues else None
                updated = updated.model_copy(update={"due_at": sla.due_at(updated, profile, holder, effort)})
            if action == "complete":
                due = updated.due_at or sla.due_at(updated, profile, holder)
                updated = updated.model_copy(update={"refund_due": workflow.refund_due(due, now)})
                if holder is not None:
                    self.store.experts.save(performance.after_completion(holder, updated, rating), actor=actor,
                                            action="performance", note=f"completed {request_id}")
            known = {e.id: e for e in (expert, current) if e is not None}
            moves = workflow.workload_moves(action, request.status, request.assigned_expert_id, expert_id)
            for changed in workflow.apply_moves(moves, known).values():
                self.store.experts.save(changed, actor=actor, action="workload", note=f"{action} {request_id}")
            return self.store.requests.save(updated, actor=actor, action=action, note=note)

    def opens_as(self, issue: Issue) -> str:
        """The state a new request for this issue would start in (pending payment where the profile charges)."""
        scorer = self.scorer(issue.profile)
        decision = scorer.decide(issue)
        tier = decision.recommended_tier if decision.recommended_tier in scorer.profile.tiers else None
        return workflow.opening_status(scorer.profile.payment, tier)

    def assign_issue(self, issue_id: str, expert_id: str, actor: str, note: str = "") -> ExpertRequest:
        """Give an issue to an expert: opens a request when it has none (or a closed one), then assigns or
        reassigns; refused before any write when the request awaits payment."""
        issue = self.store.issues.require(issue_id)
        with self.store.transaction():
            request = self.request_for(issue_id)
            status = request.status if request is not None else None
            plan = workflow.plan_assignment(status, self.opens_as(issue), request.id if request else "")
            if plan.escalate_first or request is None:
                request = self.escalate(issue_id, actor, notes=note or None)
            return self.act(request.id, plan.action, actor, expert_id, note)

    def add_issue(self, issue: Issue, actor: str) -> Issue:
        """A new issue from the intake form, created now."""
        return self.store.issues.add(issue.model_copy(update={"created_at": self.clock()}), actor=actor)

    def running_session(self, request_id: str) -> Session | None:
        """The request's session that has not ended (at most one runs)."""
        found = next((d for d in self.store.sessions.raw()
                      if d.get("request_id") == request_id and workflow.session_running(d.get("status"))), None)
        return self.store.sessions.require(found["id"]) if found else None

    def running_sessions(self, expert_id: str | None = None) -> list[Session]:
        """Every session that has not ended, newest first (one expert's only, when given)."""
        found = [Session.model_validate(model_fields(d)) for d in self.store.sessions.raw()
                 if workflow.session_running(d.get("status"))
                 and (expert_id is None or d.get("expert_id") == expert_id)]
        return sorted(found, key=lambda s: s.started_at, reverse=True)

    def on_skipped_record(self, tell: Callable[[str], None]) -> None:
        """Who is told, once per record, that one the models cannot load was left out (`db check` names it)."""
        self.store.on_skip = tell

    def rejected(self) -> list[dict[str, Any]]:
        """The store's rejected list (see store/validity.py), newest first."""
        self.store.refresh()
        return sorted((dict(d) for d in self.store.db.table(REJECTED)), key=lambda d: str(d.get("at")), reverse=True)

    def sync_conflicts(self) -> list[AuditEntry]:
        """Every conflict sync resolved, newest first."""
        entries = [AuditEntry.model_validate(model_fields(d)) for d in self.store.audit_log.raw()
                   if d.get("action") == "sync_conflict"]
        return sorted(entries, key=lambda e: e.at, reverse=True)

    def senior_for(self, request: ExpertRequest) -> Expert:
        """The senior expert to escalate to: the best-matching expert of the highest level, not the current one."""
        issue = self.store.issues.get(request.analysis_id)
        scorer = self.scorer(request.profile or None)
        matcher = Matcher(scorer.profile, scorer)
        experts = [e for e in self.store.experts.all()
                   if e.is_active and e.id != request.assigned_expert_id and matcher.works_profile(e)]
        if not experts:
            raise StoreError(f"no other active expert who works {scorer.profile.name} issues to escalate "
                             f"request {request.id} to")
        top = max(LEVEL_ORDER[e.expertise_level] for e in experts)
        seniors = [e for e in experts if LEVEL_ORDER[e.expertise_level] == top]
        if issue is None:
            return seniors[0]
        ranked = self.candidates(issue).ranked
        order = {c.expert_id: n for n, c in enumerate(ranked)}
        return min(seniors, key=lambda e: order.get(e.id, len(order)))

    def escalate_to_senior(self, request_id: str, actor: str, note: str = "",
                           senior_id: str | None = None) -> ExpertRequest:
        """Give the request to a senior expert: the one named in the confirmation, else `senior_for`'s pick."""
        with self.store.transaction():  # read, decide and write under one lock: another desk cannot interleave
            request = self.store.requests.require(request_id)
            senior = self.store.experts.require(senior_id) if senior_id else self.senior_for(request)
            action = workflow.plan_assignment(request.status, "pending_assignment", request.id).action
            updated = self.act(request_id, action, actor, senior.id, note or "escalated to a senior expert")
            return self.store.requests.save(updated.model_copy(update={"escalated_to_senior": True}), actor=actor,
                                            action="escalate_senior", note=note)

    # -- sessions, outcomes, corrections -------------------------------------------------------------
    def start_session(self, request_id: str, actor: str, channel: str | None = None) -> Session:
        request = self.store.requests.require(request_id)
        if not request.assigned_expert_id:
            raise StoreError(f"request {request_id} has no expert yet")
        expert = self.store.experts.get(request.assigned_expert_id)
        method = channel or (expert.escalation_methods[0] if expert and expert.escalation_methods
                             else "video_conference")
        session = sessions.initiate(request.analysis_id, request.assigned_expert_id, self.clock(), request.id, method)
        with self.store.transaction():
            if request.status == "assigned":
                self.act(request_id, "start", actor)
            return self.store.sessions.add(session, actor=actor, action="session_start")

    def session_move(self, session_id: str, move: str, actor: str) -> Session:
        step = {"pause": sessions.pause, "resume": sessions.resume, "end": sessions.end}[move]
        with self.store.transaction():  # the session is read under the lock it is written under
            session = self.store.sessions.require(session_id)
            return self.store.sessions.save(step(session, self.clock()), actor=actor, action=f"session_{move}")

    def record_outcome(self, session_id: str, actor: str, resolution_achieved: bool, recommendations: list[str],
                       actions_taken: list[str], knowledge_gained: str, follow_up_needed: bool = False,
                       rating: int | None = None) -> tuple[Outcome, KnowledgeEntry]:
        now = self.clock()
        with self.store.transaction():
            session = self.store.sessions.require(session_id)
            if session.status != "ended":
                session = self.store.sessions.save(sessions.end(session, now), actor=actor, action="session_end")
            issue = self.store.issues.require(session.issue_id)
            outcome, entry = sessions.capture(session, issue, now, resolution_achieved, recommendations,
                                              actions_taken, knowledge_gained, follow_up_needed, rating)
            self.store.outcomes.add(outcome, actor=actor, action="outcome")
            self.store.knowledge.add(entry, actor=actor, action="knowledge")
            if session.request_id:
                request = self.store.requests.require(session.request_id)
                if request.status == "in_review":
                    self.act(request.id, "complete", actor, rating=rating)
            return outcome, entry

    def record_correction(self, request_id: str, actor: str, field: str, original: Any, corrected: Any,
                          explanation: str, confidence: float) -> Correction:
        now = self.clock()
        with self.store.transaction():
            request = self.store.requests.require(request_id)
            expert_id = request.assigned_expert_id or actor
            correction = Correction(request_id=request_id, expert_id=expert_id, category=request.item_category,
                                    profile=request.profile, field=field, original_value=original,
                                    corrected_value=corrected, explanation=explanation, confidence=confidence,
                                    created_at=now)
            self.store.corrections.add(correction, actor=actor, action="correction")
            embedded = ExpertCorrection(field=field, original_value=original, corrected_value=corrected,
                                        explanation=explanation, confidence=confidence)
            self.store.requests.save(request.model_copy(update={
                "expert_corrections": [*request.expert_corrections, embedded]}), actor=actor, action="correction")
            return correction

    def dispatcher(self) -> dict[str, Any] | None:
        """The dispatcher holding this store's lease (holder, expiry), if one is active."""
        from triagedesk.app.dispatching import read_status

        return read_status(self.store.path)

    # -- what the panes show -------------------------------------------------------------------------
    def clocks(self, statuses: Collection[str] = HELD_STATUSES
               ) -> list[tuple[ExpertRequest, sla.SlaClock, list[workflow.Suggestion]]]:
        """Held requests' clocks, most pressing first (breached, then the least time left), with suggestions."""
        now = self.clock()
        experts = {e.id: e for e in self.store.experts.all()}
        out = []
        for doc in self.store.requests.raw():
            if doc.get("status") not in statuses:
                continue
            request = ExpertRequest.model_validate(model_fields(doc))
            profile = self.scorer(request.profile or None).profile
            expert = experts.get(request.assigned_expert_id or "")
            timer = sla.clock(request, profile, expert, now)
            out.append((request, timer, workflow.suggestions(request, timer.state, expert, now)))
        out.sort(key=lambda item: item[1].fraction_left if item[1].state != "breached"
                 else -1 + item[1].left_minutes / 1e9)
        return out

    def report(self, days: int, now: datetime | None = None) -> dict[str, Any]:
        rates = {name: self.scorer(name).profile.expert_hourly_rate for name in self.profiles()}
        return analytics.report(self.store.requests.all(), self.store.experts.all(), self.store.corrections.all(),
                                self.store.outcomes.all(), rates, now or self.clock(), days)

    def package(self, issue_id: str) -> str:
        issue = self.store.issues.require(issue_id)
        request = self.request_for(issue_id)
        expert = self.store.experts.get(request.assigned_expert_id) if request and request.assigned_expert_id else None
        issue_sessions = [s for s in self.store.sessions.all() if s.issue_id == issue_id]
        outcome = next((o for o in self.store.outcomes.all() if o.issue_id == issue_id), None)
        ctx = package.PackageContext(issue, self.decide(issue), request, expert, issue_sessions, outcome, self.clock())
        return package.build(ctx)

    # -- one issue in full, every issue, edits --------------------------------------------------------
    def audit_of(self, targets: Collection[str]) -> list[AuditEntry]:
        """The audit trail of these records, oldest first (one scan of the log)."""
        wanted = set(targets)
        found = [AuditEntry.model_validate(model_fields(d)) for d in self.store.audit_log.raw()
                 if d.get("target_id") in wanted]
        return sorted(found, key=lambda e: e.at)

    def issue_record(self, issue_id: str) -> IssueRecord:
        """Everything about one issue: what the issue screen and `triagedesk show` print."""
        return issue_view.issue_record(self, issue_id)

    def search_issues(self, text: str, limit: int = 500) -> list[Found]:
        """Every issue (closed included) whose id, title, description, requester or assignee holds `text`."""
        return issue_search.search(self, text, limit)

    def edit(self, kind: str, key: str, changes: dict[str, Any], actor: str, note: str = "") -> BaseModel:
        """Edit an issue (`issues`) or an expert (`experts`): validated per field, one audited write."""
        return editing.edit(self, kind, key, changes, actor, note)

    def expert(self, expert_id: str) -> Expert | None:
        return self.store.experts.get(expert_id)

    def experts(self, active_only: bool = True) -> list[Expert]:
        """The expert network, by name."""
        found = [e for e in self.store.experts.all() if e.is_active or not active_only]
        return sorted(found, key=lambda e: ((e.name or e.id).lower(), e.id))

    def knowledge_for(self, text: str, limit: int = 5) -> list[Hit]:
        return search(self.store.knowledge.all(), text, limit)
