"""The store's two files kept in step: opening them consistently, ordered generations, and compaction.

`Generations` is composed into the journal (store/journal.py): the snapshot names the journal it expects
(generation and salt) and the one it folded in, so an open that races a compaction reads again under the lock,
a compaction interrupted between its renames is finished, and no write ever moves a generation backwards.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from triagedesk import files
from triagedesk.files import atomic_write, reason
from triagedesk.store.checksum import Verification
from triagedesk.store.errors import StoreCorrupt, StoreError, StoreLocked
from triagedesk.store.identity import Identity, identity_of, keep_previous, safe_identity, snapshot_identity
from triagedesk.store.journal_format import (
    APP,
    META,
    Damaged,
    JournalHeader,
    Op,
    decode_header,
    expected_journal,
    folded_journal,
    meta_of,
    scan,
)
from triagedesk.store.lazy_docs import LazyDocs
from triagedesk.store.snapshot_file import MAGIC, encode_snapshot, open_snapshot, snapshot_chunks
from triagedesk.store.upgrade import upgrade_snapshot

Tables = dict[str, Any]
REPAIR = "run `triagedesk db check` and `triagedesk db repair`"
LOCK_TIMEOUT = float(os.environ.get("TRIAGEDESK_LOCK_TIMEOUT", 60))


@dataclass
class Opened:
    """What opening found: the snapshot's tables (read lazily) and the journal's intact records to apply."""

    tables: Tables
    records: list[list[Op]]


class _Retry(Exception):
    """The snapshot and journal read without the lock do not belong together yet: read again under it."""


class Generations:
    """The snapshot and journal of one store: their lock, which files are in force (generation, salt, identity,
    how far the journal is read), opening them consistently, and replacing them together (compaction)."""

    def __init__(self, path: Path, reading: bool = False) -> None:
        self.path = path
        self.reading = reading
        """Opened to answer questions: when the snapshot checks each span it reads, its whole-file checksum is
        read only once a write waits for it."""
        self.spans_checked = False
        """Every table of the snapshot in force checks each span of it that is read (its own CRC-32s)."""
        self.journal_path = path.with_name(path.name + ".journal")
        self.lock_path = path.with_name(path.name + ".lock")
        self._file_lock = FileLock(str(self.lock_path), thread_local=False, timeout=LOCK_TIMEOUT)
        self.locked = 0
        self.generation = 0
        self.header: JournalHeader | None = None       # the journal this process appends to
        self.offset = 0                                # how far that journal is read (and written) here
        self.journal_id: Identity | None = None
        self.snapshot_id: Identity | None = None
        self.verification: Verification | None = None
        """The check of the snapshot's checksum running since it was opened (None: checked, or written here)."""
        self._fd: int | None = None

    # -- the lock and the journal's descriptor ---------------------------------------------------------
    @contextmanager
    def lock(self) -> Iterator[None]:
        """The inter-process lock (re-entrant within this process's transaction)."""
        try:
            self._file_lock.acquire()
        except Timeout:
            raise StoreLocked(f"{self.lock_path}: another process holds the store's lock") from None
        except OSError as exc:
            raise StoreError(f"{self.lock_path}: cannot lock the store: {reason(exc)}") from None
        self.locked += 1
        try:
            yield
        finally:
            self.locked -= 1
            self._file_lock.release()

    def close_fd(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def append_fd(self) -> int:
        """The journal in force, open for appending (opened again when another file took its name)."""
        if self._fd is not None and identity_of(os.fstat(self._fd)) != self.journal_id:
            self.close_fd()
        if self._fd is None:
            try:
                self._fd = files.OPS.open(self.journal_path, os.O_RDWR | os.O_APPEND)
            except OSError as exc:
                raise StoreError(f"{self.journal_path}: cannot write: {reason(exc)}; nothing was written") from None
        return self._fd

    def snapshot_size(self) -> int:
        try:
            return self.path.stat().st_size
        except OSError:
            return 0

    def refuse_if_damaged(self) -> None:
        """A `StoreCorrupt` once the snapshot's checksum is known to fail: nothing more is read from it."""
        running = self.verification
        damage = running.found_damage() if running is not None else None
        if damage is not None:
            raise StoreCorrupt(f"{self.path}: {damage}; {REPAIR}")

    def verified(self) -> None:
        """Wait for the snapshot's checksum to be checked; a `StoreCorrupt` naming the damage when it failed
        (every write asks first, so a damaged store takes no write)."""
        running = self.verification
        if running is None:
            return
        damage = running.result()
        if damage is not None:
            raise StoreCorrupt(f"{self.path}: {damage}; {REPAIR}")
        if self.verification is running:
            self.verification = None

    def answerable(self) -> None:
        """What was read may be answered with: the snapshot checks each span it reads (every read so far was
        checked), else its whole-file checksum is waited for; a `StoreCorrupt` naming damage found."""
        if not self.spans_checked:
            self.verified()
            return
        self.refuse_if_damaged()

    def refuse_if_lost(self) -> None:
        """A missing snapshot beside a journal with records or a `.prev` copy is a lost store, not a new one."""
        previous = self.path.with_name(self.path.name + ".prev")
        try:
            holds = self.journal_path.is_dir() or self.journal_path.stat().st_size > 200
        except OSError:
            holds = False
        if holds or previous.exists():
            raise StoreCorrupt(f"{self.path}: missing, but {self.journal_path.name} or {previous.name} "
                               f"holds records; {REPAIR}")

    def initialise(self) -> None:
        """Write an empty store (snapshot and journal of generation 1)."""
        from triagedesk.store.migrations import CURRENT_SCHEMA

        self.refuse_if_lost()
        header = JournalHeader.new(1)
        snapshot = {META: {"1": {"app": APP, "schema": CURRENT_SCHEMA, "generation": 1,
                                 "journal_salt": header.salt}}}
        try:
            atomic_write(self.journal_path, header.encode())
            atomic_write(self.path, encode_snapshot(snapshot))
        except OSError as exc:
            raise StoreError(f"{self.path}: cannot create the store: {reason(exc)}") from None

    def open(self) -> Opened:
        """Read the snapshot and the journal that belongs to it (again under the lock when they do not belong
        together yet); the journal's records are returned for the caller to apply."""
        self.close_fd()
        try:
            return self._read_state(locked=self.locked > 0)
        except _Retry:
            with self.lock():
                return self._read_state(locked=True)

    def _read_state(self, locked: bool) -> Opened:
        try:
            handle = open(self.path, "rb")  # kept open: the records are read from it on demand
        except FileNotFoundError:
            raise StoreCorrupt(f"{self.path}: missing; {REPAIR}") from None
        except IsADirectoryError:
            raise StoreCorrupt(f"{self.path}: a directory, not a snapshot; {REPAIR}") from None
        except OSError as exc:
            raise StoreError(f"{self.path}: cannot read: {reason(exc)}") from None
        try:
            opened = os.fstat(handle.fileno())
            snapshot_id = snapshot_identity(opened)
            if handle.read(len(MAGIC)) != MAGIC:  # the older format: rewritten once, under the lock
                handle.close()
                if not locked:
                    raise _Retry()
                upgrade_snapshot(self.path)
                return self._read_state(locked)
            tables = open_snapshot(handle, opened.st_size, verify=False)  # its checksum: on a thread
            spans = checks_spans(tables)
            verification: Verification | None = Verification(handle, opened.st_size,
                                                             start=not (self.reading and spans))
        except Damaged as exc:
            handle.close()
            raise StoreCorrupt(f"{self.path}: {exc}; {REPAIR}") from None
        except IsADirectoryError:
            handle.close()
            raise StoreCorrupt(f"{self.path}: a directory, not a snapshot; {REPAIR}") from None
        except OSError as exc:
            handle.close()
            raise StoreError(f"{self.path}: cannot read: {reason(exc)}") from None
        generation = int(meta_of(tables).get("generation", 0))
        expected = expected_journal(tables)
        try:
            handle = open(self.journal_path, "rb")
        except FileNotFoundError:
            if expected is not None:
                raise StoreCorrupt(f"{self.journal_path}: missing, but the snapshot expects journal generation "
                                   f"{generation}; {REPAIR}") from None
            if not locked:
                raise _Retry() from None
            self.start_journal(JournalHeader.new(generation))  # a store from before salted journals
            return self._read_state(locked)
        except OSError as exc:
            raise self.journal_error(exc) from None
        with handle:
            try:
                data = handle.read()
            except OSError as exc:
                raise self.journal_error(exc) from None
            journal_id = identity_of(os.fstat(handle.fileno()))
        try:
            header, start = decode_header(data)
        except Damaged as exc:
            raise StoreCorrupt(f"{self.journal_path}: {exc}; {REPAIR}") from None
        if header != expected and not (expected is None and header.generation == generation):
            damage = verification.result() if verification is not None else None
            if damage is not None:  # nothing is finished or written over a snapshot whose checksum fails
                raise StoreCorrupt(f"{self.path}: {damage}; {REPAIR}")
            self._mismatch(tables, header, generation, locked, data)
            return self._read_state(locked)  # the interrupted compaction is finished: read it again
        found = scan(memoryview(data)[start:], start)
        if found.damaged:
            raise StoreCorrupt(f"{self.journal_path}: damaged record at offset {found.damaged[0]} "
                               f"(bad checksum); {REPAIR}")
        self.generation, self.header = generation, header
        self.verification, self.spans_checked = verification, spans
        self.snapshot_id, self.journal_id, self.offset = snapshot_id, journal_id, found.end
        if found.tail and locked:
            self.cut_tail(found.cut, found.end)
        return Opened(tables, found.records)

    def _mismatch(self, tables: Tables, header: JournalHeader, generation: int, locked: bool, data: bytes) -> None:
        """A journal that is not the one the snapshot expects: a compaction in between, or damage."""
        folded = folded_journal(tables)
        expected = expected_journal(tables)
        interrupted = (folded is not None and header == folded[0]) or (
            expected is None and header.generation < generation)
        if not locked and (interrupted or header.generation > generation):
            raise _Retry()  # another process is compacting: read both again under the lock
        if interrupted and folded is not None and scan(data[folded[1]:], folded[1]).records:
            raise StoreCorrupt(f"{self.journal_path}: records after the compaction that folded it in; {REPAIR}")
        if interrupted and expected is not None:
            self.start_journal(expected)  # a compaction stopped between its two renames: finish it
            return
        if interrupted:
            self.start_journal(JournalHeader.new(generation))
            return
        if header.generation > generation:
            raise StoreCorrupt(f"{self.path}: snapshot generation {generation} is older than its journal's "
                               f"({header.generation}): an older copy put back?; {REPAIR}")
        raise StoreCorrupt(f"{self.journal_path}: journal generation {header.generation} "
                           f"(salt {header.salt or '-'}) is not the one the snapshot expects (generation "
                           f"{generation}, salt {expected.salt if expected else '-'}): replaced or lost; {REPAIR}")

    def start_journal(self, header: JournalHeader) -> None:
        try:
            atomic_write(self.journal_path, header.encode())
        except OSError as exc:
            raise StoreError(f"{self.journal_path}: cannot write: {reason(exc)}; nothing was written") from None

    def journal_error(self, exc: OSError) -> StoreError:
        if isinstance(exc, IsADirectoryError):
            return StoreCorrupt(f"{self.journal_path}: a directory, not a journal; {REPAIR}")
        return StoreError(f"{self.journal_path}: cannot read: {reason(exc)}")

    def cut_tail(self, cut: bool, end: int) -> None:
        if cut:
            raise StoreCorrupt(f"{self.journal_path}: ends inside a record at offset {end}, where no interrupted "
                               f"write stops (cut short?); {REPAIR}")
        try:
            os.truncate(self.journal_path, end)  # a crashed writer's unfinished, never acknowledged line
        except OSError as exc:
            raise StoreError(f"{self.journal_path}: cannot cut an interrupted write: {reason(exc)}") from None

    def compact(self, tables: Tables, rebased: Callable[[Tables], None],
                carried: Callable[[], None] = lambda: None) -> None:
        """Fold the journal into a new snapshot of `tables` (atomically), then start an empty journal; the
        caller holds the lock, has caught up, and is handed the tables read back from the new snapshot;
        `carried()` is called once they are (it notes the new snapshot's tables; the side files are written once
        the lock is let go, store/carry.py).

        The snapshot names the journal it folded in (generation, salt, offset) and the one that follows
        it, so a crash or a full disk between the two renames is recognised and finished, never lost.
        On failure the committed journal stays in force and a `StoreError` says why.
        """
        assert self.header is not None
        new = JournalHeader.new(self.generation + 1)
        meta = meta_of(tables)
        before = dict(meta)
        meta.update(generation=new.generation, journal_salt=new.salt,
                    folded={"generation": self.header.generation, "salt": self.header.salt, "end": self.offset})
        self._remove_stale_temporaries()
        try:  # written and fsynced aside first: the .prev copies change only once the new snapshot is whole
            staged = files.stage(self.path, snapshot_chunks(tables))  # streamed: read in spans
        except (OSError, ValueError, TypeError) as exc:
            meta.clear()
            meta.update(before)
            raise StoreError(f"{self.path}: cannot compact: {reason(exc)}; "
                             "every write is kept in the journal") from None
        keep_previous(self.path)
        keep_previous(self.journal_path)
        try:
            files.put_in_place(staged, self.path)
        except OSError as exc:
            now = safe_identity(self.path)
            if now is not None and now[:2] == (self.snapshot_id or ())[:2]:  # not replaced: the old state holds
                self.snapshot_id = now  # linking it as .prev changed its ctime
                meta.clear()
                meta.update(before)
                raise StoreError(f"{self.path}: cannot compact: {reason(exc)}; "
                                 "every write is kept in the journal") from None
        self.generation = new.generation
        read_back = self._rebase(tables, rebased)
        self.header = new
        if read_back:
            carried()
        self.close_fd()
        self.journal_id, self.offset = None, 0
        try:
            atomic_write(self.journal_path, new.encode())
        except OSError as exc:  # the folded journal stays: the next write finishes the compaction
            raise StoreError(f"{self.journal_path}: cannot compact: {reason(exc)}; "
                             "every write is kept (the next write finishes the compaction)") from None
        self._adopt_journal()

    def _remove_stale_temporaries(self) -> None:
        """Temporary files of this store's a killed compaction or journal write left (under the lock: no other
        writer is making one now)."""
        own = re.compile(re.escape(f".{self.path.name}.") + r"(journal\.)?[a-z0-9_]{8}\.tmp|"
                         + re.escape(f".{self.path.name}.") + r"(journal\.)?prev-\d+")
        for stale in self.path.parent.glob(f".{self.path.name}.*"):
            try:
                if own.fullmatch(stale.name) and stale.is_file() and not stale.is_symlink():
                    stale.unlink()
            except OSError:
                pass  # best effort: a file we cannot remove is only space

    def _rebase(self, held: Tables, rebased: Callable[[Tables], None]) -> bool:
        """Read the tables from the snapshot just written (the same documents: the indexes stay as they are),
        so what was held in memory since the last snapshot is let go; False when it could not be read back."""
        try:
            handle = open(self.path, "rb")
            found = os.fstat(handle.fileno())
            tables = open_snapshot(handle, found.st_size, verify=False)
        except (OSError, Damaged):
            self.snapshot_id = safe_identity(self.path)
            return False  # what is in memory is the same: only its memory is not given back
        tables[META] = held.get(META, tables[META])
        self.snapshot_id = snapshot_identity(found)
        rebased(tables)
        self.verification = None  # written by this process just now
        self.spans_checked = checks_spans(tables)
        return True

    def _adopt_journal(self) -> None:
        """Take the journal just written by this process as ours, without reading the snapshot again."""
        try:
            with open(self.journal_path, "rb") as handle:
                header, start = decode_header(handle.read(200))
                journal_id = identity_of(os.fstat(handle.fileno()))
        except (OSError, Damaged):
            self.journal_id = None  # the next catch-up reads both files again and names the problem
            return
        if header == self.header:
            self.journal_id, self.offset = journal_id, start


def checks_spans(tables: Tables) -> bool:
    """Every table of an opened snapshot holds its own checksums (a snapshot written before them does not)."""
    return all(isinstance(docs, LazyDocs) and docs.base is not None and docs.base.spans is not None
               for name, docs in tables.items() if name != META)
