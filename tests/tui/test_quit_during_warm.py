"""Quitting the desk while its warm-up (or a worker's long read) runs: the work stops at its next step instead of
finishing, so the process ends at once (at 1M, quitting once waited ~20 s for the warm-up: the interpreter joins
the workers' threads), and nothing is told of the stopped work."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.pilot import make_app
from triagedesk.app.desk import Closing, Desk
from triagedesk.app.stores import open_desk
from triagedesk.store import warming
from triagedesk.tui import loaders


def test_a_closing_desks_steps_raise_and_its_warm_up_stops(store_copy: Path) -> None:
    desk = open_desk(store_copy)
    try:
        calls: list[int] = []
        stepping = desk.stepping(lambda: calls.append(1))
        stepping()
        assert calls == [1]
        desk.closing()
        with pytest.raises(Closing):
            stepping()
        assert calls == [1]  # the step itself no longer runs
        with pytest.raises(Closing):
            desk.warm()
        assert desk.detail_ready.is_set()  # details are not left waiting for a warm-up that stopped
        assert warming._WORKERS_STEP[0]() is None  # another desk's workers' builds do not stop for this one
    finally:
        desk.close()


def test_a_load_whose_warm_up_stops_for_the_closing_ends_quietly(store_copy: Path) -> None:
    desk = open_desk(store_copy)
    try:
        shown: list[object] = []
        held = Desk.warm

        def closing_warm(self: Desk, between: Callable[[], None] = lambda: None,
                         step: Callable[[], None] = lambda: None) -> None:
            self.closing()
            held(self, between, step)

        Desk.warm = closing_warm  # type: ignore[method-assign]
        try:
            loaders.load(desk, desk.clock(), lambda _: None, shown.append, lambda: None)
        finally:
            Desk.warm = held  # type: ignore[method-assign]
        assert len(shown) == 1  # the queue was handed over; the warm-up's Closing did not escape
    finally:
        desk.close()


async def test_quitting_during_a_long_warm_up_stops_it_at_its_next_step(store_copy: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    started, ended = threading.Event(), threading.Event()
    steps: list[float] = []

    def long_warm(self: Desk, between: Callable[[], None] = lambda: None,
                  step: Callable[[], None] = lambda: None) -> None:
        step = self.stepping(step)
        started.set()
        try:
            for _ in range(3000):  # 30 s of work in steps of 10 ms
                step()
                steps.append(time.monotonic())
                time.sleep(0.01)
        finally:
            ended.set()

    monkeypatch.setattr(Desk, "warm", long_warm)
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        for _ in range(1000):
            if started.is_set():
                break
            await pilot.pause(0.01)
        assert started.is_set()
        await pilot.press("q")
    quit_at = time.monotonic()
    assert ended.wait(10)
    assert len(steps) < 3000 and steps[-1] - quit_at < 1.0  # stopped at its next step, not finished
    assert not any("Closing" in n.message for n in app._notifications)
