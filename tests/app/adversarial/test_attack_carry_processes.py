"""Attacks on the side files' carry over a compaction from other processes: a late carry whose files land over a
newer compaction's (rejected by name), a day book carried in far time zones across a UTC midnight, a process
killed during its carry (one staged file left, removed once dead)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.support.carried_reads import SIDE, _no_staged, _reads, _same_answers
from tests.support.carry_attacks import Paused, _issue, _kb_same, _sides, _snapshot_named, run_python
from tests.support.compacting import compacted
from triagedesk.app.desk import Desk
from triagedesk.store import carry, knowledge_file

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
    done = run_python(OTHER_COMPACTION, str(path), "3")
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
    done = run_python(ACROSS_MIDNIGHT, str(path), TZ=zone)
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
    done = run_python(KILLED_MID_CARRY, str(path), side)
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
