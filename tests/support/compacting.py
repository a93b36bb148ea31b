"""A compaction and the side files it carries over, written (they are written on a thread once the lock is let go)."""

from __future__ import annotations

from typing import Any


def compacted(journal: Any) -> None:
    """Compact `journal` and wait for the files its compaction carries over."""
    journal.compact()
    journal.carrying.wait()
