"""Attacks on the side files a compaction carries over (store/carry.py, app/carried.py), as a hostile user would
make them, in this process: writes and compactions while a carry thread still writes, a desk closed mid-carry
(holding the journal's mutex too), side files swapped for a folder, a symlink or a named pipe, a failed or nested
transaction around a compaction, a change listener that raises, dead staged files, hostile texts and records.
Each reader must answer as the scanning paths do, leave no garbage, lose no write and never wait for good."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.support.carried_reads import SIDE, _fresh_equal, _no_staged, _reads, _same_answers
from tests.support.carry_attacks import Paused, _issue, _kb_same, _sides
from tests.support.compacting import compacted
from triagedesk.app.desk import Desk
from triagedesk.store import carry
from triagedesk.store import journal as journal_module
from triagedesk.store.database import open_store


def test_writes_of_the_same_process_while_its_carry_waits_are_not_counted_twice(
        desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    """The carry writes from the tables noted under the lock: writes this process commits before it writes
    (its own records, the tables it copied changed after) are read from the journal on top, never twice."""
    path = Path(desk.store.path)
    paused = Paused(monkeypatch)
    desk.store.journal.compact()
    paused.held()
    requests = desk.store.requests.all()[:60]
    desk.store.requests.put_many([r.model_copy(update={"price": r.price + 3.0}) for r in requests])
    changed = _issue(desk, 2)
    desk.store.issues.put_many([changed.model_copy(update={"title": "outage in the carry " + changed.title})])
    desk.store.issues.delete(_issue(desk, 7).id)
    paused.release()
    carried = _sides(path)
    assert len(carried) == len(SIDE)
    _reads(path, _issue(desk, 0).id)
    assert _sides(path) == carried  # the carried files are the snapshot's: read, not built again
    _same_answers(desk, path)
    _no_staged(path)


def test_a_second_compaction_of_the_same_process_while_the_first_carry_waits(
        desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first carry renames its files in after the second compaction's: named for the older snapshot, they
    are rejected by every reader, never read for the newer one."""
    path = Path(desk.store.path)
    paused = Paused(monkeypatch)
    journal = desk.store.journal
    journal.compact()
    paused.held()
    changed = _issue(desk, 4)
    desk.store.issues.put_many([changed.model_copy(update={"title": "second compaction outage"})])
    journal.compact()  # its carry finds no file of the first compaction's snapshot yet: nothing to carry
    paused.release()
    journal.carrying.wait()
    _reads(path, _issue(desk, 0).id)
    _same_answers(desk, path)
    _fresh_equal(path, _issue(desk, 0).id)
    _no_staged(path)


