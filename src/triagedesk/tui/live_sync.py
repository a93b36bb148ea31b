"""Live sync for the desk: the replicator on a thread, its status for the header, stopped on exit."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from triagedesk.app.desk import Desk
from triagedesk.sync.client import CouchClient, Remote, SyncError
from triagedesk.sync.engine import Replicator, SyncResult


@dataclass
class SyncStatus:
    """What the header shows: where, when last, how much waits to go, the last error."""

    url: str
    last: datetime | None = None
    pending: int = 0
    conflicts: int = 0
    error: str = ""
    rejected: int = 0  # documents kept out this session: invalid on arrival, or refused by the server
    told: list[str] = field(default_factory=list)  # this round's rejections and refusals, each told once

    def line(self) -> str:
        when = f"{self.last:%H:%M:%S}" if self.last else "never"
        state = f"error: {self.error}" if self.error else "ok"
        rejected = f" · {self.rejected} rejected (R)" if self.rejected else ""
        return f"sync {when} · {self.pending} pending · {self.conflicts} conflicts{rejected} · {state}"


class LiveSync:
    """Follows the server's changes feed and pushes local changes, until stopped."""

    def __init__(self, desk: Desk, remote: Remote, clock: Callable[[], datetime],
                 on_status: Callable[[SyncStatus, bool], None], read_timeout: float = 3.0) -> None:
        self.status = SyncStatus(remote.shown)
        self.desk = desk
        self.remote = remote
        self.clock = clock
        self.on_status = on_status
        self.read_timeout = read_timeout
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="triagedesk-sync", daemon=True)

    def start(self) -> LiveSync:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def _run(self) -> None:
        client = CouchClient(self.remote, timeout=self.read_timeout + 10)
        replicator = Replicator(self.desk.replica, client, actor=self.remote.username or "sync")
        try:
            replicator.live(self._round(replicator), self._stop.is_set, self.read_timeout, on_error=self._failed)
        finally:
            replicator.close()
            client.close()

    def _failed(self, exc: SyncError) -> None:
        """The server is out of reach: the header says why while the replicator waits and tries again."""
        self.status.error = str(exc).split(": ", 1)[-1]
        self.status.told = []
        self.on_status(self.status, False)

    def _round(self, replicator: Replicator) -> Callable[[SyncResult], None]:
        def done(result: SyncResult) -> None:
            self.status.last = self.clock()
            self.status.pending = len(replicator.pending())
            self.status.conflicts += result.conflicts
            self.status.rejected += len(result.rejected) + len(result.refused)
            self.status.told = [f"Sync rejected {r.key}: {r.error}" for r in result.rejected]
            self.status.told += [f"Sync: {r.key} {r.error}" for r in result.refused]
            self.status.error = ""
            self.on_status(self.status, bool(result.pulled or result.conflicts))
        return done
