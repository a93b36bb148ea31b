"""The journal: transactions appended as one CRC-checked, fsynced line each, and catching up on other writers'.

A `Journal` composes the store's parts, each with one job: `Generations` (the two files, their lock, opening
and compaction), `RecordTables` (the documents, by doc_id and by record id), `Indexes` (the declared field
indexes and the knowledge search) and `ChangeFeed` (who is told of changes). See docs/storage.md."""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from triagedesk import files
from triagedesk.files import reason
from triagedesk.store import carry, planned_reads, warming
from triagedesk.store.catch_up_hold import CatchUpHold
from triagedesk.store.errors import StoreCorrupt, StoreError
from triagedesk.store.feed import ChangeFeed, ChangeListener, Changes
from triagedesk.store.generations import LOCK_TIMEOUT, REPAIR, Generations
from triagedesk.store.id_index import IdIndex
from triagedesk.store.identity import identity_of, keep_previous, snapshot_identity
from triagedesk.store.indexes import Indexes
from triagedesk.store.journal_format import (
    APP,
    JOURNAL_MAGIC,
    META,
    Damaged,
    Op,
    decode_header,
    encode_record_spans,
    scan,
)
from triagedesk.store.lazy_docs import LazyDocs
from triagedesk.store.placed import MISS as _MISS
from triagedesk.store.snapshot_table import OpenSnapshot
from triagedesk.store.spill import spill
from triagedesk.store.tables import RecordTables

__all__ = ["APP", "JOURNAL_MAGIC", "LOCK_TIMEOUT", "META", "ChangeListener", "Journal", "keep_previous"]

COMPACT_MIN_BYTES = int(os.environ.get("TRIAGEDESK_COMPACT_BYTES", 8 * 1024 * 1024))
"""The journal is folded into the snapshot once it is larger than this and than a quarter of the snapshot
(what the journal adds since the snapshot is held in memory; the snapshot's records are read from its file)."""


