"""A patch of the queue repaints only the lines it changed, keeps the cursor on its issue, and lays nothing out;
what the lines then show equals what a full repaint draws."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.screen import Screen

from tests.support.pilot import make_app, screen_of, settle
from triagedesk.domain.models import Issue
from triagedesk.tui.giving_way import KEYS
from triagedesk.tui.screens.desk_screen import DeskScreen
from triagedesk.tui.widgets.queue_view import QueueView


def painted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The queue's lines drawn from now on (line 0 is the header)."""
    lines: list[int] = []
    draw = QueueView.render_line

    def counted(view: QueueView, y: int) -> Any:
        lines.append(y)
        return draw(view, y)

    monkeypatch.setattr(QueueView, "render_line", counted)
    return lines


def layouts(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Every frame from now on that lays the screen out again."""
    found: list[bool] = []
    frame = Screen._on_timer_update

    def noted(screen: Screen[Any]) -> None:
        if screen._layout_required:
            found.append(True)
        frame(screen)

    monkeypatch.setattr(Screen, "_on_timer_update", noted)
    return found


def texts(queue: QueueView) -> list[str]:
    """Every line as a full repaint draws it now (the line cache emptied first)."""
    queue._lines.clear()
    return [queue.render_line(y).text for y in range(1, queue.size.height)]


def on_screen(app: Any, queue: QueueView) -> list[str]:
    """What the screen shows in the queue's region now, line by line."""
    region = queue.scrollable_content_region
    strips = app.screen._compositor.render_strips()
    return [strips[region.y + y].crop(region.x, region.right).text for y in range(1, queue.size.height)]


async def test_a_changed_title_repaints_its_line_only(store_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app(store_copy)
    async with app.run_test(size=(160, 24)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        queue = screen.query_one(QueueView)
        assert len(queue.rows) > queue.size.height  # the scrollbar stays whatever the patch
        await pilot.press("down", "down")
        await settle(pilot)
        cursor_issue = queue.current_issue()
        target = queue.data.ids[queue.rows[5]]  # line 6, not the cursor's
        assert target != cursor_issue
        lines = painted(monkeypatch)
        relayouts = layouts(monkeypatch)
        app.desk.commands.edit("issues", target, {"title": "Renamed by a patch"}, "test")
        screen.post_message(DeskScreen.StoreChanged())  # as the watcher tells it (no toast, as a write has)
        await settle(pilot)
        await pilot.pause(0.05)
        assert queue.current_issue() == cursor_issue and queue.cursor == 2
        assert "Renamed by a patch" in queue.render_line(6).text
        assert sorted(set(lines)) == [6], lines  # the one line that changed
        assert not relayouts  # a layout would reflow and repaint the whole screen
        assert on_screen(app, queue) == texts(queue)


async def test_a_new_issue_above_keeps_the_cursor_on_its_issue(store_copy: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app(store_copy)
    async with app.run_test(size=(160, 24)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        queue = screen.query_one(QueueView)
        await pilot.press(*["down"] * 10)
        await settle(pilot)
        cursor_issue, shown, cursor = queue.current_issue(), len(queue.rows), queue.cursor
        assert cursor == 10
        lines = painted(monkeypatch)
        new = Issue(id="INC-TOP-1", profile="infrastructure", title="Everything is down", users_affected=5000,
                    total_users=5000, severity="critical")
        screen.write("added", lambda: app.desk.commands.add_issue(new, "test"))
        await settle(pilot)
        await pilot.pause(0.05)
        assert len(queue.rows) == shown + 1
        row = queue.rows.index(queue.data.ids.index("INC-TOP-1"))
        assert row <= cursor, "a critical outage sorts above the cursor's row"
        assert queue.current_issue() == cursor_issue and queue.cursor == cursor + 1  # pushed down with its issue
        assert lines and min(lines) == row + 1 and 0 not in lines  # from the new row's line down; no header
        assert on_screen(app, queue) == texts(queue)


async def test_a_key_is_pending_until_the_frame_showing_its_detail(store_copy: Path) -> None:
    """Workers wait while a key is pending (`GivingWay.letting_keys_pass`): from the key to the frame that paints
    the cursor with its detail, not for the whole PENDING_MOST."""
    app = make_app(store_copy)
    async with app.run_test(size=(160, 24)) as pilot:
        await settle(pilot)
        before = KEYS.last_served
        await pilot.press("down")
        await settle(pilot)
        assert KEYS.last_served > KEYS.last_key > before  # served after the key: not left pending
        assert not KEYS.key_pending()
