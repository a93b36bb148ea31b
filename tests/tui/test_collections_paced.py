"""The desk runs the collector's collections itself, on the UI thread at the moments furthest from a key (a young
collection at 100k issues holds the GIL 5-75 ms, and landed in keys' waits while following a writer, issue #24):
automatic collections are off while it runs and back on after; a due collection runs right after a key's frame,
or on a tick once keys stopped, and waits while keys come (up to a bound)."""

from __future__ import annotations

import asyncio
import gc
import time
from pathlib import Path
from typing import Any

import pytest

from tests.support.pilot import make_app, settle
from triagedesk.app import memory
from triagedesk.tui import collecting
from triagedesk.tui.collecting import Collecting
from triagedesk.tui.giving_way import GivingWay


class Keys(GivingWay):
    def __init__(self) -> None:
        self.now = 100.0
        super().__init__(clock=lambda: self.now)


def pacer() -> tuple[Keys, Collecting, list[bool]]:
    keys, holds = Keys(), []

    def noted(hold: bool) -> None:
        holds.append(hold)

    return keys, Collecting(keys, noted, clock=keys.clock), holds


def test_a_tick_holds_the_collection_back_while_keys_come_and_not_after() -> None:
    keys, pacing, holds = pacer()
    keys.pressed()
    keys.served()
    keys.now += keys.quiet / 2
    pacing.tick()  # the next key may come any moment
    keys.now += keys.quiet
    pacing.tick()
    assert holds == [True, False]


def test_a_served_key_lets_the_waiting_work_go_on_and_runs_the_collection() -> None:
    keys, pacing, holds = pacer()
    keys.pressed()
    assert keys.key_pending()
    pacing.served()
    assert holds == [False] and not keys.key_pending()


async def wait_for(condition, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    assert condition(), "not within the time allowed"


async def test_the_desk_holds_collections_while_keys_come_and_runs_them_after(
        store_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[bool, int | None]] = []
    after: list[int] = []  # the young generation's count right after each collection the desk ran

    def noted(hold: bool) -> int | None:
        done = memory.collect_due(hold)
        calls.append((hold, done))
        if done is not None:
            after.append(gc.get_count()[0])
        return done

    monkeypatch.setattr(collecting.COLLECTING, "collect_due", noted)
    keys = collecting.COLLECTING.keys
    app = make_app(store_copy)
    was = gc.get_threshold()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        assert not gc.isenabled(), "automatic collections still on: they land in keys' waits"
        try:
            gc.set_threshold(5_000, *was[1:])  # (held back up to 20,000)
            keys.pressed()
            held = [[n] for n in range(6_000)]  # a collection due
            await wait_for(lambda: keys.pressed() or any(hold for hold, _ in calls))  # keys keep coming
            assert all(done is None for hold, done in calls if hold), "a collection ran while keys came"
            await wait_for(lambda: any(done == 0 for hold, done in calls if not hold))  # they stopped
            assert after and after[-1] < 6_000  # collected (read then: the desk allocates on after it)
            del held
        finally:
            gc.set_threshold(*was)
    assert gc.isenabled(), "the collector left off after the desk closed"


async def test_a_cursor_move_s_painted_frame_runs_the_due_collection(store_copy: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    served: list[int] = []
    real = collecting.COLLECTING.served

    def noted() -> None:
        real()
        served.append(1)

    monkeypatch.setattr(collecting.COLLECTING, "served", noted)
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        served.clear()
        await pilot.press("down")
        await wait_for(lambda: bool(served))


async def test_a_key_waits_until_the_frame_that_draws_its_cursor_line(store_copy: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The workers' pause for a key (and the due collection) ends right after the frame that drew the cursor's new
    line, not before it: called right after the detail's handling, they ran before that frame, in the key's wait
    (12-34 ms collections between the detail and the frame while the desk followed a writer)."""
    from triagedesk.tui.widgets.queue_view import QueueView

    order: list[tuple[str, int]] = []
    draw, real = QueueView.render_line, collecting.COLLECTING.served

    def drawn(view: QueueView, y: int) -> Any:
        if y and y - 1 + int(view.scroll_offset.y) == view.cursor:
            order.append(("cursor line", view.cursor))
        return draw(view, y)

    def served() -> None:
        order.append(("served", -1))
        real()

    monkeypatch.setattr(QueueView, "render_line", drawn)
    monkeypatch.setattr(collecting.COLLECTING, "served", served)
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        for _ in range(3):
            order.clear()
            await pilot.press("down")
            await wait_for(lambda: ("served", -1) in order)
            cursor = app.screen.query_one(QueueView).cursor
            assert ("cursor line", cursor) in order
            assert order.index(("cursor line", cursor)) < order.index(("served", -1)), order


async def test_a_warm_desk_collects_small_young_generations(store_copy: Path) -> None:
    """Once loaded and warm the desk collects once 1,000 objects are counted (`memory.SETTLED_LIMITS`), not at the
    loading threshold; a full load of the queue goes back to the loading threshold until it is warm again."""
    app = make_app(store_copy)
    was = gc.get_threshold()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        try:
            gc.set_threshold(50_000, *was[1:])
            held = [[n] for n in range(3_000)]  # under the loading threshold, over the settled one
            await wait_for(lambda: gc.get_count()[0] < 1_000)
            del held
        finally:
            gc.set_threshold(*was)
