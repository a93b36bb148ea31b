"""The saved views list (V): Enter or a digit opens one, r renames it, d deletes it, Esc closes."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from triagedesk.display import one_line

DIGITS = "123456789"


class ViewsScreen(ModalScreen[tuple[str, str] | None]):
    """`views` are (name, what it shows); returns (`open` | `rename` | `delete`, name)."""

    BINDINGS = [Binding("escape", "close", "Close"), Binding("r", "pick('rename')", "Rename"),
                Binding("d", "pick('delete')", "Delete")]

    DEFAULT_CSS = """
    ViewsScreen { align: center middle; }
    ViewsScreen #choices { height: auto; max-height: 20; }
    """

    def __init__(self, views: list[tuple[str, str]]) -> None:
        super().__init__()
        self.views = views

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="choice"):
            yield Label("Saved views · Enter opens · r renames · d deletes · Esc closes", id="question")
            yield OptionList(*[Option(Text.assemble((f"{DIGITS[n]}  " if n < len(DIGITS) else "   "),
                                                    (one_line(name, 30), "bold"), "  ", (one_line(what, 70), "dim")),
                                      id=str(n)) for n, (name, what) in enumerate(self.views)], id="choices")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_key(self, event: events.Key) -> None:
        if event.character and event.character in DIGITS:
            at = DIGITS.index(event.character)
            if at < len(self.views):
                event.stop()
                self.dismiss(("open", self.views[at][0]))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(("open", self.views[int(event.option.id or 0)][0]))

    def action_pick(self, verb: str) -> None:
        at = self.query_one(OptionList).highlighted
        if at is not None and at < len(self.views):
            self.dismiss((verb, self.views[at][0]))

    def action_close(self) -> None:
        self.dismiss(None)
