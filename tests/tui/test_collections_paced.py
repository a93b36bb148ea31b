"""The desk runs the collector's collections itself, on the UI thread while no key waits for its frame (a young
collection at 100k issues holds the GIL 5-70 ms, and landed in keys' frames while following a writer, issue #24):
automatic collections are off while it runs and back on after, a due collection waits while a key is pending and
runs once it is painted."""

from __future__ import annotations

import asyncio
import gc
import time
from pathlib import Path

import pytest

from tests.support.pilot import make_app, settle
from triagedesk.app import memory
from triagedesk.tui.giving_way import KEYS


async def wait_for(condition, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    assert condition(), "not within the time allowed"


async def test_collections_wait_for_a_pending_key_and_run_after_it(store_copy: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[bool, int | None]] = []
    collect_due = memory.collect_due

    def noted(waiting: bool) -> int | None:
        done = collect_due(waiting)
        calls.append((waiting, done))
        return done

    monkeypatch.setattr(memory, "collect_due", noted)
    app = make_app(store_copy)
    was = gc.get_threshold()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        assert not gc.isenabled(), "automatic collections still on: they land in keys' frames"
        try:
            gc.set_threshold(5_000, *was[1:])  # (held back up to 20,000)
            KEYS.pressed()  # a key pending: its frame not painted yet
            held = [[n] for n in range(6_000)]  # a collection due
            await wait_for(lambda: KEYS.pressed() or any(waiting for waiting, _ in calls))  # (kept pending)
            assert all(done is None for waiting, done in calls if waiting), "a collection ran while a key waited"
            KEYS.served()
            await wait_for(lambda: any(done == 0 for waiting, done in calls if not waiting))
            assert gc.get_count()[0] < 6_000
            del held
        finally:
            gc.set_threshold(*was)
    assert gc.isenabled(), "the collector left off after the desk closed"
