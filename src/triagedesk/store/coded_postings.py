"""A field's postings when its records hold few distinct values (a status, an expert): each entry's value a one- or
two-byte number, the entries grouped by value and found through a dict of the values (~5 bytes an entry, where
`Postings` takes ~20; no value checked: the dict is exact)."""

from __future__ import annotations

from array import array
from collections.abc import Callable, Sequence
from itertools import accumulate, islice
from typing import Any

from triagedesk.store.postings import _HASHED, UNINDEXED, Entries, Postings, array_of, chunked, key_of, nothing

SAMPLE = 4096
"""How many of a column's first values are looked at to guess whether it holds few distinct ones."""
FEW = 64
"""At most this many distinct values among the sample: the column is coded (then up to 65,536 in all)."""


class Coded(Entries):
    """Entries (doc_id, value) found by value, the values numbered (see the module docstring)."""

    __slots__ = ("values", "numbers", "codes", "order", "starts")

    def __init__(self, docs: array[int], keys: Sequence[Any], numbers: dict[Any, int],
                 step: Callable[[], None] = nothing) -> None:
        """`docs[i]` holds the key `keys[i]` (`key_of`), numbered by `numbers` (every key's first holder's);
        `step()` between chunks of the build (the same entries however cut)."""
        super().__init__(docs, step)
        self.numbers = numbers
        self.values = list(numbers)
        self.codes = array_of("B" if len(numbers) <= 256 else "H", keys, lambda part: map(numbers.__getitem__, part),
                              step)
        grouped: list[list[int]] = [[] for _ in self.values]
        first = 0
        for part in chunked(self.codes, step):
            for entry, code in enumerate(part, first):
                grouped[code].append(entry)
            first += len(part)
        self.order = array("I")
        for group in grouped:
            self.order.extend(array_of("I", group, iter, step))
        self.starts = array("I", accumulate(map(len, grouped), initial=0))

    def value(self, entry: int) -> Any:
        return self.values[self.codes[entry]]

    def entries(self, key: Any) -> list[int]:
        """The live entries holding `key` (an indexed key: see `key_of`), in entry order."""
        code = self.numbers.get(key) if key is not UNINDEXED else None
        if code is None:
            return []
        found = self.order[self.starts[code]:self.starts[code + 1]]
        gone = self.gone
        return found.tolist() if gone is None else [n for n in found if not gone[n]]


def postings_of(docs: array[int], column: Sequence[Any], step: Callable[[], None] = nothing) -> Postings | Coded:
    """A field's postings: coded when its values are few, else found by hash (`step()` between chunks)."""
    if len(column) > FEW:
        types: set[type] = set()
        for part in chunked(column, step):
            types.update(map(type, part))
        keys = column if types <= _HASHED else [key_of(v) for v in column]
        if len(set(islice(keys, SAMPLE))) <= FEW:
            numbers: dict[Any, int] = {}
            for part in chunked(keys, step):
                for key in part:
                    if key not in numbers:
                        numbers[key] = len(numbers)
                if len(numbers) > 65536:
                    break
            if len(numbers) <= 65536:
                return Coded(docs, keys, numbers, step)
    return Postings(docs, column, step=step)


__all__ = ["Coded", "postings_of"]
