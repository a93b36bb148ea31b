"""The dispatcher's loop: due policy steps (from its own due-time index), then the outbox, one log line per action."""

from __future__ import annotations

import heapq
import json
import logging
import random
import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from triagedesk.app.dispatching import Dispatching
from triagedesk.dispatch import notify, tokens
from triagedesk.dispatch.lease import Lease
from triagedesk.dispatch.masking import mask
from triagedesk.dispatch.settings import DispatchSettings
from triagedesk.domain.errors import UserError
from triagedesk.domain.records import ExpertRequest
from triagedesk.domain.requests import policy

log = logging.getLogger("triagedesk.dispatch")
_QUOTE = re.compile(r'^$|[\s"=\\]|[^\x21-\x7e]')
"""A text value is quoted (JSON-escaped, so ASCII only) when it is empty or holds a space, quote, `=`, backslash,
a control character or anything outside printable ASCII: a hostile id cannot forge a second line or field."""


def _stamp(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


class ActionLog:
    """One line per action: `key=value` text, or one JSON object a line (`--log-format json`)."""

    def __init__(self, fmt: str = "text", emit: Callable[[str], None] | None = None) -> None:
        self.fmt = fmt
        self.emit = emit or (lambda line: log.info(line))

    def __call__(self, event: str, **fields: Any) -> None:
        clean = {k: mask(str(v)) if isinstance(v, str) else v for k, v in fields.items() if v is not None}
        if self.fmt == "json":
            self.emit(json.dumps({"event": event, **clean}, sort_keys=False, default=str))
        else:
            parts = " ".join(f"{k}={json.dumps(v) if isinstance(v, str) and _QUOTE.search(v) else v}"
                             for k, v in clean.items())
            self.emit(f"{event} {parts}".rstrip())


class Dispatcher:
    """Applies the policy and delivers the outbox; `run_pass(now)` is one step of the clock."""

    def __init__(self, dispatching: Dispatching, settings: DispatchSettings, secret: bytes,
                 action_log: ActionLog | None = None, public_url: str | None = None,
                 send: Callable[[str, str, str], None] = notify.send,
                 rng: random.Random | None = None) -> None:
        self.d = dispatching
        self.settings = settings
        self.secret = secret
        self.log = action_log or ActionLog()
        self.public_url = (settings.public_url or public_url or "").rstrip("/") or None
        self.send = send
        self.rng = rng or random.Random()
        self._now = datetime.now(UTC)
        self._heap: list[tuple[datetime, str]] = []
        self._due: dict[str, datetime] = {}
        self._history: dict[str, list[policy.StepDone]] = {}
        self._dirty: set[str] = set()
        self._pending: dict[str, datetime] = {}   # outbox rows still to send -> when they are next due
        self._dirty_lock = threading.Lock()
        self._built = False
        self._unsubscribe = self.d.store.subscribe(self._on_change)
        self._stuck: set[str] = set()

    # -- the due-time index ----------------------------------------------------------------------------
    def _on_change(self, changes: set[tuple[str, str]]) -> None:
        if any(table == "requests" for table, _ in changes):
            ids = self.d.changed_requests(changes)
            with self._dirty_lock:
                self._dirty |= ids
        if any(table == "outbox" for table, _ in changes):
            for message_id, message in self.d.changed_messages(changes).items():
                with self._dirty_lock:
                    if message is not None and message.status == "pending":
                        self._pending[message_id] = message.next_attempt_at or message.created_at
                    else:
                        self._pending.pop(message_id, None)

    def _index(self, request: ExpertRequest) -> None:
        when = self.d.next_due(request, self._history.get(request.id, []), self._now)
        if when is None:
            self._due.pop(request.id, None)
            return
        if self._due.get(request.id) != when:
            self._due[request.id] = when
            heapq.heappush(self._heap, (when, request.id))

    def _build(self) -> None:
        messages = self.d.outbox()  # (never holding _dirty_lock while taking the store's: see _on_change)
        with self._dirty_lock:
            for message in messages:
                if message.status == "pending":
                    self._pending[message.id] = message.next_attempt_at or message.created_at
        self._history = self.d.step_history()
        for request in self.d.open_requests(completed_since=self._now - policy.FOLLOW_UP_WINDOW):
            self._index(request)
        self._built = True

    def _take_dirty(self) -> None:
        with self._dirty_lock:
            dirty, self._dirty = self._dirty, set()
        for request_id in dirty:
            request = self.d.request(request_id)
            if request is None:
                self._due.pop(request_id, None)
            else:
                self._index(request)

    def ack_url(self, request: ExpertRequest) -> str | None:
        if not self.public_url or request.assigned_at is None:
            return None
        expires = self._now + timedelta(minutes=self.settings.ack_ttl_minutes)
        return f"{self.public_url}/ack/{tokens.make(self.secret, request.id, _stamp(request.assigned_at), expires)}"

    # -- one pass --------------------------------------------------------------------------------------
    def run_pass(self, now: datetime, stop: Callable[[], bool] = lambda: False) -> int:
        """Every step due at `now`, then every message due: the number of actions taken."""
        self._now = now
        self.d.refresh()
        if not self._built:
            self._build()
        self._take_dirty()
        actions = 0
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
            actions += self._step(request_id, now)
            self._take_dirty()
        for entry in deferred:
            heapq.heappush(self._heap, entry)
        if not stop():
            actions += self.deliver(now, stop)
        return actions

    def _step(self, request_id: str, now: datetime) -> int:
        """Every step due for the request, in order (`Dispatching.walk`: what `policy explain` shows)."""
        history = self._history.setdefault(request_id, [])
        try:
            results = self.d.walk(request_id, now, self.ack_url, history)
        except UserError as exc:  # the request cannot be read as the rules need it: nothing was written
            if request_id not in self._stuck:
                self._stuck.add(request_id)
                self.log("step_failed", request=request_id, error=str(exc), at=_stamp(now))
            results = []
        taken = 0
        for result in results:
            if result.action == "none":
                if result.step.key not in self._stuck:
                    self._stuck.add(result.step.key)
                    self.log("no_candidate", request=request_id, step=result.step.kind, at=_stamp(now),
                             reason=result.reason)
                continue
            taken += 1
            self.log(result.step.kind, request=request_id, action=result.action, expert=result.expert_id,
                     messages=result.messages, at=_stamp(now), reason=result.reason)
        request = self.d.request(request_id)
        if request is not None:
            self._index(request)
        return taken

    def deliver(self, now: datetime, stop: Callable[[], bool] = lambda: False) -> int:
        """Send every pending message whose time has come; a failure is retried with backoff and jitter."""
        sent = 0
        with self._dirty_lock:
            due = sorted((when, message_id) for message_id, when in self._pending.items() if when <= now)
        for _, message_id in due:
            if stop():
                break
            message = self.d.message(message_id)
            if message is None or message.status != "pending" or (message.next_attempt_at or now) > now:
                continue
            try:
                url = notify.resolve(message.target, self.settings.mail_url, self.settings.schemes)
                self.send(url, message.subject, message.body)
            except notify.DeliveryError as exc:
                attempts = message.attempts + 1
                retry = None
                if attempts < self.settings.max_attempts and not exc.permanent:
                    delay = min(self.settings.retry_max_seconds, self.settings.retry_base_seconds * 2 ** (attempts - 1))
                    retry = now + timedelta(seconds=delay * self.rng.uniform(0.5, 1.0))
                self.d.not_delivered(message.id, str(exc), retry)
                self.log("send_failed", message=message.id, request=message.request_id, kind=message.kind,
                         attempt=attempts, retry_at=_stamp(retry) if retry else "given up", error=str(exc))
                continue
            self.d.delivered(message.id, now)
            sent += 1
            self.log("sent", message=message.id, request=message.request_id, kind=message.kind,
                     method=message.method, to=message.expert_id or "coordinator")
        return sent

    def close(self) -> None:
        self._unsubscribe()


def run_forever(dispatcher: Dispatcher, lease: Lease, stop: threading.Event, interval: float,
                clock: Callable[[], datetime], on_round: Callable[[], None] | None = None) -> None:
    """Renew the lease and run a pass every `interval` seconds until `stop` is set (SIGTERM): a pass in progress
    finishes its current step first."""
    holding = False
    told: str | None = None
    renew_every = max(min(interval, dispatcher.settings.lease_seconds / 3), 0.05)
    while not stop.is_set():
        got = lease.acquire()
        if got and not holding:
            dispatcher.log("lease_taken", holder=lease.holder)
        elif holding and not got:
            dispatcher.log("lease_lost", holder=lease.holder)
        problem = getattr(lease, "last_error", None)
        if problem and problem != told:
            dispatcher.log("lease_unreachable", error=problem)  # once per distinct reason, not every round
        told = problem
        holding = got
        if holding:
            if on_round is not None:
                on_round()
            try:
                acted = dispatcher.run_pass(clock(), stop.is_set)
            except Exception as exc:  # one bad pass must not end a service; it is logged and retried
                acted = 0
                dispatcher.log("pass_failed", error=f"{type(exc).__name__}: {exc}")
            if acted and on_round is not None:
                on_round()  # what was done reaches the team's server at once, not a round later
        stop.wait(renew_every if holding else renew_every)
    if holding:
        lease.release()
        dispatcher.log("lease_released", holder=lease.holder)
