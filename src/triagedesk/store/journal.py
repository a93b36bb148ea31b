"""The crash-safe TinyDB storage: a JSON snapshot plus an append-only, CRC-checked, fsynced journal.

Files of a store at PATH: `PATH` (a plain TinyDB JSON snapshot), `PATH.journal`
(one line per committed transaction) and `PATH.lock` (the inter-process lock).
See docs/storage.md for the design and its guarantees.
"""

from __future__ import annotations

import gc
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from filelock import FileLock
from tinydb.storages import Storage

from triagedesk.store.errors import StoreCorrupt, StoreError
from triagedesk.files import atomic_write
from triagedesk.store.journal_format import Op, encode_record, keep_previous, scan

if TYPE_CHECKING:
    from triagedesk.store.indexes import Indexes

META = "_meta"
APP = "triagedesk"
JOURNAL_MAGIC = b"#triagedesk-journal v1 generation="
COMPACT_MIN_BYTES = int(os.environ.get("TRIAGEDESK_COMPACT_BYTES", 8 * 1024 * 1024))
"""The journal is folded into the snapshot once it is larger than this and than the snapshot."""

FREEZE_BYTES = 8 * 1024 * 1024
"""A snapshot larger than this is moved out of the garbage collector's sight once loaded."""

Tables = dict[str, dict[str, dict[str, Any]]]
ChangeListener = Callable[[set[tuple[str, str]]], None]


