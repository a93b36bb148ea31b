"""What the desk relies on in Textual, one major (`textual>=8.2,<9`): each API the desk calls, and the behaviour
the key bar and the line panes build on. A new major that changes one fails here first, naming it."""

from __future__ import annotations

import inspect
from importlib.metadata import version

from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.widget import Widget

from triagedesk.tui.widgets.key_bar import KeyBar


def test_textual_is_the_pinned_major() -> None:
    major, minor = (int(part) for part in version("textual").split(".")[:2])
    assert major == 8 and minor >= 2


def test_the_apis_the_desk_calls_exist_with_the_arguments_it_passes() -> None:
    assert "id" in inspect.signature(Binding).parameters  # the key table's row ids (set_keymap reads them)
    assert "keymap" in inspect.signature(App.set_keymap).parameters
    assert "markup" in inspect.signature(App.notify).parameters  # tell() shows data literally
    assert {"title", "help", "callback"} <= set(inspect.signature(SystemCommand).parameters)
    for name in ("copy_to_clipboard", "suspend", "get_key_display", "simulate_key", "call_from_thread"):
        assert callable(getattr(App, name)), name
    assert isinstance(App.clipboard, property)
    assert App.COMMAND_PALETTE_BINDING == "ctrl+p"
    assert callable(Widget.set_reactive)  # the line panes change their virtual size without a layout


class BarApp(App[None]):
    BINDINGS = [Binding("x", "pressed('x')"), Binding("y", "pressed('y')")]

    def __init__(self) -> None:
        super().__init__()
        self.pressed: list[str] = []

    def compose(self) -> ComposeResult:
        yield KeyBar(id="keys")

    def action_pressed(self, key: str) -> None:
        self.pressed.append(key)


async def test_a_click_on_the_key_bar_presses_the_key_and_the_palette_sits_on_the_right() -> None:
    app = BarApp()
    async with app.run_test(size=(60, 3)) as pilot:
        bar = app.query_one(KeyBar)
        bar.show([("x", "x", "Ex"), ("y", "y", "Why")])
        await pilot.pause()
        drawn = bar.render().plain
        assert drawn.startswith(" x Ex  y Why ") and drawn.rstrip().endswith("^p palette")
        await pilot.click(KeyBar, offset=(6, 0))  # on "y Why"
        await pilot.pause()
        assert app.pressed == ["y"]
        bar.show([])
        await pilot.pause()
        assert bar.render().plain.strip() == "▏^p palette"  # no key: the palette alone, nothing popped


def test_the_keys_textual_keeps_are_the_ones_a_keymap_refuses() -> None:
    from triagedesk.tui.keymap import FRAMEWORK_KEYS

    kept = {App.COMMAND_PALETTE_BINDING} | {b.key if isinstance(b, Binding) else b[0] for b in App.BINDINGS}
    assert kept and kept == set(FRAMEWORK_KEYS)
