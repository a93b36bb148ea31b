"""The queue's full load, and the warm-up after it, wait until the UI thread's loop is idle (`UiIdle`): a round trip
through a busy loop is slow, one through an idle loop prompt; the desk's first load starts only once the screen's
start work is done; a large store's details come without candidates from the load on, not only once the warm-up
starts."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import triagedesk.app.desk as desk_module
from tests.support.pilot import make_app, settle
from triagedesk.app.stores import open_desk
from triagedesk.tui import loaders
from triagedesk.tui.screens import desk_screen
from triagedesk.tui.screens.desk_screen import DeskScreen
from triagedesk.tui.ui_idle import UiIdle


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    running = asyncio.new_event_loop()
    thread = threading.Thread(target=running.run_forever, daemon=True)
    thread.start()
    yield running
    running.call_soon_threadsafe(running.stop)
    thread.join(5)
    running.close()


def test_an_idle_loop_answers_at_once(loop: asyncio.AbstractEventLoop) -> None:
    idle = UiIdle(loop)
    took = idle.round_trip(1.0)
    assert took is not None and took < 0.5
    start = time.monotonic()
    assert idle.wait(0.02, 30.0)  # (a loaded machine may delay a few round trips past 2 ms: the limit is far off)
    assert time.monotonic() - start >= 0.02


def test_a_busy_loop_is_waited_for(loop: asyncio.AbstractEventLoop) -> None:
    idle, busy_until = UiIdle(loop), []
    started = threading.Event()

    def busy() -> None:  # a layout or a handler holding the loop for 0.3 s
        started.set()
        time.sleep(0.3)
        busy_until.append(time.monotonic())

    loop.call_soon_threadsafe(busy)
    assert started.wait(5)
    assert idle.wait(0.02, 5.0)
    assert busy_until and time.monotonic() >= busy_until[0] + 0.02  # not before the loop was free, and quiet


def test_a_loop_busy_past_the_limit_gives_up_in_time(loop: asyncio.AbstractEventLoop) -> None:
    idle, started, release = UiIdle(loop), threading.Event(), threading.Event()

    def held() -> None:
        started.set()
        release.wait(5)

    loop.call_soon_threadsafe(held)
    assert started.wait(5)
    start = time.monotonic()
    assert not idle.wait(0.02, 0.2)
    assert 0.2 <= time.monotonic() - start < 1.5
    release.set()


def test_a_closed_loop_is_not_waited_for() -> None:
    closed = asyncio.new_event_loop()
    closed.close()
    start = time.monotonic()
    assert not UiIdle(closed).wait(0.02, 5.0)
    assert time.monotonic() - start < 1.0
    assert UiIdle(closed).round_trip(3.0) is None


async def test_the_first_load_starts_once_the_screens_start_work_is_done(store_copy: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A handler busy on the UI thread right after the screen mounts (as its layout at its size is): the queue's
    load starts after it, not beside it."""
    events: list[tuple[str, float]] = []
    load = loaders.queue

    def timed_load(*args: Any, **kwargs: Any) -> Any:
        events.append(("load", time.monotonic()))
        return load(*args, **kwargs)

    mounted = DeskScreen.on_mount

    def busy_mount(screen: DeskScreen) -> None:
        mounted(screen)

        def busy() -> None:
            time.sleep(0.25)  # (sleeping frees the GIL: only the loop is held, as by a long layout)
            events.append(("free", time.monotonic()))

        screen.call_later(busy)

    monkeypatch.setattr(loaders, "queue", timed_load)
    monkeypatch.setattr(DeskScreen, "on_mount", busy_mount)
    # the wait's own limit well past the busy handler: at 0.3 s it ran out 20-30 ms after the handler ended (the
    # wait never saw the loop idle), and under load the load started before it was free
    monkeypatch.setattr(desk_screen, "LOAD_AFTER_IDLE", (desk_screen.LOAD_AFTER_IDLE[0], 10.0))
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = app.screen_stack[-1]
        assert isinstance(screen, DeskScreen) and len(screen.data.ids) > 0
    loads, free = [t for e, t in events if e == "load"], [t for e, t in events if e == "free"]
    assert loads and free
    assert loads[0] >= free[0] + desk_screen.LOAD_AFTER_IDLE[0]


