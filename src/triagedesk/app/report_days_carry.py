"""The report's day book carried over a compaction (store/carry.py): the days the folded journal touched are
counted again from the new snapshot's records of those days (the old book's rows say which they are), every
other day's blobs are copied from the old book as they are; the book is written for the new snapshot before
another process can read it. It equals the book counted whole from the new snapshot, byte for byte (tested over
random histories): the touched days go through the same counting (`report_days.counted_days`), each kind's rows
in the new snapshot's order."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from triagedesk.app.report_columns import Outcomes, _pick, corrections_of, request_columns
from triagedesk.app.report_days import KINDS, View, counted_days, state_of
from triagedesk.app.report_days_changes import Changes
from triagedesk.app.report_days_file import BookFile, BookUnusable, book_path, open_book, write_carried
from triagedesk.domain.scoring.profiles import Profile
from triagedesk.store.lazy_docs import LazyDocs
from triagedesk.store.repositories import Store

_ROWS = {"requests": lambda rows: rows["r"]["doc"], "corrections": lambda rows: rows["c"][0],
         "outcomes": lambda rows: rows["t"][0]}
"""Each counted kind's doc_ids among a day's rows in the book."""


def prepare(store: Store, profiles: Mapping[str, Profile]) -> Callable[[], None] | None:
    """Before the compaction writes (its lock held, caught up): the old book when it is valid for the snapshot
    being folded, the days the journal touched, and the records that may count in them; the finish that writes
    the new book. None: nothing to carry (no valid book, or too much changed: counted at the first report)."""
    where = book_path(store.path)
    if not where.exists():
        return None
    key, docs = state_of(store, profiles, refresh=False)
    if key is None:
        return None
    try:
        book = open_book(where, key)
    except BookUnusable:
        return None
    try:
        changes = Changes.of(store, profiles, docs)
        if changes is None:
            book.handle.close()
            return None
        touched = changes.request_days | changes.fix_days | changes.rating_days
        named: dict[str, set[str]] = {kind: {key for key, found in docs[kind].changed.items() if found is not None}
                                      for kind in KINDS}
        for day in touched:
            rows = book.blob(day, 1)
            if rows is not None:
                for kind, of in _ROWS.items():
                    named[kind].update(of(rows))
    except (BookUnusable, KeyError, TypeError, ValueError, IndexError):
        book.handle.close()
        return None
    return lambda: _finish(store, profiles, book, touched, named)


def _finish(store: Store, profiles: Mapping[str, Profile], book: BookFile, touched: set[int],
            named: dict[str, set[str]]) -> None:
    """Count the touched days from the new snapshot and write the book for it (the store holds the new snapshot,
    nothing changed since)."""
    try:
        key, docs = state_of(store, profiles, refresh=False)
        if key is None or any(docs[kind].changed for kind in KINDS):
            return
        counted = _counted(store, profiles, docs, touched, named)
        if counted is None:
            return
        store.journal.answerable()  # what was read is intact (else a StoreCorrupt, and no book)
        write_carried(book_path(store.path), key, book, touched, counted)
    finally:
        book.handle.close()


def _in_order(docs: LazyDocs, keys: set[str]) -> list[str]:
    """`keys` of the documents in the table, in its order."""
    if docs.base is None:
        return []
    table = docs.base.load()
    placed = [(table.position(key), key) for key in keys]
    return [key for at, key in sorted(placed) if at >= 0]


def _counted(store: Store, profiles: Mapping[str, Profile], docs: dict[str, LazyDocs], touched: set[int],
             named: dict[str, set[str]]) -> dict[int, tuple[bytes, bytes]] | None:
    """The touched days' (sums, rows) as a book counted whole would hold them; None when they cannot be."""
    chosen = {kind: _in_order(docs[kind], named[kind]) for kind in KINDS}
    outcomes = _outcomes_naming(store, docs, chosen["requests"])
    if outcomes is None:
        return None
    doc_ids, _, rows = request_columns(View(store, docs, {"requests": chosen["requests"]}), outcomes, profiles, None)
    fixes = corrections_of(View(store, docs, {"corrections": chosen["corrections"]}), profiles)
    rated = Outcomes(View(store, docs, {"outcomes": chosen["outcomes"]}))
    return counted_days(doc_ids, rows, fixes, rated, only=touched)


def _outcomes_naming(store: Store, docs: dict[str, LazyDocs], requests: list[str]) -> Outcomes | None:
    """The outcomes that name these requests (each request's is the last naming it, in the table's order), read
    from the outcomes table's stored column; None when a request's id is not text (not followed here)."""
    found = docs["requests"]
    _, (ids,) = found.field_columns(("id",), keyed=False)
    table = found.base.load() if found.base is not None else None
    if table is None:
        return Outcomes(View(store, docs, {"outcomes": []}))
    needed = {ids[table.position(key)] for key in requests} if requests else set()
    if not all(type(named) is str for named in needed):
        return None
    outcomes = docs["outcomes"]
    keys, (named,) = outcomes.field_columns(("request_id",), keyed=False)
    places = [i for i, value in enumerate(named) if not (value is None or type(value) is str) or value in needed]
    if keys or outcomes.base is None:
        chosen = _pick(keys, places)
    else:
        held = outcomes.base.load().doc_ids
        chosen = [str(held[i]) for i in places]
    return Outcomes(View(store, docs, {"outcomes": chosen}))


__all__ = ["prepare"]
