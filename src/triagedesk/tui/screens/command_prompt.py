"""The `:` prompt: one line at the foot of the desk with fuzzy completion; returns the line to run."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from triagedesk.display import one_line
from triagedesk.tui.command_line import IdIndex, Word, complete

ARGUMENT_WORDS = ("go", "view", "view save", "view rename", "view delete", "profile", "expert", "status", "urgency",
                  "sort", "filter")


class CommandPrompt(ModalScreen[str | None]):
    """Type, Tab takes the highlighted completion, ↑↓ move among them, Enter runs (a line that means nothing runs
    the highlighted completion), Esc closes."""

    BINDINGS = [Binding("escape", "close", "Close"), Binding("tab", "take", "Complete", priority=True),
                Binding("down", "move(1)", show=False, priority=True),
                Binding("up", "move(-1)", show=False, priority=True)]

    DEFAULT_CSS = """
    CommandPrompt { align: left bottom; background: $background 40%; }
    CommandPrompt #command-box { height: auto; max-height: 14; width: 100%; background: $panel; }
    CommandPrompt #completions { height: auto; max-height: 11; border: none; }
    CommandPrompt #command { border: tall $accent; }
    """

    def __init__(self, words: Sequence[Word], ids: IdIndex | None, understands: Callable[[str], bool]) -> None:
        super().__init__()
        self.words = list(words)
        self.ids = ids
        self.understands = understands
        self.shown: list[Word] = []
        self._moved = False

    def compose(self) -> ComposeResult:
        with Vertical(id="command-box"):
            yield OptionList(id="completions")
            yield Input(placeholder=": an issue id, an action, view / profile / expert / status / sort …",
                        id="command")

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        self._complete("")

    def _complete(self, text: str) -> None:
        self.shown = complete(text, self.words, self.ids)
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options([Option(Text.assemble((one_line(w.text, 40), "bold"), "  ",
                                                  (one_line(w.help, 90), "dim")), id=str(n))
                             for n, w in enumerate(self.shown)])
        options.display = bool(self.shown)
        if self.shown:
            options.highlighted = 0
        self._moved = False

    def on_input_changed(self, event: Input.Changed) -> None:
        self._complete(event.value)

    def action_move(self, delta: int) -> None:
        options = self.query_one(OptionList)
        if not self.shown:
            return
        options.highlighted = ((options.highlighted or 0) + delta) % len(self.shown)
        self._moved = True

    def _highlighted(self) -> Word | None:
        at = self.query_one(OptionList).highlighted
        return self.shown[at] if self.shown and at is not None and at < len(self.shown) else None

    def action_take(self) -> None:
        word = self._highlighted()
        if word is None:
            return
        box = self.query_one(Input)
        box.value = word.text + (" " if word.text in ARGUMENT_WORDS else "")
        box.cursor_position = len(box.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        typed = event.value.strip()
        word = self._highlighted()
        if word is not None and (self._moved or not self.understands(typed)):
            self.dismiss(word.text)
        else:
            self.dismiss(typed or None)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.shown[int(event.option.id or 0)].text)

    def on_click(self, event: events.Click) -> None:
        if event.widget is self:  # a click outside the box closes it
            self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
