"""The watcher hands on every change the store learns of, whichever thread caught up on it, in one batch a
round; a callback that blocks shows as lag, and the next round takes all that came meanwhile."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from tests.support.processes import spawn
from triagedesk.store.database import open_store
from triagedesk.store.watch import ChangeWatcher

Changes = set[tuple[str, str]]


def wait_for(done, timeout: float = 5.0) -> bool:
    start = time.monotonic()
    while not done():
        if time.monotonic() - start > timeout:
            return False
        time.sleep(0.01)
    return True


def test_a_change_another_thread_caught_up_on_is_still_handed_on(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    store = open_store(path)
    seen: list[Changes] = []
    child = spawn("one", str(path), "written elsewhere")
    out, err = child.communicate(timeout=60)
    assert out.strip() == "written", err
    watcher = ChangeWatcher(store, seen.append, interval=1.0).start()  # its first round a second from now
    try:
        assert store.refresh() == {("notes", "1")}  # a worker's read caught up first: the watcher's finds nothing
        assert wait_for(lambda: any(("notes", "1") in batch for batch in seen)), "the change was never handed on"
    finally:
        watcher.stop()
        store.close()


def test_a_blocked_callback_shows_as_lag_and_the_next_round_takes_everything(tmp_path: Path) -> None:
    store = open_store(tmp_path / "desk.json")
    release = threading.Event()
    seen: list[Changes] = []

    def slow(changed: Changes) -> None:
        seen.append(changed)
        if len(seen) == 1:
            release.wait(10)

    watcher = ChangeWatcher(store, slow, interval=0.05).start()
    try:
        assert watcher.lag() == 0
        store.db.table("notes").insert({"text": "first"})
        assert wait_for(lambda: len(seen) == 1)
        for n in range(5):
            store.db.table("notes").insert({"text": f"while blocked {n}"})
        assert wait_for(lambda: watcher.lag() >= 0.25)  # the callback is still blocked: the lag shows it
        assert len(seen) == 1
        release.set()
        assert wait_for(lambda: len(seen) == 2)
        assert seen[1] == {("notes", str(n)) for n in range(2, 7)}  # one batch: everything that came meanwhile
        assert wait_for(lambda: watcher.lag() == 0)
    finally:
        release.set()
        watcher.stop()
        store.close()


def test_rounds_start_every_interval_and_rest_at_least_a_quarter_of_it(tmp_path: Path) -> None:
    """A round's catch-up and callback (which waits for the UI thread) do not push the next round later."""
    store = open_store(tmp_path / "desk.json")
    try:
        watcher = ChangeWatcher(store, lambda changed: None, interval=0.5)
        assert watcher.rest(0.0) == 0.5
        assert watcher.rest(0.3) == 0.2  # the next round half a second after this one started
        assert watcher.rest(0.45) == 0.125  # never less than a quarter of the interval: no busy loop
        assert watcher.rest(2.0) == 0.125
    finally:
        store.close()
