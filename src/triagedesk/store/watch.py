"""Being told of other desks' changes: a polling thread with a callback, or an async iterator."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable

from triagedesk.store.repositories import Store

Changes = set[tuple[str, str]]


class ChangeWatcher:
    """Polls the store's journal every `interval` seconds and calls `on_change` with what changed.

    A poll is one `stat` of the journal when nothing happened; the callback runs on the
    watcher's thread (the desk hands it to the UI thread with `call_from_thread`).
    """

    def __init__(self, store: Store, on_change: Callable[[Changes], None], interval: float = 0.25,
                 on_error: Callable[[Exception], None] | None = None) -> None:
        self.store = store
        self.on_change = on_change
        self.on_error = on_error
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="triagedesk-watch", daemon=True)

    def start(self) -> ChangeWatcher:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout=2)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                changed = self.store.refresh()
            except Exception as exc:  # noqa: BLE001 - reported, and the watcher keeps going
                if self.on_error is not None:
                    self.on_error(exc)
                continue
            if changed:
                self.on_change(changed)


async def changes(store: Store, interval: float = 0.25) -> AsyncIterator[Changes]:
    """Yield each batch of changes other desks make, polling in a thread so the loop never blocks."""
    while True:
        changed = await asyncio.to_thread(store.refresh)
        if changed:
            yield changed
        await asyncio.sleep(interval)
