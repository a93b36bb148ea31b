"""The port a replicator works through: the desk's records, their sync states, checkpoints and rejected list.

Sync reaches the store only through this protocol (an import-linter contract holds it to that); the Desk offers
it as `desk.replica` (`app/replica_store.py` is its implementation over the store). This module imports nothing of
the store, so that importing it brings no store in, directly or indirectly.

Records are stored documents: the model's JSON fields, `_updated_at` (the store's update stamp) and, for fields
a newer desk's model has and this one's does not, `_extra`. A record's key on the server is `KIND:ID`; its sync
state is {key, rev, updated_at, deleted, top}: the revision last in step with the server and the `_updated_at`
it had then (a record whose stamp differs is pending), and what other clients keep beside its data (`top`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from typing import Any, Protocol

EXTRA = "_extra"
"""A stored record's fields this desk's model does not know (tests/app/test_replica.py: the store's name too)."""
UPDATED = "_updated_at"
"""A stored record's update stamp."""

Record = dict[str, Any]
Carried = tuple[tuple[str, Record], ...]
"""(kind, stored record) of each outcome and correction a request's document carries."""
Slot = tuple[str, str]
"""(table, the store's own id of a document): what a change notice names."""


def record_fields(doc: dict[str, Any]) -> dict[str, Any]:
    """A stored record without the store's own `_` fields: its model's fields."""
    return {k: v for k, v in doc.items() if k[:1] != "_"}


class Changes(Protocol):
    """The local records changed since they were last in step with the server (followed from the store's
    change notices between calls)."""

    def records(self) -> list[tuple[str, Record]]:
        """(kind, record) of every record whose `_updated_at` is not the one its sync state holds."""
        ...

    def removed(self) -> list[tuple[str, str | None]]:
        """(key, revision) of every record deleted here since it was last in step; after `records()`."""
        ...

    def close(self) -> None:
        """Stop following the change notices."""
        ...


class Replica(Protocol):
    """What the app offers a replicator. Writes happen inside `transaction()` (one durable write)."""

    @property
    def identity(self) -> str:
        """Names this store among others (its resolved path): part of the replication's id."""
        ...

    # -- the records ---------------------------------------------------------------------------
    def refresh(self) -> None:
        """Catch up on other processes' commits."""
        ...

    def transaction(self) -> AbstractContextManager[Any]:
        """Everything inside commits as one durable write, under the inter-process lock."""
        ...

    def subscribe(self, listener: Callable[[set[Slot]], None]) -> Callable[[], None]:
        """Call `listener` with the slots each commit changed (on the writing thread); returns the unsubscribe."""
        ...

    def changes(self, kinds: tuple[str, ...]) -> Changes:
        """Follow the records of `kinds` changed since they were last in step (pushed in that order)."""
        ...

    def record(self, kind: str, record_id: str) -> Record | None:
        """The stored record (as held now: do not mutate it)."""
        ...

    def insert(self, kind: str, records: list[Record]) -> None:
        """Records new to this desk, in one table write."""
        ...

    def replace(self, kind: str, record_id: str, record: Record) -> None:
        """Make the stored record exactly `record`."""
        ...

    def remove(self, kind: str, record_id: str) -> None:
        ...

    def carried(self, request_ids: set[str], kinds: tuple[str, ...]) -> dict[str, Carried]:
        """The local records of `kinds` (outcomes, corrections) of these requests, by request id, sorted."""
        ...

    def audit(self, actor: str, action: str, kind: str, record_id: str, before: dict[str, Any] | None,
              after: dict[str, Any] | None, note: str = "") -> None:
        ...

    # -- sync states ---------------------------------------------------------------------------
    def states(self, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The sync states of these keys that exist."""
        ...

    def all_states(self) -> list[dict[str, Any]]:
        ...

    def set_states(self, entries: list[dict[str, Any]]) -> None:
        """Each entry becomes its key's sync state (whole: the caller merges what it keeps)."""
        ...

    def forget_states(self, keys: Iterable[str] | None = None) -> None:
        """Remove these keys' sync states (None: all of them: the server forgot this desk)."""
        ...

    # -- checkpoints ---------------------------------------------------------------------------
    def sync_meta(self) -> dict[str, Any]:
        """The replication's own metadata (`since`: the pull checkpoint; `checkpointed`: one left on the server)."""
        ...

    def set_sync_meta(self, fields: dict[str, Any]) -> None:
        """Merge `fields` into the metadata (in the caller's transaction)."""
        ...

    # -- the rejected list ---------------------------------------------------------------------
    def rejections(self) -> list[dict[str, Any]]:
        """Every entry: {id (`KIND:ID`), kind, record_id, rev, error, at, source}."""
        ...

    def rejection(self, key: str) -> dict[str, Any] | None:
        ...

    def put_rejection(self, entry: dict[str, Any]) -> None:
        """Add the entry, or replace the one with its `id`."""
        ...

    def drop_rejections(self, keys: Iterable[str]) -> None:
        ...
