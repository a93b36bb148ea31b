"""The crash-safe TinyDB storage: a checksummed JSON snapshot plus an append-only, CRC-checked, fsynced journal.

Files of a store at PATH: `PATH` (a plain TinyDB JSON snapshot), `PATH.journal`
(one line per committed transaction) and `PATH.lock` (the inter-process lock).
See docs/storage.md for the design and its guarantees.
"""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from filelock import FileLock, Timeout
from tinydb.storages import Storage

from triagedesk import files
from triagedesk.files import reason
from triagedesk.store.errors import StoreCorrupt, StoreError, StoreLocked
from triagedesk.store.generations import REPAIR, GenerationFiles, _identity, _Retry, keep_previous, snapshot_identity
from triagedesk.store.journal_format import (
    APP,
    JOURNAL_MAGIC,
    META,
    Damaged,
    JournalHeader,
    Op,
    decode_header,
    encode_record,
    scan,
)
from triagedesk.store.lazy_docs import LazyDocs

if TYPE_CHECKING:
    from triagedesk.store.indexes import Indexes

__all__ = ["APP", "JOURNAL_MAGIC", "META", "JournalStorage", "ChangeListener", "keep_previous"]

COMPACT_MIN_BYTES = int(os.environ.get("TRIAGEDESK_COMPACT_BYTES", 8 * 1024 * 1024))
"""The journal is folded into the snapshot once it is larger than this and than a quarter of the snapshot
(what the journal adds since the snapshot is held in memory; the snapshot's records are read from its file)."""
LOCK_TIMEOUT = float(os.environ.get("TRIAGEDESK_LOCK_TIMEOUT", 60))

Tables = dict[str, Any]  # table -> LazyDocs (the `_meta` table: a plain dict)
ChangeListener = Callable[[set[tuple[str, str]]], None]
Identity = tuple[int, ...]


