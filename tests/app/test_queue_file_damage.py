"""The queue's side file (`desk.json.queue`): a start from it computes only the rows of what changed since; a
missing, damaged, forged, stale or foreign one is never trusted (the queue equals the scanning load, and the file
is written again whole); another process's writes, a compaction and an edited profile are seen."""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.support.cli import run_cli
from tests.support.clock import T0
from tests.support.flows import act, escalate
from triagedesk.app import assessments, queue_file, queue_start
from triagedesk.app.desk import Desk
from triagedesk.app.queue import QueueData, load, load_scanning
from triagedesk.domain.models import Expert, Issue
from triagedesk.store import open_set
from triagedesk.store.database import open_store


def rows(data: QueueData) -> dict[str, tuple[Any, ...]]:
    names = [n for n in vars(data) if isinstance(getattr(data, n), list)]
    return {key: tuple(getattr(data, n)[i] for n in names) for i, key in enumerate(data.ids)}


def make(path: Path) -> Desk:
    store = open_store(path)
    store.experts.put_many([Expert(id="ann", name="Ann", specializations=["silver"])])
    store.issues.put_many([Issue(id=f"I-{n}", profile="appraisal" if n % 3 else "infrastructure",
                                 title=f"Database outage {n}", category="silver", users_affected=n * 50,
                                 total_users=1000, estimated_value={"min": 1000, "max": 5000}, created_at=T0)
                           for n in range(40)])
    desk = Desk(store, clock=lambda: T0)
    for n in range(0, 12, 2):
        request = escalate(desk, f"I-{n}", "test")
        if n % 3:  # an appraisal: paid, then assigned
            act(desk, request.id, "pay", "test")
            if n % 4 == 0:
                act(desk, request.id, "assign", "test", "ann")
    for n in range(4):
        act(desk, desk.store.requests.by("analysis_id", f"I-{2 * n}")[0].id, "cancel", "test")
    store.journal.compact()
    return desk


def started(path: Path) -> Desk:
    """A desk starting on the store, as a new process does."""
    return Desk(open_store(path), clock=lambda: T0)


def same_as_scanning(desk: Desk) -> QueueData:
    found = load(desk, T0)
    assert len(found) > 0
    scanned = load_scanning(desk, T0)
    assert found.ids == scanned.ids
    scanned.seq = found.seq  # (the scanning load keeps no store places)
    assert rows(found) == rows(scanned)
    for assignee in ("ann", "nobody"):
        narrowed, scanned = load(desk, T0, assignee), load_scanning(desk, T0, assignee)
        scanned.seq = narrowed.seq
        assert rows(narrowed) == rows(scanned)
    return found


