"""Being told of other desks' changes: a polling thread with a callback, or an async iterator."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Callable

from triagedesk.store.repositories import Store

Changes = set[tuple[str, str]]


class ChangeWatcher:
    """Polls the store's journal every `interval` seconds and calls `on_change` with what changed since the last
    round, in one batch: what other processes wrote (whichever thread of this process caught up on it: a worker's
    read catches up too, and its changes must not pass unseen) and what this process wrote.

    A poll is one `stat` of the journal when nothing happened; the callback runs on the watcher's thread (the desk
    hands it to the UI thread with `call_from_thread`). `lag()` says how long the oldest change not yet handed on
    has waited (0 when none): a callback that blocks shows there, and the next round takes everything at once.
    """

    def __init__(self, store: Store, on_change: Callable[[Changes], None], interval: float = 0.25,
                 on_error: Callable[[Exception], None] | None = None) -> None:
        self.store = store
        self.on_change = on_change
        self.on_error = on_error
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="triagedesk-watch", daemon=True)
        self._lock = threading.Lock()
        self._noticed: Changes = set()
        self._since: float | None = None  # when the oldest change not yet handed on was noticed
        self._unsubscribe: Callable[[], None] | None = None

    def start(self) -> ChangeWatcher:
        self._unsubscribe = self.store.subscribe(self._notice)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._unsubscribe is not None:
            self._unsubscribe()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout=2)

    def _notice(self, changed: Changes) -> None:
        with self._lock:
            if not self._noticed:
                self._since = time.monotonic()
            self._noticed |= changed

    def lag(self) -> float:
        """Seconds the oldest change not yet handed to `on_change` has waited (0 when every one was)."""
        since = self._since
        return 0.0 if since is None else max(time.monotonic() - since, 0.0)

    def _tell(self, exc: Exception) -> None:
        if self.on_error is not None and not self._stop.is_set():
            try:
                self.on_error(exc)
            except Exception:  # noqa: BLE001, S110 - the listener is closing (the desk quits): nothing to tell
                pass

    def rest(self, took: float) -> float:
        """Seconds to wait after a round that took `took`: rounds start every `interval` (a round's catch-up and
        its callback, which waits for the UI thread, no longer push the next one later: under a busy writer they
        added up to a second of lag), and at least a quarter of it apart."""
        return max(self.interval - took, self.interval / 4)

    def _run(self) -> None:
        took = 0.0
        while not self._stop.wait(self.rest(took)):
            start = time.monotonic()
            try:
                self.store.refresh()  # what it catches up on reaches `_notice`, as any thread's would
            except Exception as exc:  # noqa: BLE001 - reported, and the watcher keeps going
                self._tell(exc)
            with self._lock:
                changed, self._noticed = self._noticed, set()
            if changed:
                try:
                    self.on_change(changed)
                except Exception as exc:  # noqa: BLE001 - a callback that failed never stops the following
                    self._tell(exc)
            with self._lock:
                if not self._noticed:
                    self._since = None
            took = time.monotonic() - start


async def changes(store: Store, interval: float = 0.25) -> AsyncIterator[Changes]:
    """Yield each batch of changes other desks make, polling in a thread so the loop never blocks."""
    while True:
        changed = await asyncio.to_thread(store.refresh)
        if changed:
            yield changed
        await asyncio.sleep(interval)