def test_a_desk_closed_during_its_carry_waits_for_whole_files_and_closes_twice(
        desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    path = Path(desk.store.path)
    issue = _issue(desk, 0).id
    paused = Paused(monkeypatch)
    desk.store.journal.compact()
    paused.held()
    closed = threading.Event()

    def close() -> None:
        desk.close()
        closed.set()

    closer = threading.Thread(target=close)
    closer.start()
    assert not closed.wait(0.5)  # close waits for the carry (bounded wait for an event that must not come)
    paused.release()
    closer.join(60)
    assert closed.is_set() and not closer.is_alive()
    desk.close()  # a second close: nothing to wait for, nothing raised
    carried = _sides(path)
    assert len(carried) == len(SIDE)
    _reads(path, issue)
    assert _sides(path) == carried  # written whole before the close returned
    _no_staged(path)


def test_side_files_swapped_for_a_folder_or_a_symlink_before_the_carry_renames_in(
        desk: Desk, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A folder in a side file's place stays (the carry's rename fails, its staged file removed); a symlink is
    replaced itself, the file it points to never written through."""
    path = Path(desk.store.path)
    search, book = SIDE[1](path), SIDE[0](path)
    victim = tmp_path / "elsewhere" / "victim.txt"
    victim.parent.mkdir()
    victim.write_bytes(b"not yours")
    paused = Paused(monkeypatch)
    desk.store.journal.compact()
    paused.held()
    search.unlink()
    search.mkdir()
    (search / "inside").write_bytes(b"kept")
    book.unlink()
    book.symlink_to(victim)
    paused.release()
    assert search.is_dir() and (search / "inside").read_bytes() == b"kept"
    assert victim.read_bytes() == b"not yours"
    assert book.is_file() and not book.is_symlink()
    _no_staged(path)
    _reads(path, _issue(desk, 0).id)


def test_a_transaction_failing_after_a_compaction_starts_no_carry(desk: Desk) -> None:
    journal = desk.store.journal
    path = Path(desk.store.path)
    before = _sides(path)
    with pytest.raises(RuntimeError, match="hostile"), journal.transaction():
        journal.compact()
        assert journal.after_release  # noted, to be written once the lock is let go
        raise RuntimeError("hostile")
    assert journal.after_release == []
    journal.carrying.wait()
    assert _sides(path) == before  # no write begun: the files left for their first readers
    _same_answers(desk, path)


def test_a_failed_transaction_around_a_compaction_loses_no_write_and_keeps_none_it_failed(desk: Desk) -> None:
    """A compaction nested in a transaction holding uncommitted writes must not fold them into the snapshot:
    the transaction fails, and its writes are not in the store (nor in any carried file)."""
    journal = desk.store.journal
    path = Path(desk.store.path)
    request = desk.store.requests.all()[0]
    with pytest.raises(RuntimeError, match="hostile"), journal.transaction():
        desk.store.requests.put_many([request.model_copy(update={"price": request.price + 1000.0})])
        try:
            journal.compact()
        except Exception:  # noqa: BLE001 - a refusal is a defence too; what counts is what the store holds
            pass
        raise RuntimeError("hostile")
    journal.carrying.wait()
    reopened = open_store(path)
    try:
        assert reopened.requests.get(request.id).price == request.price
    finally:
        reopened.close()
    _same_answers(desk, path)


def test_dead_staged_side_files_are_removed_and_nothing_else(desk: Desk) -> None:
    """A killed carry leaves `.desk.json.SIDE.xxxxxxxx.tmp`: the next compaction removes those older than
    `DEAD_AFTER`, never a young one (being written), a symlink, a folder or another store's."""
    path = Path(desk.store.path)
    old = time.time() - carry.DEAD_AFTER - 60
    dead = path.with_name(".desk.json.search.abcd_123.tmp")
    young = path.with_name(".desk.json.report-days.abcd_124.tmp")
    folder = path.with_name(".desk.json.places.abcd_125.tmp")
    link = path.with_name(".desk.json.knowledge.abcd_126.tmp")
    other = path.with_name(".desk.json2.search.abcd_127.tmp")
    target = path.with_name("target")
    for made in (dead, young, other, target):
        made.write_bytes(b"x")
    folder.mkdir()
    link.symlink_to(target)
    for made in (dead, folder, link, other, target):
        os.utime(made, (old, old), follow_symlinks=False)
    compacted(desk.store.journal)
    assert not dead.exists()
    assert young.is_file() and folder.is_dir() and link.is_symlink() and other.is_file() and target.is_file()


@pytest.mark.parametrize("title", ["outage\x00nul inside", "outage\nsecond line\r\n", "outage " + "long " * 60_000,
                                   "\u202eegatuo outage", "outage \ud800 lone surrogate"])
def test_hostile_texts_through_a_carry(desk: Desk, title: str) -> None:
    path = Path(desk.store.path)
    changed = _issue(desk, 1)
    try:
        desk.store.issues.put_many([changed.model_copy(update={"title": title})])
    except Exception as refused:  # noqa: BLE001 - a text the store refuses is refused whole
        assert "surrogate" in str(refused) or "encode" in str(refused).lower()
        assert desk.store.issues.get(changed.id).title == changed.title
        return
    compacted(desk.store.journal)
    _reads(path, _issue(desk, 0).id)
    _same_answers(desk, path)
    assert desk.store.issues.get(changed.id).title == title
    _no_staged(path)


def _unblock(fifo: Path) -> None:
    """Open `fifo` for writing (and close it) so a reader blocked opening it goes on."""
    try:
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    except OSError:
        pass  # nobody is waiting on it


@pytest.mark.parametrize("side", range(len(SIDE)), ids=[side.__module__.rsplit(".", 1)[1] for side in SIDE])
def test_a_fifo_in_a_side_files_place_never_holds_the_compaction(desk: Desk, side: int) -> None:
    """A named pipe where a side file was: the compaction's carry (opening the old file under the store's lock)
    and the readers must not wait on it; the compaction completes, the readers answer as the scan does."""
    path = Path(desk.store.path)
    fifo = SIDE[side](path)
    fifo.unlink()
    os.mkfifo(fifo)
    finished = threading.Event()
    failed: list[BaseException] = []

    def compaction() -> None:
        try:
            compacted(desk.store.journal)
        except BaseException as exc:  # noqa: BLE001 - reported below
            failed.append(exc)
        finally:
            finished.set()

    worker = threading.Thread(target=compaction)
    worker.start()
    try:
        assert finished.wait(20), "the compaction waits on a named pipe, holding the store's lock"
    finally:
        while not finished.is_set():
            _unblock(fifo)
            finished.wait(0.1)
        worker.join()
    assert not failed
    reads = threading.Thread(target=lambda: (_same_answers(desk, path), _kb_same(path)), daemon=True)
    reads.start()
    reads.join(20)
    try:
        assert not reads.is_alive(), "a reader waits on a named pipe"
    finally:
        while reads.is_alive():
            _unblock(fifo)
            reads.join(0.1)
    _no_staged(path)


@pytest.mark.parametrize("hostile", ["duplicate-id", "int-id", "null-id", "list-title"])
def test_hostile_records_through_a_carry(desk: Desk, hostile: str) -> None:
    """Records written to the journal as another program might (an id twice, an id not text, a title not text):
    the carry writes what a first reader would, or nothing; every reader answers as the scan does."""
    path = Path(desk.store.path)
    journal = desk.store.journal
    issues = journal.docs("issues")
    requests = journal.docs("requests")
    first_key = next(iter(issues))
    issue = dict(issues[first_key])
    request_key = next(key for key, doc in requests.items() if doc.get("analysis_id") == issue["id"])
    request = dict(requests[request_key])
    new_issue, new_request = str(issues.max_id() + 1), str(requests.max_id() + 1)
    with journal.transaction():
        if hostile == "duplicate-id":
            journal.put("issues", new_issue, {**issue, "title": "outage duplicated " + issue["title"]})
            journal.put("requests", new_request, {**request, "price": request["price"] + 7.0})
        elif hostile == "int-id":
            journal.put("issues", new_issue, {**issue, "id": 424242, "title": "outage int id"})
            journal.put("requests", new_request, {**request, "id": 424242, "analysis_id": 424242})
        elif hostile == "null-id":
            journal.put("issues", new_issue, {**issue, "id": None, "title": "outage null id"})
            journal.put("requests", new_request, {**request, "id": None, "analysis_id": None})
        else:
            journal.put("issues", first_key, {**issue, "title": ["outage", 1, None]})
    compacted(journal)
    _same_answers(desk, path)
    _kb_same(path)
    _fresh_equal(path, _issue(desk, 0).id)
    _no_staged(path)


def test_a_listener_that_raises_does_not_cancel_the_carry_of_the_compaction_its_write_began(
        desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    """A write whose commit compacts (the journal past its bound) tells the listeners once the lock is let go;
    one that raises fails the call as before, but the compaction (done) still has its files carried."""
    path = Path(desk.store.path)
    journal = desk.store.journal
    monkeypatch.setattr(journal_module, "COMPACT_MIN_BYTES", 0)
    size = journal.files.snapshot_size  # 0 as the commit weighs the journal alone (a book is named by the size)
    monkeypatch.setattr(journal.files, "snapshot_size", lambda: 0 if sys._getframe(1).f_code.co_name == "_commit"
                        else size())

    def hostile(changes: Any) -> None:
        raise RuntimeError("hostile listener")

    unsubscribe = journal.subscribe(hostile)
    generation = journal.generation
    request = desk.store.requests.all()[0]
    with pytest.raises(RuntimeError, match="hostile listener"):
        desk.store.requests.put_many([request.model_copy(update={"price": request.price + 2.0})])
    unsubscribe()
    journal.carrying.wait()
    assert journal.generation > generation
    carried = _sides(path)
    _reads(path, _issue(desk, 0).id)
    assert _sides(path) == carried  # carried, not built again by the readers
    _same_answers(desk, path)


def test_a_desk_closed_holding_the_journals_mutex_during_its_carry(desk: Desk,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A close from where the journal's mutex is held (a change listener quitting the desk): the carry it
    waits for takes no lock of the store, so the close returns once the files are written."""
    path = Path(desk.store.path)
    issue = _issue(desk, 0).id
    journal = desk.store.journal
    paused = Paused(monkeypatch)
    journal.compact()
    paused.held()
    holding, closed = threading.Event(), threading.Event()

    def close() -> None:
        with journal.mutex:
            holding.set()
            desk.close()
        closed.set()

    closer = threading.Thread(target=close, daemon=True)
    closer.start()
    assert holding.wait(20)
    paused.go.set()
    assert closed.wait(30), "the close waits on a carry that waits on the mutex"
    carried = _sides(path)
    assert len(carried) == len(SIDE)
    _reads(path, issue)
    assert _sides(path) == carried


def test_readers_between_the_compaction_and_its_carry_build_what_the_carry_then_renames_in(
        desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    """Readers asking while the carry waits find the old snapshot's files, build their own for the new one; the
    carry's files, renamed in over them, are the same bytes (in one process: the knowledge file's follow the hash
    seed) and are read, not built again."""
    path = Path(desk.store.path)
    paused = Paused(monkeypatch)
    desk.store.journal.compact()
    paused.held()
    _reads(path, _issue(desk, 0).id)
    _same_answers(desk, path)
    built = _sides(path)
    inodes = {side: side(path).stat().st_ino for side in SIDE}
    paused.release()
    assert all(side(path).stat().st_ino != inodes[side] for side in SIDE)  # the carry's files renamed in
    assert _sides(path) == built
    _reads(path, _issue(desk, 0).id)
    assert _sides(path) == built
    _no_staged(path)
