"""The side files beside a snapshot (`.search`, `.places`, `.knowledge`) change no answer: `search`, `show`,
`package` and `kb search` print the same with them built, read back, damaged (each then written again), cut
short, replaced by a folder, or left from another snapshot; damage in the snapshot itself is still refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import run_cli
from tests.support.clock import T0
from triagedesk.domain.models import Issue
from triagedesk.domain.records import ExpertRequest, KnowledgeEntry
from triagedesk.store.database import open_store

NOW = "2026-03-02T12:00:00Z"
SUFFIXES = (".search", ".places", ".knowledge")


def build(path: Path) -> None:
    store = open_store(path)
    store.issues.put_many([Issue(id=f"INC-{n}", title=f"printer outage {n}", description="paper jam " * 20,
                                 profile="infrastructure", created_at=T0) for n in range(300)])
    store.requests.put_many([ExpertRequest(id=f"req-{n}", analysis_id=f"INC-{n}", submitted_at=T0, user_id="ann")
                             for n in range(0, 300, 3)])
    store.knowledge.put_many([KnowledgeEntry(id=f"KB-{n}", issue_id=f"INC-{n}", title=f"disk full {n % 4}",
                                             problem="the disk filled", resolution="rotated the logs",
                                             created_at=T0) for n in range(60)])
    store.journal.compact()
    store.close()


def answers(path: Path) -> list[str]:
    db = ["--db", str(path)]
    out = []
    for args in (["search", "outage 1"], ["search", "ann", "--json"], ["show", "INC-12", "--now", NOW],
                 ["package", "INC-12", "--now", NOW], ["show", "INC-13", "--now", NOW],
                 ["kb", "search", "disk full"]):
        done = run_cli(*args, *db)
        assert done.returncode == 0, (args, done.stderr)
        out.append(done.stdout)
    return out


def test_the_answers_are_the_same_whatever_the_side_files_hold(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    build(path)
    first = answers(path)  # each side file built
    assert all(path.with_name(path.name + s).is_file() for s in SUFFIXES)
    assert "INC-12" in first[2] and "printer outage 12" in first[3] and "disk full" in first[5]
    assert answers(path) == first  # read back
    for suffix in SUFFIXES:
        side = path.with_name(path.name + suffix)
        good = side.read_bytes()
        for at in (len(good) // 3, len(good) // 2, len(good) - 40):
            damaged = bytearray(good)
            damaged[at] ^= 0x10
            side.write_bytes(bytes(damaged))
            assert answers(path) == first, (suffix, at)
        side.write_bytes(good[:len(good) // 2])
        assert answers(path) == first, suffix
        side.unlink()
        side.mkdir()  # not a file at all: answered from memory
        assert answers(path) == first, suffix
        side.rmdir()


def test_side_files_of_another_snapshot_are_not_used(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    build(path)
    answers(path)
    kept = {s: path.with_name(path.name + s).read_bytes() for s in SUFFIXES}
    store = open_store(path)
    store.issues.put_many([Issue(id="INC-12", title="renamed outage 1", profile="infrastructure", created_at=T0)])
    store.knowledge.put_many([KnowledgeEntry(id="KB-0", issue_id="INC-0", title="disk full again",
                                             problem="p", resolution="r", created_at=T0)])
    store.journal.compact()
    store.close()
    fresh = tmp_path / "fresh.json"  # the same records, no side files: what the answers must be
    for name in ("", ".journal"):
        fresh.with_name(fresh.name + name).write_bytes(path.with_name(path.name + name).read_bytes())
    for suffix, data in kept.items():
        path.with_name(path.name + suffix).write_bytes(data)  # the old snapshot's side files put back
    assert answers(path) == answers(fresh)
    assert "renamed outage 1" in answers(path)[2]


@pytest.mark.parametrize("command", [["show", "INC-7"], ["package", "INC-7"]])
def test_damage_in_a_record_read_through_the_places_file_is_refused(tmp_path: Path, command: list[str]) -> None:
    path = tmp_path / "desk.json"
    build(path)
    answers(path)  # the places file built from the intact snapshot
    data = bytearray(path.read_bytes())
    at = data.index(b'{"id":"INC-7"')
    data[at + data[at:].index(b"paper jam") + 2] ^= 0x01
    path.write_bytes(bytes(data))
    done = run_cli(*command, "--db", str(path), "--now", NOW)
    assert done.returncode == 2 and done.stdout == "", done
    assert "\n" not in done.stderr.strip() and "db repair" in done.stderr and "Traceback" not in done.stderr
