"""The change feed: who is told which (table, doc_id) pairs changed, whichever thread learnt of them."""

from __future__ import annotations

from collections.abc import Callable

Changes = set[tuple[str, str]]
ChangeListener = Callable[[Changes], None]


class ChangeFeed:
    """Listeners of one store's changes: this process's commits and what a catch-up read of other writers'."""

    def __init__(self) -> None:
        self._listeners: list[ChangeListener] = []

    def subscribe(self, listener: ChangeListener) -> Callable[[], None]:
        """Call `listener(changes)` on every change from now on; returns an unsubscribe."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def publish(self, changed: Changes) -> None:
        for listener in list(self._listeners):
            listener(changed)

    def __len__(self) -> int:
        return len(self._listeners)


__all__ = ["ChangeFeed", "ChangeListener", "Changes"]
