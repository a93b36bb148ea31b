"""The store's two files kept in step: opening them consistently, ordered generations, and compaction.

A mixin of `JournalStorage` (store/journal.py): the snapshot names the journal it expects (generation and
salt) and the one it folded in, so an open that races a compaction reads again under the lock, a compaction
interrupted between its renames is finished, and no write ever moves a generation backwards.
"""

from __future__ import annotations

import os
import re
import threading
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, BinaryIO

from triagedesk import files
from triagedesk.files import atomic_write, reason
from triagedesk.store.errors import StoreCorrupt, StoreError
from triagedesk.store.journal_format import (
    APP,
    META,
    Damaged,
    JournalHeader,
    Op,
    decode_header,
    decode_json_snapshot,
    expected_journal,
    folded_journal,
    meta_of,
    scan,
)
from triagedesk.store.lazy_docs import LazyDocs
from triagedesk.store.snapshot_file import MAGIC, encode_snapshot, open_snapshot, snapshot_chunks, verify_snapshot

Tables = dict[str, dict[str, dict[str, Any]]]
Identity = tuple[int, ...]
REPAIR = "run `triagedesk db check` and `triagedesk db repair`"


class _Retry(Exception):
    """The snapshot and journal read without the lock do not belong together yet: read again under it."""


def keep_previous(path: Path) -> None:
    """Keep the file about to be replaced as `PATH.prev` (a hard link: no copy), for `db repair`."""
    previous = path.with_name(path.name + ".prev")
    staging = path.with_name(f".{path.name}.prev-{os.getpid()}")
    try:
        if staging.exists():
            staging.unlink()
        files.OPS.link(path, staging)
        files.OPS.replace(staging, previous)
    except OSError:
        try:
            staging.unlink()
        except OSError:
            pass  # best effort: a file system without hard links keeps no previous copy


class Verification:
    """The snapshot's whole-file checksum, read on a thread (the reads and the CRC free the GIL), so opening a
    large store waits for the directory only; `result()` waits for it: None when intact, else what is wrong."""

    def __init__(self, handle: BinaryIO, size: int) -> None:
        self._damage: str | None = None
        self._thread = threading.Thread(target=self._run, args=(handle, size), name="snapshot-checksum",
                                        daemon=True)
        self._thread.start()

    def _run(self, handle: BinaryIO, size: int) -> None:
        try:
            verify_snapshot(handle, size)
        except Damaged as exc:
            self._damage = str(exc)
        except Exception as exc:  # noqa: BLE001  # a file that cannot be read whole is as good as damaged
            self._damage = f"cannot be read whole: {reason(exc) if isinstance(exc, OSError) else exc}"

    def result(self) -> str | None:
        self._thread.join()
        return self._damage

    def done(self) -> bool:
        """The check has finished (never waits)."""
        return not self._thread.is_alive()

    def found_damage(self) -> str | None:
        """What is wrong, once the check has finished and found it (never waits)."""
        return None if self._thread.is_alive() else self._damage


