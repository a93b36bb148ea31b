"""What a write's catch-up applied of another process's writes reaches the change listeners even when the write
itself fails: the catch-up moved the journal offset on, so no later refresh reports those changes again, and a
desk following the store (its watcher, the queue's patches) would never hear of them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.processes import spawn
from triagedesk.store.database import open_store


def test_a_failed_write_still_tells_what_its_catch_up_applied(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    store = open_store(path)
    heard: list[set[tuple[str, str]]] = []
    try:
        store.subscribe(heard.append)
        child = spawn("one", str(path), "written elsewhere")
        out, err = child.communicate(timeout=60)
        assert out.strip() == "written", err
        with pytest.raises(ValueError, match="refused"), store.transaction():
            raise ValueError("refused")  # a write the rules refuse, after its catch-up under the lock
        assert "1" in store.journal.docs("notes"), "the catch-up applied the other process's note"
        assert store.refresh() == set()  # nothing left to catch up on: only the listeners could have heard it
        assert any(("notes", "1") in changes for changes in heard), "the note applied was never told"
    finally:
        store.close()
