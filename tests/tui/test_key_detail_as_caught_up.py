"""While the desk follows the store, a key's detail reads the store as last caught up on (`Desk.as_caught_up`: no
catch-up on another process's writes inside the key's wait), a change's reload reads anew, and a write made
elsewhere just before the key still reaches the detail shown (the watcher's round catches up on it and has the
cursor's detail found again)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from textual import work

from tests.support.pilot import NOW, make_app, screen_of, settle
from triagedesk.app.desk import Desk
from triagedesk.store.database import open_store
from triagedesk.tui.screens.desk_screen import DeskScreen
from triagedesk.tui.widgets.queue_view import QueueView


async def wait_for(condition, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    assert condition(), "not within the time allowed"


def held_reads(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """For each detail found from now on: whether its reads were held at the store's last catch-up."""
    found: list[bool] = []
    real = DeskScreen._detail_worker.__wrapped__  # type: ignore[attr-defined]

    def noted(screen: DeskScreen, issue_id: str, geometry, colours, as_caught_up: bool) -> None:
        found.append(as_caught_up)
        real(screen, issue_id, geometry, colours, as_caught_up)

    monkeypatch.setattr(DeskScreen, "_detail_worker",
                        work(thread=True, exclusive=True, group="detail", exit_on_error=False)(noted))
    return found


async def test_a_key_s_detail_is_held_and_a_change_s_reload_is_not(store_copy: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    found = held_reads(monkeypatch)
    app = make_app(store_copy, watch=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        found.clear()
        await pilot.press("down")
        await settle(pilot)
        assert found and found[-1] is True
        screen_of(app).post_message(DeskScreen.StoreChanged())
        await settle(pilot)
        assert found[-1] is False


async def test_a_desk_not_following_reads_anew_for_a_key(store_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    found = held_reads(monkeypatch)
    app = make_app(store_copy, watch=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        found.clear()
        await pilot.press("down")
        await settle(pilot)
        assert found == [False], "nothing would catch up for it: it must read anew"


async def test_a_write_elsewhere_just_before_the_key_reaches_the_detail_shown(store_copy: Path) -> None:
    app = make_app(store_copy, watch=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        queue = screen.query_one(QueueView)
        target = queue.data.ids[queue.rows[queue.cursor + 1]]
        other = Desk(open_store(store_copy), clock=lambda: NOW)  # another process's store over the same files
        try:
            other.commands.edit("issues", target, {"title": "Renamed elsewhere"}, "test")
        finally:
            other.close()
        await pilot.press("down")
        assert queue.current_issue() == target
        await wait_for(lambda: screen.detail is not None and screen.detail.issue.id == target
                       and screen.detail.issue.title == "Renamed elsewhere")
