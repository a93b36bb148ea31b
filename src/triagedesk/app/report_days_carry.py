"""The report's day book carried over a compaction (store/carry.py): the days the folded journal touched are counted
again from the new snapshot's records of those days (the old book's rows say which they are), every other day's blobs
are copied from the old book as they are; the book is written for the new snapshot once the compaction has let the
lock go (from the old book's open handle and the new snapshot's tables noted under it). It equals the book counted
whole from the new snapshot, byte for byte (tested over random histories): the touched days go through the same
counting (`report_days.counted_days`), each kind's rows in the new snapshot's order."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from triagedesk.app.report_columns import Outcomes, _pick, corrections_of, request_columns
from triagedesk.app.report_days import KINDS, View, counted_days, state_of
from triagedesk.app.report_days_changes import Changes
from triagedesk.app.report_days_file import BookFile, BookUnusable, book_path, open_book, write_carried
from triagedesk.domain.scoring.profiles import Profile
from triagedesk.store.carry import Finish, Write
from triagedesk.store.lazy_docs import LazyDocs
from triagedesk.store.repositories import Store

_ROWS = {"requests": lambda rows: rows["r"]["doc"], "corrections": lambda rows: rows["c"][0],
         "outcomes": lambda rows: rows["t"][0]}
"""Each counted kind's doc_ids among a day's rows in the book."""


def prepare(store: Store, profiles: Mapping[str, Profile]) -> Finish | None:
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
            named: dict[str, set[str]]) -> Write | None:
    """Under the lock, the new snapshot read back (nothing changed since): note its tables; the write that counts
    the touched days from them and writes the book once the lock is let go."""
    try:
        key, docs = state_of(store, profiles, refresh=False)  # copies: later writes in this process change none
        if key is None or any(docs[kind].changed for kind in KINDS):
            book.handle.close()
            return None
        store.journal.answerable()  # the new snapshot was written by this process (else a StoreCorrupt: no book)
    except BaseException:
        book.handle.close()
        raise
    return lambda: _write(store, profiles, book, touched, named, key, docs)


def _write(store: Store, profiles: Mapping[str, Profile], book: BookFile, touched: set[int],
           named: dict[str, set[str]], key: dict[str, Any], docs: dict[str, LazyDocs]) -> None:
    """Count the touched days from the new snapshot's tables noted and write the book for it (staged, renamed
    in: `write_carried`)."""
    try:
        counted = _counted(store, profiles, docs, touched, named)
        if counted is not None:
            write_carried(book_path(store.path), key, book, touched, counted)
    finally:
        book.handle.close()


class Picked:
    """The report's columns (`report_columns.Columns`) of the documents at some places of each table, in its
    order, picked from the whole table's stored columns: read as a book counted whole reads them."""

    def __init__(self, store: Store, docs: Mapping[str, LazyDocs], places: Mapping[str, list[int]]) -> None:
        self.store, self.docs, self.places = store, docs, places
        self.view = View(store, docs)

    def field_columns(self, kind: str, fields: tuple[str, ...]) -> tuple[list[str], list[list[Any]]]:
        keys, columns = self.docs[kind].field_columns(fields)
        chosen = self.places.get(kind, [])
        return _pick(keys, chosen), [_pick(column, chosen) for column in columns]

    def record(self, kind: str, doc_id: str) -> Any:
        return self.view.record(kind, doc_id)


def _places(docs: LazyDocs, keys: set[str]) -> list[int]:
    """The places of `keys`' documents in the table (nothing changed since its snapshot), in its order."""
    if docs.base is None:
        return []
    table = docs.base.load()
    return sorted(at for at in map(table.position, keys) if at >= 0)


def _counted(store: Store, profiles: Mapping[str, Profile], docs: dict[str, LazyDocs], touched: set[int],
             named: dict[str, set[str]]) -> dict[int, tuple[bytes, bytes]] | None:
    """The touched days' (sums, rows) as a book counted whole would hold them; None when they cannot be (a
    request whose id is not text: not followed here)."""
    places = {kind: _places(docs[kind], named[kind]) for kind in KINDS}
    _, (ids,) = docs["requests"].field_columns(("id",))
    found = [ids[at] for at in places["requests"]]
    if not all(type(named) is str for named in found):
        return None
    needed = set(found)
    # the outcomes of those requests (each one's is the last naming it: all of them read) and of those days
    _, (naming,) = docs["outcomes"].field_columns(("request_id",))
    of_days = set(places["outcomes"])
    places["outcomes"] = [at for at, value in enumerate(naming) if at in of_days
                          or not (value is None or type(value) is str) or value in needed]
    view = Picked(store, docs, places)
    outcomes = Outcomes(view)
    doc_ids, _, rows = request_columns(view, outcomes, profiles, None)
    return counted_days(doc_ids, rows, corrections_of(view, profiles), outcomes, only=touched)


__all__ = ["prepare"]
