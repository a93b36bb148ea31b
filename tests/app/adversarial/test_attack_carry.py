"""Attacks on the side files a compaction carries over (store/carry.py, app/carried.py), as a hostile user would
make them: a late carry from an older compaction, writes and compactions while a carry thread still writes, a
desk closed mid-carry, side files swapped for a folder or a symlink, a failed or nested transaction around a
compaction, dead staged files, hostile texts. Each reader must answer as the scanning paths do, leave no garbage
and lose no write."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.app.test_carried_released import _fresh_equal, _no_staged, _same_answers
from tests.support.carried_reads import NOW, SIDE, _reads
from tests.support.compacting import compacted
from triagedesk.app.desk import Desk
from triagedesk.app.stores import open_desk
from triagedesk.commands.store_cmds import _network
from triagedesk.demo.data import KINDS, generate_chunks
from triagedesk.domain.scoring.escalation import Scorer
from triagedesk.resources import load_profile
from triagedesk.store import carry, knowledge_file
from triagedesk.store import journal as journal_module
from triagedesk.store.database import open_store
from triagedesk.store.reader import StoreReader

ROOT = Path(__file__).resolve().parents[3]

OTHER_COMPACTION = """
import sys
from pathlib import Path
from tests.support.carried_reads import NOW, _reads
from triagedesk.app.stores import open_desk
desk = open_desk(sys.argv[1], clock=lambda: NOW)
issues = desk.store.issues.all()
changed = issues[int(sys.argv[2])]
desk.store.issues.put_many([changed.model_copy(update={"title": "late outage " + changed.title})])
desk.store.issues.delete(issues[9].id)
desk.store.journal.compact()
desk.store.journal.carrying.wait()
desk.close()
_reads(Path(sys.argv[1]), issues[0].id)
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


class Paused:
    """The first batch of carried writes held back (on its carry thread) until `release()`."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.waiting, self.go, self.done = threading.Event(), threading.Event(), threading.Event()
        self.batches = 0
        real = carry.written

        def gated(writes: Any) -> None:
            self.batches += 1
            if self.batches == 1:
                self.waiting.set()
                assert self.go.wait(120), "never released"
                real(writes)
                self.done.set()
                return
            real(writes)

        monkeypatch.setattr(carry, "written", gated)

    def held(self) -> None:
        assert self.waiting.wait(60), "no carry thread began"

    def release(self) -> None:
        self.go.set()
        assert self.done.wait(120), "the carry thread never finished"


def _sides(path: Path) -> dict[Any, bytes]:
    return {side: side(path).read_bytes() for side in SIDE if side(path).is_file()}


def _snapshot_named(data: bytes) -> bytes:
    """The snapshot a side file's closing header names (store/buckets.py `closing`)."""
    found = re.search(rb'"snapshot":"((?:[^"\\]|\\.)*)"', data[-2000:])
    assert found is not None
    return found.group(1)


def _kb_same(path: Path) -> None:
    """The knowledge search through its side file answers as the stored terms scanned do."""
    reader = StoreReader(path)
    try:
        for query in ("disk full on the database server", "outage", "certificate expired"):
            assert reader.knowledge_search(query, 5) == reader.knowledge_scan(query, 5), query
    finally:
        reader.close()


def _issue(desk: Desk, n: int) -> Any:
    return desk.store.issues.all()[n]


