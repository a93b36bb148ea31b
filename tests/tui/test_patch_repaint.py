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
    """Every frame from now on: whether the screen was laid out again (not only scrolled) on the way to it."""
    found: list[bool] = []
    frame, lay_out = Screen._on_timer_update, Screen._refresh_layout

    def noted(screen: Screen[Any]) -> None:
        found.append(False)
        frame(screen)

    def laid_out(screen: Screen[Any], size: Any = None, scroll: bool = False) -> None:
        if screen._layout_required or not scroll:
            found.append(True)
        lay_out(screen, size, scroll)

    monkeypatch.setattr(Screen, "_on_timer_update", noted)
    monkeypatch.setattr(Screen, "_refresh_layout", laid_out)
    return found


async def drawn(pilot: Any, frames: list[bool]) -> None:
    """Wait for a frame after now with nothing left to draw: no widget nor the screen asking a layout or a repaint."""
    seen, screen = len(frames), pilot.app.screen
    for _ in range(500):
        await pilot.pause()
        asked = any(w._layout_required or w._repaint_required for w in screen.walk_children())
        if len(frames) > seen and screen._message_queue.empty() and not (
                asked or screen._layout_required or screen._repaint_required or screen._dirty_widgets):
            return
    raise AssertionError("the screen never drew what was asked of it")


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
        await drawn(pilot, relayouts)
        assert queue.current_issue() == cursor_issue and queue.cursor == 2
        assert "Renamed by a patch" in queue.render_line(6).text
        assert sorted(set(lines)) == [6], lines  # the one line that changed
        assert not any(relayouts)  # a layout would reflow and repaint the whole screen
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


async def test_timers_read_again_lay_out_only_when_their_line_count_changes(store_copy: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Every change another desk makes reads the Timers again: the same number of clocks repaints the pane's lines
    only (a layout repaints the whole screen, at every change while following a writer; CI found one in the
    window of the patch test above); one clock more grows the pane."""
    from triagedesk.tui.widgets.sla_timer import TimerSpec
    from triagedesk.tui.widgets.timers_pane import TimersPane

    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        pane = screen_of(app).query_one(TimersPane)
        count = len(pane.clocks)
        assert count >= 1, "the demo shows clocks"
        specs = [TimerSpec(f"k{n}", f"INC-{n}", "due", lambda now: (600.0, "ok")) for n in range(count)]
        relayouts = layouts(monkeypatch)
        pane.show(specs, "the same count")
        await drawn(pilot, relayouts)
        assert not any(relayouts) and len(pane.clocks) == count
        height = pane.query_one("#clocks").size.height
        pane.show([*specs, TimerSpec("k", "INC-NEW", "due", lambda now: (600.0, "ok"))], "one more")
        await drawn(pilot, relayouts)
        assert any(relayouts) and pane.query_one("#clocks").size.height == height + 1
        assert "INC-NEW" in pane.text().plain
