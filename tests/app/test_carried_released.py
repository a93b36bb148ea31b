"""A compaction's carried side files are written once it has let the store's lock go (store/carry.py, the journal's
after-release jobs): inside each write the lock is free (another process commits a write meanwhile, and the
files are still those a first reader builds, every answer the scanning path's); a write that fails half-way, or
a carrier that raises, leaves no staged file and no error, and the next reader builds the file."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.carried_reads import NOW, SIDE, _fresh_equal, _no_staged, _reads, _same_answers
from tests.support.compacting import compacted
from triagedesk import files
from triagedesk.app import report_days_carry, search_carry
from triagedesk.app.answers import open_answers
from triagedesk.app.desk import Desk
from triagedesk.app.stores import open_desk
from triagedesk.commands.store_cmds import _network
from triagedesk.demo.data import KINDS, generate_chunks
from triagedesk.domain.scoring.escalation import Scorer
from triagedesk.resources import load_profile
from triagedesk.store import carry
from triagedesk.store import journal as journal_module

SECOND_WRITER = """
import sys
import threading
from triagedesk.store.database import open_store
store = open_store(sys.argv[1])
issue = store.issues.all()[int(sys.argv[2])]
store.issues.put_many([issue.model_copy(update={"title": "second writer's outage " + issue.title})])
request = store.requests.all()[7]
store.requests.put_many([request.model_copy(update={"price": request.price + 5.0})])
store.close()
"""


@pytest.fixture()
def desk(tmp_path: Path) -> Iterator[Desk]:
    """A demo store whose every side file was built for its snapshot, with changes in its journal."""
    path = tmp_path / "desk.json"
    opened = open_desk(path, clock=lambda: NOW)
    try:
        scorers = {name: Scorer(load_profile(name)) for name in ("infrastructure", "appraisal")}
        opened.records.load_demo(generate_chunks(300, 3, NOW, scorers, _network(), size=100), KINDS, note="seed 3")
        _reads(path, opened.store.issues.all()[0].id)
        assert all(side(path).exists() for side in SIDE)
        requests = opened.store.requests.all()[:40]
        opened.store.requests.put_many([r.model_copy(update={"price": r.price + 1.0}) for r in requests])
        opened.store.issues.delete(opened.store.issues.all()[5].id)
        yield opened
    finally:
        opened.close()


def _lock_free(desk: Desk) -> bool:
    """Whether another open file can take the store's lock now (flock: not re-entrant across open files)."""
    fd = os.open(desk.store.journal.files.lock_path, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


def _around_writes(monkeypatch: pytest.MonkeyPatch, before: Callable[[], None]) -> list[str]:
    """Call `before()` ahead of each carried write; the names of the writes that ran."""
    ran: list[str] = []
    noted = carry.noted

    def wrapped(finishes: Any) -> list[carry.Write]:
        def each(write: carry.Write) -> carry.Write:
            def run() -> None:
                before()
                ran.append(getattr(write, "__qualname__", "?"))
                write()
            return run
        return [each(write) for write in noted(finishes)]

    monkeypatch.setattr(carry, "noted", wrapped)
    return ran


def _same_lookups(path: Path) -> None:
    """A `show`'s gets and lookups (through the places file) equal the records scanned, the journal's on top."""
    answers = open_answers(path, clock=lambda: NOW)
    try:
        journal = answers.store.journal
        issues, requests = list(journal.docs("issues").values()), list(journal.docs("requests").values())
        assert any(doc["title"].startswith("second writer's") for doc in issues)
        for doc in issues:
            assert journal.get("issues", doc["id"]) == doc
            assert sorted(map(str, journal.lookup("requests", "analysis_id", doc["id"]))) == sorted(
                str(found) for found in requests if found.get("analysis_id") == doc["id"])
    finally:
        answers.close()


def test_another_process_writes_while_the_carry_writes(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    path = Path(desk.store.path)
    issue = desk.store.issues.all()[0].id
    wrote: list[int] = []

    def second_writer() -> None:  # before the first write only: the others then run with it in the journal
        if not wrote:
            done = subprocess.run([sys.executable, "-c", SECOND_WRITER, str(path), "3"], timeout=120,
                                  capture_output=True, text=True)
            assert done.returncode == 0, done.stderr
            wrote.append(1)

    ran = _around_writes(monkeypatch, second_writer)
    compacted(desk.store.journal)
    assert len(ran) == len(SIDE) and wrote
    changed = desk.store.issues.all()[3]
    desk.store.journal.refresh()
    title = desk.store.journal.get("issues", changed.id)["title"]
    assert title.startswith("second writer's outage ")  # committed while the carry wrote, read back
    left = {side: side(path).read_bytes() for side in SIDE}
    _reads(path, issue)
    assert {side: side(path).read_bytes() for side in SIDE} == left  # the carried files are read, not rebuilt
    _same_answers(desk, path)
    _same_lookups(path)
    _fresh_equal(path, issue)
    _no_staged(path)


def test_the_lock_is_free_inside_each_carried_write(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    journal = desk.store.journal
    seen: list[tuple[int, int, bool, bool]] = []
    _around_writes(monkeypatch, lambda: seen.append((journal.files.locked, journal._depth, _lock_free(desk),
                                                     journal.mutex._is_owned())))  # type: ignore[attr-defined]
    compacted(journal)  # the outermost transaction
    assert len(seen) == len(SIDE) and all(found == (0, 0, True, False) for found in seen)
    seen.clear()
    # a compaction reached from inside a commit (the journal grown past its bound): written once it is let go
    monkeypatch.setattr(journal_module, "COMPACT_MIN_BYTES", 0)
    size = journal.files.snapshot_size  # 0 as the commit weighs the journal alone (a book is named by the size)
    monkeypatch.setattr(journal.files, "snapshot_size", lambda: 0 if sys._getframe(1).f_code.co_name == "_commit"
                        else size())
    generation = journal.generation
    _reads(Path(desk.store.path), desk.store.issues.all()[0].id)
    request = desk.store.requests.all()[0]
    with journal.transaction():
        desk.store.requests.put_many([request.model_copy(update={"price": request.price + 2.0})])
        assert not seen
    journal.carrying.wait()  # begun on a thread once the lock was let go
    assert journal.generation > generation and len(seen) == len(SIDE)
    assert all(found == (0, 0, True, False) for found in seen)
    _fresh_equal(Path(desk.store.path), desk.store.issues.all()[0].id)


def test_a_write_failing_half_way_leaves_no_staged_file(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    path = Path(desk.store.path)
    issue = desk.store.issues.all()[0].id
    real = files.write_all
    pieces: dict[int, int] = {}

    def failing(fd: int, data: Any) -> None:
        pieces[fd] = pieces.get(fd, 0) + 1
        if pieces[fd] == 2:  # each file's second piece: its first piece is already staged
            raise OSError(28, "No space left on device")
        real(fd, data)

    written = carry.written

    def failing_sync(fd: int) -> None:
        raise OSError(5, "Input/output error")  # a file of one piece fails here, once written whole

    def failing_writes(writes: Any) -> None:
        with monkeypatch.context() as patched:
            patched.setattr(files, "write_all", failing)
            patched.setattr(files.OPS, "fsync", failing_sync)
            written(writes)

    monkeypatch.setattr(journal_module.carry, "written", failing_writes)
    before = {side: side(path).read_bytes() for side in SIDE}
    compacted(desk.store.journal)  # no error reaches the caller
    assert pieces
    _no_staged(path)
    assert {side: side(path).read_bytes() for side in SIDE} == before  # the old files: stale, not used
    _same_answers(desk, path)
    _reads(path, issue)
    assert all(side(path).read_bytes() != before[side] for side in SIDE)  # built again by the first readers
    _fresh_equal(path, issue)


def test_a_carrier_raising_in_its_write_costs_only_its_file(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    path = Path(desk.store.path)

    def broken(*_: Any) -> Any:
        raise RuntimeError("a carrier's own mistake")

    monkeypatch.setattr(report_days_carry, "_counted", broken)
    monkeypatch.setattr(search_carry, "_kept", broken)
    before = {side: side(path).read_bytes() for side in SIDE}
    compacted(desk.store.journal)
    _no_staged(path)
    assert [side(path).read_bytes() == before[side] for side in SIDE] == [True, True, False, False]
    _same_answers(desk, path)
    _fresh_equal(path, desk.store.issues.all()[0].id)


def test_a_failed_transaction_drops_its_compactions_writes(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    journal = desk.store.journal
    ran = _around_writes(monkeypatch, lambda: None)
    with pytest.raises(RuntimeError), journal.transaction():
        compacted(journal)
        assert not ran and journal.after_release
        raise RuntimeError("the outer transaction fails after its compaction")
    assert not ran and not journal.after_release  # its files left stale: the first readers build them
    _reads(Path(desk.store.path), desk.store.issues.all()[0].id)
    compacted(journal)  # the next compaction carries them again
    assert len(ran) == len(SIDE)


KILLED_IN_A_WRITE = """
import os, sys
from datetime import UTC, datetime
from triagedesk import files
from triagedesk.app.stores import open_desk
from triagedesk.store import carry
desk = open_desk(sys.argv[1], clock=lambda: datetime(2026, 12, 1, 12, tzinfo=UTC))
real, written, pieces = files.write_all, carry.written, {}
def killed(fd, data):
    pieces[fd] = pieces.get(fd, 0) + 1
    if pieces[fd] == 2:
        os._exit(9)  # killed with a carried file half-staged
    real(fd, data)
def writes(jobs):
    files.write_all = killed
    written(jobs)
carry.written = writes
desk.store.journal.compact()
"""


def test_a_process_killed_in_a_carry_leaves_only_a_staged_file(desk: Desk) -> None:
    path = Path(desk.store.path)
    issue = desk.store.issues.all()[0].id
    unrelated = path.with_name(f".{path.name}.mine.abcd1234.tmp")
    unrelated.write_bytes(b"not a side file")
    desk.close()
    done = subprocess.run([sys.executable, "-c", KILLED_IN_A_WRITE, str(path)], timeout=120, capture_output=True,
                          text=True)
    assert done.returncode == 9, done.stderr
    staged = [p for p in path.parent.iterdir() if p.name.endswith(".tmp") and p != unrelated]
    assert len(staged) == 1 and staged[0].name.startswith(f".{path.name}.")
    fresh = path.with_name(f".{path.name}.search.zz_00000.tmp")  # another reader's, being written now
    fresh.write_bytes(b"half")
    again = open_desk(path, clock=lambda: NOW)
    try:
        _same_answers(again, path)  # nothing of the compaction lost: every answer the scanning path's
        old = time.time() - carry.DEAD_AFTER - 60
        for found in (*staged, unrelated):
            os.utime(found, (old, old))
        _reads(path, issue)
        compacted(again.store.journal)  # the next compaction removes what a killed process left, and only that
        assert not staged[0].exists() and fresh.exists() and unrelated.exists()
        _fresh_equal(path, issue)
    finally:
        again.close()


def test_the_write_that_compacted_returns_before_the_carried_files_are_written(desk: Desk,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The carried writes run on a thread of their own: the desk's write (an assign, the intake's) whose commit
    compacted is not held for them (seconds at 1M); the journal's close waits for them, so none is cut short."""
    path = Path(desk.store.path)
    issue = desk.store.issues.all()[0].id
    go = threading.Event()
    _around_writes(monkeypatch, lambda: go.wait(60))
    before = {side: side(path).read_bytes() for side in SIDE}
    desk.store.journal.compact()
    assert not go.is_set() and {side: side(path).read_bytes() for side in SIDE} == before  # none written yet
    go.set()
    desk.close()  # waits for them
    assert all(side(path).read_bytes() != before[side] for side in SIDE)
    _fresh_equal(path, issue)
    _no_staged(path)
