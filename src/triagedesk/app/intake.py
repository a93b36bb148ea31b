"""The intake as the dispatcher's HTTP side uses it: issues taken in (new ones escalated at once), repeats folded
into the open issue with their dedup key, an existing id never overwritten, alerts resolved at their end."""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

from triagedesk.app.desk import Desk
from triagedesk.domain import instants
from triagedesk.domain.errors import UserError
from triagedesk.domain.intake.repeats import folded, latest
from triagedesk.domain.models import URGENCY_RANK, Issue
from triagedesk.domain.requests import moves
from triagedesk.domain.requests.actions import Actor
from triagedesk.domain.requests.states import CLOSED_STATUSES
from triagedesk.store.repositories import Store

CLOSED = CLOSED_STATUSES


class IssueExists(UserError):
    """A POST naming an issue that exists, without the dedup_key that would make it a repeat (HTTP 409)."""


def _watch(verdict: object, held_until: datetime | None, window_id: object) -> datetime | str | None:
    """What the intake's clock watches an alert issue for: a hold's end, a maintenance window's id, or nothing."""
    if verdict == "held" and held_until is not None:
        return held_until
    if verdict == "maintenance" and isinstance(window_id, str) and window_id:
        return window_id
    return None


class IntakeDoor:
    """Part of `Dispatching`: intake with dedup, under the dispatcher's lock and the store's."""

    lock: threading.RLock

    @property
    def store(self) -> Store:  # Dispatching's
        raise NotImplementedError
    desk: Desk
    _dedup: dict[str, str]
    _waiting: dict[str, datetime | str]
    _dedup_at: int
    _at: Callable[[datetime], AbstractContextManager[None]]

    def take_in(self, issues: list[Issue], now: datetime, actor: str = "intake") -> list[dict[str, Any]]:
        """Add issues (or fold each into the open issue with its dedup key) and open a request for those that
        escalate, all in one durable write. Returns per issue: id, whether it was new, its count."""
        with self.lock:
            try:
                out = self._take_in(issues, now, actor)
            except BaseException:
                self._dedup_at = -1  # rolled back: the index may hold keys that were not written
                raise
            self._in_step()
            return out

    def _take_in(self, issues: list[Issue], now: datetime, actor: str) -> list[dict[str, Any]]:
        with self._at(now):
            open_keys = self._open_dedup_keys()
            out: list[dict[str, Any]] = []
            for index, issue in enumerate(issues):
                key = issue.dedup_key
                current_id = open_keys.get(key) if key else None
                if current_id is None and issue.id is not None and issue.id in self.store.issues:
                    current_id = issue.id
                    if not key or self.store.issues.require(issue.id).dedup_key != key:
                        where = f"[{index}]: " if len(issues) > 1 else ""
                        raise IssueExists(f"body: {where}id: issue {issue.id!r} exists already (a POST never "
                                          "overwrites an issue; the same dedup_key updates it)")
                if current_id is not None:
                    merged = folded(self.store.issues.require(current_id), issue, now)
                    self.store.issues.save(merged, actor=actor, action="dedup", note=f"repeat of {key}")
                    out.append({"id": merged.id, "new": False, "count": merged.count,
                                "request_id": self._after_repeat(merged, actor, f"repeat of {key}")})
                    continue
                fresh = issue.model_copy(update={"created_at": issue.created_at or now,
                                                 "last_seen": issue.last_seen or issue.created_at or now})
                fresh = self.store.issues.add(fresh, actor=actor, action="intake")
                assert fresh.id is not None
                if key:
                    open_keys[key] = fresh.id
                request_id = None
                if self.desk.engine.scorer(fresh.profile).assess(fresh).should_escalate:  # the compiled fast path
                    request_id = self.desk.commands.escalate(fresh.id, Actor(actor, "dispatcher")).id
                out.append({"id": fresh.id, "new": True, "count": fresh.count, "request_id": request_id})
            return out

    def _after_repeat(self, issue: Issue, actor: str, why: str, may_open: bool = True) -> str | None:
        """A repeat that makes its issue more urgent moves the issue's open request to that urgency (its resolve
        target earlier, never later: `moves.raised`), audited, so the policy treats it as it would a new request
        of that urgency; an issue with no request that now escalates gets one. Returns the open request's id."""
        assert issue.id is not None
        request = self.desk.queries.open_request_for(issue.id)
        scorer = self.desk.engine.scorer(issue.profile)
        quick = scorer.assess(issue)  # the compiled fast path: most repeats change nothing
        if request is None:
            if not quick.should_escalate or not may_open:
                return None
            return self.desk.commands.escalate(issue.id, Actor(actor, "dispatcher"), notes=why).id
        if quick.urgency_rank >= URGENCY_RANK[request.urgency]:
            return request.id
        raised = moves.raised(request, scorer.profile, scorer.decide(issue))
        if raised is not None:
            self.store.requests.save(raised, actor=actor, action="urgency_raised",
                                     note=f"{why}: {request.urgency} -> {raised.urgency}")
        return request.id

    def resolve_alert(self, dedup_key: str, ended_at: datetime, now: datetime,
                      actor: str = "alertmanager") -> str | None:
        """Note on the open issue with this key that its alert resolved at `ended_at` (Alertmanager's `endsAt`);
        its last_seen moves to that time, never backwards."""
        with self._at(now):
            issue_id = self._open_dedup_keys().get(dedup_key)
            if issue_id is None:
                return None
            issue = self.store.issues.require(issue_id)
            self.store.issues.save(issue.model_copy(update={"last_seen": latest(issue.last_seen, ended_at)}),
                                   actor=actor, action="alert_resolved",
                                   note=f"alert {dedup_key} resolved at {instants.stamp(ended_at)}")
            return issue_id

    def _open_dedup_keys(self) -> dict[str, str]:
        """Dedup key -> open issue, rebuilt (a scan) only when someone else wrote since the intake last did; with
        it, the issues the intake's clock watches (held by a pause or a maintenance window)."""
        if self._dedup_at != self.store.journal.version:
            closed = {d.get("analysis_id") for d in self.store.requests.raw() if d.get("status") in CLOSED}
            self._dedup, self._waiting = {}, {}
            for d in self.store.issues.raw():
                if d.get("dedup_key") and d.get("id") not in closed:
                    self._dedup[d["dedup_key"]] = d["id"]
                group = d.get("alert_group")
                if isinstance(group, dict) and d.get("id") not in closed:
                    held_until = instants.parse_or_none(group.get("held_until"))
                    watch = _watch(group.get("verdict"), held_until, group.get("window_id"))
                    if watch is not None:
                        self._waiting[d["id"]] = watch
            self._dedup_at = self.store.journal.version
        return self._dedup

    def _waiting_ids(self) -> dict[str, datetime | str]:
        """The issues held by a pause (-> the hold's end) or a maintenance window (-> its id): the live map, which a
        batch reads once and then keeps in step itself through `_index_issue`."""
        self._open_dedup_keys()
        return self._waiting

    def _index_issue(self, issue: Issue) -> None:
        """An issue the intake itself is writing: its key and its watch kept in step (no rebuild: the batch's
        writes are not all in the store yet)."""
        if issue.id is None:
            return
        if issue.dedup_key:
            self._dedup[issue.dedup_key] = issue.id
        group = issue.alert_group
        watch = _watch(group.verdict, group.held_until, group.window_id) if group is not None else None
        if watch is not None:
            self._waiting[issue.id] = watch
        else:
            self._waiting.pop(issue.id, None)

    def _in_step(self) -> None:
        """After the intake's own write: its changes are in the index already."""
        self._dedup_at = self.store.journal.version