@pytest.mark.parametrize("reload_first", [False, True], ids=["carry-first", "reloaded-first"])
def test_a_late_carry_from_an_older_compaction_is_rejected_by_name(desk: Desk, monkeypatch: pytest.MonkeyPatch,
                                                                  reload_first: bool) -> None:
    """Another process writes, compacts and reads while this process's carry still waits to write: the files
    this late carry then renames in name an older snapshot, and every reader rejects them (built again, the
    same bytes the other process's readers built) and answers as the scan does. `reload_first`: this process
    reads the other's snapshot (letting go of the one its carry reads from) before its carry writes."""
    path = Path(desk.store.path)
    paused = Paused(monkeypatch)
    desk.store.journal.compact()
    paused.held()
    done = subprocess.run([sys.executable, "-c", OTHER_COMPACTION, str(path), "3"], timeout=300,
                          capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"})
    assert done.returncode == 0, done.stderr
    newer = _sides(path)
    assert len(newer) == len(SIDE)
    if reload_first:
        generation = desk.store.journal.generation
        assert desk.store.journal.refresh() and desk.store.journal.generation > generation
    paused.release()
    late = _sides(path)
    assert all(late[side] != newer[side] for side in SIDE)  # the older compaction's files renamed in over them
    desk.store.journal.refresh()
    assert desk.store.journal.get("issues", _issue(desk, 3).id)["title"].startswith("late outage ")
    _reads(path, _issue(desk, 0).id)
    now = _sides(path)
    assert _snapshot_named(now[knowledge_file.path_of]) == _snapshot_named(newer[knowledge_file.path_of])
    del now[knowledge_file.path_of], newer[knowledge_file.path_of]  # its bytes follow the hash seed: see _kb_same
    assert now == newer  # each late file rejected and built again for the newest snapshot
    _same_answers(desk, path)
    _kb_same(path)
    _no_staged(path)


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


@pytest.mark.xfail(strict=True, reason="Journal.compact inside a transaction folds its uncommitted writes into the new "
                   "snapshot, so the failed transaction's writes survive its rollback (no caller does this today: "
                   "bulk.fold and migrations compact without pending writes); the fix belongs in store/journal.py, "
                   "which is at its 400-line bound")
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


ACROSS_MIDNIGHT = """
import sys
from datetime import datetime, timedelta, timezone
from triagedesk.app.stores import open_desk
from tests.support.carried_reads import NOW
desk = open_desk(sys.argv[1], clock=lambda: NOW)
requests = desk.store.requests.all()
midnight = datetime(2026, 11, 28, tzinfo=timezone.utc)
moments = [midnight - timedelta(microseconds=1), midnight, (midnight - timedelta(microseconds=1)).astimezone(
    timezone(timedelta(hours=14))), midnight.astimezone(timezone(timedelta(hours=-12))),
    (midnight + timedelta(days=1)).astimezone(timezone(timedelta(hours=5, minutes=45)))]
desk.store.requests.put_many([r.model_copy(update={"submitted_at": at}) for r, at in zip(requests[10:], moments)])
desk.store.journal.compact()
desk.store.journal.carrying.wait()
desk.close()
"""


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Etc/GMT+12", "Asia/Kathmandu"])
def test_a_day_book_carried_in_another_time_zone_counts_each_day_as_utc(desk: Desk, zone: str) -> None:
    """Another process, in a far time zone, moves requests to either side of a UTC midnight (given with other
    offsets) and compacts: the book it carries is read here (not built again) and the report is the scan's."""
    path = Path(desk.store.path)
    done = subprocess.run([sys.executable, "-c", ACROSS_MIDNIGHT, str(path)], timeout=300, capture_output=True,
                          text=True, cwd=ROOT, env={**os.environ, "TZ": zone, "PYTHONPATH": f"{ROOT}{os.pathsep}"
                                                    f"{os.environ.get('PYTHONPATH', '')}"})
    assert done.returncode == 0, done.stderr
    book = SIDE[0](path)
    carried = book.read_bytes()
    _same_answers(desk, path)
    assert book.read_bytes() == carried  # the carried book answered


KILLED_MID_CARRY = """
import os
import signal
import sys
from triagedesk import files
from triagedesk.app.stores import open_desk
from tests.support.carried_reads import NOW
real = files.put_in_place
def killed(staged, path):
    if str(path).endswith(sys.argv[2]):
        os.kill(os.getpid(), signal.SIGKILL)  # staged whole, never renamed in
    real(staged, path)
files.put_in_place = killed
desk = open_desk(sys.argv[1], clock=lambda: NOW)
issues = desk.store.issues.all()
desk.store.issues.put_many([issues[6].model_copy(update={"title": "killed outage " + issues[6].title})])
desk.store.journal.compact()
desk.store.journal.carrying.wait()
"""


@pytest.mark.parametrize("side", [".search", ".report-days"])
def test_a_process_killed_during_its_carry_leaves_only_a_staged_file_the_next_compaction_removes(
        desk: Desk, side: str) -> None:
    path = Path(desk.store.path)
    done = subprocess.run([sys.executable, "-c", KILLED_MID_CARRY, str(path), side], timeout=300,
                          capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"})
    assert done.returncode == -9, done.stderr
    staged = [p for p in path.parent.iterdir() if p.name.startswith(f".desk.json{side}.") and p.name.endswith(".tmp")]
    assert len(staged) == 1
    desk.store.journal.refresh()
    assert desk.store.issues.get(_issue(desk, 6).id).title.startswith("killed outage ")  # committed before
    _same_answers(desk, path)
    compacted(desk.store.journal)
    assert staged[0].exists()  # young: it may be one being written
    old = time.time() - carry.DEAD_AFTER - 1
    os.utime(staged[0], (old, old))
    compacted(desk.store.journal)
    _no_staged(path)
    _same_answers(desk, path)


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
