"""Opening a store: where it lives (`--db`, `TRIAGEDESK_DB`, the user data dir) and a ready `Store`."""

from __future__ import annotations

import os
from pathlib import Path

from triagedesk.store.location import default_path
from triagedesk.store.migrations import migrate
from triagedesk.store.repositories import Store
from triagedesk.store.table import JournalDB, JournalStorage


def open_store(path: str | os.PathLike[str] | None = None, create: bool = True, checked: bool = True,
               reading: bool = False) -> Store:
    """Open (or create) the store at `path`, migrating it to the current schema if needed.

    `checked`: wait for the snapshot's whole-file checksum (a command then refuses a damaged store before it
    reads anything); the desk passes False and starts while it is read (every write waits for it). `reading`
    (with `checked=False`): opened to answer a question; a snapshot that checks each span it reads is not read
    whole unless a write waits for it, and the answer waits for `journal.answerable()`."""
    target = Path(path).expanduser() if path else default_path()
    db = JournalDB(str(target), storage=JournalStorage, create=create, reading=reading)
    migrate(db.journal)
    if checked:
        db.journal.verified()
    return Store(db)
