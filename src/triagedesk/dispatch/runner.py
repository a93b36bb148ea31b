"""The dispatcher's loop: due policy steps (from its own due-time index), then the outbox, one log line per action."""

from __future__ import annotations

import heapq
import random
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import stamina

from triagedesk.app.dispatch_port import DispatchPort
from triagedesk.dispatch import notify, tokens
from triagedesk.dispatch.actionlog import ActionLog
from triagedesk.dispatch.delivery import Delivery, Send
from triagedesk.dispatch.lease import Lease
from triagedesk.dispatch.settings import DispatchSettings
from triagedesk.domain import instants
from triagedesk.domain.errors import Unavailable, UserError
from triagedesk.domain.records import ExpertRequest
from triagedesk.domain.requests import policy


class Dispatcher:
    """Applies the policy; its `delivery` sends the outbox. `run_pass(now)` is one step of the clock: the due
    steps, then (unless delivery runs on its own threads, `start_delivery`) the due messages, waited for."""

    def __init__(self, dispatching: DispatchPort, settings: DispatchSettings, secret: bytes,
                 action_log: ActionLog | None = None, public_url: str | None = None,
                 send: Send = notify.send, rng: random.Random | None = None) -> None:
        self.d = dispatching
        self.settings = settings
        self.secret = secret
        self.log = action_log or ActionLog()
        self.public_url = (settings.public_url or public_url or "").rstrip("/") or None
        self.delivery = Delivery(dispatching, settings, self.log, send, rng)
        self.background = False
        self._now = datetime.now(UTC)
        self._heap: list[tuple[datetime, str]] = []
        self._due: dict[str, datetime] = {}
        self._history: dict[str, list[policy.StepDone]] = {}
        self._dirty: set[tuple[str, str]] = set()   # (table, doc id) of changed requests, read later
        self._dirty_lock = threading.Lock()
        self._built = False
        self._unsubscribe = self.d.changes.subscribe(self._on_change)
        self._stuck: set[str] = set()

    # -- the due-time index ----------------------------------------------------------------------------
    def _on_change(self, changes: set[tuple[str, str]]) -> None:
        """A store change notice: only noted here (the notice comes while the writer holds the store's lock, so
        nothing is read now); the pass and the delivery thread read the records themselves."""
        requests = {change for change in changes if change[0] == "requests"}
        if requests:
            with self._dirty_lock:
                self._dirty |= requests
        if any(table == "outbox" for table, _ in changes):
            self.delivery.notice({change for change in changes if change[0] == "outbox"})

    def _index(self, request: ExpertRequest) -> None:
        when = self.d.next_due(request, self._history.get(request.id, []), self._now)
        if when is None:
            self._due.pop(request.id, None)
            return
        if self._due.get(request.id) != when:
            self._due[request.id] = when
            heapq.heappush(self._heap, (when, request.id))

    def _build(self) -> None:
        self.delivery.load()
        self._history = self.d.step_history()
        for request in self.d.open_requests(completed_since=self._now - policy.FOLLOW_UP_WINDOW):
            self._index(request)
        self._built = True

    def _take_dirty(self) -> None:
        with self._dirty_lock:
            changes, self._dirty = self._dirty, set()
        for request_id in self.d.changed_requests(changes) if changes else ():
            request = self.d.request(request_id)
            if request is None:
                self._due.pop(request_id, None)
            else:
                self._index(request)

    def ack_url(self, request: ExpertRequest) -> str | None:
        if not self.public_url or request.assigned_at is None:
            return None
        expires = self._now + timedelta(minutes=self.settings.ack_ttl_minutes)
        token = tokens.make(self.secret, request.id, instants.stamp(request.assigned_at), expires)
        return f"{self.public_url}/ack/{token}"

    # -- one pass --------------------------------------------------------------------------------------
    def run_pass(self, now: datetime, stop: Callable[[], bool] = lambda: False) -> int:
        """Every step due at `now`, then every message due: the number of actions taken."""
        self._now = now
        self.delivery.set_time(now)
        self.d.refresh()
        if not self._built:
            self._build()
        self._take_dirty()
        actions = self._intake_clock(now)
        visited: set[str] = set()
        deferred: list[tuple[datetime, str]] = []
        while self._heap and self._heap[0][0] <= now and not stop():
            when, request_id = heapq.heappop(self._heap)
            if self._due.get(request_id) != when:
                continue  # a stale entry: the request was re-indexed since
            if request_id in visited:
                deferred.append((when, request_id))  # still due (nobody to assign it to): the next pass tries again
                continue
            visited.add(request_id)
            self._due.pop(request_id, None)
            try:
                actions += self._step(request_id, now)
            except BaseException:  # (the store refused): still due, for the retry or the next pass
                self._due[request_id] = when
                heapq.heappush(self._heap, (when, request_id))
                raise
            self._take_dirty()
        for entry in deferred:
            heapq.heappush(self._heap, entry)
        if self.background:
            self.delivery.submit_due()  # the delivery threads send; this pass never waits on a network call
        elif not stop():
            actions += self.delivery.drain(self.settings.send_timeout_seconds * 3 + 5)
        return actions

    def _intake_clock(self, now: datetime) -> int:
        """Holds released, maintenance windows told and their held-back alerts weighed again (when any is due)."""
        if not self.d.intake_due(now):
            return 0
        done = self.d.intake_tick(now)
        for issue_id, verdict in done["moved"]:
            self.log("intake_" + verdict, issue=issue_id, at=instants.stamp(now))
        self._take_dirty()  # a released hold may have opened a request the policy now owes steps
        return len(done["moved"]) + len(done["notices"])

    def _step(self, request_id: str, now: datetime) -> int:
        """Every step due for the request, in order (`DispatchPort.walk`: what `policy explain` shows)."""
        history = self._history.setdefault(request_id, [])
        try:
            results = self.d.walk(request_id, now, self.ack_url, history)
        except UserError as exc:  # the request cannot be read as the rules need it: nothing was written
            if request_id not in self._stuck:
                self._stuck.add(request_id)
                self.log("step_failed", request=request_id, error=str(exc), at=instants.stamp(now))
            results = []
        taken = 0
        for result in results:
            if result.action == "none":
                if result.step.key not in self._stuck:
                    self._stuck.add(result.step.key)
                    self.log("no_candidate", request=request_id, step=result.step.kind, at=instants.stamp(now),
                             reason=result.reason)
                continue
            taken += 1
            self.log(result.step.kind, request=request_id, action=result.action, expert=result.expert_id,
                     messages=result.messages, at=instants.stamp(now), reason=result.reason)
        request = self.d.request(request_id)
        if request is not None:
            self._index(request)
        return taken

    def deliver(self, now: datetime) -> int:
        """Send every message due at `now` and wait for those sends: the number sent."""
        self.delivery.set_time(now)
        self.delivery.load()
        return self.delivery.drain(self.settings.send_timeout_seconds * 3 + 5)

    def start_delivery(self) -> None:
        """From now on the outbox is sent by the delivery threads, beside the policy passes."""
        self.background = True
        self.delivery.start()

    def close(self) -> None:
        self._unsubscribe()
        self.delivery.stop(0)


