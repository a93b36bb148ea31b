"""Two processes: an open racing a compaction never destroys acknowledged writes; generations only go forward."""

from __future__ import annotations

from pathlib import Path

import pytest

import triagedesk.store.generations as journal_module
from tests.support.cli import run_cli
from tests.support.soak import soak
from triagedesk.store.table import JournalDB, JournalStorage


def _between_snapshot_and_journal(monkeypatch: pytest.MonkeyPatch, action) -> None:
    """Run `action` once, right after the next open has read the snapshot and before it reads the journal."""
    state = {"fired": False}
    real_open = journal_module.open_snapshot

    def open_snapshot(*args, **kwargs):
        tables = real_open(*args, **kwargs)
        if not state["fired"]:
            state["fired"] = True
            action()
        return tables

    monkeypatch.setattr(journal_module, "open_snapshot", open_snapshot)


def test_an_open_racing_a_compaction_loses_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "desk.json"
    writer = JournalDB(str(path), storage=JournalStorage)
    notes = writer.table("notes")
    for n in range(20):
        notes.insert({"n": n})

    def other_process_compacts_and_writes() -> None:
        writer.journal.compact()
        for n in range(20, 30):
            notes.insert({"n": n})

    _between_snapshot_and_journal(monkeypatch, other_process_compacts_and_writes)
    opener = JournalDB(str(path), storage=JournalStorage)   # read the old snapshot, then the new journal
    monkeypatch.undo()
    assert sorted(d["n"] for d in opener.table("notes").all()) == list(range(30))
    opener.table("notes").insert({"n": 30})                   # the stale open's write
    notes.insert({"n": 31})
    reopened = JournalDB(str(path), storage=JournalStorage)
    assert sorted(d["n"] for d in reopened.table("notes").all()) == list(range(32))
    assert reopened.journal.generation == writer.journal.generation == 2
    assert run_cli("db", "check", "--db", str(path)).returncode == 0


def test_a_write_never_moves_the_generation_backwards(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    old = JournalDB(str(path), storage=JournalStorage)
    old.table("notes").insert({"n": 0})
    new = JournalDB(str(path), storage=JournalStorage)
    new.journal.compact()
    new.journal.compact()
    new.table("notes").insert({"n": 1})
    old.table("notes").insert({"n": 2})   # the old desk is at generation 1: it reloads, never rewrites
    assert old.journal.generation == 3
    assert b"generation=3" in path.with_name("desk.json.journal").read_bytes()[:80]
    reopened = JournalDB(str(path), storage=JournalStorage)
    assert sorted(d["n"] for d in reopened.table("notes").all()) == [0, 1, 2]


@pytest.mark.slow
def test_concurrent_opens_compactions_and_writes_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    JournalDB(str(path), storage=JournalStorage).close()
    total, lost, compactions = soak(path, 4.0)
    assert total > 50 and compactions > 3, (total, compactions)
    assert lost == 0
    assert run_cli("db", "check", "--db", str(path)).returncode == 0


def test_a_journal_cut_under_an_open_desk_is_damage_not_a_silent_loss(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    desk = JournalDB(str(path), storage=JournalStorage)
    for n in range(10):
        desk.table("notes").insert({"n": n})
    journal = path.with_name("desk.json.journal")
    data = journal.read_bytes()
    journal.write_bytes(data[: data.index(b"\n", len(data) // 2) + 1])   # cut at a record boundary, under it
    from triagedesk.store.errors import StoreCorrupt

    with pytest.raises(StoreCorrupt, match="shorter than"):
        desk.table("notes").insert({"n": 10})
    assert journal.stat().st_size < len(data)
