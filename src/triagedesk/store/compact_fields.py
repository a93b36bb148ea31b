"""One field's index over a table (value -> doc_ids) as `Postings` over the snapshot's records plus a small dict
overlay (`FieldMap`) of the records changed since it was built, and how both are built from a table."""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from triagedesk.store.coded_postings import Coded, postings_of
from triagedesk.store.lazy_docs import LazyDocs, values_of
from triagedesk.store.postings import UNINDEXED, Postings, doc_numbers, key_of, nothing

GONE: Any = object()
"""A removed document's value in `change`."""


class FieldMap:
    """One field's index as dicts: value -> holders, the doc_ids whose value is not a scalar, and each doc_id's
    value (the overlay of changed records; the whole index of a table whose doc_ids are not all ints)."""

    __slots__ = ("holders", "odd", "value_of")

    def __init__(self, keys: list[str], column: list[Any]) -> None:
        self.holders: dict[Any, str | dict[str, None]] = {}
        self.odd: dict[str, None] = {}
        self.value_of: dict[str, Any] = {}
        for doc_id, value in zip(keys, column, strict=True):
            self.change(doc_id, key_of(value))

    def ids(self, value: Any) -> tuple[str, ...] | dict[str, None]:
        """The doc_ids holding `value` (in the order they were indexed)."""
        held = self.holders.get(value)
        if held is None:
            return ()
        return (held,) if isinstance(held, str) else held

    def change(self, doc_id: str, value: Any) -> None:
        """`doc_id` now holds `value` (a key: `key_of`; `GONE`: removed)."""
        old = self.value_of.pop(doc_id, GONE)
        if old is not GONE:
            if old is value or (old == value and type(old) is type(value)):
                if value is not GONE:
                    self.value_of[doc_id] = old
                return
            if old is UNINDEXED:
                self.odd.pop(doc_id, None)
            else:
                held = self.holders.get(old)
                if held == doc_id:
                    del self.holders[old]
                elif isinstance(held, dict):
                    held.pop(doc_id, None)
                    if not held:
                        del self.holders[old]
        if value is GONE:
            return
        self.value_of[doc_id] = value
        if value is UNINDEXED:
            self.odd[doc_id] = None
            return
        held = self.holders.get(value)
        if held is None:
            self.holders[value] = doc_id
        elif isinstance(held, str):
            if held != doc_id:
                self.holders[value] = {held: None, doc_id: None}
        else:
            held[doc_id] = None


class CompactField:
    """A field's index: `base` (the records as built, compact) and `newer` (those changed since, as dicts)."""

    __slots__ = ("base", "newer")

    def __init__(self, base: Postings | Coded | None, newer: FieldMap) -> None:
        self.base = base
        self.newer = newer

    def ids(self, key: Any) -> list[str]:
        """The doc_ids holding `key` (see `key_of`): the built ones in their order, then the changed ones."""
        base = self.base
        found = [] if base is None else [base.doc_id(n) for n in base.entries(key)]
        found.extend(self.newer.ids(key))
        return found

    def change(self, doc_id: str, key: Any) -> None:
        """`doc_id` now holds `key` (`GONE`: removed)."""
        if self.base is not None:
            self.base.drop(doc_id)
        self.newer.change(doc_id, key)

    def items(self) -> Iterator[tuple[str, Any]]:
        """(doc_id, key) of every record (a value not indexed: `UNINDEXED`)."""
        base = self.base
        if base is not None:
            for n in base.live_entries():
                yield base.doc_id(n), base.value(n)
        yield from list(self.newer.value_of.items())

    def keys(self) -> set[Any]:
        """Every key some record holds."""
        return {key for _, key in self.items() if key is not UNINDEXED}

    @property
    def value_of(self) -> dict[str, Any]:
        """doc_id -> key of every record (a dict made on each call: a pass over the table)."""
        return dict(self.items())


def changed_values(docs: LazyDocs, field: str) -> Iterator[tuple[str, Any]]:
    """(doc_id, the value of `field` or `GONE`) of every document changed since the table's snapshot."""
    for doc_id, found in list(docs.changed.items()):
        if found is None:
            yield doc_id, GONE
            continue
        raw = docs.raw(doc_id)
        yield doc_id, GONE if raw is None else values_of(docs.parse(raw), (field,))[0]


def _postings(docs: array[int], column: list[Any], strings_only: bool, ordered: bool,
              step: Callable[[], None]) -> Postings | Coded:
    return Postings(docs, column, strings_only, ordered, step) if strings_only else postings_of(docs, column, step)


def base_postings(docs: LazyDocs, field: str, strings_only: bool = False, ordered: bool = True,
                  step: Callable[[], None] = nothing) -> Postings | Coded | None:
    """The postings of the table's snapshot records' `field` as the snapshot stored it (None: no snapshot, or a
    snapshot without that column)."""
    base = docs.base.load() if docs.base is not None else None
    if base is None or field not in base.fields:
        return None
    column = base.column(field, step)
    return _postings(base.doc_ids, column, strings_only, ordered, step)


def field_parts(docs: Mapping[str, Any], field: str, strings_only: bool = False, ordered: bool = True,
                step: Callable[[], None] = nothing) -> tuple[Postings | Coded | None, list[tuple[str, Any]]]:
    """What a table's index on `field` is built from: postings of what is held compactly, and (doc_id, value or
    `GONE`) of the records to hold in the overlay (not `ordered`: see `Postings`; `step()` between chunks of the
    build: the same parts however cut)."""
    if isinstance(docs, LazyDocs):
        base = base_postings(docs, field, strings_only, ordered, step)
        if base is not None:
            changes = list(changed_values(docs, field))
            for doc_id, _ in changes:
                base.drop(doc_id)
            return base, changes
        keys, (column,) = docs.field_columns((field,))
    else:
        held = [(k, d) for k, d in docs.items() if isinstance(d, Mapping)]
        keys, column = [k for k, _ in held], [d.get(field) for _, d in held]
    numbers = doc_numbers(keys)
    if numbers is None:  # a doc_id not an int: all held as dicts
        return None, list(zip(keys, column, strict=True))
    return _postings(numbers, column, strings_only, ordered, step), []


def build_field(docs: Mapping[str, Any], field: str, step: Callable[[], None] = nothing) -> CompactField:
    """The index of `field` over a table's documents (`step()` between chunks of the build)."""
    base, changes = field_parts(docs, field, step=step)
    newer = FieldMap([], [])
    for doc_id, value in changes:
        newer.change(doc_id, GONE if value is GONE else key_of(value))
    return CompactField(base, newer)


__all__ = ["CompactField", "FieldMap", "GONE", "build_field", "field_parts"]
