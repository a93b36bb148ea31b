"""The queue: a virtual list (Line API) that renders only the visible rows of 100k+ issues."""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.timer import Timer
from textual.widget import Widget

from triagedesk.app.queue import QueueData
from triagedesk.display import one_line
from triagedesk.tui.widgets.queue_columns import COLUMNS, cell_styles, format_minutes, row_cells, visible_columns
from triagedesk.tui.widgets.spinner import Spinner

__all__ = ["COLUMNS", "QueueView", "format_minutes", "visible_columns"]


class QueueView(ScrollView, can_focus=True):
    """Rows straight from `QueueData` column lists through an `order` of row indices."""

    BINDINGS = [
        Binding("space", "toggle_mark", "Mark", show=False),
        Binding("shift+up", "mark_move(-1)", "Mark up", show=False),
        Binding("shift+down", "mark_move(1)", "Mark down", show=False),
        Binding("asterisk", "mark_all", "Mark all shown", show=False),
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home,g", "jump(0)", "First", show=False),
        Binding("end,G", "jump(-1)", "Last", show=False),
    ]

    COMPONENT_CLASSES = {"queue--cursor"}

    DEFAULT_CSS = """
    QueueView { height: 1fr; overflow-x: hidden; }
    QueueView > .queue--cursor {
        background: $block-cursor-background; color: $block-cursor-foreground; text-style: bold;
    }
    QueueView:blur > .queue--cursor { background: $block-cursor-blurred-background; text-style: none; }
    """

    cursor = reactive(0, always_update=False, repaint=False)
    empty_text = reactive("No open issue.")  # the line shown without rows (set anew: repainted)

    @dataclass
    class Highlighted(Message):
        """The cursor moved to another issue (or to none)."""
        issue_id: str | None

    @dataclass
    class SortAsked(Message):
        """The user clicked a column's name: sort by it (again: reversed)."""
        column: str

    @dataclass
    class MarksChanged(Message):
        """The set of marked issues changed."""
        count: int

    HOLD = 0.03
    """At most this many seconds a moved cursor waits for what its highlight fills (see `holds_highlight`)."""

    def __init__(self, *, now_epoch: Callable[[], float] = time.time, holds_highlight: bool = False,
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self.holds_highlight = holds_highlight
        """Whether a move that highlights another issue repaints its rows only once the listener calls
        `show_highlight()` (or `HOLD` passes): the cursor then paints in the frame that shows what the highlight
        filled. Textual paints at most one frame per 1/60 s and after a paint waits up to two of those: a cursor
        painted alone put the side panes it fills 17-33 ms behind it."""
        self._held: set[int] = set()
        self._cursor_unpainted = False  # a move shown (`show_highlight`) whose cursor line no frame drew yet
        self._after_paint: Callable[[], None] | None = None
        self._hold_timer: Timer | None = None
        self.data = QueueData()
        self.rows: Sequence[int] = range(0)
        self.now_epoch = now_epoch
        self._lines: LRUCache[tuple[int, bool, int, int, bool], Strip] = LRUCache(1024)
        self._painted: dict[int, tuple[str, bool, int, int, bool] | None] = {}
        """What each line was last drawn showing (`_shown`): a patch repaints only the lines that differ."""
        self._styles: dict[str, Style] = {}
        self._background = Style()
        self._last_posted: str | None = "\x00"
        self.marked: set[str] = set()
        """Issue ids marked for a bulk action (kept across filters; dropped when the issue leaves the queue)."""
        self.markable = True
        """Whether Space marks rows (the expert's Space pauses a session instead)."""
        self.sort_column: tuple[str, bool] = ("urgency", False)
        self.spinner = Spinner(self, 1)  # turns before `empty_text` while a load is under way (`start` it)
        self.waiting = False  # the line tells of the first load (`waiting_for`)
        self.id_width = 12
        self._id_count = 0

    # -- data ------------------------------------------------------------------------------
    def show(self, data: QueueData, rows: Sequence[int], keep: str | None = None,
             empty_text: str | None = None, changed: Collection[str] | None = None) -> None:
        """Show `rows` of `data`; the cursor stays on issue `keep` when it is still there (else goes to the top).
        `changed` (a patch of the same data: the issues whose rows it changed) repaints only the lines that now
        show another issue, another cursor or mark, or one of those issues; else the whole view is repainted."""
        if empty_text is not None and not self.waiting:
            self.empty_text = empty_text
        if self.marked and data is not self.data:
            still = self.marked & data.issues.keys()
            if still != self.marked:
                self.marked = still
                self.post_message(self.MarksChanged(len(still)))
        if data is not self.data or len(data.ids) != self._id_count:
            self._id_count = len(data.ids)
            self.id_width = 2 + max(map(len, data.ids), default=10)  # the mark, the longest id, a space
        partly = changed is not None and data is self.data and bool(rows) and bool(self.rows)
        self.data = data
        self.rows = rows
        self._lines.clear()
        top = int(self.scroll_offset.y)
        self._size_rows()
        target = 0
        if keep is not None:
            position = data.position(keep)
            if position is not None:
                try:
                    target = list(rows).index(position) if not isinstance(rows, range) else rows.index(position)
                except ValueError:
                    target = 0
        self.cursor = min(target, max(len(rows) - 1, 0))
        self._scroll_to_cursor()
        if partly and changed is not None and int(self.scroll_offset.y) == top:
            self._refresh_changed(set(changed))
        else:
            self.refresh()
        self._post_highlight()

    def _size_rows(self) -> None:
        """The virtual height for the rows shown: without a layout while the scrollbar stays (a layout reflows and
        repaints the whole screen, ~10 ms at 160x48; a patch or a filter keystroke changes only the bar's range)."""
        size = Size(self.size.width, len(self.rows) + 1)
        if size == self.virtual_size:
            return
        height = self.size.height
        if (self.show_vertical_scrollbar and size.width == self.virtual_size.width and size.height > height
                and self.virtual_size.height > height):
            self.set_reactive(Widget.virtual_size, size)
            self.vertical_scrollbar.window_virtual_size = size.height
            if self.scroll_y > self.max_scroll_y:
                self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True)
        else:
            self.virtual_size = size

    def _shown(self, y: int) -> tuple[str, bool, int, int, bool] | None:
        """What line `y` (1 and on) draws now: its issue, cursor, width, minute and mark; None for a blank line."""
        row = y - 1 + int(self.scroll_offset.y)
        if row >= len(self.rows):
            return None
        issue_id = self.data.ids[self.rows[row]]
        return (issue_id, row == self.cursor, self.row_width, int(self.now_epoch() // 60),
                bool(self.marked) and issue_id in self.marked)

    def _refresh_changed(self, changed: set[str]) -> None:
        """Repaint the lines whose drawing is stale: another issue, cursor, width, minute or mark than painted,
        or an issue in `changed`."""
        for y in range(1, self.size.height):
            shown = self._shown(y)
            if shown != self._painted.get(y, ()) or (shown is not None and shown[0] in changed):
                self.refresh_lines(y + int(self.scroll_offset.y))  # it counts the virtual height's lines

    def current_issue(self) -> str | None:
        return self.data.ids[self.rows[self.cursor]] if self.rows else None

    def waiting_for(self, text: str) -> None:
        """`text` in the line after a turning spinner until a load fills the queue or says it failed (`waiting`:
        a filter's own line meanwhile does not replace it: a key's filter during the load said "No open issue.")."""
        self.empty_text, self.waiting = text, True
        self.spinner.start()

    def watch_empty_text(self) -> None:  # a new text: the wait the spinner turned for is over
        self.spinner.stop()

    def restyle(self, variables: dict[str, str]) -> None:
        """Colours from the active theme's variables."""
        self._background, self._styles = cell_styles(variables)
        self._lines.clear()
        self.refresh()

    # -- rendering -------------------------------------------------------------------------
    @property
    def row_width(self) -> int:
        """The cells a row has: the view's width less its scrollbar's."""
        return self.scrollable_content_region.width

    def render_line(self, y: int) -> Strip:
        width = self.row_width
        if y == 0:
            return self._header(width)
        row = y - 1 + int(self.scroll_offset.y)
        if not self.rows and y == 1:
            notice = one_line(self.spinner.mark() + self.empty_text, width)
            return Strip([Segment(notice, self._styles.get("dim", Style()))]).crop_extend(0, width, self._background)
        if row >= len(self.rows):
            self._painted[y] = None
            return Strip.blank(width, self._background)
        minute = int(self.now_epoch() // 60)
        is_cursor = row == self.cursor
        if is_cursor and self._cursor_unpainted:
            self._cursor_unpainted = False
            if self._after_paint is not None:  # run once this frame is painted
                self.call_after_refresh(self._after_paint)
                self._after_paint = None
        index = self.rows[row]
        marked = bool(self.marked) and self.data.ids[index] in self.marked
        self._painted[y] = (self.data.ids[index], is_cursor, width, minute, marked)
        key = (row, is_cursor, width, minute, marked)
        cached = self._lines.get(key)
        if cached is not None:
            return cached
        strip = self._render_row(index, width, is_cursor, marked)
        self._lines[key] = strip
        return strip

    def _header(self, width: int) -> Strip:
        """The column names: line 0 of the viewport, whatever the scroll position (a sticky header)."""
        column, reverse = self.sort_column
        arrow = "▼" if reverse else "▲"
        names = [(name, w) for name, w in visible_columns(width, self.id_width)] + [("title", 5)]
        text = "".join((name + (arrow if name == column else "")).ljust(w) for name, w in names)
        style = self._styles.get("dim", Style()) + Style(bold=True)
        return Strip([Segment(text, style)]).crop_extend(0, width, self._background)

    def _render_row(self, index: int, width: int, is_cursor: bool, marked: bool = False) -> Strip:
        styles = self._styles or {}
        cells = row_cells(self.data, index, width, self.id_width, self.now_epoch(), marked)
        segments = []
        base = self.get_component_rich_style("queue--cursor") if is_cursor else None
        for text, style_name in cells:
            style = styles.get(style_name)
            if base is not None:
                style = base if style is None else style + base
            segments.append(Segment(text + " ", style))
        strip = Strip(segments)
        return strip.crop_extend(0, width, base if base is not None else self._background)

    # -- marks -----------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("toggle_mark", "mark_move", "mark_all"):
            return self.markable
        return True

    def _marks_changed(self) -> None:
        self._lines.clear()
        self.refresh()
        self.post_message(self.MarksChanged(len(self.marked)))

    def action_toggle_mark(self) -> None:
        issue = self.current_issue()
        if issue is None:
            return
        self.marked.symmetric_difference_update({issue})
        self._marks_changed()

    def action_mark_move(self, delta: int) -> None:
        """Shift+arrow: mark the row under the cursor and the one it moves to."""
        issue = self.current_issue()
        if issue is None:
            return
        self.marked.add(issue)
        self._move_to(self.cursor + delta)
        following = self.current_issue()
        if following is not None:
            self.marked.add(following)
        self._marks_changed()

    def action_mark_all(self) -> None:
        """Mark every row shown; when they all are marked already, unmark them."""
        shown = {self.data.ids[i] for i in self.rows}
        if shown and shown <= self.marked:
            self.marked -= shown
        else:
            self.marked |= shown
        self._marks_changed()

    def clear_marks(self) -> None:
        self.set_marks(set())

    def set_marks(self, issue_ids: set[str]) -> None:
        if issue_ids != self.marked:
            self.marked = set(issue_ids)
            self._marks_changed()

    def marked_in_order(self) -> list[str]:
        """The marked issues in the order shown (marked rows filtered out of view come last)."""
        shown = [self.data.ids[i] for i in self.rows if self.data.ids[i] in self.marked]
        rest = sorted(self.marked.difference(shown))
        return shown + rest

    # -- keys ------------------------------------------------------------------------------
    def action_cursor(self, delta: int) -> None:
        self._move_to(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        self._move_to(self.cursor + direction * max(self.size.height - 2, 1))

    def action_jump(self, where: int) -> None:
        self._move_to(len(self.rows) - 1 if where < 0 else 0)

    def _move_to(self, row: int) -> None:
        if not self.rows:
            return
        row = max(0, min(row, len(self.rows) - 1))
        if row == self.cursor:
            return
        self._held |= {self.cursor, row}
        self.cursor = row
        if self._post_highlight() and self.holds_highlight:
            if self._hold_timer is None:
                self._hold_timer = self.set_timer(self.HOLD, self.show_highlight)
            return
        self.show_highlight()

    @property
    def holding(self) -> bool:
        """Whether a moved cursor waits to be painted (see `holds_highlight`)."""
        return self._hold_timer is not None

    def show_highlight(self, then: Callable[[], None] | None = None) -> None:
        """Scroll to the cursor and repaint the rows it left and reached (held until now: `holds_highlight`);
        `then()` right after the frame that paints them (`after_cursor_painted`)."""
        if self._hold_timer is not None:
            self._hold_timer.stop()
            self._hold_timer = None
        if self._held:  # else no move since: a view scrolled by the wheel stays where the user put it
            top = int(self.scroll_offset.y)
            self._scroll_to_cursor()
            if int(self.scroll_offset.y) == top:  # else the scroll repaints the whole view
                for row in self._held:
                    self.refresh_lines(row + 1)  # the virtual height's line (not the view's: issue #24's 2 s key)
            self._held.clear()
            self._cursor_unpainted = True
        if then is not None:
            self.after_cursor_painted(then)

    def after_cursor_painted(self, callback: Callable[[], None]) -> None:
        """`callback()` right after the frame that draws the cursor's line (a move not painted yet), else after
        the coming refresh (`call_after_refresh` alone ran before that frame: the screen heard of it later)."""
        if not self._cursor_unpainted:
            self.call_after_refresh(callback)
        else:
            self._after_paint = callback

    def _scroll_to_cursor(self) -> None:
        height = max(self.size.height - 1, 1)
        top = int(self.scroll_offset.y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True)

    def _post_highlight(self) -> bool:
        """Tell the listener the cursor is on another issue (True), or nothing when it is on the same one."""
        issue = self.current_issue()
        if issue == self._last_posted:
            return False
        self._last_posted = issue
        self.post_message(self.Highlighted(issue))
        return True

    def on_click(self, event: events.Click) -> None:
        if event.y == 0:
            x = 0
            for name, w in visible_columns(self.row_width, self.id_width):
                if x <= event.x < x + w:
                    self.post_message(self.SortAsked(name))
                    return
                x += w
            self.post_message(self.SortAsked("title"))
            return
        if event.y >= 1:
            self._move_to(int(self.scroll_offset.y) + event.y - 1)

    def on_focus(self) -> None:
        self._lines.clear()  # the cursor row is drawn differently with and without focus
        self.refresh()

    on_blur = on_focus

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(event.size.width, len(self.rows) + 1)
        self._lines.clear()
        self._scroll_to_cursor()  # a shorter view keeps the row the keys act on in sight