class JournalStorage(Storage):
    """TinyDB storage whose every acknowledged write survives a kill and is shared between processes."""

    def __init__(self, path: str | os.PathLike[str], create: bool = True) -> None:
        self.path = Path(path)
        self.journal_path = self.path.with_name(self.path.name + ".journal")
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self.tables: Tables = {}
        self.max_ids: dict[str, int] = {}
        self.index: dict[str, dict[str, str]] = {}   # table -> document "id" -> TinyDB doc_id
        self._rindex: dict[str, dict[str, str]] = {}
        self.indexes: Indexes | None = None  # secondary indexes (store/indexes.py), fed by `_index`
        self.generation = 0
        self.version = 0  # bumped whenever in-memory state changes
        self._offset = 0
        self._journal_id: tuple[int, int] | None = None
        self.mutex = threading.RLock()
        self._depth = 0
        self._pending: list[Op] = []
        self._file_lock = FileLock(str(self.lock_path), thread_local=False)
        self._fd: int | None = None
        self._listeners: list[ChangeListener] = []
        self._stale_journal = False
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.path.exists():
            if not create:
                raise StoreError(f"{self.path}: no such store")
            with self._file_lock:
                if not self.path.exists():
                    self._initialise()
        self._load()

    # -- files -----------------------------------------------------------------------------
    def _initialise(self) -> None:
        from triagedesk.store.migrations import CURRENT_SCHEMA

        snapshot = {META: {"1": {"app": APP, "schema": CURRENT_SCHEMA, "generation": 1}}}
        self._write_journal_header(1)
        atomic_write(self.path, orjson.dumps(snapshot))

    def _write_journal_header(self, generation: int) -> None:
        atomic_write(self.journal_path, JOURNAL_MAGIC + str(generation).encode() + b"\n")

    def _read_snapshot(self) -> tuple[Tables, int]:
        try:
            raw = self.path.read_bytes()
        except OSError as exc:
            raise StoreError(f"{self.path}: cannot read: {exc.strerror or exc}") from None
        gc.disable()
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise StoreCorrupt(f"{self.path}: not a triagedesk store (invalid JSON: {exc})") from None
        finally:
            if len(raw) > FREEZE_BYTES:
                # the tables live as long as the store: without this every full collection walks each of
                # their millions of objects (a list of 100k pairs then costs a second, not a millisecond)
                gc.freeze()
            gc.enable()
        meta = data.get(META, {}).get("1") if isinstance(data, dict) else None
        if not isinstance(meta, dict) or meta.get("app") != APP:
            raise StoreCorrupt(f"{self.path}: not a triagedesk store (no triagedesk header)")
        if not all(isinstance(t, dict) for t in data.values()):
            raise StoreCorrupt(f"{self.path}: not a triagedesk store (a table is not an object)")
        return data, int(meta.get("generation", 0))

    def _journal_header(self, data: bytes) -> tuple[int | None, int]:
        """The generation named by a journal's first line, and where its records start."""
        newline = data.find(b"\n")
        if newline < 0 or not data.startswith(JOURNAL_MAGIC):
            return None, 0
        try:
            return int(data[len(JOURNAL_MAGIC):newline]), newline + 1
        except ValueError:
            return None, 0

    def _load(self) -> None:
        """Read the snapshot and every intact journal record of the same generation."""
        with self.mutex:
            tables, generation = self._read_snapshot()
            self.tables = tables
            self.generation = generation
            self.max_ids = {name: max(map(int, t), default=0) for name, t in tables.items()}
            self.index, self._rindex = {}, {}
            self._reset_indexes()
            self._offset = 0
            self._journal_id = None
            self._catch_up(holding_lock=False, reload_ok=False)
            self.version += 1

    def _open_journal(self) -> int:
        if self._fd is None:
            self._fd = os.open(self.journal_path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        return self._fd

    def _catch_up(self, holding_lock: bool, reload_ok: bool = True) -> set[tuple[str, str]]:
        """Apply journal records written since our offset (by us or another process)."""
        try:
            stat = os.stat(self.journal_path)
        except FileNotFoundError:
            return set()
        if (stat.st_ino, stat.st_dev) == self._journal_id and stat.st_size == self._offset:
            return set()
        with open(self.journal_path, "rb") as handle:
            opened = os.fstat(handle.fileno())
            identity = (opened.st_ino, opened.st_dev)
            if self._journal_id is not None and identity != self._journal_id and reload_ok:
                # compacted or repaired by another process: start again from its snapshot
                if self._fd is not None:
                    os.close(self._fd)
                    self._fd = None
                before = {(t, i) for t, docs in self.tables.items() for i in docs}
                self._load()
                return before | {(t, i) for t, docs in self.tables.items() for i in docs}
            if self._journal_id != identity:
                generation, start = self._journal_header(handle.read(64))
                self._journal_id = identity
                self._stale_journal = generation != self.generation
                if self._stale_journal:
                    # a journal older than the snapshot: its records are already in it
                    self._offset = opened.st_size
                    return set()
                self._offset = start
            handle.seek(self._offset)
            data = handle.read()
        found = scan(data, self._offset)
        if found.corrupt_line is not None:
            raise StoreCorrupt(
                f"{self.journal_path}: damaged record after offset {self._offset} "
                "(bad checksum); run `triagedesk db check` and `triagedesk db repair`"
            )
        changed = self._apply(found.records)
        self._offset = found.end
        if found.torn and holding_lock:
            os.truncate(self.journal_path, self._offset)  # a crashed writer's unfinished line
        return changed

    def _apply(self, records: list[list[Op]]) -> set[tuple[str, str]]:
        changed: set[tuple[str, str]] = set()
        for ops in records:
            for table_name, doc_id, doc in ops:
                table = self.tables.setdefault(table_name, {})
                if doc is None:
                    table.pop(doc_id, None)
                else:
                    table[doc_id] = doc
                    number = int(doc_id)
                    if number > self.max_ids.get(table_name, 0):
                        self.max_ids[table_name] = number
                self._index(table_name, doc_id, doc)
                changed.add((table_name, doc_id))
        if changed:
            self.version += 1
        return changed

    # -- transactions ----------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[JournalStorage]:
        """Hold the write lock; every write inside commits as one durable journal record."""
        with self.mutex:
            outer = self._depth == 0
            if outer:
                self._file_lock.acquire()
                try:
                    changed = self._catch_up(holding_lock=True)
                    if self._stale_journal:
                        self._write_journal_header(self.generation)
                        self._journal_id = None
                        changed |= self._catch_up(holding_lock=True)
                except BaseException:
                    self._file_lock.release()
                    raise
                self._pending = []
            self._depth += 1
            try:
                yield self
                if outer and self._pending:
                    changed |= {(table, doc_id) for table, doc_id, _ in self._pending}
                    self._commit()
            except BaseException:
                if outer and self._pending:
                    self._rollback()
                raise
            finally:
                self._depth -= 1
                if outer:
                    self._pending = []
                    self._file_lock.release()
            if outer and changed:
                self._notify(changed)

    def record(self, table: str, doc_id: str, doc: dict[str, Any] | None) -> None:
        """Note a whole-document change made inside the current transaction."""
        if self._depth == 0:
            raise StoreError("a write outside a transaction")
        self._pending.append((table, doc_id, doc))
        self._index(table, doc_id, doc)
        if doc is not None:
            number = int(doc_id)
            if number > self.max_ids.get(table, 0):
                self.max_ids[table] = number
        self.version += 1

    def _index(self, table: str, doc_id: str, doc: dict[str, Any] | None) -> None:
        """Keep the `id` field -> doc_id index and the secondary indexes in step with an applied change."""
        if self.indexes is not None:
            self.indexes.change(table, doc_id, doc)
        index = self.index.get(table)
        if index is None:
            return
        reverse = self._rindex[table]
        old = reverse.pop(doc_id, None)
        if old is not None and index.get(old) == doc_id:
            del index[old]
        key = doc.get("id") if isinstance(doc, dict) else None
        if isinstance(key, str):
            index[key] = doc_id
            reverse[doc_id] = key

    def id_index(self, table: str) -> dict[str, str]:
        """The `id` field -> doc_id index of a table, built on first use and then kept in step."""
        with self.mutex:
            index = self.index.get(table)
            if index is None:
                docs = self.tables.get(table, {})
                index = {doc["id"]: doc_id for doc_id, doc in docs.items() if isinstance(doc.get("id"), str)}
                self.index[table] = index
                self._rindex[table] = {doc_id: key for key, doc_id in index.items()}
            return index

    def install_indexes(self, indexes: Indexes) -> None:
        """Keep `indexes` in step with every change applied from now on (the store installs its kinds')."""
        with self.mutex:
            indexes.reset()
            self.indexes = indexes

    def _reset_indexes(self) -> None:
        if self.indexes is not None:
            self.indexes.reset()

    def _installed(self) -> Indexes:
        if self.indexes is None:
            raise StoreError(f"{self.path}: no indexes installed")
        return self.indexes

    def lookup(self, table: str, field: str, value: Any) -> list[dict[str, Any]]:
        """The documents (no copies: do not mutate) whose indexed `field` equals `value`, oldest first."""
        self.refresh()
        with self.mutex:
            docs = self.tables.get(table, {})
            return [docs[d] for d in self._installed().field(table, docs).lookup(field, value) if d in docs]

    def knowledge_search(self, query: str, limit: int) -> list[tuple[dict[str, Any], float, tuple[str, ...]]]:
        """The knowledge base's best `limit` entries for `query` (documents, scores, matched words)."""
        self.refresh()
        with self.mutex:
            docs = self.tables.get("knowledge", {})
            ranked = self._installed().knowledge_index(docs).search(query, limit)
            return [(docs[r.key], r.score, r.matched) for r in ranked if r.key in docs]

    def doc_id_of(self, table: str, key: str) -> str | None:
        """The TinyDB doc_id of the document whose `id` field is `key`."""
        self.refresh()
        return self.id_index(table).get(key)

    def _commit(self) -> None:
        line = encode_record(self._pending)
        fd = self._open_journal()
        view = memoryview(line)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
        self._offset += len(line)
        if self._offset > max(COMPACT_MIN_BYTES, self._snapshot_size()):
            self.compact()

    def _rollback(self) -> None:
        """Undo in-memory changes of a failed transaction by reloading from disk."""
        self._pending = []
        self._load()

    def _snapshot_size(self) -> int:
        try:
            return self.path.stat().st_size
        except FileNotFoundError:
            return 0

    def compact(self) -> None:
        """Fold the journal into a new snapshot (atomically), then start an empty journal."""
        with self.transaction():
            self.generation += 1
            self.tables.setdefault(META, {}).setdefault("1", {"app": APP})["generation"] = self.generation
            gc.disable()
            try:
                data = orjson.dumps(self.tables)
            finally:
                gc.enable()
            keep_previous(self.path)
            keep_previous(self.journal_path)
            atomic_write(self.path, data)
            self._write_journal_header(self.generation)
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
            self._journal_id = None
            self._offset = 0
            self._catch_up(holding_lock=True, reload_ok=False)

    # -- TinyDB's Storage interface ------------------------------------------------------------
    def read(self) -> Tables:
        self.refresh()
        return self.tables

    def write(self, data: Tables) -> None:
        """Whole-database writes (TinyDB's `drop_tables`...): diffed into whole-document ops."""
        with self.transaction():
            for name in set(self.tables) | set(data):
                old, new = self.tables.get(name, {}), data.get(name, {})
                for doc_id in set(old) | set(new):
                    if old.get(doc_id) != new.get(doc_id) or doc_id not in new:
                        self.record(name, doc_id, new.get(doc_id))
            self.tables = {name: dict(docs) for name, docs in data.items()}
            self.index, self._rindex = {}, {}
            self._reset_indexes()

    def close(self) -> None:
        with self.mutex:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None

    # -- other desks' changes ---------------------------------------------------------------
    def refresh(self) -> set[tuple[str, str]]:
        """Apply what other processes committed; returns the (table, doc_id) pairs that changed."""
        with self.mutex:
            if self._depth:
                return set()
            changed = self._catch_up(holding_lock=False)
        if changed:
            self._notify(changed)
        return changed

    def subscribe(self, listener: ChangeListener) -> Callable[[], None]:
        """Call `listener(changes)` whenever this process learns of changes; returns an unsubscribe."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _notify(self, changed: set[tuple[str, str]]) -> None:
        for listener in list(self._listeners):
            listener(changed)
