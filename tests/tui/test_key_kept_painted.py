"""A key's move is painted and kept however the queue stands: scrolled down, or with a patch landing right after
it (issue #24: a Down key not painted for 2 s while the desk followed a writer)."""

from __future__ import annotations

from pathlib import Path

from tests.support.pilot import make_app, screen_of, settle
from triagedesk.app.queue import order
from triagedesk.tui import loaders
from triagedesk.tui.screens.desk_screen import DeskScreen
from triagedesk.tui.widgets.queue_view import QueueView


def on_screen(app: object, queue: QueueView) -> list[str]:
    """What the screen shows in the queue's region now, line by line (lines not repainted show what they did)."""
    region = queue.scrollable_content_region
    strips = app.screen._compositor.render_strips()  # type: ignore[attr-defined]
    return [strips[region.y + y].crop(region.x, region.right).text for y in range(1, queue.size.height)]


def drawn_now(queue: QueueView) -> list[str]:
    """Every line as a full repaint draws it now (its text: the cursor is told apart by its style only)."""
    queue._lines.clear()
    return [queue.render_line(y).text for y in range(1, queue.size.height)]


async def test_a_move_in_a_scrolled_down_queue_repaints_its_rows(store_copy: Path) -> None:
    """Up in a view scrolled down moves the cursor within sight (no scroll, so only its two rows are repainted):
    those rows were asked of `ScrollView.refresh_lines` as lines of the view, which counts lines of the whole
    virtual height, so lines out of sight were repainted and the screen kept the cursor where it was."""
    app = make_app(store_copy)
    async with app.run_test(size=(160, 24)) as pilot:
        await settle(pilot)
        queue = screen_of(app).query_one(QueueView)
        last = len(queue.rows) - 1
        assert last > queue.size.height + 3
        await pilot.press(*["down"] * last)
        await settle(pilot)
        top = int(queue.scroll_offset.y)
        assert top > 0 and queue.cursor == last
        line = last - top + 1  # the cursor's line in the view
        assert queue._painted[line][1] and not queue._painted[line - 1][1]  # (issue, is the cursor's, ...)
        await pilot.press("up")
        await settle(pilot)
        assert int(queue.scroll_offset.y) == top and queue.cursor == last - 1 and not queue.holding
        assert queue._painted[line - 1][1] and not queue._painted[line][1]  # both lines drawn again
        assert on_screen(app, queue) == drawn_now(queue)


async def test_a_patch_landing_right_after_a_key_keeps_its_move(store_copy: Path) -> None:
    """The key's binding moves the cursor and posts `Highlighted` to the queue, which reaches the screen a few
    turns later; a patch already in the screen's queue kept the cursor on the screen's `current` (the issue before
    the key), so the key was undone and nothing repainted until the next one."""
    app = make_app(store_copy)
    async with app.run_test(size=(160, 24)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        queue = screen.query_one(QueueView)
        await pilot.press("down")
        await settle(pilot)
        before = queue.current_issue()
        assert before is not None and screen.current == before
        renamed = queue.data.ids[queue.rows[8]]
        app.desk.commands.edit("issues", renamed, {"title": "Renamed"}, "test")
        drained, patch = loaders.patch(app.desk, screen.data)
        assert drained and patch is not None
        queue.action_cursor(1)  # what Down's binding does: its Highlighted is on its way to the screen...
        screen.post_message(DeskScreen.QueuePatched(screen.data, patch))  # ...and this patch gets there first
        moved = queue.current_issue()
        assert moved not in (None, before)
        await settle(pilot)
        assert queue.current_issue() == moved and screen.current == moved and queue.cursor == 2
        assert any("Renamed" in line for line in on_screen(app, queue))
        assert on_screen(app, queue) == drawn_now(queue)


async def test_a_reload_landing_right_after_a_key_keeps_its_move(store_copy: Path) -> None:
    """The same for a whole load of the queue (too many changes for a patch) in the screen's queue first."""
    app = make_app(store_copy)
    async with app.run_test(size=(160, 24)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        queue = screen.query_one(QueueView)
        await pilot.press("down")
        await settle(pilot)
        before = queue.current_issue()
        assert before is not None and screen.current == before
        data = loaders.queue(app.desk, app.desk.clock())
        order(data, screen.spec, app.desk.clock().timestamp())
        queue.action_cursor(1)  # Down's binding: its Highlighted is on its way to the screen...
        screen.post_message(DeskScreen.QueueLoaded(data))  # ...and this load gets there first
        moved = queue.current_issue()
        assert moved not in (None, before)
        await settle(pilot)
        assert screen.data is data
        assert queue.current_issue() == moved and screen.current == moved and queue.cursor == 2


async def test_a_patch_in_a_scrolled_down_queue_repaints_the_rows_it_changed(store_copy: Path) -> None:
    """A patch repaints only the lines it changed; scrolled down, those were asked as lines of the view too."""
    app = make_app(store_copy)
    async with app.run_test(size=(160, 24)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        queue = screen.query_one(QueueView)
        last = len(queue.rows) - 1
        await pilot.press(*["down"] * last)
        await settle(pilot)
        top = int(queue.scroll_offset.y)
        assert top > 0
        renamed = queue.data.ids[queue.rows[top + 3]]  # in sight, not the cursor's
        app.desk.commands.edit("issues", renamed, {"title": "Renamed"}, "test")
        screen.post_message(DeskScreen.StoreChanged())  # as the watcher tells it
        await settle(pilot)
        assert int(queue.scroll_offset.y) == top and queue.cursor == last
        assert any(renamed in line and "Renamed" in line for line in on_screen(app, queue))
        assert on_screen(app, queue) == drawn_now(queue)
