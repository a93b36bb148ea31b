"""A bulk load (the demo): many commits with no compaction until its end, then one fold, and the folded journal's
kept copy (`.journal.prev`) let go when it held nothing but the load itself (see docs/storage.md)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from triagedesk.store.journal_format import Damaged, JournalHeader, decode_header


class BulkLoad:
    """Commits of one bulk load into a journal, and whether that journal holds only them (no record before the
    load's first commit, none from another process between its commits)."""

    def __init__(self, journal: Any) -> None:
        self.journal = journal
        self.header: JournalHeader | None = None  # the journal the load began in
        self.end = 0                              # where the load's last commit ends in it
        self.alone = False                        # the journal holds the load's commits and nothing else

    @contextmanager
    def commit(self) -> Iterator[None]:
        """One durable commit of the load (the writes inside it go in one journal line), compaction deferred."""
        journal, files = self.journal, self.journal.files
        with journal.compaction_deferred(), journal.transaction():  # caught up, under the lock
            if self.header is None:
                self.header = files.header
                self.alone = files.header is not None and files.offset == len(files.header.encode())
            elif files.header != self.header or files.offset != self.end:
                self.alone = False  # another process wrote or compacted since the load's last commit
            yield
        self.end = files.offset

    def fold(self) -> bool:
        """Fold the journal into the snapshot; when it held the load alone, remove the copy of it the fold kept
        as `.journal.prev`: the new snapshot holds every record of it, and its only other use, rebuilding from
        `.prev` after damage to that snapshot, would rebuild the load (write it again instead). True when removed.
        A fold that fails leaves the journal in force (a `StoreError`, as `compact`)."""
        journal, files = self.journal, self.journal.files
        with journal.transaction():
            folded = files.header
            alone = self.alone and folded == self.header and files.offset == self.end and self.end > 0
            journal.compact()
            if not alone or files.header == folded:
                return False
            return forget_folded(files.journal_path.with_name(files.journal_path.name + ".prev"), folded)


def forget_folded(previous: Any, folded: JournalHeader | None) -> bool:
    """Remove `previous` if it is the journal `folded` names (its header), under the store's lock."""
    try:
        with open(previous, "rb") as handle:
            header, _ = decode_header(handle.read(200))
    except (OSError, Damaged):
        return False
    if header != folded:
        return False
    try:
        os.unlink(previous)
    except OSError:
        return False  # only space: the copy stays until the next compaction replaces it
    return True


__all__ = ["BulkLoad", "forget_folded"]