class Journal:
    """One store, open: every acknowledged write survives a kill and is shared between processes."""

    def __init__(self, path: str | os.PathLike[str], create: bool = True, reading: bool = False) -> None:
        self.files = Generations(Path(path), reading)
        self.records, self.carrying = RecordTables(), carry.Carrying()
        self.indexes: Indexes | None = None  # the declared indexes (store/indexes.py), installed by the Store
        self.placed: Any = None  # a reader's gets and lookups from the places file (store/placed.py), if set
        self.carriers: list[carry.Carrier] = []  # the side files a compaction carries over (store/carry.py)
        self.after_release: list[carry.Write] = []  # their writes, begun (on a thread) when the lock is let go
        self.feed, self.mutex = ChangeFeed(), threading.RLock()
        self._pending: list[Op] = []
        self._compact_retry_at, self._deferred = 0, 0  # the latter: held compaction_deferred() blocks
        self.catch_up_hold = CatchUpHold()  # a thread's reads as this process last caught up (no catch-up)
        self._depth, self.version = 0, 0  # the latter bumped whenever the documents in memory change
        self._reader: tuple[Any, OpenSnapshot] | None = None  # (journal identity, the journal open for reading)
        where = self.files.path
        try:
            where.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"{where.parent}: cannot create the store's folder: {reason(exc)}") from None
        if not where.exists():
            self.files.refuse_if_lost()
            if not create:
                raise StoreError(f"{where}: no such store")
            with self.files.lock():
                if not where.exists():
                    self.files.initialise()
        self._load()

    @property
    def path(self) -> Path:
        return self.files.path

    @property
    def journal_path(self) -> Path:
        return self.files.journal_path

    @property
    def generation(self) -> int:
        return self.files.generation

    @property
    def tables(self) -> dict[str, Any]:
        """Every table's documents (table -> LazyDocs; `_meta`: a dict), as TinyDB's Storage reads them."""
        return self.records.raw

    @property
    def verification(self) -> Any:
        return self.files.verification

    def verified(self) -> None:
        """Wait for the snapshot's checksum; a `StoreCorrupt` naming the damage when it failed."""
        self.files.verified()

    @property
    def reading(self) -> bool:
        """Opened to answer questions (see `Generations.reading`): its lookups need no built index."""
        return self.files.reading

    @property
    def spans_checked(self) -> bool:
        """Each span of the snapshot read is checked against its own checksum (see `Generations`)."""
        return self.files.spans_checked

    def check_spans(self, table: str) -> None:
        """Check every span of `table`'s snapshot records against its own checksum (a `StoreCorrupt` when one
        fails); nothing to do for a snapshot without them (its reader waits for the whole file's)."""
        with self.mutex:
            docs = self.records.raw.get(table)
        if isinstance(docs, LazyDocs) and docs.base is not None:
            docs.base.check_spans()

    def answerable(self) -> None:
        """Wait until what was read may be answered with (each span read checked, or else the whole file's
        checksum); a `StoreCorrupt` naming the damage when not."""
        self.files.answerable()

    def refuse_if_damaged(self) -> None:
        self.files.refuse_if_damaged()

    def _load(self) -> None:
        """Read the snapshot and the journal that belongs to it, with every intact record."""
        with self.mutex:
            opened = self.files.open()
            self.records.replace(opened.tables)
            if self.indexes is not None:
                self.indexes.reset()
            self._apply(opened.records)
            self.version += 1

    def _catch_up(self, holding_lock: bool) -> Changes:
        """Apply journal records written since our offset (by us or another process)."""
        files_ = self.files
        try:
            found_stat = os.stat(files_.journal_path)
            if snapshot_identity(os.stat(files_.path)) != files_.snapshot_id:
                return self._reload()  # compacted or repaired by another process, or rewritten in place
        except FileNotFoundError:
            return self._reload() if holding_lock else set()  # (a missing file: the reload names it)
        except OSError as exc:
            raise files_.journal_error(exc) from None
        if stat.S_ISDIR(found_stat.st_mode):
            raise StoreCorrupt(f"{files_.journal_path}: a directory, not a journal; {REPAIR}")
        offset = files_.offset
        if identity_of(found_stat) == files_.journal_id and found_stat.st_size == offset:
            return set()
        try:
            with open(files_.journal_path, "rb") as handle:
                if identity_of(os.fstat(handle.fileno())) != files_.journal_id:
                    return self._reload()
                try:
                    same = decode_header(handle.read(200))[0] == files_.header
                except Damaged as exc:
                    raise StoreCorrupt(f"{files_.journal_path}: {exc}; {REPAIR}") from None
                if not same:
                    return self._reload()  # a new journal on a reused inode
                size = os.fstat(handle.fileno()).st_size
                if size < offset:
                    raise StoreCorrupt(f"{files_.journal_path}: shorter than what this desk has read ({size} < "
                                       f"{offset} bytes): cut; {REPAIR}")
                handle.seek(offset)
                data = handle.read()
        except OSError as exc:
            raise files_.journal_error(exc) from None
        found = scan(data, offset)
        if found.damaged:
            raise StoreCorrupt(f"{files_.journal_path}: damaged record at offset {found.damaged[0]} "
                               f"(bad checksum); {REPAIR}")
        changed = self._apply(found.records)
        files_.offset = found.end
        if found.tail and holding_lock:
            files_.cut_tail(found.cut, found.end)
        return changed

    def _reload(self) -> Changes:
        before = self.records.pairs()
        self._load()
        return before | self.records.pairs()

    def _apply(self, records: list[list[Op]]) -> Changes:
        changed: Changes = set()
        for ops in records:
            for table, doc_id, doc in ops:
                self.records.apply(table, doc_id, doc)
                if self.indexes is not None:
                    self.indexes.change(table, doc_id, doc)
                changed.add((table, doc_id))
        if changed:
            self.version += 1
        return changed

    def refresh(self) -> Changes:
        """Apply what other processes committed; returns the (table, doc_id) pairs that changed."""
        with self.mutex:
            self.files.refuse_if_damaged()
            if self._depth or self.catch_up_hold.held():
                return set()
            changed = self._catch_up(holding_lock=False)
        if changed:
            self.feed.publish(changed)
        return changed

    def subscribe(self, listener: ChangeListener) -> Callable[[], None]:
        """Call `listener(changes)` whenever this process learns of changes; returns an unsubscribe."""
        return self.feed.subscribe(listener)

    @contextmanager
    def transaction(self) -> Iterator[Journal]:
        """Hold the write lock; every write inside commits as one durable journal record."""
        with self.mutex:
            outer, changed, written = self._depth == 0, Changes(), Changes()
            with self.files.lock() if outer else nullcontext():
                if outer:
                    self.files.verified()  # a snapshot whose checksum fails takes no write
                    changed = self._catch_up(holding_lock=True)
                    self.files.verified()  # (another process's new snapshot, if the catch-up read one)
                    self._pending = []
                self._depth += 1
                try:
                    yield self
                    if outer and self._pending:
                        written = {(table, doc_id) for table, doc_id, _ in self._pending}
                        self._commit()
                except BaseException:
                    if outer and self._pending:  # not durable: rolled back, never told
                        self._rollback()
                        written = Changes()
                    if outer and (changed or written):  # the catch-up's (no later refresh reports it): told now
                        self.feed.publish(changed | written)
                    raise
                finally:
                    self._depth -= 1
                    if outer:  # a compaction's carried files are written once the lock is let go (not if failed)
                        self._pending, writes, self.after_release = [], self.after_release, []
            if outer:  # begun before the listeners are told: one that raises cancels no carry
                self.carrying.start(writes)
            if outer and (changed := changed | written):
                self.feed.publish(changed)

    def put(self, table: str, doc_id: str, doc: dict[str, Any] | None) -> None:
        """Set (None: remove) one whole document inside the current transaction."""
        if self._depth == 0:
            raise StoreError("a write outside a transaction")
        docs = self.records.docs(table)
        if doc is None:
            docs.pop(doc_id, None)
        else:
            docs[doc_id] = doc  # raises for a value JSON cannot hold, before anything changes
        self.record(table, doc_id, doc)

    def record(self, table: str, doc_id: str, doc: dict[str, Any] | None) -> None:
        """Note a whole-document change already made in its table inside the current transaction."""
        if self._depth == 0:
            raise StoreError("a write outside a transaction")
        self._pending.append((table, doc_id, doc))
        self.records.noted(table, doc_id, doc)
        if self.indexes is not None:
            self.indexes.change(table, doc_id, doc)
        self.version += 1

    def _commit(self) -> None:
        """Append the transaction's line and fsync it; on any error cut it off again and say so."""
        line, spans = encode_record_spans(self._pending)
        files_ = self.files
        fd = files_.append_fd()
        before = files_.offset
        try:
            files.write_all(fd, line)
            files.OPS.fsync(fd)
        except OSError as exc:
            try:
                files.OPS.truncate(fd, before)
                files.OPS.fsync(fd)
            except OSError:
                pass  # the next writer cuts an unfinished line; a complete one it cannot tell from a commit
            files_.close_fd()
            raise StoreError(f"{files_.journal_path}: cannot write: {reason(exc)}; nothing was written") from None
        files_.offset += len(line)
        if self._deferred:
            spill(self, before, line, spans)
        self._pending = []  # committed: a failure from here on (the compaction's) rolls nothing back
        if not self._deferred and files_.offset > max(COMPACT_MIN_BYTES, files_.snapshot_size() // 4,
                                                      self._compact_retry_at):
            try:
                self.compact()
            except StoreError:  # the write is committed in the journal, in force; try again after more writes
                self._compact_retry_at = files_.offset + max(files_.offset // 4, 64 * 1024)

    def _rollback(self) -> None:
        """Undo in-memory changes of a failed transaction by reloading from disk."""
        self._pending = []
        self._load()

    def discard_changes(self) -> None:
        """A write failed half-way in memory: reload what is committed (the transaction then fails)."""
        self._rollback()

    def compact(self) -> None:
        """Fold the journal into a new snapshot and start an empty one (see `Generations.compact`)."""
        if self._pending:  # they would be folded into the snapshot, and survive the transaction's failure
            raise StoreError(f"{self.path}: a compaction inside a transaction with writes not committed yet")
        with self.transaction():
            finishes = carry.prepared(self.carriers, self.path)
            self.files.compact(self.records.raw, self.records.rebase,
                               lambda: self.after_release.extend(carry.noted(finishes)))

    @contextmanager
    def compaction_deferred(self) -> Iterator[None]:
        """No automatic compaction while held: a bulk load of many commits folds the journal in once, at its end."""
        self._deferred += 1
        try:
            yield
        finally:
            self._deferred -= 1

    def docs(self, table: str) -> Any:
        """A table's documents (created empty when it has none yet)."""
        return self.records.docs(table)

    def get(self, table: str, key: str) -> dict[str, Any] | None:
        """The document whose `id` is `key` (a fresh copy), as it is now."""
        self.refresh()
        if self.placed is not None:  # a reader's places file answers without the index (built only on a miss)
            with self.mutex:
                found = self.placed.get(table, key)
            if found is not _MISS:
                return found
        warming.id_index(self, table)  # a first use builds it outside the lock (or waits for the warm-up's build)
        with self.mutex:
            doc_id = self.records.id_index(table).get(key)
            return None if doc_id is None else self.records.raw.get(table, {}).get(doc_id)

    def id_index(self, table: str) -> IdIndex:
        """The `id` field -> doc_id index of a table, built on first use and then kept in step."""
        warming.id_index(self, table)
        with self.mutex:
            return self.records.id_index(table)

    def doc_id_of(self, table: str, key: str) -> str | None:
        """The doc_id of the document whose `id` field is `key`."""
        self.refresh()
        return self.id_index(table).get(key)

    def install_indexes(self, indexes: Indexes) -> None:
        """Keep `indexes` in step with every change applied from now on (the store installs its kinds')."""
        with self.mutex:
            indexes.reset()
            self.indexes = indexes

    def _installed(self) -> Indexes:
        if self.indexes is None:
            raise StoreError(f"{self.path}: no indexes installed")
        return self.indexes

    def lookup(self, table: str, field: str, value: Any) -> list[dict[str, Any]]:
        return list(self.lookup_each(table, field, value))

    def lookup_each(self, table: str, field: str, value: Any) -> Iterator[dict[str, Any]]:
        """The documents whose indexed `field` equals `value`, oldest first (a first use builds the index outside
        the lock; where each record lies is found under it, the snapshot's records read in spans after it, and
        parsed as they are taken: a reader stepping between them lets keys pass, or stops, from the first on)."""
        self.refresh()
        if self.placed is not None and type(value) is str:
            with self.mutex:
                placed = self.placed.lookup(table, field, value)
            if placed is not _MISS:
                return iter(placed)
        warming.field(self, table, field)
        with self.mutex:
            docs = self.records.raw.get(table, {})
            found = [d for d in self._installed().field(table, docs).lookup(field, value) if d in docs]
            if not isinstance(docs, LazyDocs):
                return iter([docs[d] for d in found])
            where = planned_reads.plan(docs, found)
        return (docs.parse(raw) for raw in planned_reads.read(where) if raw is not None)

    def knowledge_search(self, query: str, limit: int) -> list[tuple[dict[str, Any], float, tuple[str, ...]]]:
        """The knowledge base's best `limit` entries for `query` (documents, scores, matched words)."""
        self.refresh()
        with self.mutex:
            docs = self.records.raw.get("knowledge", {})
            ranked = self._installed().knowledge_index(docs).search(query, limit)
            return [(docs[r.key], r.score, r.matched) for r in ranked if r.key in docs]

    def close(self) -> None:
        self.carrying.wait()  # a compaction's carried files written whole before the files they read are closed
        with self.mutex:
            self.files.close_fd()
            if self._reader is not None and self._reader[1].handle is not None:
                self._reader[1].handle.close()  # a bulk load's spans are read through it until the store closes
