"""A table's records one at a time, in the table's order, without holding the table: what streaming commands
(`export`) walk. The snapshot is read in spans (a damaged record is the store's one-line error); the records
written since are read as they stand when the walk starts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from triagedesk.store.errors import StoreCorrupt
from triagedesk.store.journal_format import META, Damaged
from triagedesk.store.lazy_docs import LazyDocs
from triagedesk.store.repositories import Store
from triagedesk.store.snapshot_file import is_current, open_snapshot


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


def lazy_snapshot(path: Path) -> dict[str, Any] | None:
    """A snapshot file's tables read lazily (its whole checksum and each table's directory checked; records parsed
    when walked), for `db check`; None for a file of the older format, which is read whole. `Damaged` when not
    intact."""
    handle = open(path, "rb")  # noqa: SIM115 - kept open by the tables' records, closed with them
    try:
        if not is_current(handle.read(64)):
            handle.close()
            return None
        size = handle.seek(0, 2)
        tables = open_snapshot(handle, size, verify=True)
        for name, docs in tables.items():
            if name != META and isinstance(docs, LazyDocs) and docs.base is not None:
                docs.base.load()
    except StoreCorrupt as exc:
        handle.close()
        raise Damaged(f"damaged records ({exc})") from None
    except BaseException:
        handle.close()
        raise
    return tables


__all__ = ["lazy_snapshot", "raw_json", "raw_records"]
