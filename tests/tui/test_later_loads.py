"""Full loads after the first (a patch too large, a storm of them): a large store's details stay whole once the
warm-up built what they need, and a load a newer one replaced stops instead of loading and showing its queue."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

import triagedesk.app.desk as desk_module
from tests.support.pilot import make_app, screen_of, settle
from triagedesk.tui import loaders
from triagedesk.tui.ui_idle import UiIdle


async def _until(pilot, condition, what: str) -> None:
    for _ in range(1000):
        if condition():
            return
        await pilot.pause(0.01)
    raise AssertionError(f"timed out waiting for {what}")


async def test_a_later_full_load_leaves_a_warm_large_stores_details_whole(store_copy: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Once warm, a full load (many changes at once) does not make every cursor move's detail come without
    candidates while it loads: the indexes they need are built already."""
    monkeypatch.setattr(desk_module, "LARGE", 0)
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        assert screen.detail is not None and not screen.detail.partial  # warm: whole
        waiting, release = threading.Event(), threading.Event()
        idle_wait = UiIdle.wait

        def held(self: UiIdle, quiet: float, most: float) -> bool:
            waiting.set()
            release.wait(30)
            return idle_wait(self, quiet, most)

        monkeypatch.setattr(UiIdle, "wait", held)
        try:
            screen.load_queue()  # as a patch too large for its changes asks
            await _until(pilot, waiting.is_set, "the load's idle wait")
            assert app.desk.detail_ready.is_set()
            first = screen.current
            await pilot.press("down")
            await _until(pilot, lambda: screen.current != first and screen.detail is not None
                         and screen.detail.issue.id == screen.current, "the next issue's detail")
            assert not screen.detail.partial and screen.detail.match is not None
        finally:
            release.set()
        await settle(pilot)
        assert app.desk.detail_ready.is_set()


async def test_a_load_replaced_while_it_waits_for_the_ui_does_not_load(store_copy: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Store changes before the first queue shows each start a full load that replaces the last (`reload`): one
    replaced while it waits for the UI to be idle stops there, not a whole load (at 1M, seconds) beside the newer."""
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        loads: list[object] = []
        queue = loaders.queue

        def counted(*args: Any, **kwargs: Any) -> Any:
            loads.append(args)
            return queue(*args, **kwargs)

        monkeypatch.setattr(loaders, "queue", counted)
        waiting, release, calls = threading.Event(), threading.Event(), []
        idle_wait = UiIdle.wait

        def first_held(self: UiIdle, quiet: float, most: float) -> bool:
            calls.append(quiet)
            if len(calls) == 1:
                waiting.set()
                release.wait(30)
            return idle_wait(self, quiet, most)

        monkeypatch.setattr(UiIdle, "wait", first_held)
        try:
            screen.load_queue()
            await _until(pilot, waiting.is_set, "the first load's idle wait")
            screen.load_queue()  # a store change: the newer load replaces it
            await _until(pilot, lambda: len(loads) == 1, "the newer load")
        finally:
            release.set()
        await settle(pilot)
        assert len(loads) == 1
        assert len(screen.data.ids) > 0 and app.desk.detail_ready.is_set()


async def test_a_load_replaced_after_it_showed_its_queue_leaves_the_warm_up_to_the_newer(
        store_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Replaced (or the desk quitting) while it waits to warm up: it does not warm up beside the newer load (at 1M,
    seconds; a quit waited for it)."""
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        warms: list[object] = []
        warm = loaders.warm

        def counted(*args: Any, **kwargs: Any) -> None:
            warms.append(args)
            warm(*args, **kwargs)

        monkeypatch.setattr(loaders, "warm", counted)
        waiting, release, calls = threading.Event(), threading.Event(), []
        idle_wait = UiIdle.wait

        def second_held(self: UiIdle, quiet: float, most: float) -> bool:
            calls.append(quiet)
            if len(calls) == 2:  # the first load's wait between its queue shown and its warm-up
                waiting.set()
                release.wait(30)
            return idle_wait(self, quiet, most)

        monkeypatch.setattr(UiIdle, "wait", second_held)
        try:
            screen.load_queue()
            await _until(pilot, waiting.is_set, "the first load's wait before its warm-up")
            screen.load_queue()  # a patch too large: the newer load replaces it
            await _until(pilot, lambda: len(warms) == 1, "the newer load's warm-up")
        finally:
            release.set()
        await settle(pilot)
        assert len(warms) == 1
        assert len(screen.data.ids) > 0 and app.desk.detail_ready.is_set()
