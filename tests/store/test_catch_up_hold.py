"""A thread's reads can take the store as this process last caught up on it (`CatchUpHold`, `Desk.as_caught_up`):
no catch-up on that thread meanwhile, every other thread catching up as before, and the next read after it sees
everything; a transaction inside it still catches up under the lock."""

from __future__ import annotations

import threading
from pathlib import Path

from tests.support.processes import spawn
from triagedesk.app.desk import Desk
from triagedesk.store.database import open_store


def written_elsewhere(path: Path) -> None:
    child = spawn("one", str(path), "written elsewhere")
    out, err = child.communicate(timeout=60)
    assert out.strip() == "written", err


def test_a_held_thread_reads_as_last_caught_up_and_others_catch_up(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    store = open_store(path)
    try:
        written_elsewhere(path)
        hold = store.journal.catch_up_hold
        with hold.holding():
            assert hold.held()
            with hold.holding():  # nested: still held after the inner one ends
                pass
            assert hold.held()
            assert store.refresh() == set()
            assert "1" not in store.journal.docs("notes"), "read past what this process had caught up on"
            other: list[set[tuple[str, str]]] = []
            thread = threading.Thread(target=lambda: other.append(store.refresh()))
            thread.start()
            thread.join()
            assert other == [{("notes", "1")}], "another thread was held too"
        assert not hold.held()
        written_elsewhere(path)  # a second note
        assert store.refresh(), "the thread still held after the block"
    finally:
        store.close()


def test_the_desk_s_port_holds_and_a_write_inside_still_catches_up(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    desk = Desk(open_store(path))
    try:
        written_elsewhere(path)
        with desk.as_caught_up():
            assert desk.store.refresh() == set()
            with desk.store.transaction():  # a write never takes a stale store: it catches up under the lock
                pass
            assert "1" in desk.store.journal.docs("notes")
    finally:
        desk.close()