class GenerationFiles:
    """Reading and replacing the snapshot and journal together (see the module docstring)."""

    path: Path
    journal_path: Path
    tables: Tables
    max_ids: dict[str, int]
    index: dict[str, dict[str, str]]
    _rindex: dict[str, dict[str, str]]
    generation: int
    header: JournalHeader | None
    version: int
    _offset: int
    _journal_id: Identity | None
    _snapshot_id: Identity | None
    _locked: int
    _fd: int | None
    mutex: threading.RLock
    older_format = False
    """The snapshot read is of the older format (plain TinyDB JSON): the next compaction rewrites it."""
    verification: Verification | None = None
    """The check of the snapshot's checksum running since it was opened (None: checked, or written here)."""

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

    def _lock(self) -> AbstractContextManager[None]:
        raise NotImplementedError

    def _close_fd(self) -> None:
        raise NotImplementedError

    def _apply(self, records: list[list[Op]]) -> set[tuple[str, str]]:
        raise NotImplementedError

    def transaction(self) -> AbstractContextManager[Any]:
        raise NotImplementedError

    def _reset_indexes(self) -> None:
        raise NotImplementedError

    def _refuse_if_lost(self) -> None:
        """A missing snapshot beside a journal with records or a `.prev` copy is a lost store, not a new one."""
        previous = self.path.with_name(self.path.name + ".prev")
        try:
            holds = self.journal_path.is_dir() or self.journal_path.stat().st_size > 200
        except OSError:
            holds = False
        if holds or previous.exists():
            raise StoreCorrupt(f"{self.path}: missing, but {self.journal_path.name} or {previous.name} "
                               f"holds records; {REPAIR}")

    def _initialise(self) -> None:
        from triagedesk.store.migrations import CURRENT_SCHEMA

        self._refuse_if_lost()
        header = JournalHeader.new(1)
        snapshot = {META: {"1": {"app": APP, "schema": CURRENT_SCHEMA, "generation": 1,
                                 "journal_salt": header.salt}}}
        try:
            atomic_write(self.journal_path, header.encode())
            atomic_write(self.path, encode_snapshot(snapshot))
        except OSError as exc:
            raise StoreError(f"{self.path}: cannot create the store: {reason(exc)}") from None

    def _read_state(self, locked: bool) -> None:
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
            if handle.read(len(MAGIC)) == MAGIC:
                tables = open_snapshot(handle, opened.st_size, verify=False)  # its checksum: on a thread
                verification: Verification | None = Verification(handle, opened.st_size)
            else:  # the older format (plain TinyDB JSON): read whole, rewritten as format 3 by the next compaction
                handle.seek(0)
                old = decode_json_snapshot(handle.read())
                handle.close()
                tables = {name: docs if name == META else LazyDocs.of(docs) for name, docs in old.items()}
                verification = None  # read whole: its checksum is checked already
                self.older_format = True
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
            self._start_journal(JournalHeader.new(generation))  # a store from before salted journals
            return self._read_state(locked)
        except OSError as exc:
            raise self._journal_error(exc) from None
        with handle:
            try:
                data = handle.read()
            except OSError as exc:
                raise self._journal_error(exc) from None
            journal_id = _identity(os.fstat(handle.fileno()))
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
        self.tables, self.generation, self.header = tables, generation, header
        self.verification = verification
        self.max_ids = {name: t.max_id() for name, t in tables.items() if isinstance(t, LazyDocs)}
        self.index, self._rindex = {}, {}
        self._reset_indexes()
        self._snapshot_id, self._journal_id, self._offset = snapshot_id, journal_id, start
        self._apply(found.records)
        self._offset = found.end
        if found.tail and locked:
            self._cut_tail(found.cut, found.end)

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
            self._start_journal(expected)  # a compaction stopped between its two renames: finish it
            return
        if interrupted:
            self._start_journal(JournalHeader.new(generation))
            return
        if header.generation > generation:
            raise StoreCorrupt(f"{self.path}: snapshot generation {generation} is older than its journal's "
                               f"({header.generation}): an older copy put back?; {REPAIR}")
        raise StoreCorrupt(f"{self.journal_path}: journal generation {header.generation} "
                           f"(salt {header.salt or '-'}) is not the one the snapshot expects (generation "
                           f"{generation}, salt {expected.salt if expected else '-'}): replaced or lost; {REPAIR}")

    def _start_journal(self, header: JournalHeader) -> None:
        try:
            atomic_write(self.journal_path, header.encode())
        except OSError as exc:
            raise StoreError(f"{self.journal_path}: cannot write: {reason(exc)}; nothing was written") from None

    def _journal_error(self, exc: OSError) -> StoreError:
        if isinstance(exc, IsADirectoryError):
            return StoreCorrupt(f"{self.journal_path}: a directory, not a journal; {REPAIR}")
        return StoreError(f"{self.journal_path}: cannot read: {reason(exc)}")

    def _cut_tail(self, cut: bool, end: int) -> None:
        if cut:
            raise StoreCorrupt(f"{self.journal_path}: ends inside a record at offset {end}, where no interrupted "
                               f"write stops (cut short?); {REPAIR}")
        try:
            os.truncate(self.journal_path, end)  # a crashed writer's unfinished, never acknowledged line
        except OSError as exc:
            raise StoreError(f"{self.journal_path}: cannot cut an interrupted write: {reason(exc)}") from None
    def compact(self) -> None:
        """Fold the journal into a new snapshot (atomically), then start an empty journal.

        The snapshot names the journal it folded in (generation, salt, offset) and the one that follows
        it, so a crash or a full disk between the two renames is recognised and finished, never lost.
        On failure the committed journal stays in force and a `StoreError` says why.
        """
        with self.transaction():
            assert self.header is not None
            new = JournalHeader.new(self.generation + 1)
            meta = meta_of(self.tables)
            before = dict(meta)
            meta.update(generation=new.generation, journal_salt=new.salt,
                        folded={"generation": self.header.generation, "salt": self.header.salt, "end": self._offset})
            self._remove_stale_temporaries()
            try:  # written and fsynced aside first: the .prev copies change only once the new snapshot is whole
                staged = files.stage(self.path, snapshot_chunks(self.tables))  # streamed: read in spans
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
                now = _safe_identity(self.path)
                if now is not None and now[:2] == (self._snapshot_id or ())[:2]:  # not replaced: the old state holds
                    self._snapshot_id = now  # linking it as .prev changed its ctime
                    meta.clear()
                    meta.update(before)
                    raise StoreError(f"{self.path}: cannot compact: {reason(exc)}; "
                                     "every write is kept in the journal") from None
            self.generation = new.generation
            self.older_format = False
            self._rebase()
            self.header = new
            self._close_fd()
            self._journal_id, self._offset = None, 0
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

    def _rebase(self) -> None:
        """Read the tables from the snapshot just written (the same documents: the indexes stay as they are),
        so what was held in memory since the last snapshot is let go."""
        try:
            handle = open(self.path, "rb")
            found = os.fstat(handle.fileno())
            tables = open_snapshot(handle, found.st_size, verify=False)
        except (OSError, Damaged):
            self._snapshot_id = _safe_identity(self.path)
            return  # what is in memory is the same: only its memory is not given back
        tables[META] = self.tables.get(META, tables[META])
        self.tables, self._snapshot_id = tables, snapshot_identity(found)
        self.verification = None  # written by this process just now

    def _adopt_journal(self) -> None:
        """Take the journal just written by this process as ours, without reading the snapshot again."""
        try:
            with open(self.journal_path, "rb") as handle:
                header, start = decode_header(handle.read(200))
                journal_id = _identity(os.fstat(handle.fileno()))
        except (OSError, Damaged):
            self._journal_id = None  # the next catch-up reads both files again and names the problem
            return
        if header == self.header:
            self._journal_id, self._offset = journal_id, start


def _identity(found: os.stat_result) -> Identity:
    return (found.st_ino, found.st_dev)


def snapshot_identity(found: os.stat_result) -> Identity:
    """A snapshot's identity: inode and change time, so a new snapshot on a reused inode still differs."""
    return (found.st_ino, found.st_dev, found.st_ctime_ns)


def _safe_identity(path: Path) -> Identity | None:
    try:
        return snapshot_identity(os.stat(path))
    except OSError:
        return None
