"""Schema versions of a store and the migrations between them, run once, atomically, after a backup."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from triagedesk.domain import instants
from triagedesk.store.errors import StoreError

CURRENT_SCHEMA = 3
"""1: documents as first written. 2: every record carries `_updated_at` (sync's last-writer-wins). 3: a request's
`due_at` is its resolve target before any wait (the waits' `paused_minutes` push it when it is read)."""

Tables = dict[str, dict[str, dict[str, Any]]]
DATA_TABLES = ("issues", "experts", "requests", "sessions", "outcomes", "corrections", "knowledge", "audit")


def _to_v2(tables: Tables) -> None:
    """Give every record an `_updated_at`: its latest known timestamp, else the migration time."""
    now = instants.stamp(instants.now())
    stamps = ("completed_at", "ended_at", "assigned_at", "submitted_at", "created_at", "at", "joined_at")
    for name in DATA_TABLES:
        docs = tables.get(name, {})
        for key, doc in list(docs.items()):
            if "_updated_at" not in doc:
                doc["_updated_at"] = next((doc[k] for k in stamps if doc.get(k)), now)
                docs[key] = doc  # the tables hand out copies: a change is written back


def _to_v3(tables: Tables) -> None:
    """The release before the action table stored a request's `due_at` already pushed by its waits; the clocks now
    push the stored due time by `paused_minutes` when they read it. Take the waits out of such a `due_at` so the
    deadline stays where it was (the resolve target's calendar counts every minute).

    Those requests are known by what that release never wrote: an `ack_due_at` field (every request written since
    carries the key, null or not)."""
    docs = tables.get("requests", {})
    for key, doc in list(docs.items()):
        paused = doc.get("paused_minutes") or 0.0
        due = doc.get("due_at")
        if "ack_due_at" in doc or not due or not isinstance(paused, int | float) or paused <= 0:
            continue
        stored = instants.parse_or_none(due)
        if stored is None:
            continue  # not a time: the store's validity check quarantines the record, as before
        doc["due_at"] = instants.stamp(stored - timedelta(minutes=float(paused)))
        doc["ack_due_at"] = None
        docs[key] = doc  # the tables hand out copies: a change is written back


MIGRATIONS: dict[int, Callable[[Tables], None]] = {1: _to_v2, 2: _to_v3}
"""From schema N to N + 1."""


def backup(path: Path, schema: int) -> Path:
    """Copy the snapshot and journal beside the store before migrating; returns the snapshot copy."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    target = path.with_name(f"{path.name}.backup-schema{schema}-{stamp}")
    for source, dest in ((path, target), (path.with_name(path.name + ".journal"),
                                          target.with_name(target.name + ".journal"))):
        if source.exists():
            shutil.copy2(source, dest)
            with open(dest, "rb") as handle:
                os.fsync(handle.fileno())
    return target


def migrate(storage: Any) -> Path | None:
    """Bring a store to CURRENT_SCHEMA; returns the backup's path when a migration ran."""
    def schema_of() -> int:
        return int(storage.tables["_meta"]["1"].get("schema", 1))

    if schema_of() == CURRENT_SCHEMA:
        return None
    if schema_of() > CURRENT_SCHEMA:
        raise StoreError(
            f"{storage.path}: written by a newer triagedesk (schema {schema_of()} > {CURRENT_SCHEMA}); "
            "upgrade triagedesk"
        )
    with storage.transaction():
        schema = schema_of()  # another desk may have migrated while we waited for the lock
        if schema == CURRENT_SCHEMA:
            return None
        copy = backup(storage.path, schema)
        for version in range(schema, CURRENT_SCHEMA):
            MIGRATIONS[version](storage.tables)
        storage.tables["_meta"]["1"]["schema"] = CURRENT_SCHEMA
        storage.compact()
        return copy
