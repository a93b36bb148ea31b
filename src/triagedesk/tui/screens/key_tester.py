"""The key tester (ctrl+k): names every key pressed and what it takes on the desk, for terminals that swallow keys."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from triagedesk.display import literal
from triagedesk.tui import keys
from triagedesk.tui.keymap import FRAMEWORK_KEYS, Keymap

KEPT = 12


class KeyTesterScreen(ModalScreen[None]):
    """Each key pressed is listed with Textual's name for it and the desk's actions it takes (for `role`); Esc
    twice in a row closes (one Esc is a key to test too)."""

    def __init__(self, keymap: Keymap, role: str) -> None:
        super().__init__()
        self.keymap = keymap
        self.role = role
        self.pressed: list[str] = []
        self._escape = False

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label("Key tester: press any key (Esc twice closes)", id="question")
            yield Static(Text("nothing pressed yet", style="dim"), id="pressed")

    def takes(self, key: str) -> list[str]:
        """The rows of the effective keymap this key takes for the role (the key table's ids)."""
        return [row.id for row in keys.KEYS if self.role in row.roles
                and key in self.keymap.key(row).split(",")]

    def on_key(self, event: events.Key) -> None:
        event.stop()
        event.prevent_default()
        if event.key == "escape" and self._escape:
            self.dismiss(None)
            return
        self._escape = event.key == "escape"
        taken = self.takes(event.key)
        char = f" · character {event.character!r}" if event.character and event.character.isprintable() else ""
        does = f" → {', '.join(taken)}" if taken else " → nothing on the desk"
        if event.key in FRAMEWORK_KEYS:  # the app lets them through while the tester is open
            does = f" → {FRAMEWORK_KEYS[event.key]} (Textual's key; not while testing)"
        hint = " (again to close)" if self._escape else ""
        self.pressed = [f"{event.key}{char}{does}{hint}", *self.pressed][:KEPT]
        self.query_one("#pressed", Static).update(literal("\n".join(self.pressed)))
