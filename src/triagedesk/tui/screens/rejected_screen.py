"""The rejected list: documents sync refused to store, records `db repair` took out, changes the server refused."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from triagedesk.display import literal

SOURCES = {"server": "from the server", "local": "from this store", "refused": "refused by the server"}


class RejectedScreen(ModalScreen[None]):
    """What is kept out of the records, with the first error (field path) of each; nothing here is lost."""

    BINDINGS = [Binding("escape,q", "close", "Close")]

    def __init__(self, entries: list[dict[str, Any]]) -> None:
        super().__init__()
        self.entries = entries

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(Text(f"Rejected ({len(self.entries)})", style="bold"))
            if not self.entries:
                yield Static(Text("Nothing rejected: every document loaded.", style="dim"))
                return
            table = Table("when", "document", "where", "first error", box=None, padding=(0, 1))
            table.columns[0].no_wrap = True
            for entry in self.entries[:200]:
                table.add_row(literal(str(entry.get("at", ""))[5:16].replace("T", " ")), literal(entry.get("id", "?")),
                              SOURCES.get(str(entry.get("source")), "?"), literal(entry.get("error", "")))
            yield Static(table)
            yield Static(Text("the next valid revision replaces a rejected one · a refused change is undone with "
                              "`triagedesk sync --take-server KIND:ID`", style="dim"))

    def action_close(self) -> None:
        self.dismiss(None)
