"""The queue's sort orders: each row's sort key, and a kept order patched where rows changed instead of sorted again.

A full sort (`sorted(range(n), key=row_key(...))`, stable) puts rows with equal keys in row order, so every order is
the rows sorted by `(key, row)`. A patch keeps that: the rows it changed leave the order, the rest keep their
places (renumbered when rows were removed or inserted before them, which keeps their relative order), and each
changed row goes back in by bisection on `(key, row)`. The cost is that of the changed rows (and one pass over the
order), not of a sort (issue #24: a desk following a busy writer sorted 18k rows again on the UI thread for every
patch).
"""

from __future__ import annotations

from bisect import insort
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from triagedesk.app.queue import QueueData

TEXT_COLUMNS = {"id": "ids", "status": "status", "assignee": "assignee", "route": "route", "title": "title"}
"""The sorts by a text column, and the column each reads."""
BLANK = "\uffff"
"""A text column's key for a row without a value: such rows sort last."""
RESORT_SHARE = 0.25
"""A patch changing more than this share of the rows sorts them all again (cheaper than bisecting each in)."""


def row_key(data: QueueData, sort: str, now_epoch: float) -> Callable[[int], Any]:
    """Row -> its sort key for `sort` (the SLA order: time left at `now_epoch`). Raises ValueError for an unknown
    sort."""
    if sort == "urgency":
        return data.rank_key.__getitem__
    if sort == "sla":
        now = datetime.fromtimestamp(now_epoch, UTC)
        far = float("inf")

        def left(row: int) -> float:
            target = data.pressing(row, now)
            return far if target is None else target.left_minutes(now)

        return left
    if sort == "newest":
        created = data.created
        return lambda row: -created[row]  # newest first; equal times stay in row order, as a reversed stable sort
    if sort == "score":
        score = data.score
        return lambda row: -score[row]
    if sort in TEXT_COLUMNS:
        column: list[str] = getattr(data, TEXT_COLUMNS[sort])
        return lambda row: column[row].lower() if column[row] not in ("", "-") else BLANK
    from triagedesk.app.queue import SORTS

    raise ValueError(f"unknown sort {sort!r}; one of {', '.join(SORTS)}")


def full(data: QueueData, sort: str, now_epoch: float) -> list[int]:
    """Every row in `sort`'s order: a stable sort, equal keys in row order."""
    key = row_key(data, sort, now_epoch)
    if sort == "sla":  # each row's time left computed once, not once a comparison
        keys = [key(row) for row in range(len(data))]
        return sorted(range(len(data)), key=keys.__getitem__)
    return sorted(range(len(data)), key=key)


def patched(order: list[int], key: Callable[[int], Any], drop: set[int], renumber: Sequence[int] | None,
            add: Iterable[int]) -> list[int]:
    """`order` (old row numbers, sorted by `(key, row)`) without the rows in `drop` (old numbers), the rest
    renumbered (`renumber[old]` is the new number; None: unchanged), and the rows of `add` (new numbers, read
    through `key`) bisected in: the order a full sort gives for the new rows."""
    if renumber is None:
        kept = [row for row in order if row not in drop] if drop else list(order)
    else:
        kept = [renumber[row] for row in order if row not in drop]

    def ranked(row: int) -> tuple[Any, int]:
        return key(row), row

    for row in add:
        insort(kept, row, key=ranked)
    return kept


def repatch(data: QueueData, drop: set[int], renumber: Sequence[int] | None, add: list[int]) -> None:
    """Bring every order `data` keeps up to date after a patch changed its rows (see `patched`); an order whose
    patch would cost more than a sort is dropped, to be sorted again when asked for. The search text joined in
    an order's sequence is dropped too (joined again at the next search)."""
    kept: dict[tuple[str, int], list[int]] = {}
    resort = len(add) > RESORT_SHARE * max(len(data), 1)
    for (sort, minute), order in data.sorted_rows.items():
        if resort:
            continue
        epoch = data.sorted_at.get((sort, minute), minute * 60.0)
        kept[(sort, minute)] = patched(order, row_key(data, sort, epoch), drop, renumber, add)
    data.sorted_rows = kept
    data.sorted_at = {k: v for k, v in data.sorted_at.items() if k in kept}
    data.haystacks = {}


__all__ = ["row_key", "full", "patched", "repatch", "TEXT_COLUMNS"]