def computed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many issues each load computed a row for (the rest came from the side file)."""
    counts: list[int] = []
    real = queue_file.rows_of

    def counting(desk: Desk, found: list[open_set.Found]):
        counts.append(len(found))
        return real(desk, found)

    monkeypatch.setattr(queue_file, "rows_of", counting)
    return counts


def side_of(path: Path) -> Path:
    return path.with_name("desk.json.queue")


def test_a_start_from_the_side_file_computes_only_what_changed(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "desk.json"
    desk = make(path)
    counts = computed(monkeypatch)
    first = same_as_scanning(started(path))
    assert counts[0] == len(first) == 36 and side_of(path).exists()
    counts.clear()
    same_as_scanning(started(path))
    assert counts and all(c == 0 for c in counts), "nothing changed: every row from the side file"
    assign = desk.store.requests.by("analysis_id", "I-10")[0]
    act(desk, assign.id, "assign", "test", "ann")
    desk.store.issues.save(desk.store.issues.require("I-7").model_copy(update={"title": "Teapot dent"}))
    counts.clear()
    warm = same_as_scanning(started(path))
    assert counts and all(c == 2 for c in counts), counts
    assert warm.title[warm.ids.index("I-7")] == "Teapot dent"
    assert warm.status[warm.ids.index("I-10")] == "assigned"
    assert set(warm.issues) == {"I-10", "I-7"}, "only the changed issues were validated"


def test_another_process_writing_and_a_compaction_are_seen(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "desk.json"
    make(path)
    same_as_scanning(started(path))
    request = open_store(path).requests.by("analysis_id", "I-8")[0]
    for args in (["request", "acknowledge", request.id, "--db", str(path), "--expert", "ann"],
                 ["escalate", "I-9", "--db", str(path)]):
        done = run_cli(*args)
        assert done.returncode == 0, done.stderr
    counts = computed(monkeypatch)
    warm = same_as_scanning(started(path))
    assert warm.status[warm.ids.index("I-9")] == "pending_assignment" and counts[0] <= 3
    other = started(path)
    other.store.journal.compact()  # another process folds the journal: the side file is of the older snapshot
    counts.clear()
    same_as_scanning(started(path))
    assert counts[0] == len(warm)
    counts.clear()
    same_as_scanning(started(path))
    assert counts[0] == 0


def forge(path: Path, change) -> None:
    """The side file with its JSON changed and its checksum made to fit again."""
    head, _, body = path.read_bytes().partition(b"\n")
    found = orjson.loads(body)
    change(found)
    body = orjson.dumps(found)
    path.write_bytes(queue_file.MAGIC + b"%08x\n" % zlib.crc32(body) + body)


DAMAGES = {
    "missing": lambda p: p.unlink(),
    "empty": lambda p: p.write_bytes(b""),
    "a flipped byte": lambda p: p.write_bytes(p.read_bytes()[:-40] + b"X" + p.read_bytes()[-39:]),
    "cut short": lambda p: p.write_bytes(p.read_bytes()[:len(p.read_bytes()) // 2]),
    "not json": lambda p: p.write_bytes(queue_file.MAGIC + b"%08x\nnot json" % zlib.crc32(b"not json")),
    "another engine": lambda p: forge(p, lambda f: f.__setitem__("engine", "0.0.1/assess-1/queue-1")),
    "another snapshot": lambda p: forge(p, lambda f: f.__setitem__("stamp", "1|abcdef01|-")),
    "a text score": lambda p: forge(p, lambda f: f["rows"]["score"].__setitem__(3, "high")),
    "an escape in a title": lambda p: forge(p, lambda f: f["rows"]["title"].__setitem__(3, "\x1b[31mred")),
    "a row twice": lambda p: forge(p, lambda f: [f["rows"][c].append(f["rows"][c][0]) for c in f["rows"]]),
    "a short column": lambda p: forge(p, lambda f: f["rows"]["status"].pop()),
    "rows out of order": lambda p: forge(p, lambda f: [f["rows"][c].reverse() for c in f["rows"]]),
    "a list for a clock": lambda p: forge(p, lambda f: f["rows"]["clock"].__setitem__(0, [1, 2])),
    "no changed records": lambda p: forge(p, lambda f: f.__setitem__("was", {})),
    "a directory": lambda p: (p.unlink(), p.mkdir()),
}


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_a_damaged_side_file_is_never_trusted(tmp_path: Path, damage: str, monkeypatch) -> None:
    path = tmp_path / "desk.json"
    desk = make(path)
    expected = same_as_scanning(started(path))
    desk.store.issues.save(desk.store.issues.require("I-5").model_copy(update={"title": "Teapot dent"}))
    DAMAGES[damage](side_of(path))
    counts = computed(monkeypatch)
    warm = same_as_scanning(started(path))
    assert counts[0] == len(expected), "the whole queue computed again, nothing taken from the file"
    assert warm.title[warm.ids.index("I-5")] == "Teapot dent" != expected.title[expected.ids.index("I-5")]
    if damage != "a directory":  # written again whole: the next start takes it
        journal = started(path).store.journal
        with journal.mutex:
            stamp = open_set.stamp(journal)
        written = queue_file.read(side_of(path))
        assert written is not None and written["stamp"] == stamp


def test_a_side_file_from_another_store_is_ignored(tmp_path: Path, monkeypatch) -> None:
    make(tmp_path / "a" / "desk.json")
    same_as_scanning(started(tmp_path / "a" / "desk.json"))
    other = tmp_path / "b" / "desk.json"
    make(other)
    started(other).store.issues.save(started(other).store.issues.require("I-1").model_copy(update={"title": "B"}))
    side_of(other).write_bytes(side_of(tmp_path / "a" / "desk.json").read_bytes())
    counts = computed(monkeypatch)
    warm = same_as_scanning(started(other))
    assert counts[0] == len(warm) and warm.title[warm.ids.index("I-1")] == "B"


def test_rows_of_an_edited_profile_are_computed_again(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "desk.json"
    make(path)
    first = same_as_scanning(started(path))
    real = assessments.Assessments._key_of

    def edited(self, desk, profile):  # the appraisal profile's content changed since the file was written
        key = real(self, desk, profile)
        return key[::-1] if profile == "appraisal" else key

    monkeypatch.setattr(assessments.Assessments, "_key_of", edited)
    counts = computed(monkeypatch)
    same_as_scanning(started(path))
    assert counts[0] == sum(p == "appraisal" for p in first.profile) > 0


def test_a_start_from_the_side_file_keeps_every_cached_assessment(tmp_path: Path) -> None:
    """The assessments a start from the side file did not ask for stay cached: the next start without the side
    file (after a compaction elsewhere) scores nothing again."""
    path = tmp_path / "desk.json"
    desk = make(path)
    first = started(path)
    same_as_scanning(first)
    assessments.of(first).save()
    held = len(orjson.loads(path.with_name("desk.json.assessments").read_bytes())["entries"])
    desk.store.issues.save(desk.store.issues.require("I-5").model_copy(update={"users_affected": 999}))
    warm = started(path)
    queue_start.load(warm, T0)
    assessments.of(warm).save()
    kept = orjson.loads(path.with_name("desk.json.assessments").read_bytes())["entries"]
    assert len(kept) == held + 1
