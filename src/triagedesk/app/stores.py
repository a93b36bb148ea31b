"""The interfaces' door to a store's files: where it lives, opening a Desk on it, checking and repairing it."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from triagedesk.app.desk import Desk
from triagedesk.domain.records import utcnow
from triagedesk.store.check import CheckReport, check, repair
from triagedesk.store.database import open_store
from triagedesk.store.location import default_path, store_path

__all__ = ["CheckReport", "check_store", "default_path", "open_desk", "repair_store", "store_path"]


def open_desk(path: str | os.PathLike[str] | None = None, create: bool = True,
              clock: Callable[[], datetime] = utcnow, profile_override: str | None = None,
              checked: bool = True, reading: bool = False) -> Desk:
    """Open (or create) the store at `path` and the Desk over it; close it with `desk.close()`. `checked=False`:
    return before the snapshot's checksum is read (the desk's start; see `open_store`), `reading`: to answer a
    question (see `open_store`)."""
    return Desk(open_store(path, create=create, checked=checked, reading=reading), clock=clock,
                profile_override=profile_override)


def check_store(path: Path) -> CheckReport:
    """What is damaged in the store's files, and what is recoverable."""
    return check(path)


def repair_store(path: Path) -> list[str]:
    """Rebuild the store from every intact file; the lines say what was done."""
    return repair(path)
