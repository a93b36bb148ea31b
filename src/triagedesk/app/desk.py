"""The desk's operations: domain rules applied to the store, one durable, audited write each.

The CLI and the TUI both call these; no rule lives here that the domain does not define.
"""

from __future__ import annotations

import gc
import threading
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
from triagedesk.domain.insight import package
from triagedesk.domain.insight.knowledge import Hit
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
from triagedesk.domain.scoring.profiles import Profile
from triagedesk.resources import available_profiles, load_profile
from triagedesk.store.errors import StoreError
from triagedesk.store.repositories import Repository, Store
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
        self._profiles: dict[str, Profile] = {}
        self._figures: dict[str, Expert] | None = None  # the experts' counted figures, until something changes
        self._counts: performance.Counts | None = None  # built on first use, then kept up to date
        self._recount: set[str] = set()  # request slots changed since
        self._counts_lock = threading.Lock()
        store.subscribe(self._counted_records_changed)
        self._live_report: Any = None  # app/live_report.LiveReport, counted on the first report, then kept in step
        self._live_lock = threading.Lock()

    def _counted_records_changed(self, changed: set[tuple[str, str]]) -> None:
        """On whichever thread wrote: note the requests to count again."""
        with self._counts_lock:
            for table, doc_id in changed:
                if table == "requests":
                    self._recount.add(doc_id)
                if table in ("requests", "experts"):
                    self._figures = None

    def counted_experts(self) -> list[Expert]:
        """Every expert (inactive too) with workload, reviews, turnaround and rating counted from the requests
        (`performance.Counts`): a counter that sync merges as a whole record would drift."""
        self.store.refresh()
        with self._counts_lock:
            if self._figures is None:
                table = self.store.requests.table
                if self._counts is None:
                    self._counts = performance.Counts()
                    fields = ("assigned_expert_id", "status", "completed_at", "assigned_at", "rating")
                    keys, columns = self.store.field_columns("requests", fields)  # no request parsed
                    for doc_id, *values in zip(keys, *columns, strict=True):
                        self._counts.put(doc_id, dict(zip(fields, values, strict=True)))
                else:
                    for doc_id in self._recount:
                        self._counts.put(doc_id, table.doc(int(doc_id)))
                self._recount.clear()
                self._figures = self._counts.figures(self.store.experts.all())
            return list(self._figures.values())

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

    def load_demo(self, parts: Iterable[Any], kinds: tuple[str, ...], note: str,
                  written: Callable[[Any], None] | None = None, folding: Callable[[], None] | None = None) -> None:
        """Write a generated demo history part by part, each part one durable write (an interrupted load leaves
        whole parts), with no compaction until the end, then fold the journal into the snapshot once so the next
        open is fast. `written(part)` is called after each part is committed, `folding()` before the fold."""
        journal = self.store.journal
        with journal.compaction_deferred():  # compacting every few MB would rewrite the growing snapshot each time
            for part in parts:
                with self.store.transaction():
                    for kind in kinds:
                        models = getattr(part, kind)
                        if models:
                            self.store.repository(kind).put_many(models, actor="demo", action="demo", note=note)
                gc.freeze()  # what is stored stays: the collector walking it after every part was a third of the time
                if written is not None:
                    written(part)
        if folding is not None:
            folding()
        try:
            journal.compact()
        except StoreError:
            pass  # the demo is committed in the journal, which stays in force; a later write compacts

    def follow(self, on_change: Callable[[Changes], None], interval: float,
               on_error: Callable[[Exception], None]) -> Follower:
        """Call `on_change` (on a thread) with what other processes changed; `.stop()` the result."""
        return Follower(self.store, on_change, interval, on_error=on_error).start()

    def audit_entries(self) -> list[AuditEntry]:
        return self.store.audit_log.all()

    # -- engine ---------------------------------------------------------------------------
    def scorer(self, name: str | None) -> Scorer:
        key = self.profile_override or name or self.default_profile
        if key not in self._scorers:
            self._scorers[key] = Scorer(self.profile(name))
        return self._scorers[key]

    def profile(self, name: str | None) -> Profile:
        """The profile an issue's `name` is scored with: its scorer's, without compiling the scorer (the queue's
        load from cached assessments needs only the profile: compiling two scorers' keyword patterns was ~5%)."""
        key = self.profile_override or name or self.default_profile
        if key in self._scorers:
            return self._scorers[key].profile
        if key not in self._profiles:
            self._profiles[key] = load_profile(key)
        return self._profiles[key]

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
        return Matcher(scorer.profile, scorer).match(issue, self.counted_experts(), at or self.clock())

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
        """The issue's latest request (an index lookup)."""
        return self.store.requests.latest_by("analysis_id", issue_id, lambda r: r.submitted_at)

    # -- lifecycle -------------------------------------------------------------------------
    def escalate(self, issue_id: str, actor: str, tier_id: str | None = None, notes: str | None = None,
                 again: bool = False, fresh: bool = False) -> ExpertRequest:
        """Open an expert request for an issue (pending payment or pending assignment).

        Refused while the issue already has an open request, unless `again` (a second, parallel request).
        `fresh`: the caller has just added the issue in this transaction, so it has no request and the check
        (a scan of every request) is skipped: the intake opens hundreds a second."""
        with self.store.transaction():
            now = self.clock()
            issue = self.store.issues.require(issue_id)
            held = None if (fresh or again) else self.open_request_for(issue_id)
            if held is not None:
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
        found = [r for r in self.store.requests.by("analysis_id", issue_id) if r.status in OPEN_STATUSES]
        return max(found, key=lambda r: r.submitted_at) if found else None

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
                updated = updated.model_copy(update={"refund_due": workflow.refund_due(due, now), "rating": rating})
            # the experts' workload and figures are counted from the requests (`experts()`): no counter to save
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
        """A new issue from the intake form, created now; without an id it gets the next in its profile's style."""
        with self.store.transaction():
            update: dict[str, Any] = {"created_at": self.clock()}
            if not issue.id:
                update["id"] = self.next_issue_id(issue.profile)
            return self.store.issues.add(issue.model_copy(update=update), actor=actor)

    def next_issue_id(self, profile: str | None) -> str:
        """`INC-000301`: the profile's prefix and one more than the highest number in use with it."""
        found = self.scorer(profile).profile
        prefix = found.id_prefix or found.name[:3].upper()
        head = prefix + "-"
        numbers = [int(key[len(head):]) for key in (str(d.get("id") or "") for d in self.store.issues.raw())
                   if key.startswith(head) and key[len(head):].isdigit()]
        return f"{head}{max(numbers, default=0) + 1:06d}"

    def profile_families(self) -> dict[str, str]:
        """Each profile's matching family: "weighted" (seed 000's fields) or "points" (seed 002's)."""
        return {name: self.scorer(name).profile.matching.model for name in self.profiles()}

    def running_session(self, request_id: str) -> Session | None:
        """The request's session that has not ended (at most one runs)."""
        return next((s for s in self.store.sessions.by("request_id", request_id)
                     if workflow.session_running(s.status)), None)

    def running_sessions(self, expert_id: str | None = None) -> list[Session]:
        """Every session that has not ended, newest first (one expert's only, when given)."""
        found = [s for status in sorted(workflow.RUNNING_SESSION_STATUSES)
                 for s in self.store.sessions.by("status", status)
                 if expert_id is None or s.expert_id == expert_id]
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
        entries = self.store.audit_log.by("action", "sync_conflict")
        return sorted(entries, key=lambda e: e.at, reverse=True)

    def senior_for(self, request: ExpertRequest) -> Expert:
        """The senior expert to escalate to: the best-matching expert of the highest level, not the current one."""
        issue = self.store.issues.get(request.analysis_id)
        scorer = self.scorer(request.profile or None)
        matcher = Matcher(scorer.profile, scorer)
        experts = [e for e in self.counted_experts()
                   if e.is_active and e.id != request.assigned_expert_id and matcher.works_profile(e)]
        if not experts:
            raise StoreError(f"no other active expert who works {scorer.profile.name} issues to escalate "
                             f"request {request.id} to")
        if issue is not None:  # a specialist of the issue when there is one (#12: never a non-specialist first)
            ranked = self.candidates(issue).ranked
            fitting = {c.expert_id for c in ranked if c.factors["specialization"].value > 0}
            experts = [e for e in experts if e.id in fitting] or experts
        top = max(LEVEL_ORDER[e.expertise_level] for e in experts)
        seniors = [e for e in experts if LEVEL_ORDER[e.expertise_level] == top]
        if issue is None:
            return seniors[0]
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
        """A session on the request, held on a channel that fits its profile, with the profile's participants."""
        request = self.store.requests.require(request_id)
        if not request.assigned_expert_id:
            raise StoreError(f"request {request_id} has no expert yet")
        expert = self.store.experts.get(request.assigned_expert_id)
        policy = self.scorer(request.profile or None).profile.session
        method = sessions.channel_for(policy.channels, expert.escalation_methods if expert else [], channel)
        session = sessions.initiate(request.analysis_id, request.assigned_expert_id, self.clock(), request.id, method,
                                    list(policy.participants))
        with self.store.transaction():
            if request.status == "assigned":
                self.act(request_id, "start", actor)
            return self.store.sessions.add(session, actor=actor, action="session_start")

    def acknowledge(self, request_id: str, actor: str, note: str = "") -> ExpertRequest:
        """The expert has seen the request (the unacknowledged-assignment clock stops), before any session."""
        return self.act(request_id, "acknowledge", actor, note=note)

    def session_awaiting_outcome(self, request_id: str) -> Session | None:
        """The request's latest ended session with no outcome yet (`o` after `E` records it). Index lookups only
        (a cursor move asks this): the request's sessions, and the outcomes of the request or of its sessions'
        issues (an outcome names both; one written without its request is still found by its issue)."""
        ended = [s for s in self.store.sessions.by("request_id", request_id) if s.status == "ended"]
        if not ended:
            return None
        outcomes = [*self.store.journal.lookup("outcomes", "request_id", request_id),
                    *(d for issue_id in {s.issue_id for s in ended}
                      for d in self.store.journal.lookup("outcomes", "issue_id", issue_id))]
        recorded = {d.get("session_id") for d in outcomes}
        waiting = [s for s in ended if s.id not in recorded]
        return max(waiting, key=lambda s: s.ended_at or s.started_at) if waiting else None

    def session_move(self, session_id: str, move: str, actor: str) -> Session:
        step = {"pause": sessions.pause, "resume": sessions.resume, "end": sessions.end}[move]
        with self.store.transaction():  # the session is read under the lock it is written under
            session = self.store.sessions.require(session_id)
            return self.store.sessions.save(step(session, self.clock()), actor=actor, action=f"session_{move}")

    def completes(self, session_id: str) -> bool:
        """Whether recording this session's outcome completes its request (then the final report is asked)."""
        session = self.store.sessions.get(session_id)
        request = self.store.requests.get(session.request_id) if session and session.request_id else None
        return request is not None and request.status == "in_review"

    def record_outcome(self, session_id: str, actor: str, resolution_achieved: bool, recommendations: list[str],
                       actions_taken: list[str], knowledge_gained: str, follow_up_needed: bool = False,
                       rating: int | None = None, final_report: str | None = None) -> tuple[Outcome, KnowledgeEntry]:
        """The session's outcome (ending it if it runs); when its request is in review this completes it,
        with seed 002's final report."""
        now = self.clock()
        with self.store.transaction():
            session = self.store.sessions.require(session_id)
            if any(d.get("session_id") == session_id for d in self.store.outcomes.raw()):
                raise UserError(f"session {session_id} already has its outcome")
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
                    done = self.act(request.id, "complete", actor, rating=rating)
                    if final_report and final_report.strip():
                        self.store.requests.save(done.model_copy(update={"final_report": final_report.strip()}),
                                                 actor=actor, action="final_report")
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
        held = [r for status in statuses for r in self.store.requests.by("status", status)]
        for request in held:
            profile = self.scorer(request.profile or None).profile
            expert = experts.get(request.assigned_expert_id or "")
            timer = sla.clock(request, profile, expert, now)
            out.append((request, timer, workflow.suggestions(request, timer.state, expert, now)))
        out.sort(key=lambda item: item[1].fraction_left if item[1].state != "breached"
                 else -1 + item[1].left_minutes / 1e9)
        return out

    def report(self, days: int, now: datetime | None = None) -> dict[str, Any]:
        """`analytics.report` of the store: counted once from its stored columns, then kept in step with its
        changes (app/live_report.py), so the analytics tab never recounts."""
        from triagedesk.app.live_report import LiveReport

        with self._live_lock:
            if self._live_report is None:
                self._live_report = LiveReport(self.store, self.rates(), deferred=True)
            live = self._live_report
        return live.report(days, now or self.clock())

    def rates(self) -> dict[str, float]:
        """The expert hourly rate of each profile (what the report costs the experts' time at)."""
        return {name: self.profile(name).expert_hourly_rate for name in self.profiles()}

    def package(self, issue_id: str) -> str:
        issue = self.store.issues.require(issue_id)
        request = self.request_for(issue_id)
        expert = self.store.experts.get(request.assigned_expert_id) if request and request.assigned_expert_id else None
        issue_sessions = self.store.sessions.by("issue_id", issue_id)
        outcome = next(iter(self.store.outcomes.by("issue_id", issue_id)), None)
        ctx = package.PackageContext(issue, self.decide(issue), request, expert, issue_sessions, outcome, self.clock())
        return package.build(ctx)

    # -- one issue in full, every issue, edits --------------------------------------------------------
    def audit_of(self, targets: Collection[str]) -> list[AuditEntry]:
        """The audit trail of these records, oldest first (an index lookup per record)."""
        found = [entry for target in dict.fromkeys(targets) for entry in self.store.audit_log.by("target_id", target)]
        return sorted(found, key=lambda e: e.at)

    def issue_record(self, issue_id: str) -> IssueRecord:
        """Everything about one issue: what the issue screen and `triagedesk show` print."""
        return issue_view.issue_record(self, issue_id)

    def search_issues(self, text: str, limit: int = 500) -> list[Found]:
        """Every issue (closed included) whose id, title, description, requester or assignee holds `text`."""
        return issue_search.search(self.store, text, limit)

    def edit(self, kind: str, key: str, changes: dict[str, Any], actor: str, note: str = "") -> BaseModel:
        """Edit an issue (`issues`) or an expert (`experts`): validated per field, one audited write."""
        return editing.edit(self, kind, key, changes, actor, note)

    def works_profile(self, expert: Expert, profile: str | None) -> bool:
        """The expert's specialisations meet the profile's categories (the matcher's rule)."""
        scorer = self.scorer(profile)
        return Matcher(scorer.profile, scorer).works_profile(expert)

    def experts_for(self, issue_ids: Collection[str]) -> list[Expert]:
        """Active experts who can work at least one of these issues' profiles, by name."""
        profiles = {issue.profile for key in issue_ids if (issue := self.store.issues.get(key)) is not None}
        return [e for e in self.experts() if any(self.works_profile(e, p) for p in profiles)]

    def expert(self, expert_id: str) -> Expert | None:
        """One expert, with the figures counted from the requests."""
        if expert_id not in self.store.experts:
            return None
        return next((e for e in self.counted_experts() if e.id == expert_id), None)

    def experts(self, active_only: bool = True) -> list[Expert]:
        """The expert network, by name, with the figures counted from the requests."""
        found = [e for e in self.counted_experts() if e.is_active or not active_only]
        return sorted(found, key=lambda e: ((e.name or e.id).lower(), e.id))

    def knowledge_for(self, text: str, limit: int = 5) -> list[Hit]:
        return self.store.search_knowledge(text, limit)

    def warm(self) -> None:
        """Build the store's indexes and the experts' counted figures ahead of the first lookup (call it from a
        worker once the queue shows), so the first cursor move pays for neither."""
        self.store.warm_indexes()
        self.counted_experts()
