"""A small modal list to pick one of a few choices, each with its own key; returns the choice's value."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.events import Key
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from triagedesk.display import literal, one_line


class ChoiceScreen(ModalScreen[str | None]):
    """`choices` are (key, value, label): pressing a choice's key (or Enter on it) returns its value."""

    BINDINGS = [Binding("escape", "close", "Cancel")]

    DEFAULT_CSS = """
    ChoiceScreen { align: center middle; }
    ChoiceScreen #choices { height: auto; max-height: 20; }
    """

    def __init__(self, title: str, choices: list[tuple[str, str, str]], current: str | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.choices = choices
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="choice"):
            yield Label(literal(self.title_text), id="question")
            options = [Option(literal(f"{key}  {one_line(label, 60)}" if key else one_line(label, 60)), id=str(n))
                       for n, (key, _, label) in enumerate(self.choices)]
            yield OptionList(*options, id="choices")

    def on_mount(self) -> None:
        found = self.query_one(OptionList)
        found.focus()
        values = [value for _, value, _ in self.choices]
        if self.current in values:
            found.highlighted = values.index(self.current)

    def on_key(self, event: Key) -> None:
        for key, value, _ in self.choices:
            if key and event.character == key:
                event.stop()
                self.dismiss(value)
                return

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.choices[int(event.option.id or 0)][1])

    def action_close(self) -> None:
        self.dismiss(None)