async def test_a_large_stores_first_detail_does_not_build_the_warm_ups_indexes(store_copy: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The warm-up waits for the UI to be idle after the queue shows; a large store's detail found meanwhile comes
    without candidates (at 1M its own lookups built them: 10 s), and whole once the warm-up is done."""
    monkeypatch.setattr(desk_module, "LARGE", 0)
    release, waits = threading.Event(), []
    idle_wait = UiIdle.wait

    def held_before_the_warm(self: UiIdle, quiet: float, most: float) -> bool:
        waits.append(quiet)
        if len(waits) == 2:  # the wait between the queue shown and the warm-up
            release.wait(30)
        return idle_wait(self, quiet, most)

    monkeypatch.setattr(UiIdle, "wait", held_before_the_warm)
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = app.screen_stack[-1]
        for _ in range(500):
            screen = app.screen_stack[-1]
            if isinstance(screen, DeskScreen) and screen.detail is not None:
                break
            await pilot.pause(0.01)
        assert isinstance(screen, DeskScreen) and screen.detail is not None
        assert screen.detail.partial and screen.detail.match is None
        assert not app.desk.detail_ready.is_set()
        release.set()
        await settle(pilot)
        assert screen.detail is not None and not screen.detail.partial and screen.detail.match is not None


def test_a_load_that_fails_before_the_warm_up_leaves_details_whole(store_copy: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(desk_module, "LARGE", 0)
    desk = open_desk(store_copy)
    try:
        def broken(_data: Any) -> None:
            assert not desk.detail_ready.is_set()  # from the load on, details do not build the warm-up's indexes
            raise RuntimeError("sorting failed")

        with pytest.raises(RuntimeError):
            loaders.load(desk, desk.clock(), broken, lambda _: None, lambda: None)
        assert desk.detail_ready.is_set()  # no warm-up will come: details are found whole again
    finally:
        desk.close()


async def test_the_queue_says_it_is_loading_in_a_line_without_an_overlay(store_copy: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """While the store loads the queue shows one dim line, keeps the focus and has no `loading` overlay: at 1M the
    overlay's removal laid the whole screen out again just as the queue came, and the first key waited for it."""
    from textual.widgets import LoadingIndicator

    from triagedesk.tui.widgets.queue_view import QueueView

    release, entered = threading.Event(), threading.Event()
    load = loaders.queue

    def held_load(*args: Any, **kwargs: Any) -> Any:
        entered.set()
        release.wait(30)
        return load(*args, **kwargs)

    monkeypatch.setattr(loaders, "queue", held_load)
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        for _ in range(500):
            if entered.is_set():
                break
            await pilot.pause(0.01)
        assert entered.is_set()
        await pilot.pause()
        screen = app.screen_stack[-1]
        assert isinstance(screen, DeskScreen)
        queue = screen.query_one(QueueView)
        assert not queue.loading and not list(app.query(LoadingIndicator))
        assert app.focused is queue
        first = queue.render_line(1).text.strip()
        assert queue.spinner.turning and first[0] in queue.spinner.FRAMES and first[2:] == "Loading the store…"
        seen: list[int] = []  # the spinner's frames repaint its line while the load waits
        draw = queue.render_line

        def drawn(y: int) -> Any:
            seen.append(y)
            return draw(y)

        monkeypatch.setattr(queue, "render_line", drawn)
        for _ in range(500):
            if seen.count(1) >= 3:
                break
            await pilot.pause(0.01)
        assert seen.count(1) >= 3
        release.set()
        await settle(pilot)
        assert not queue.spinner.turning
        assert len(screen.data.ids) > 0 and app.focused is queue
        first = queue.render_line(1).text
        assert "Loading" not in first and screen.data.ids[queue.rows[0]] in first


async def test_a_queue_that_could_not_load_says_so_and_a_later_load_fills_it(store_copy: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from triagedesk.tui.widgets.queue_view import QueueView

    load, calls = loaders.queue, []

    def failing_once(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise OSError("the disk went away")
        return load(*args, **kwargs)

    monkeypatch.setattr(loaders, "queue", failing_once)
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = app.screen_stack[-1]
        assert isinstance(screen, DeskScreen)
        queue = screen.query_one(QueueView)
        for _ in range(500):
            if "could not" in queue.render_line(1).text:
                break
            await pilot.pause(0.01)
        assert queue.render_line(1).text.strip() == "The queue could not be loaded: the disk went away"
        assert not queue.spinner.turning
        assert any("the disk went away" in n.message for n in app._notifications)
        screen.load_queue()  # as a change to the store asks again
        await settle(pilot)
        assert len(screen.data.ids) > 0
        assert screen.data.ids[queue.rows[0]] in queue.render_line(1).text
