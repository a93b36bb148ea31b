"""A side pane drawn from lines rendered once per content; it is laid out only when its scrollbar comes or goes."""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import RenderableType
from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget


@dataclass(frozen=True)
class Drawn:
    """Content rendered to lines for a pane of `size` whose last content did (or did not) overflow it."""

    content: RenderableType
    lines: list[Strip]
    size: Size
    overflowed: bool


class LinePane(ScrollView, can_focus=True):
    """Renders what it is given to lines at the width it has (less the scrollbar when they overflow), then draws
    those lines (the line API) and scrolls over them.

    Its virtual height is at least its own, so content that fits repaints the pane in place. Content of another
    length that overflows as the last did keeps the scrollbar: the pane's virtual size and the bar's range are
    set without a layout (a layout of one pane makes Textual reflow and repaint the whole screen, ~10 ms at
    160x48). Only content that starts or stops overflowing lays the pane out, since the scrollbar comes or goes."""

    DEFAULT_CSS = """
    LinePane { overflow-x: hidden; }
    """

    def __init__(self, placeholder: str = "", id: str | None = None) -> None:
        super().__init__(id=id)
        self._lines: list[Strip] = []
        self._put_size: Size | None = None
        self._styled: dict[tuple[int, int, Style], Strip] = {}
        self._source: RenderableType = Text(placeholder, style="dim")

    def on_resize(self) -> None:
        self._draw(self._source)  # rendered again for the new size

    def plain(self) -> str:
        """The text the pane shows, one line each."""
        return "\n".join(strip.text.rstrip() for strip in self._lines).rstrip("\n")

    @property
    def source(self) -> RenderableType:
        """What the pane shows, before it was rendered to lines (a rich renderable)."""
        return self._source

    def _draw(self, content: RenderableType) -> None:
        """Render `content` at the width it will have and show it (see the class's docstring for the layout)."""
        self.put(self.lines_of(content))

    def geometry(self) -> tuple[Size, bool]:
        """The pane's size and whether its content overflows it (on the UI thread: reading a widget's size may
        lay out the screen, which a thread must never do)."""
        return self.size, self.virtual_size.height > self.size.height

    def lines_of(self, content: RenderableType, geometry: tuple[Size, bool] | None = None) -> Drawn:
        """`content` rendered to lines for the pane's size (less the scrollbar's columns when they overflow).
        A thread worker may call it with a `geometry` taken on the UI thread: `put` then shows the lines (or
        renders them again if the pane's size changed meanwhile)."""
        size, overflowed = geometry or self.geometry()  # as the last content: its scrollbar
        width, height = size
        if width <= 0 or height <= 0:  # not laid out yet: its resize draws it
            return Drawn(content, [], size, overflowed)
        console = self.app.console
        options = console.options.update(width=width, height=None, highlight=False)
        bar = self._bar(width)
        lines = console.render_lines(content, options.update_width(width - bar) if overflowed else options, pad=False)
        if overflowed and len(lines) <= height:  # it fits without the scrollbar: the whole width
            lines = console.render_lines(content, options, pad=False)
        elif not overflowed and len(lines) > height:  # it overflows: the scrollbar takes its columns
            lines = console.render_lines(content, options.update_width(width - bar), pad=False)
        return Drawn(content, [Strip(line) for line in lines], size, overflowed)

    def put(self, drawn: Drawn) -> None:
        """Show lines from `lines_of` (on the UI thread)."""
        if (drawn.size, drawn.overflowed) != self.geometry():
            drawn = self.lines_of(drawn.content)  # the pane changed since they were rendered
        self._source = drawn.content
        width, height = drawn.size
        if width <= 0 or height <= 0:
            return
        if drawn.size == self._put_size and drawn.lines == self._lines:
            return  # drawn again the same (a change elsewhere in the store): nothing to repaint
        bar = self._bar(width)
        self._lines = drawn.lines
        self._put_size = drawn.size
        self._styled.clear()
        overflows = len(drawn.lines) > height
        size = Size(width - bar if overflows else width, max(height, len(drawn.lines)))
        if overflows and drawn.overflowed and self.show_vertical_scrollbar and size.width == self.virtual_size.width:
            self.set_reactive(Widget.virtual_size, size)  # the bar stays: its range changes, nothing moves
            self.vertical_scrollbar.window_virtual_size = size.height
            if self.scroll_y > self.max_scroll_y:
                self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True)
        else:
            self.virtual_size = size
        self.refresh()

    def _bar(self, width: int) -> int:
        """The columns the vertical scrollbar takes at `width` (none when the pane is no wider than it)."""
        size = self.styles.scrollbar_size_vertical
        return size if width > size else 0

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        index = y + int(self.scroll_offset.y)
        style = self.visual_style.rich_style  # as `rich_style`, but cached until the styles change (~0.1 ms a line)
        if index >= len(self._lines):
            return Strip.blank(width, style)
        key = (index, width, style)
        strip = self._styled.get(key)
        if strip is None:  # each line styled once per content (a scroll or a repaint reuses it)
            strip = self._styled[key] = self._lines[index].crop_extend(0, width, style).apply_style(style)
        return strip
