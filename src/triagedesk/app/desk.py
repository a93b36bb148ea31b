"""The desk's operations: domain rules applied to the store, one durable, audited write each.

The CLI and the TUI both call these; no rule lives here that the domain does not define.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any

from triagedesk.domain.insight import analytics, package
from triagedesk.domain.requests import lifecycle, performance, sessions, sla
from triagedesk.domain.scoring.escalation import Scorer
from triagedesk.domain.insight.knowledge import Hit
from triagedesk.domain.routing.matching import LEVEL_ORDER, Matcher
from triagedesk.domain.models import Decision, Expert, Issue, Match
from triagedesk.domain.records import HELD_STATUSES, Correction, ExpertCorrection, ExpertRequest, KnowledgeEntry, Outcome, Session, utcnow
from triagedesk.resources import load_profile
from triagedesk.store.errors import StoreError
from triagedesk.store.repositories import Store


class Desk:
    """Operations over one store, with one compiled scorer per profile."""

    def __init__(self, store: Store, clock: Callable[[], datetime] = utcnow,
                 profile_override: str | None = None) -> None:
        self.store = store
        self.clock = clock
        self.profile_override = profile_override
        self._scorers: dict[str, Scorer] = {}

    # -- engine ---------------------------------------------------------------------------
    def scorer(self, name: str | None) -> Scorer:
        key = self.profile_override or name or "infrastructure"
        if key not in self._scorers:
            self._scorers[key] = Scorer(load_profile(key))
        return self._scorers[key]

    def decide(self, issue: Issue) -> Decision:
        return self.scorer(issue.profile).decide(issue)

    def candidates(self, issue: Issue, at: datetime | None = None) -> Match:
        scorer = self.scorer(issue.profile)
        return Matcher(scorer.profile, scorer).match(issue, self.store.experts.all(), at or self.clock())

    def request_for(self, issue_id: str) -> ExpertRequest | None:
        """The issue's latest request (an index lookup)."""
        return self.store.requests.latest_by("analysis_id", issue_id, lambda r: r.submitted_at)

    # -- lifecycle -------------------------------------------------------------------------
    def escalate(self, issue_id: str, actor: str, tier_id: str | None = None, notes: str | None = None) -> ExpertRequest:
        """Open an expert request for an issue (pending payment or pending assignment)."""
        now = self.clock()
        issue = self.store.issues.require(issue_id)
        scorer = self.scorer(issue.profile)
        decision = scorer.decide(issue)
        request = lifecycle.open_request(issue, decision, scorer.profile, now, actor, tier_id, notes)
        request = request.model_copy(update={"due_at": sla.due_at(request, scorer.profile, None)})
        return self.store.requests.add(request, actor=actor, action="escalate", note=notes or "")

    def act(self, request_id: str, action: str, actor: str, expert_id: str | None = None,
            note: str = "", rating: int | None = None) -> ExpertRequest:
        """Apply a lifecycle action; due times, refunds and expert figures follow the domain's rules."""
        now = self.clock()
        with self.store.transaction():
            request = self.store.requests.require(request_id)
            profile = self.scorer(request.profile or None).profile
            current = self.store.experts.get(request.assigned_expert_id) if request.assigned_expert_id else None
            expert = self.store.experts.require(expert_id) if expert_id else None
            paused = sla.paused_working_minutes(request, profile, current, now)
            updated = lifecycle.transition(request, action, now, expert, paused_minutes=paused)
            holder = expert or current
            if action in ("assign", "reassign", "resume"):
                effort = self.decide(self.store.issues.require(request.analysis_id)).estimated_expert_minutes \
                    if request.analysis_id in self.store.issues else None
                updated = updated.model_copy(update={"due_at": sla.due_at(updated, profile, holder, effort)})
            if action == "complete":
                due = updated.due_at or sla.due_at(updated, profile, holder)
                updated = updated.model_copy(update={"refund_due": now > due})
                if holder is not None:
                    self.store.experts.save(performance.after_completion(holder, updated, rating), actor=actor,
                                            action="performance", note=f"completed {request_id}")
            if action in ("assign", "reassign") and expert is not None:
                self.store.experts.save(expert.model_copy(update={"current_workload": expert.current_workload + 1}),
                                        actor=actor, action="workload", note=f"{action} {request_id}")
                if action == "reassign" and current is not None:
                    self.store.experts.save(current.model_copy(update={"current_workload": max(current.current_workload - 1, 0)}),
                                            actor=actor, action="workload", note=f"reassigned {request_id}")
            return self.store.requests.save(updated, actor=actor, action=action, note=note)

    def senior_for(self, request: ExpertRequest) -> Expert:
        """The senior expert to escalate to: the best-matching expert of the highest level, not the current one."""
        issue = self.store.issues.get(request.analysis_id)
        experts = [e for e in self.store.experts.all() if e.is_active and e.id != request.assigned_expert_id]
        if not experts:
            raise StoreError(f"no other active expert to escalate request {request.id} to")
        top = max(LEVEL_ORDER[e.expertise_level] for e in experts)
        seniors = [e for e in experts if LEVEL_ORDER[e.expertise_level] == top]
        if issue is None:
            return seniors[0]
        ranked = self.candidates(issue).ranked
        order = {c.expert_id: n for n, c in enumerate(ranked)}
        return min(seniors, key=lambda e: order.get(e.id, len(order)))

    def escalate_to_senior(self, request_id: str, actor: str, note: str = "") -> ExpertRequest:
        request = self.store.requests.require(request_id)
        senior = self.senior_for(request)
        action = "assign" if request.status == "pending_assignment" else "reassign"
        with self.store.transaction():
            updated = self.act(request_id, action, actor, senior.id, note or "escalated to a senior expert")
            return self.store.requests.save(updated.model_copy(update={"escalated_to_senior": True}), actor=actor,
                                            action="escalate_senior", note=note)

    # -- sessions, outcomes, corrections -------------------------------------------------------------
    def start_session(self, request_id: str, actor: str, channel: str | None = None) -> Session:
        request = self.store.requests.require(request_id)
        if not request.assigned_expert_id:
            raise StoreError(f"request {request_id} has no expert yet")
        expert = self.store.experts.get(request.assigned_expert_id)
        method = channel or (expert.escalation_methods[0] if expert and expert.escalation_methods else "video_conference")
        session = sessions.initiate(request.analysis_id, request.assigned_expert_id, self.clock(), request.id, method)
        with self.store.transaction():
            if request.status == "assigned":
                self.act(request_id, "start", actor)
            return self.store.sessions.add(session, actor=actor, action="session_start")

    def session_move(self, session_id: str, move: str, actor: str) -> Session:
        session = self.store.sessions.require(session_id)
        step = {"pause": sessions.pause, "resume": sessions.resume, "end": sessions.end}[move]
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

    # -- what the panes show -------------------------------------------------------------------------
    def clocks(self, statuses: Collection[str] = HELD_STATUSES) -> list[tuple[ExpertRequest, sla.SlaClock, list[str]]]:
        now = self.clock()
        experts = {e.id: e for e in self.store.experts.all()}
        out = []
        held = [r for status in statuses for r in self.store.requests.by("status", status)]
        for request in held:
            profile = self.scorer(request.profile or None).profile
            expert = experts.get(request.assigned_expert_id or "")
            timer = sla.clock(request, profile, expert, now)
            out.append((request, timer, sla.suggestions(request, timer, expert, now)))
        out.sort(key=lambda item: item[1].fraction_left if item[1].state != "breached" else -1 + item[1].left_minutes / 1e9)
        return out

    def report(self, days: int, now: datetime | None = None) -> dict[str, Any]:
        rates = {name: self.scorer(name).profile.expert_hourly_rate for name in ("infrastructure", "appraisal")}
        return analytics.report(self.store.requests.all(), self.store.experts.all(), self.store.corrections.all(),
                                self.store.outcomes.all(), rates, now or self.clock(), days)

    def package(self, issue_id: str) -> str:
        issue = self.store.issues.require(issue_id)
        request = self.request_for(issue_id)
        expert = self.store.experts.get(request.assigned_expert_id) if request and request.assigned_expert_id else None
        issue_sessions = self.store.sessions.by("issue_id", issue_id)
        outcome = next(iter(self.store.outcomes.by("issue_id", issue_id)), None)
        ctx = package.PackageContext(issue, self.decide(issue), request, expert, issue_sessions, outcome, self.clock())
        return package.build(ctx)

    def knowledge_for(self, text: str, limit: int = 5) -> list[Hit]:
        return self.store.search_knowledge(text, limit)

    def warm(self) -> None:
        """Build the store's indexes ahead of the first lookup (call it from a worker once the queue shows)."""
        self.store.warm_indexes()

    def running_sessions(self, expert_id: str | None = None) -> list[Session]:
        """Sessions in progress (of one expert), newest first: an index lookup."""
        running = [s for s in self.store.sessions.by("status", "active")
                   if expert_id is None or s.expert_id == expert_id]
        return sorted(running, key=lambda s: s.started_at, reverse=True)
