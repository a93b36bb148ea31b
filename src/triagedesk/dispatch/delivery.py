"""The outbox delivered apart from the policy: a bounded pool of sender threads, one send at a time per target,
a per-target timeout, and each failure retried with backoff and jitter measured from its own failure.

A policy step only writes its messages (one durable write with the step); this module sends them. A target that
hangs holds one worker and its own queue, never the policy's pass or another expert's page.
"""

from __future__ import annotations

import queue
import random
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from triagedesk.app.dispatch_port import DispatchPort
from triagedesk.dispatch import notify
from triagedesk.dispatch.masking import mask
from triagedesk.dispatch.settings import DispatchSettings
from triagedesk.domain import instants
from triagedesk.domain.records import OutboxMessage
from triagedesk.domain.requests import notices

Send = Callable[[str, notify.Outgoing, float], bool]
Log = Callable[..., None]



def outgoing(message: OutboxMessage) -> notify.Outgoing:
    """What one send of a stored message carries: its text, its key, and the package's line either way."""
    issue_id = (message.attachment_name or "").removeprefix("escalation-package-").removesuffix(".md")
    return notify.Outgoing(
        subject=message.subject, body=message.body, key=message.idempotency_key,
        possible_repeat=message.possible_repeats > 0, attachment_name=message.attachment_name,
        attachment=message.attachment,
        line_attached=notices.package_line(issue_id, message.attachment_name, True),
        line_not_attached=notices.package_line(issue_id, message.attachment_name, False))


