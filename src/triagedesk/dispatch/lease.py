"""One dispatcher per team: a lease on the sync server (compare-and-swap on `_rev`), else a lock beside the store."""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Callable
from typing import Any, Protocol

from filelock import FileLock, Timeout

from triagedesk.app.dispatcher_status import write_status
from triagedesk.sync.client import CouchClient, SyncError

LEASE_ID = "dispatcher:lease"
"""The lease document's id (a kind sync does not replicate into stores)."""


def holder_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Lease(Protocol):
    holder: str

    def acquire(self) -> bool: ...
    def release(self) -> None: ...


class FileLease:
    """Without a server: an OS lock on `STORE.dispatch.lock`, freed by the OS when its holder dies."""

    def __init__(self, store_path: str | os.PathLike[str], seconds: float, holder: str | None = None) -> None:
        self.store_path = store_path
        self.seconds = seconds
        self.holder = holder or holder_name()
        self._lock = FileLock(f"{store_path}.dispatch.lock")

    def acquire(self) -> bool:
        if not self._lock.is_locked:
            try:
                self._lock.acquire(timeout=0)
            except Timeout:
                return False
        write_status(self.store_path, self.holder, time.time() + self.seconds, "lock")
        return True

    def release(self) -> None:
        if self._lock.is_locked:
            write_status(self.store_path, self.holder, 0, "lock")
            self._lock.release()


class CouchLease:
    """A document on the team's server: holder and expiry, taken or renewed only with the `_rev` it was read at.

    A 409 means another dispatcher wrote first: it holds the lease. An expired lease is taken over the same way,
    so of two dispatchers racing for it exactly one wins.
    """

    def __init__(self, client: CouchClient, seconds: float, holder: str | None = None,
                 clock: Callable[[], float] = time.time, store_path: str | os.PathLike[str] | None = None) -> None:
        self.client = client
        self.seconds = seconds
        self.holder = holder or holder_name()
        self.clock = clock
        self.store_path = store_path
        self._ready = False
        self.last_error: str | None = None

    def _read(self) -> dict[str, Any] | None:
        return self.client.get_doc(LEASE_ID)

    def acquire(self) -> bool:
        try:
            if not self._ready:
                self.client.ensure_database()
                self._ready = True
            current = self._read()
        except SyncError as exc:
            self.last_error = str(exc)
            return False
        self.last_error = None
        now = self.clock()
        if current is not None and current.get("holder") != self.holder and float(current.get("expires", 0)) > now:
            return False
        doc: dict[str, Any] = {"_id": LEASE_ID, "type": "dispatcher", "holder": self.holder,
                               "expires": now + self.seconds, "renewed": now}
        if current is not None:
            doc["_rev"] = current["_rev"]
        try:
            answer = self.client.put_doc(doc)
        except SyncError as exc:
            self.last_error = str(exc)
            return False
        if not answer.get("ok"):
            return False  # 409: someone else took it between our read and our write
        if self.store_path is not None:
            write_status(self.store_path, self.holder, now + self.seconds, "server")
        return True

    def release(self) -> None:
        try:
            current = self._read()
            if current is not None and current.get("holder") == self.holder:
                self.client.put_doc({**current, "expires": 0})
        except SyncError:
            pass
        if self.store_path is not None:
            write_status(self.store_path, self.holder, 0, "server")
