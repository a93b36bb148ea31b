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


def test_a_write_that_fails_to_commit_tells_nothing_of_its_own(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Its writes are rolled back: a listener told of them would look for records that are not there (the
    catch-up's changes alone are told)."""
    from triagedesk import files
    from triagedesk.store.errors import StoreError

    store = open_store(tmp_path / "desk.json")
    heard: list[set[tuple[str, str]]] = []
    try:
        store.subscribe(heard.append)

        def full(fd: int, data: bytes) -> None:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(files, "write_all", full)
        with pytest.raises(StoreError, match="nothing was written"), store.transaction():
            store.journal.put("notes", "9", {"text": "never stored"})
        monkeypatch.undo()
        assert "9" not in store.journal.docs("notes")
        assert not any(("notes", "9") in changes for changes in heard), heard
        with store.transaction():  # and a write that commits is told, as before
            store.journal.put("notes", "10", {"text": "stored"})
        assert any(("notes", "10") in changes for changes in heard)
    finally:
        store.close()
