"""A table's records read in two halves: where each lies found under the journal's lock, the snapshot's bytes read
after it (they never change), so a worker reading thousands of records does not hold the lock a cursor move's
lookups wait for (issue #24)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from triagedesk.store.lazy_docs import SPAN, LazyDocs
from triagedesk.store.snapshot_table import SnapshotTable

Plan = tuple[SnapshotTable | None, list[bytes | int | None]]
_MISSING: Any = object()


def plan(docs: LazyDocs, keys: list[str]) -> Plan:
    """Under the lock: each key's JSON written since the snapshot (read back if spilled), or its record's place in
    the snapshot (an int), or None (no such record)."""
    base = docs.base.load() if docs.base is not None else None
    out: list[bytes | int | None] = []
    for key in keys:
        found = docs.changed.get(key, _MISSING)
        if found is not _MISSING:
            out.append(None if found is None else docs._data(found))
            continue
        position = base.position(key) if base is not None else -1
        out.append(position if position >= 0 else None)
    return base, out


def read(planned: Plan) -> Iterator[bytes | None]:
    """Without the lock: the JSON of each planned entry, in order; snapshot records lying near each other are read
    at once (as `LazyDocs.raw_many` reads them), each span checked against its checksum as before."""
    base, entries = planned
    batch: list[int] = []

    def flush() -> Iterator[bytes]:
        assert base is not None
        for _, data in base._read_batch(batch):
            yield data
        batch.clear()

    for item in entries:
        if type(item) is not int:
            if batch:
                yield from flush()
            yield item  # type: ignore[misc]
            continue
        assert base is not None
        if batch and (item <= batch[-1] or base.offsets[item + 1] - base.offsets[batch[0]] > SPAN):
            yield from flush()
        batch.append(item)
    if batch:
        yield from flush()


__all__ = ["Plan", "plan", "read"]
