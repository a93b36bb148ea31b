"""What the dispatcher and the intake do to the store: policy steps, the outbox, intake with dedup, ack links.

Each step is written with its audit entry and its notifications in one durable write, under the store's lock,
and its audit entry's id comes from the step's key: a step already in the store is never taken again, whoever
took it (another dispatcher on the same file, or this one before a crash).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial

from triagedesk.app.ack_door import AckDoor
from triagedesk.app.alert_intake import AlertDoor
from triagedesk.app.desk import Desk
from triagedesk.app.dispatch_port import AckUrl, Changes, StepResult
from triagedesk.app.intake import IntakeDoor
from triagedesk.app.outbox import OutboxDoor, outbox_id, step_audit_id
from triagedesk.domain import instants
from triagedesk.domain.intake.alertmanager import PROFILE
from triagedesk.domain.intake.rules import Intake
from triagedesk.domain.models import Expert, Issue
from triagedesk.domain.records import (
    OPEN_STATUSES,
    AuditEntry,
    ExpertRequest,
    NoticeKind,
    OutboxMessage,
    Outcome,
    Session,
)
from triagedesk.domain.requests import notices, policy, policy_replay, steps
from triagedesk.domain.requests.actions import Actor, Refusal
from triagedesk.domain.requests.plan import Intent, Plan, Situation, plan
from triagedesk.domain.requests.states import CLOSED_STATUSES
from triagedesk.domain.scoring.profiles import Profile
from triagedesk.store.repositories import Store, model_fields

ACTOR = "dispatcher"
DISPATCHER = Actor(ACTOR, "dispatcher")
"""Who acknowledges through a link (the dispatcher's door: the table lets it acknowledge for the expert)."""
CLOSED = CLOSED_STATUSES
MAX_STEPS = 16
"""Steps one request may owe at once (a long outage); a pass takes them all, in order, up to this many."""


def contact_for(expert: Expert) -> tuple[str, str] | None:
    """The channel to reach an expert: the first of their escalation methods with a contact, else any contact,
    else their email address."""
    for method in expert.escalation_methods:
        if expert.contacts.get(method):
            return method, expert.contacts[method]
    for method, target in expert.contacts.items():
        if target:
            return method, target
    if expert.email:
        return "email", expert.email
    return None


class StoreChanges:
    """The store's change feed, and nothing else of the store (the dispatcher's `changes`)."""

    def __init__(self, store: Store) -> None:
        self._subscribe = store.subscribe

    def subscribe(self, listener: Callable[[Changes], None]) -> Callable[[], None]:
        return self._subscribe(listener)


class Dispatching(OutboxDoor, IntakeDoor, AlertDoor, AckDoor):
    """The dispatcher's and the intake's door to the store (through the Desk); every call is thread-safe."""

    def __init__(self, desk: Desk, coordinator_contact: str | None = None) -> None:
        self.desk = desk
        self.lock = threading.RLock()
        self.coordinator_contact = coordinator_contact
        self._last_auto: dict[str, str] = {}
        self._dedup: dict[str, str] = {}
        self._dedup_at = -1   # the store's version the dedup index was last in step with
        self._waiting: dict[str, datetime | str] = {}
        self.changes = StoreChanges(desk.store)

    @property
    def store(self) -> Store:  # the app layer's own handle; the dispatcher package never touches it
        return self.desk.store

    def alert_rules(self) -> Intake:
        """The noise rules Alertmanager's alerts are read under (the alertmanager profile's `[intake]`)."""
        return self.desk.engine.profile(PROFILE).intake

    def close(self) -> None:
        self.store.close()

    @contextmanager
    def _at(self, now: datetime) -> Iterator[None]:
        """The lock held, the store's write lock held, and the desk's clock at `now` (the dispatcher's time)."""
        with self.lock, self.store.transaction():
            before = self.desk.clock
            self.desk.clock = lambda: now
            try:
                yield
            finally:
                self.desk.clock = before

    # -- reading ---------------------------------------------------------------------------------------
    def profile(self, request: ExpertRequest) -> Profile:
        return self.desk.engine.profile(request.profile or None)

    def open_requests(self, completed_since: datetime | None = None) -> list[ExpertRequest]:
        """Open requests, and those completed since `completed_since` (they may owe a follow-up)."""
        since = instants.stamp(completed_since) if completed_since else None
        with self.lock:
            return [ExpertRequest.model_validate(model_fields(d)) for d in self.store.requests.raw()
                    if d.get("status") in OPEN_STATUSES
                    or (since and d.get("status") == "completed" and str(d.get("completed_at") or "") >= since)]

    def request(self, request_id: str) -> ExpertRequest | None:
        with self.lock:
            return self.store.requests.get(request_id)

    def expert(self, expert_id: str | None) -> Expert | None:
        if not expert_id:
            return None
        with self.lock:
            return self.store.experts.get(expert_id)

    def step_history(self) -> dict[str, list[policy.StepDone]]:
        """Every step taken so far, by request (one scan of the audit log, at start)."""
        out: dict[str, list[policy.StepDone]] = {}
        with self.lock:
            for doc in self.store.audit_log.raw():
                if doc.get("actor") != ACTOR or not str(doc.get("action", "")).startswith("policy:"):
                    continue
                after = doc.get("after") or {}
                out.setdefault(doc.get("target_id", ""), []).append(
                    policy.StepDone(str(after.get("kind", "")), str(after.get("step", "")), after.get("expert")))
        return out

    def changed_requests(self, changes: Iterable[tuple[str, str]]) -> set[str]:
        """The ids of the requests among a store change notice."""
        out: set[str] = set()
        with self.lock:
            table = self.store.requests.table
            for name, doc_id in changes:
                if name == "requests":
                    doc = table.doc(doc_id)
                    if doc is not None and isinstance(doc.get("id"), str):
                        out.add(doc["id"])
        return out

    def refresh(self) -> None:
        with self.lock:
            self.store.refresh()

    def policy_steps(self, request: ExpertRequest, history: list[policy.StepDone],
                     now: datetime | None = None) -> list[policy.Step]:
        """The policy's steps for the request as it stands (none taken yet); a follow-up only when the coordinators
        have a contact to send it to."""
        steps = policy.plan(request, self.profile(request), self.expert(request.assigned_expert_id), history, now,
                            self.desk.oncall.calendars())
        return steps if self.coordinator_contact else [s for s in steps if s.kind != "follow_up"]

    def plan_for(self, request: ExpertRequest, history: list[policy.StepDone],
                 now: datetime | None = None) -> list[policy.Step]:
        """The policy's plan for a request. Given `now`, as the next pass leaves it: the steps that pass takes (walked
        through the action table, nothing written), then the steps of the request it leaves (`policy explain`'s
        "later" is what the pass brings: an assignment's acknowledge and at-risk steps)."""
        if now is None:
            return self.policy_steps(request, history)
        walked, after, seen = self._walk(request.id, now, lambda _r: None, list(history), False, request)
        later = self.policy_steps(after, seen, now) if after is not None else []
        return [r.step for r in walked] + [s for s in later if s.due > now]

    def due_step(self, request: ExpertRequest, history: list[policy.StepDone], now: datetime,
                 tried: frozenset[str] = frozenset()) -> policy.Step | None:
        """The first step whose time has come, but those `tried` in this walk (a breach makes an at-risk notice
        moot: `policy.plan`)."""
        due = [s for s in self.policy_steps(request, history, now) if s.due <= now and s.key not in tried]
        return due[0] if due else None

    def next_due(self, request: ExpertRequest, history: list[policy.StepDone], now: datetime) -> datetime | None:
        steps = self.policy_steps(request, history, now)
        return steps[0].due if steps else None

    def replay(self, profile: Profile, now: datetime, days: int) -> policy_replay.PolicyReplay:
        """`profile`'s policy over the requests submitted in the last `days` days."""
        since = now - timedelta(days=days)
        with self.lock:
            requests = [ExpertRequest.model_validate(model_fields(d)) for d in self.store.requests.raw()
                        if d.get("profile") == profile.name]
            experts = dict(self.desk.figures.counted())
        return policy_replay.replay(profile, [r for r in requests if since <= r.submitted_at <= now], experts, now)

    # -- acting ----------------------------------------------------------------------------------------
    def walk(self, request_id: str, now: datetime, ack_url: AckUrl, history: list[policy.StepDone],
             write: bool = True) -> list[StepResult]:
        """Every step due for the request at `now`, in order, each planned by the action table and (when `write`)
        applied in one durable write with its audit entry and messages. `write=False` is `policy explain`: the same
        walk over the same rules, nothing written, so it shows exactly what the next pass takes. An auto-assignment
        that finds nobody stays due (the next pass tries again) and the walk goes on to the steps after it."""
        taken, _after, seen = self._walk(request_id, now, ack_url, history, write)
        if write:
            history[:] = seen
        return taken

    def _walk(self, request_id: str, now: datetime, ack_url: AckUrl, history: list[policy.StepDone], write: bool,
              start: ExpertRequest | None = None) -> tuple[list[StepResult], ExpertRequest | None,
                                                           list[policy.StepDone]]:
        """`walk`, returning also the request as the walk leaves it and the steps known taken."""
        taken: list[StepResult] = []
        seen = list(history)
        tried: set[str] = set()
        with self._at(now):
            request = start or self.store.requests.get(request_id)
            if request is None:
                return taken, None, seen
            situation: Situation | None = None
            for _ in range(MAX_STEPS):
                step = self.due_step(request, seen, now, frozenset(tried))
                if step is None:
                    break
                if write and self._taken_elsewhere(step, seen):
                    request = self.store.requests.get(request_id) or request
                    situation = None
                    continue
                if situation is None and request.analysis_id in self.store.issues:
                    situation = self.desk.commands.situation(Intent("assign", request.analysis_id, request.id),
                                                             ranked=True)
                result, after = self._take(step, request, situation, now, ack_url, write)
                taken.append(result)
                if result.action == "none":  # nobody to assign it to: tried again by the next pass
                    tried.add(step.key)
                    continue
                seen.append(policy.StepDone(step.kind, step.key, result.missed))
                if after is not None and after is not request:
                    request = after
                    situation = replace(situation, request=after, now=now) if situation is not None else None
        return taken, request, seen

    def _taken_elsewhere(self, step: policy.Step, seen: list[policy.StepDone]) -> bool:
        """Another dispatcher (or this one before a crash) took the step: learn it, and go on."""
        found = self.store.audit_log.get(step_audit_id(step.key))
        if found is None:
            return False
        after = found.after or {}
        seen.append(policy.StepDone(str(after.get("kind", step.kind)), step.key, after.get("expert")))
        return True

    def _take(self, step: policy.Step, request: ExpertRequest, situation: Situation | None, now: datetime,
              ack_url: AckUrl, write: bool) -> tuple[StepResult, ExpertRequest | None]:
        """One step: the intent it asks of the table, planned; written with its audit entry and messages."""
        profile = self.profile(request)
        intent = steps.intent_for(step, situation, self._last_auto.get(profile.name)) if situation else None
        planned = plan(situation, DISPATCHER, intent) if intent is not None and situation is not None else None
        missed = request.assigned_expert_id if step.kind in policy.MISSED_ACK else None
        if isinstance(planned, Plan):
            after = planned.request or request
            action = intent.action if intent is not None else "notify"
        elif step.kind == "auto_assign":  # nobody qualifies: a coordinator is told, once; the step stays due
            why = planned.reason if isinstance(planned, Refusal) else "no available specialist"
            result = StepResult(step, request.id, "none", None, 0, missed, why)
            told = self._coordinator(f"{step.key}:nobody", notices.coordinator(
                self.store.issues.get(request.analysis_id), request, f"nobody can be assigned: {why}"), request, now)
            if write and told.id not in self.store.outbox:
                self.store.outbox.add(told)
                result.messages = 1
            return result, None
        else:  # a notice, or nobody can take it over: the coordinators are told why
            after, action = request, "notify"
        reason = planned.text if isinstance(planned, Refusal) else step.reason
        result = StepResult(step, request.id, action, after.assigned_expert_id, 0, missed, reason)
        if not write:
            return result, after
        if isinstance(planned, Plan):
            self.desk.commands.apply(planned, DISPATCHER)
            if planned.intent.action == "assign":
                self._last_auto[profile.name] = planned.intent.expert_id or ""
        previous = self.expert(request.assigned_expert_id)
        holder = self.expert(after.assigned_expert_id)
        messages = self._messages(step, after, holder, previous, now, ack_url, reason)
        for message in messages:
            if message.id not in self.store.outbox:
                self.store.outbox.add(message)
        self.store.audit_log.add(AuditEntry(
            id=step_audit_id(step.key), at=now, actor=ACTOR, action=f"policy:{step.kind}", kind="requests",
            target_id=request.id, before=None,
            after={"kind": step.kind, "step": step.key, "expert": missed, "to": after.assigned_expert_id,
                   "action": action, "refund_exposure": step.refund_exposure},
            note=reason))
        result.messages = len(messages)
        return result, after

    def _messages(self, step: policy.Step, request: ExpertRequest, holder: Expert | None, previous: Expert | None,
                  now: datetime, ack_url: AckUrl, reason: str) -> list[OutboxMessage]:
        out: list[tuple[str, Callable[[Expert | None, notices.Cover | None], notices.Notice]]] = []
        changed_hands = holder is not None and (previous is None or previous.id != holder.id)
        issue = self.store.issues.get(request.analysis_id)
        if step.kind in ("auto_assign", "ack_reassign", "ack_senior") and holder is not None and changed_hands \
                and issue is not None:
            made = notices.assignment(issue, self.desk.engine.decide(issue), request, holder, ack_url(request),
                                      reassigned_from=previous.name or previous.id if previous else None,
                                      package_text=self.desk.queries.package(issue.id or request.analysis_id))
            out.append((made.kind, lambda _to, _cover: made))
        elif step.kind == "breach_senior" and changed_hands:
            out.append(("breach", lambda to, cover: notices.breach(
                issue, request, to, previous.name if previous else None, step.refund_exposure, ack_url(request),
                cover)))
        elif step.kind == "at_risk_notice" and holder is not None:
            timer = self.desk.queries.clocks_of(request, now).clocks
            left = next((c.left_minutes for c in timer if c.target == "resolve"), 0.0)
            out.append(("at_risk", lambda to, cover: notices.at_risk(issue, request, to, left, ack_url(request),
                                                                     cover)))
        if step.kind == "follow_up":
            return self._follow_up(step, request, holder, issue, now)
        found = [self.desk.oncall.page(kind, holder, issue, request.urgency, now,
                                       partial(self._page_for, step.key, make, request, now)) for kind, make in out]
        nobody = step.kind in ("ack_reassign", "ack_senior", "breach_senior") and not changed_hands
        refund = step.refund_exposure and step.kind == "breach_senior"
        if step.kind in ("ack_flag", "breach_flag") or nobody or refund:
            notice = notices.coordinator(issue, request, reason, step.refund_exposure)
            found.append(self._coordinator(step.key, notice, request, now))
        return [m for m in found if m is not None]

    def _follow_up(self, step: policy.Step, request: ExpertRequest, expert: Expert | None, issue: Issue | None,
                   now: datetime) -> list[OutboxMessage]:
        """Seed 000's follow-up, when the request has an outcome and the coordinators have a contact."""
        if issue is None or not self.coordinator_contact:
            return []
        outcomes = [Outcome.model_validate(model_fields(d)) for d in self.store.outcomes.raw()
                    if d.get("request_id") == request.id]
        if not outcomes:
            return []
        sessions = [Session.model_validate(model_fields(d)) for d in self.store.sessions.raw()
                    if d.get("request_id") == request.id]
        notice = notices.follow_up(issue, self.desk.engine.decide(issue), request, expert, sessions,
                                   max(outcomes, key=lambda o: o.created_at))
        return [self._coordinator(step.key, notice, request, now, kind="follow_up")]

    def _page_for(self, event: str, make: Callable[[Expert | None, notices.Cover | None], notices.Notice],
                  request: ExpertRequest, now: datetime, to: Expert | None,
                  cover: notices.Cover | None) -> OutboxMessage | None:
        """The page for its recipient: the holder, or (with `cover`) whoever is on call for them."""
        return self._outbox(event, make(to, cover), request, to, now)

    def _outbox(self, event: str, notice: notices.Notice, request: ExpertRequest, expert: Expert | None,
                now: datetime) -> OutboxMessage | None:
        if expert is None:
            return None
        contact = contact_for(expert)
        method, target = contact if contact else ("", "")
        return OutboxMessage(id=outbox_id(event, expert.id), event=event, kind=notice.kind,
                             request_id=request.id, expert_id=expert.id, method=method, target=target,
                             subject=notice.subject, body=notice.body, attachment_name=notice.attachment_name,
                             attachment=notice.attachment, created_at=now, next_attempt_at=now,
                             status="pending" if target else "failed",
                             last_error=None if target else f"expert {expert.id} has no contact")

    def _coordinator(self, event: str, notice: notices.Notice, request: ExpertRequest,
                     now: datetime, kind: NoticeKind = "coordinator") -> OutboxMessage:
        target = self.coordinator_contact or ""
        return OutboxMessage(id=outbox_id(event, "coordinator"), event=event, kind=kind,
                             request_id=request.id, method="coordinator", target=target, subject=notice.subject,
                             body=notice.body, attachment_name=notice.attachment_name, attachment=notice.attachment,
                             created_at=now, next_attempt_at=now,
                             status="pending" if target else "failed",
                             last_error=None if target else "no coordinator contact (TRIAGEDESK_COORDINATOR_URL)")



def open_dispatching(path: str, create: bool = True, coordinator_contact: str | None = None,
                     profile_override: str | None = None) -> Dispatching:
    """A Dispatching over the store at `path` (the dispatcher and its commands never open the store themselves)."""
    from triagedesk.store.database import open_store

    return Dispatching(Desk(open_store(path, create=create), profile_override=profile_override),
                       coordinator_contact)


__all__ = ["AckUrl", "Dispatching", "StepResult", "open_dispatching"]
