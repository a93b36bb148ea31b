"""A lookup whose index another thread is building (the desk's warm-up) waits for that build instead of building it
again beside it; a thread holding the journal's lock never waits (the build could not be put in place)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from triagedesk.domain.records import ExpertRequest
from triagedesk.store import warming
from triagedesk.store.database import open_store
from triagedesk.store.id_index import IdIndex

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def folded(tmp_path: Path) -> Path:
    path = tmp_path / "desk.json"
    store = open_store(path)
    store.requests.put_many([ExpertRequest(id=f"req-{n}", analysis_id=f"INC-{n % 7}", submitted_at=T0)
                             for n in range(50)])
    store.journal.compact()
    store.close()
    return path


def slow_builds(monkeypatch: pytest.MonkeyPatch) -> tuple[threading.Event, threading.Event, list[int]]:
    """IdIndex.of made to signal its start and wait for a go; the builds counted."""
    started, go, builds = threading.Event(), threading.Event(), []
    build = IdIndex.of

    def slow(docs: Any, ordered: bool = True, step: Any = None) -> IdIndex:
        builds.append(1)
        if threading.current_thread() is not threading.main_thread():  # (the main thread's own build is quick)
            started.set()
            assert go.wait(10)
        return build(docs, ordered) if step is None else build(docs, ordered, step)

    monkeypatch.setattr(warming.IdIndex, "of", slow)
    return started, go, builds


def test_a_lookup_waits_for_the_warm_ups_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = open_store(folded(tmp_path))
    started, go, builds = slow_builds(monkeypatch)
    warm = threading.Thread(target=warming.id_index, args=(store.journal, "requests"))
    warm.start()
    assert started.wait(10)
    building = warming._BUILDING[(id(store.journal), "id requests")]
    waiting, wait = threading.Event(), building.wait

    def noted_wait(timeout: float | None = None) -> bool:
        waiting.set()
        return wait(timeout)

    monkeypatch.setattr(building, "wait", noted_wait)
    found: list[Any] = []
    lookup = threading.Thread(target=lambda: found.append(store.journal.get("requests", "req-7")))
    lookup.start()
    assert waiting.wait(10)  # the lookup waits for the build under way
    assert not found
    go.set()
    warm.join(10)
    lookup.join(10)
    assert found and found[0]["id"] == "req-7"
    assert builds == [1]


def test_holding_the_lock_a_lookup_does_not_wait(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = open_store(folded(tmp_path))
    started, go, builds = slow_builds(monkeypatch)
    warm = threading.Thread(target=warming.id_index, args=(store.journal, "requests"))
    warm.start()
    assert started.wait(10)
    with store.journal.mutex:  # as a transaction's write holds it
        go.set()  # (the builds go on: this lookup's own, under the lock)
        assert store.journal.id_index("requests")["req-7"] is not None
    warm.join(10)
    assert not warm.is_alive() and len(builds) == 2
    assert store.journal.get("requests", "req-8")["id"] == "req-8"  # type: ignore[index]


def test_the_uis_thread_never_waits_for_a_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The desk's UI runs on the main thread, and the warm-up gives way to the keys it has not painted: a lookup
    there waiting for the warm-up stalled frames for seconds. It finds the record itself (as before the waits)."""
    assert threading.current_thread() is threading.main_thread()
    store = open_store(folded(tmp_path))
    started, go, builds = slow_builds(monkeypatch)
    warm = threading.Thread(target=warming.id_index, args=(store.journal, "requests"))
    warm.start()
    assert started.wait(10)
    building = warming._BUILDING[(id(store.journal), "id requests")]
    monkeypatch.setattr(building, "wait", lambda timeout=None: pytest.fail("the UI's thread waited for a build"))
    try:
        assert store.journal.get("requests", "req-7")["id"] == "req-7"
    finally:
        go.set()
        warm.join(10)