class JournalStorage(GenerationFiles, Storage):
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
        self.header: JournalHeader | None = None       # the journal this process appends to
        self.version = 0  # bumped whenever in-memory state changes
        self._offset = 0
        self._journal_id: Identity | None = None
        self._snapshot_id: Identity | None = None
        self.mutex = threading.RLock()
        self._depth = 0
        self._locked = 0
        self._pending: list[Op] = []
        self._file_lock = FileLock(str(self.lock_path), thread_local=False, timeout=LOCK_TIMEOUT)
        self._fd: int | None = None
        self._listeners: list[ChangeListener] = []
        self._compact_retry_at = 0
        self._deferred = 0  # held compaction_deferred() blocks
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"{self.path.parent}: cannot create the store's folder: {reason(exc)}") from None
        if not self.path.exists():
            self._refuse_if_lost()
            if not create:
                raise StoreError(f"{self.path}: no such store")
            with self._lock():
                if not self.path.exists():
                    self._initialise()
        self._load()

    # -- the lock ----------------------------------------------------------------------------
    @contextmanager
    def _lock(self) -> Iterator[None]:
        try:
            self._file_lock.acquire()
        except Timeout:
            raise StoreLocked(f"{self.lock_path}: another process holds the store's lock") from None
        except OSError as exc:
            raise StoreError(f"{self.lock_path}: cannot lock the store: {reason(exc)}") from None
        self._locked += 1
        try:
            yield
        finally:
            self._locked -= 1
            self._file_lock.release()

    # -- files -----------------------------------------------------------------------------
    def _close_fd(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def _load(self) -> None:
        """Read the snapshot and the journal that belongs to it, with every intact record."""
        with self.mutex:
            self._close_fd()
            try:
                self._read_state(locked=self._locked > 0)
            except _Retry:
                with self._lock():
                    self._read_state(locked=True)
            self.version += 1

    def _open_journal(self) -> int:
        if self._fd is not None and _identity(os.fstat(self._fd)) != self._journal_id:
            self._close_fd()
        if self._fd is None:
            try:
                self._fd = files.OPS.open(self.journal_path, os.O_RDWR | os.O_APPEND)
            except OSError as exc:
                raise StoreError(f"{self.journal_path}: cannot write: {reason(exc)}; nothing was written") from None
        return self._fd

    def _catch_up(self, holding_lock: bool) -> set[tuple[str, str]]:
        """Apply journal records written since our offset (by us or another process)."""
        try:
            found_stat = os.stat(self.journal_path)
            if snapshot_identity(os.stat(self.path)) != self._snapshot_id:
                return self._reload()  # compacted or repaired by another process, or rewritten in place
        except FileNotFoundError:
            if holding_lock:
                return self._reload()  # a missing file: the reload names it
            return set()
        except OSError as exc:
            raise self._journal_error(exc) from None
        if stat.S_ISDIR(found_stat.st_mode):
            raise StoreCorrupt(f"{self.journal_path}: a directory, not a journal; {REPAIR}")
        if _identity(found_stat) == self._journal_id and found_stat.st_size == self._offset:
            return set()
        try:
            with open(self.journal_path, "rb") as handle:
                if _identity(os.fstat(handle.fileno())) != self._journal_id:
                    return self._reload()
                head = handle.read(200)
                try:
                    same = decode_header(head)[0] == self.header
                except Damaged as exc:
                    raise StoreCorrupt(f"{self.journal_path}: {exc}; {REPAIR}") from None
                if not same:
                    return self._reload()  # a new journal on a reused inode
                size = os.fstat(handle.fileno()).st_size
                if size < self._offset:
                    raise StoreCorrupt(f"{self.journal_path}: shorter than what this desk has read ({size} < "
                                       f"{self._offset} bytes): cut; {REPAIR}")
                handle.seek(self._offset)
                data = handle.read()
        except OSError as exc:
            raise self._journal_error(exc) from None
        found = scan(data, self._offset)
        if found.damaged:
            raise StoreCorrupt(f"{self.journal_path}: damaged record at offset {found.damaged[0]} "
                               f"(bad checksum); {REPAIR}")
        changed = self._apply(found.records)
        self._offset = found.end
        if found.tail and holding_lock:
            self._cut_tail(found.cut, found.end)
        return changed

    def _reload(self) -> set[tuple[str, str]]:
        before = {(t, i) for t, docs in self.tables.items() for i in docs}
        self._load()
        return before | {(t, i) for t, docs in self.tables.items() for i in docs}

    def _apply(self, records: list[list[Op]]) -> set[tuple[str, str]]:
        changed: set[tuple[str, str]] = set()
        for ops in records:
            for table_name, doc_id, doc in ops:
                table = self.docs(table_name)
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
            changed: set[tuple[str, str]] = set()
            with self._lock() if outer else _nothing():
                if outer:
                    self.verified()  # a snapshot whose checksum fails takes no write
                    changed = self._catch_up(holding_lock=True)
                    self.verified()  # (another process's new snapshot, if the catch-up read one)
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

    def docs(self, table: str) -> Any:
        """A table's documents (created empty when it has none yet)."""
        found = self.tables.get(table)
        if found is None:
            found = self.tables[table] = {} if table == META else LazyDocs()
        return found

    def _index(self, table: str, doc_id: str, doc: dict[str, Any] | None) -> None:
        """Keep the `id` field -> doc_id index and the secondary indexes in step with an applied change."""
        if self.indexes is not None:
            self.indexes.change(table, doc_id, doc)
        index = self.index.get(table)
        if index is None:
            return
        reverse = self._rindex.get(table)
        if reverse is None:  # built on the table's first change, not on every open
            reverse = self._rindex[table] = {doc_id: key for key, doc_id in index.items()}
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
                docs = self.tables.get(table)
                keys, (ids,) = docs.field_columns(("id",)) if isinstance(docs, LazyDocs) else ([], [[]])
                index = {key: doc_id for doc_id, key in zip(keys, ids, strict=True) if type(key) is str}
                self.index[table] = index
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
        """Append the transaction's line and fsync it; on any error cut it off again and say so."""
        line = encode_record(self._pending)
        fd = self._open_journal()
        before = self._offset
        try:
            files.write_all(fd, line)
            files.OPS.fsync(fd)
        except OSError as exc:
            try:
                files.OPS.truncate(fd, before)
                files.OPS.fsync(fd)
            except OSError:
                pass  # the next writer cuts an unfinished line; a complete one it cannot tell from a commit
            self._close_fd()
            raise StoreError(f"{self.journal_path}: cannot write: {reason(exc)}; nothing was written") from None
        self._offset += len(line)
        if not self._deferred and self._offset > max(COMPACT_MIN_BYTES, self._snapshot_size() // 4,
                                                     self._compact_retry_at):
            try:
                self.compact()
            except StoreError:
                # the write is committed in the journal, which stays in force; try again after more writes
                self._compact_retry_at = self._offset + max(self._offset // 4, 64 * 1024)

    @contextmanager
    def compaction_deferred(self) -> Iterator[None]:
        """No automatic compaction while held: a bulk load of many commits folds the journal in once, at its end."""
        self._deferred += 1
        try:
            yield
        finally:
            self._deferred -= 1

    def _rollback(self) -> None:
        """Undo in-memory changes of a failed transaction by reloading from disk."""
        self._pending = []
        self._load()

    def discard_changes(self) -> None:
        """A write failed half-way in memory: reload what is committed (the transaction then fails)."""
        self._rollback()

    def _snapshot_size(self) -> int:
        try:
            return self.path.stat().st_size
        except OSError:
            return 0

    # -- TinyDB's Storage interface ------------------------------------------------------------
    def read(self) -> Tables:
        self.refresh()
        return self.tables

    def write(self, data: Tables) -> None:
        """Whole-database writes (TinyDB's `drop_tables`...): diffed into whole-document ops."""
        with self.transaction():
            for name in set(self.tables) | set(data):
                if name == META:
                    continue
                old, new = self.tables.get(name, {}), data.get(name, {})
                for doc_id in set(old) | set(new):
                    if old.get(doc_id) != new.get(doc_id) or doc_id not in new:
                        self.record(name, doc_id, new.get(doc_id))
            meta = self.tables.get(META)
            self.tables = {name: LazyDocs.of(docs) for name, docs in data.items() if name != META}
            if meta is not None:
                self.tables[META] = meta
            self.index, self._rindex = {}, {}
            self._reset_indexes()

    def close(self) -> None:
        with self.mutex:
            self._close_fd()

    # -- other desks' changes ---------------------------------------------------------------
    def refresh(self) -> set[tuple[str, str]]:
        """Apply what other processes committed; returns the (table, doc_id) pairs that changed."""
        with self.mutex:
            self.refuse_if_damaged()
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


@contextmanager
def _nothing() -> Iterator[None]:
    yield
