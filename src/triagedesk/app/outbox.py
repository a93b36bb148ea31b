"""The outbox as the dispatcher's delivery sees it: due messages taken for a send (`sending`, durable first),
marked sent or failed, and those a stopped dispatcher left mid-send recovered as possible repeats."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Collection, Iterable
from datetime import datetime

from triagedesk.domain.records import OutboxMessage
from triagedesk.store.repositories import Store, model_fields


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def step_audit_id(key: str) -> str:
    """A policy step's audit entry id, derived from the step's key: a step taken once is never taken again."""
    return f"pol-{_digest(key)}"


def outbox_id(event: str, recipient: str) -> str:
    """A message's id (its idempotency key), derived from its event and recipient: one event, one message each."""
    return f"ob-{_digest(event + '|' + recipient)}"


class OutboxDoor:
    """Part of `Dispatching`: the outbox's reads and state changes, each under the dispatcher's lock."""

    lock: threading.RLock

    @property
    def store(self) -> Store:  # Dispatching's
        raise NotImplementedError

    def changed_messages(self, changes: Iterable[tuple[str, str]]) -> dict[str, OutboxMessage | None]:
        """The outbox rows among a store change notice (None: removed)."""
        out: dict[str, OutboxMessage | None] = {}
        with self.lock:
            table = self.store.outbox.table
            for name, doc_id in changes:
                if name == "outbox":
                    doc = table.doc(doc_id)
                    if doc is not None and isinstance(doc.get("id"), str):
                        out[doc["id"]] = OutboxMessage.model_validate(model_fields(doc))
        return out

    def message(self, message_id: str) -> OutboxMessage | None:
        with self.lock:
            return self.store.outbox.get(message_id)

    def outbox(self, request_id: str | None = None) -> list[OutboxMessage]:
        with self.lock:
            docs = self.store.outbox.raw()
            found = [OutboxMessage.model_validate(model_fields(d)) for d in docs
                     if request_id is None or d.get("request_id") == request_id]
        return sorted(found, key=lambda m: (m.created_at, m.id))

    def sending(self, message_id: str, now: datetime) -> OutboxMessage | None:
        """Take a pending, due message for one send: `sending` (and the attempt counted) is durable before the
        send starts. None: not pending or not due (sent meanwhile, given up, or taken by a recovery)."""
        with self.lock, self.store.transaction():
            message = self.store.outbox.get(message_id)
            if message is None or message.status != "pending" or (message.next_attempt_at or now) > now:
                return None
            taken = message.model_copy(update={"status": "sending", "sending_since": now,
                                               "attempts": message.attempts + 1})
            self.store.outbox.save(taken)
            return taken

    def delivered(self, message_id: str, now: datetime, attached: bool | None = None) -> None:
        with self.lock, self.store.transaction():
            message = self.store.outbox.require(message_id)
            self.store.outbox.save(message.model_copy(update={
                "status": "sent", "sent_at": now, "sending_since": None, "last_error": None, "attached": attached}))

    def not_delivered(self, message_id: str, error: str, next_at: datetime | None) -> None:
        """A failed send: retried at `next_at`, or given up (failed) when it is None."""
        with self.lock, self.store.transaction():
            message = self.store.outbox.require(message_id)
            self.store.outbox.save(message.model_copy(update={
                "status": "pending" if next_at else "failed", "sending_since": None,
                "last_error": error[:500], "next_attempt_at": next_at}))

    def recover_sending(self, now: datetime, busy: Collection[str] = ()) -> list[str]:
        """Messages left `sending` by a dispatcher that stopped mid-send (killed, or out of time at SIGTERM): each
        may have gone out, so its next send is counted as a possible repeat. `busy`: this dispatcher's own sends
        still under way, left alone. Returns the ids made pending again."""
        with self.lock, self.store.transaction():
            found = [OutboxMessage.model_validate(model_fields(d)) for d in self.store.outbox.raw()
                     if d.get("status") == "sending" and d.get("id") not in busy]
            for message in found:
                self.store.outbox.save(message.model_copy(update={
                    "status": "pending", "possible_repeats": message.possible_repeats + 1, "sending_since": None,
                    "next_attempt_at": now,
                    "last_error": "the dispatcher stopped while sending it: it may have gone out (its next send "
                                  "is a possible repeat, with the same idempotency key)"}))
            return [m.id for m in found]
