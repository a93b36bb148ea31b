"""The key bar: the keys legal now, drawn as one line of one widget that is repainted, never recomposed."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.reactive import reactive
from textual.widget import Widget


class KeyBar(Widget, can_focus=False):
    """The keys legal now, given by the screen from the key table (Textual's Footer recomposes a widget per key
    and lays the screen out whenever they change, on ~60% of cursor moves); drawn as text in a fixed one-line
    region, so a change of keys costs a repaint of that line. A click on a key presses it, as on the Footer."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"key-bar--key", "key-bar--description", "key-bar--separator"}
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        width: 1fr;
        text-wrap: nowrap;
        text-overflow: clip;
        color: $footer-foreground;
        background: $footer-background;
        .key-bar--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        .key-bar--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        .key-bar--separator {
            color: $foreground 20%;
        }
    }
    """

    compact = reactive(False)
    """Less space around each key (the desk at 80 columns)."""

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self._spans: list[tuple[int, int, str]] = []
        """(start, end, key) of each key drawn: what a click presses."""
        self.items: list[tuple[str, str, str]] = []
        """(key, shown key, label) of each key the bar draws: the screen gives them, from the key table."""

    def show(self, items: list[tuple[str, str, str]]) -> None:
        """Draw these keys (the legal ones now); a repaint of this one line, never a layout."""
        if items != self.items:
            self.items = items
            self.refresh()

    def palette(self) -> tuple[str, str, str] | None:
        """The command palette's key, drawn on the right, when the app has the palette."""
        app = self.app
        if not app.ENABLE_COMMAND_PALETTE:
            return None
        key = app.COMMAND_PALETTE_BINDING
        return key, app.get_key_display(Binding(key, "command_palette")), "palette"

    def render(self) -> Text:
        """The keys that fit whole, then the palette's key on the right (always in sight: it lists the rest)."""
        key_style = self.get_component_rich_style("key-bar--key")
        text_style = self.get_component_rich_style("key-bar--description")
        palette = self.palette()
        right = None if palette is None else Text.assemble(
            ("▏", self.get_component_rich_style("key-bar--separator")), (palette[1], key_style),
            (f" {palette[2]}", text_style), " ")
        room = self.size.width - (len(right) if right is not None else 0)
        line = Text(no_wrap=True, overflow="crop", end="")
        spans: list[tuple[int, int, str]] = []
        for key, display, description in self.items:
            item = Text(no_wrap=True, end="")
            if self.compact:
                item.append(display, key_style)
                item.append(f" {description}" if description else "", text_style)
            else:
                item.append(f" {display} ", key_style)
                item.append(f"{description} " if description else "", text_style)
            if len(line) + len(item) > room:
                break  # a key is shown whole or not at all
            start = len(line)
            line.append_text(item)
            spans.append((start, len(line), key))
            if self.compact:
                line.append(" ")
        if palette is not None and right is not None and room >= len(line):  # on the right, as the Footer has it
            line.append(" " * (room - len(line)))
            start = len(line) + 1
            line.append_text(right)
            spans.append((start, len(line), palette[0]))
        self._spans = spans
        return line

    def on_mouse_down(self, event: events.MouseDown) -> None:
        for start, end, key in self._spans:
            if start <= event.x < end:
                self.app.simulate_key(key)
                return
