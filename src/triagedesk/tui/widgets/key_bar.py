"""The key bar: the keys legal now, drawn as one line of one widget that is repainted, never recomposed."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual import events
from textual.reactive import reactive
from textual.screen import Screen
from textual.widget import Widget


class KeyBar(Widget, can_focus=False):
    """Textual's Footer recomposes (a widget per key, then a layout of the whole screen) whenever the legal keys
    change, on ~60% of cursor moves; this draws the same keys as text in a fixed one-line region, so a change of
    keys costs a repaint of that line. A click on a key presses it, as on the Footer."""

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

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen) -> None:
        if self.is_attached and screen is self.screen:
            self.refresh()  # a repaint of this line: its height never changes

    def shown(self) -> list[tuple[str, str, str, bool]]:
        """(key, shown key, description, enabled) of each key the bar draws, in the bindings' order, one a
        action (as the Footer groups them); the command palette's key last."""
        app = self.app
        active = self.screen.active_bindings
        keys: dict[str, tuple[str, str, str, bool]] = {}
        for _node, binding, enabled, _tooltip in active.values():
            if binding.show and binding.action not in keys:
                keys[binding.action] = (binding.key, app.get_key_display(binding), binding.description, enabled)
        out = list(keys.values())
        palette = active.get(app.COMMAND_PALETTE_BINDING) if app.ENABLE_COMMAND_PALETTE else None
        if palette is not None:
            _node, binding, enabled, _tooltip = palette
            out.append((binding.key, app.get_key_display(binding), binding.description, enabled))
        return out

    def render(self) -> Text:
        key_style = self.get_component_rich_style("key-bar--key")
        text_style = self.get_component_rich_style("key-bar--description")
        shown = self.shown()
        palette = shown.pop() if shown and self.app.ENABLE_COMMAND_PALETTE else None
        line = Text(no_wrap=True, overflow="crop", end="")
        spans: list[tuple[int, int, str]] = []
        for key, display, description, enabled in shown:
            start = len(line)
            style = key_style if enabled else key_style + Style(dim=True)
            if self.compact:
                line.append(display, style)
                line.append(f" {description}" if description else "", text_style)
                spans.append((start, len(line), key))
                line.append(" ")
            else:
                line.append(f" {display} ", style)
                line.append(f"{description} " if description else "", text_style)
                spans.append((start, len(line), key))
        if palette is not None:  # on the right, after a bar, as the Footer draws it
            key, display, description, _enabled = palette
            right = Text.assemble(("▏", self.get_component_rich_style("key-bar--separator")), (display, key_style),
                                  (f" {description}", text_style), " ")
            gap = self.size.width - len(line) - len(right)
            if gap >= 0:
                line.append(" " * gap)
                start = len(line) + 1
                line.append_text(right)
                spans.append((start, len(line), key))
        self._spans = spans
        return line

    def on_mouse_down(self, event: events.MouseDown) -> None:
        for start, end, key in self._spans:
            if start <= event.x < end:
                self.app.simulate_key(key)
                return
