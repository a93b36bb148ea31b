"""Durability and sharing: SIGKILL at random moments loses nothing acknowledged; two desks share one file."""

from __future__ import annotations

import random
import select
import signal
import time
from pathlib import Path

import pytest

from tests.support.processes import spawn
from triagedesk.store.table import JournalDB, JournalStorage


@pytest.mark.slow
def test_sigkill_loses_no_acknowledged_write(tmp_path: Path) -> None:
    rng = random.Random(1234)
    path = tmp_path / "desk.json"
    acknowledged: set[int] = set()
    trials = 30
    for trial in range(trials):
        # a tiny compaction threshold makes kills land in compactions too
        child = spawn("writer", str(path), f"t{trial}", env={"TRIAGEDESK_COMPACT_BYTES": "20000"})
        assert child.stdout is not None
        # the kill lands at a random instant after the child's first acknowledged write (a loaded
        # machine may take a second to start Python)
        select.select([child.stdout], [], [], 30)
        time.sleep(rng.uniform(0.02, 0.35))
        child.send_signal(signal.SIGKILL)
        child.wait()
        acked = [int(line) for line in child.stdout.read().split()]
        assert acked, f"trial {trial}: the child wrote nothing: {child.stderr.read() if child.stderr else ''}"
        db = JournalDB(str(path), storage=JournalStorage)  # must open, whatever the moment of the kill
        stored = {d["n"] for d in db.table("numbers").all() if d["writer"] == f"t{trial}"}
        missing = set(acked) - stored
        assert not missing, f"trial {trial}: lost acknowledged writes {sorted(missing)[:5]}"
        acknowledged.update(acked)
        db.close()
    assert len(acknowledged) > trials  # the children really wrote


@pytest.mark.slow
def test_two_processes_read_modify_write(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    db = JournalDB(str(path), storage=JournalStorage)
    db.table("counter").insert({"value": 0})
    children = [spawn("incrementer", str(path), "500") for _ in range(2)]
    for child in children:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
        assert out.strip() == "done"
    assert db.table("counter").get(doc_id=1)["value"] == 1000
    reopened = JournalDB(str(path), storage=JournalStorage)
    assert reopened.table("counter").get(doc_id=1)["value"] == 1000


def test_other_desks_change_is_seen_within_a_second(tmp_path: Path) -> None:
    from triagedesk.store.database import open_store
    from triagedesk.store.watch import ChangeWatcher

    path = tmp_path / "desk.json"
    store = open_store(path)
    seen: list[set[tuple[str, str]]] = []
    watcher = ChangeWatcher(store, seen.append, interval=0.1).start()
    try:
        child = spawn("one", str(path), "from the expert's desk")
        out, err = child.communicate(timeout=60)
        assert out.strip() == "written", err
        written_at = time.monotonic()
        while not seen and time.monotonic() - written_at < 1.0:
            time.sleep(0.02)
        assert seen, "no change notification within 1 s"
        assert ("notes", "1") in seen[0]
        assert store.db.table("notes").get(doc_id=1)["text"] == "from the expert's desk"
    finally:
        watcher.stop()


async def test_async_change_iterator(tmp_path: Path) -> None:
    import asyncio

    from triagedesk.store.database import open_store
    from triagedesk.store.watch import changes

    path = tmp_path / "desk.json"
    store = open_store(path)
    other = open_store(path)
    stream = changes(store, interval=0.05)
    other.db.table("notes").insert({"text": "hello"})
    batch = await asyncio.wait_for(stream.__anext__(), timeout=1.0)
    assert ("notes", "1") in batch
    await stream.aclose()
