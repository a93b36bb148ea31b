"""Review 8: the queue's loading line and its spinner while keys come during the first load, and after it."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input

from tests.support.pilot import make_app, settle
from triagedesk.tui import loaders
from triagedesk.tui.screens.desk_screen import DeskScreen
from triagedesk.tui.widgets.queue_view import QueueView


def _hold(monkeypatch: pytest.MonkeyPatch) -> tuple[threading.Event, threading.Event]:
    release, entered = threading.Event(), threading.Event()
    load = loaders.queue

    def held_load(*args: Any, **kwargs: Any) -> Any:
        entered.set()
        release.wait(30)
        return load(*args, **kwargs)

    monkeypatch.setattr(loaders, "queue", held_load)
    return release, entered


@pytest.mark.parametrize("keys", [["slash", "x", "escape"], ["slash", "x", "enter"], ["s"], ["o"], ["a"],
                                  ["escape"], ["r"]])
async def test_keys_during_the_load_keep_it_saying_loading_and_turning(store_copy: Path, keys: list[str],
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    release, entered = _hold(monkeypatch)
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        for _ in range(500):
            if entered.is_set():
                break
            await pilot.pause(0.01)
        assert entered.is_set()
        screen = app.screen_stack[-1]
        assert isinstance(screen, DeskScreen)
        queue = screen.query_one(QueueView)
        for key in keys:
            await pilot.press(key)
            await pilot.pause()
        while len(app.screen_stack) > 1 and not isinstance(app.screen_stack[-1], DeskScreen):
            await pilot.press("escape")
        await pilot.pause()
        assert queue.empty_text == "Loading the store…" and not queue.rows, keys  # (a tab may hide the queue)
        assert queue.size.width == 0 or "Loading the store…" in queue.render_line(1).text, keys
        assert queue.spinner.turning, keys
        release.set()
        await settle(pilot)
        assert not queue.spinner.turning
        assert "Loading" not in queue.empty_text


async def test_a_failed_loads_line_stays_through_a_filter_key(store_copy: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A key's filter after the first load failed does not say the queue is empty: it could not be read."""
    load, calls = loaders.queue, []

    def failing_once(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise OSError("the disk went away")
        return load(*args, **kwargs)

    monkeypatch.setattr(loaders, "queue", failing_once)
    app = make_app(store_copy)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen_stack[-1]
        assert isinstance(screen, DeskScreen)
        queue = screen.query_one(QueueView)
        for _ in range(500):
            if "could not" in queue.empty_text:
                break
            await pilot.pause(0.01)
        for key in ["slash", "z", "escape", "escape"]:
            await pilot.press(key)
            await pilot.pause()
        assert queue.empty_text == "The queue could not be loaded: the disk went away"
        assert not queue.spinner.turning
        screen.load_queue()  # as a change to the store asks again
        await settle(pilot)
        assert len(screen.data.ids) > 0 and queue.rows


def _every_key() -> list[str]:
    from triagedesk.tui.keys import KEYS

    names = [name for k in KEYS for name in k.key.split(",") if name not in {"q", "ctrl+q", "ctrl+c"}]
    return [*dict.fromkeys(names), "up", "down", "pageup", "pagedown", "home", "end", "G", "space", "shift+down",
            "asterisk", "tab", "shift+tab", "1", "2", "3", "4"]


@pytest.mark.parametrize(("role", "size"), [("coordinator", (160, 48)), ("expert", (80, 24)), ("lead", (80, 24))])
async def test_every_key_during_the_load_acts_on_no_row_and_the_line_tells_the_truth(
        store_copy: Path, role: str, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch) -> None:
    release, entered = _hold(monkeypatch)
    app = make_app(store_copy, role=role, expert_id="net-ola" if role == "expert" else None)
    async with app.run_test(size=size) as pilot:
        for _ in range(500):
            if entered.is_set():
                break
            await pilot.pause(0.01)
        assert entered.is_set()
        screen = app.screen_stack[-1]
        assert isinstance(screen, DeskScreen)
        queue = screen.query_one(QueueView)
        for key in _every_key():
            await pilot.press(key)
            await pilot.pause()
            for _ in range(4):
                if isinstance(app.screen_stack[-1], DeskScreen) and not isinstance(app.focused, Input):
                    break
                await pilot.press("escape")
                await pilot.pause()
            assert app.is_running, key
            assert queue.empty_text == "Loading the store…" and not queue.rows and queue.spinner.turning, key
            assert queue.current_issue() is None and not queue.marked, key
        errors = [n.message for n in app._notifications if n.severity == "error"
                  and not n.message.startswith(("nothing to undo", "nothing to redo"))]  # (the user's mistake)
        assert not errors
        release.set()
        await settle(pilot)
        assert not queue.spinner.turning and "Loading" not in queue.empty_text
        assert len(screen.data.ids) > 0
