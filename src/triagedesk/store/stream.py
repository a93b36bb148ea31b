"""A table's records one at a time, in the table's order, without holding the table: what streaming commands
(`export`) walk. The snapshot is read in spans (a damaged record is the store's one-line error); the records
written since are read as they stand when the walk starts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from triagedesk.store.repositories import Store


def raw_records(store: Store, kind: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(doc_id, document) of every record of `kind`, in order (do not mutate: each is read fresh anyway)."""
    journal = store.journal
    journal.refresh()
    with journal.mutex:
        docs = journal.docs(kind)
    yield from docs.items()


def raw_json(store: Store, kind: str) -> Iterator[tuple[str, bytes]]:
    """(doc_id, the record's JSON as stored) of every record of `kind`, in order, unparsed."""
    journal = store.journal
    journal.refresh()
    with journal.mutex:
        docs = journal.docs(kind)
    yield from docs.raw_items()


__all__ = ["raw_json", "raw_records"]