class Delivery:
    """Sends the outbox's due messages on worker threads; `clock()` is the dispatcher's time (set each pass and
    moved on by the monotonic clock in between, so a fixed `--now` and the real clock both work)."""

    def __init__(self, d: DispatchPort, settings: DispatchSettings, log: Log, send: Send = notify.send,
                 rng: random.Random | None = None) -> None:
        self.d = d
        self.settings = settings
        self.log = log
        self.send = send
        self.rng = rng or random.Random()
        self._cond = threading.Condition()
        self._due: dict[str, datetime] = {}        # pending messages -> when they are next due
        self._targets: dict[str, str] = {}         # pending message -> its target
        self._inflight: dict[str, str] = {}        # message being sent -> its target
        self._noticed: set[tuple[str, str]] = set()  # outbox changes not read yet
        self._busy: set[str] = set()               # targets with a send under way
        self._jobs: queue.Queue[str | None] = queue.Queue()
        self._base = (datetime.now().astimezone(), time.monotonic())
        self._workers: list[threading.Thread] = []
        self._scheduler: threading.Thread | None = None
        self._stopping = False
        self._active = True
        self.sent = 0
        self._loaded = False

    # -- time ------------------------------------------------------------------------------------------
    def set_time(self, now: datetime) -> None:
        with self._cond:
            self._base = (now, time.monotonic())
            self._cond.notify_all()

    def clock(self) -> datetime:
        now, since = self._base
        return now + timedelta(seconds=time.monotonic() - since)

    # -- what is due -------------------------------------------------------------------------------------
    def load(self) -> None:
        """At start: every pending message, and those a stopped dispatcher left `sending` (possible repeats)."""
        if self._loaded:
            return
        self._loaded = True
        with self._cond:
            busy = set(self._inflight)
        recovered = self.d.recover_sending(self.clock(), busy)
        for message_id in recovered:
            self.log("possible_repeat", message=message_id,
                     note="left sending by a stopped dispatcher: sent again with the same idempotency key")
        self.track(self.d.outbox())

    def track(self, messages: Iterable[OutboxMessage | None], removed: Iterable[str] = ()) -> None:
        """Follow the store's outbox rows (from a change notice): pending ones are scheduled, others dropped; a
        row another dispatcher left `sending` is recovered as a possible repeat."""
        orphans = False
        with self._cond:
            for message_id in removed:
                self._due.pop(message_id, None)
            for message in messages:
                if message is None:
                    continue
                if message.status == "pending":
                    self._due[message.id] = message.next_attempt_at or message.created_at
                    self._targets[message.id] = message.target
                else:
                    self._due.pop(message.id, None)
                    orphans |= message.status == "sending" and message.id not in self._inflight and self._loaded
            self._cond.notify_all()
        if orphans:  # (a row synced from a dispatcher that stopped mid-send): outside our lock, it writes
            self._loaded = False
            self.load()

    def notice(self, changes: set[tuple[str, str]]) -> None:
        """Outbox rows changed (a store notice): noted, and the delivery thread woken to read them."""
        with self._cond:
            self._noticed |= changes
            self._cond.notify_all()

    def _read_noticed(self) -> None:
        with self._cond:
            changes, self._noticed = self._noticed, set()
        if changes:
            self.track(self.d.changed_messages(changes).values())

    def _take_due(self) -> list[str]:
        """Due messages whose target is free (one send at a time per target), marked in flight."""
        now = self.clock()
        taken: list[str] = []
        for message_id, when in sorted(self._due.items(), key=lambda item: item[1]):
            if when > now or len(self._inflight) >= self.settings.delivery_workers:
                continue
            target = self._targets.get(message_id, "")
            if message_id in self._inflight or target in self._busy:
                continue
            self._due.pop(message_id)
            self._inflight[message_id] = target
            self._busy.add(target)
            taken.append(message_id)
        return taken

    def next_due(self) -> datetime | None:
        with self._cond:
            return min(self._due.values(), default=None)

    # -- sending -----------------------------------------------------------------------------------------
    def _ensure_workers(self) -> None:
        while len(self._workers) < self.settings.delivery_workers:
            worker = threading.Thread(target=self._work, name=f"delivery-{len(self._workers)}", daemon=True)
            self._workers.append(worker)
            worker.start()

    def submit_due(self) -> int:
        """Hand every due message to the pool; returns at once."""
        self._ensure_workers()
        self._read_noticed()
        with self._cond:
            if not self._active or self._stopping:
                return 0
            taken = self._take_due()
        for message_id in taken:
            self._jobs.put(message_id)
        return len(taken)

    def _work(self) -> None:
        while True:
            message_id = self._jobs.get()
            if message_id is None:
                return
            try:
                self._deliver(message_id)
            except Exception as exc:  # the store refused (disk full...): logged, and tried again after the base delay
                self.log("send_failed", message=message_id, error=f"{type(exc).__name__}: {exc}")
                with self._cond:
                    self._due.setdefault(message_id,
                                         self.clock() + timedelta(seconds=self.settings.retry_base_seconds))
            finally:
                self._read_noticed()  # (this send's own writes: a retry is scheduled before its target frees)
                with self._cond:
                    self._busy.discard(self._inflight.pop(message_id, ""))
                    if message_id not in self._due:
                        self._targets.pop(message_id, None)
                    self._cond.notify_all()

    def _deliver(self, message_id: str) -> None:
        message = self.d.sending(message_id, self.clock())
        if message is None:
            return
        try:
            url = notify.resolve(message.target, self.settings.mail_url, self.settings.schemes)
            try:
                attached = self.send(url, outgoing(message), self.settings.send_timeout_seconds)
            except notify.DeliveryError:
                raise
            except Exception as exc:  # a plugin's own failure: a failed send like any other, never left `sending`
                raise notify.DeliveryError(mask(f"{type(exc).__name__}: {exc}")[:400]) from None
        except notify.DeliveryError as exc:
            failed_at = self.clock()  # the backoff runs from this failure, not from when the pass began
            retry = None
            if message.attempts < self.settings.max_attempts and not exc.permanent:
                delay = min(self.settings.retry_max_seconds,
                            self.settings.retry_base_seconds * 2 ** (message.attempts - 1))
                retry = failed_at + timedelta(seconds=delay * self.rng.uniform(0.5, 1.0))
            self.d.not_delivered(message.id, str(exc), retry)
            self.log("send_failed", message=message.id, request=message.request_id, kind=message.kind,
                     attempt=message.attempts, retry_at=instants.stamp(retry) if retry else "given up", error=str(exc))
            return
        self.d.delivered(message.id, self.clock(), attached if message.attachment is not None else None)
        with self._cond:
            self.sent += 1
        self.log("sent", message=message.id, request=message.request_id, kind=message.kind, method=message.method,
                 to=message.expert_id or "coordinator", key=message.idempotency_key,
                 possible_repeat=True if message.possible_repeats else None)

    def drain(self, timeout: float) -> int:
        """Send what is due now and wait for those sends (a `--once` pass, tests): the number sent."""
        before = self.sent
        deadline = time.monotonic() + timeout
        while True:
            self.submit_due()
            with self._cond:
                now = self.clock()
                waiting = bool(self._noticed) or any(when <= now for when in self._due.values())
                if not self._inflight and not waiting:
                    break
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                if not self._noticed:
                    self._cond.wait(min(left, 0.5))
        return self.sent - before

    # -- running beside the policy --------------------------------------------------------------------------
    def start(self) -> None:
        """Deliver on its own thread from now on: woken by new messages, finished sends and due retries."""
        if self._scheduler is not None:
            return
        self._scheduler = threading.Thread(target=self._schedule, name="delivery", daemon=True)
        self._scheduler.start()

    def _schedule(self) -> None:
        while True:
            with self._cond:
                if self._stopping:
                    return
            self.submit_due()
            with self._cond:
                if self._stopping:
                    return
                if self._noticed:
                    continue
                upcoming = [when for message_id, when in self._due.items()
                            if self._targets.get(message_id, "") not in self._busy]
                wait = 1.0
                if upcoming:
                    wait = max(0.0, min(wait, (min(upcoming) - self.clock()).total_seconds()))
                if wait > 0:
                    self._cond.wait(wait)

    def pause(self) -> None:
        """The lease is lost: another dispatcher sends now (the sends under way finish)."""
        with self._cond:
            self._active = False

    def resume(self) -> None:
        """The lease is held again: what the other dispatcher left `sending` is recovered, then sent."""
        with self._cond:
            if self._active:
                return
            self._active = True
            self._cond.notify_all()
        self._loaded = False
        self.load()

    def stop(self, grace: float) -> int:
        """Stop taking messages; wait up to `grace` seconds for the sends under way. Returns how many were still
        under way (left `sending`: the next start sends them again as possible repeats)."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        deadline = time.monotonic() + grace
        with self._cond:
            while self._inflight and time.monotonic() < deadline:
                self._cond.wait(min(0.1, max(deadline - time.monotonic(), 0.0)))
            left = len(self._inflight)
        for _ in self._workers:
            self._jobs.put(None)
        return left

    @property
    def busy(self) -> set[str]:
        with self._cond:
            return set(self._inflight)