TRANSIENT = (Unavailable, OSError)
"""Failures a pass is tried again for within its round: the store's lock held elsewhere, the OS refusing for now."""


def run_pass_retrying(dispatcher: Dispatcher, clock: Callable[[], datetime], stop: threading.Event,
                      budget: float) -> int:
    """A pass; one that fails for a transient reason is tried again (stamina: exponential backoff with jitter)
    for up to `budget` seconds, so the lease is still renewed in time. Each retry is one `pass_retry` line; the
    last failure, or any other, is raised for the loop to log."""
    attempts = stamina.retry_context(on=TRANSIENT, attempts=5, timeout=budget, wait_initial=min(0.1, budget / 8),
                                     wait_max=budget / 2, wait_jitter=min(0.1, budget / 8))
    for attempt in attempts:
        with attempt:
            if attempt.num > 1:
                dispatcher.log("pass_retry", attempt=attempt.num)
            return dispatcher.run_pass(clock(), stop.is_set)
        if stop.is_set():
            break
    return 0


def run_forever(dispatcher: Dispatcher, lease: Lease, stop: threading.Event, interval: float,
                clock: Callable[[], datetime], on_round: Callable[[], None] | None = None,
                wake: threading.Event | None = None) -> None:
    """Renew the lease and run a pass every `interval` seconds (or at once when `wake` is set: an intake) until
    `stop` is set (SIGTERM): a pass in progress finishes its current step first."""
    wake = wake or stop
    holding = False
    waiting = False  # told once that another dispatcher holds the lease
    told: str | None = None
    renew_every = max(min(interval, dispatcher.settings.lease_seconds / 3), 0.05)
    while not stop.is_set():
        got = lease.acquire()
        first = got and not holding
        if first:
            dispatcher.log("lease_taken", holder=lease.holder)
            if dispatcher.background:
                dispatcher.delivery.resume()
        elif holding and not got:
            dispatcher.log("lease_lost", holder=lease.holder)
            dispatcher.delivery.pause()
        elif not got and not waiting:
            dispatcher.log("lease_waiting", holder=lease.holder, note="another dispatcher holds the lease")
        waiting = not got
        problem = getattr(lease, "last_error", None)
        if problem and problem != told:
            dispatcher.log("lease_unreachable", error=problem)  # once per distinct reason, not every round
        told = problem
        holding = got
        if holding:
            if on_round is not None:
                on_round()
            if not dispatcher.background:
                dispatcher.start_delivery()  # (the first pass loads the outbox and recovers what a crash left)
            try:
                acted = run_pass_retrying(dispatcher, clock, stop, renew_every)
            except Exception as exc:  # one bad pass must not end a service; it is logged and tried next round
                acted = 0
                dispatcher.log.failed("pass_failed", exc)
            if first:
                dispatcher.log("first_pass", actions=acted)  # what taking the lease found to do (often nothing)
            if acted and on_round is not None:
                on_round()  # what was done reaches the team's server at once, not a round later
        wake.wait(renew_every)
        if wake is not stop:
            wake.clear()
    left = dispatcher.delivery.stop(dispatcher.settings.stop_grace_seconds)
    if left:
        dispatcher.log("delivery_stopped", still_sending=left,
                       note="sent again at the next start, marked as possible repeats")
    if holding:
        lease.release()
        dispatcher.log("lease_released", holder=lease.holder)


__all__ = ["ActionLog", "Dispatcher", "run_forever"]
