"""The notice history (N): every notice of this run, newest first, beside what the dispatcher did (the audit log)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from triagedesk.display import literal, one_line
from triagedesk.domain.records import AuditEntry
from triagedesk.tui.notices import Notice

SHOWN = 300
STYLES = {"error": "bold red", "warning": "yellow", "information": ""}


class NoticesScreen(ModalScreen[None]):
    """Two lists, each newest first: this run's notices (toasts vanish; they stay here) and the dispatcher's actions."""

    BINDINGS = [Binding("escape,q,N", "close", "Close")]

    def __init__(self, notices: Sequence[Notice], dispatcher: Sequence[AuditEntry]) -> None:
        super().__init__()
        self.notices = list(reversed(notices))
        self.dispatcher = list(dispatcher)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(Text(f"Notices of this run ({len(self.notices)})", style="bold"))
            if self.notices:
                table = Table("at", "", "notice", box=None, padding=(0, 1), expand=True)
                table.columns[0].no_wrap = True
                table.columns[2].ratio = 1  # the notice takes the room left; the time and severity keep theirs
                for notice in self.notices[:SHOWN]:
                    table.add_row(notice.at.strftime("%H:%M:%S"), Text(notice.severity[:4], STYLES.get(
                        notice.severity, "")), literal(one_line(notice.text, 300)))
                yield Static(table)
            else:
                yield Static(Text("None yet.", style="dim"))
            newest = f" (the {len(self.dispatcher)} newest)" if self.dispatcher else ""
            yield Static(Text(f"\nThe dispatcher's actions{newest}", style="bold"))
            if self.dispatcher:
                actions = Table("at", "action", "record", "note", box=None, padding=(0, 1), expand=True)
                actions.columns[0].no_wrap = True
                actions.columns[2].no_wrap = True
                actions.columns[3].ratio = 1
                for entry in self.dispatcher[:SHOWN]:
                    actions.add_row(entry.at.strftime("%m-%d %H:%M"), literal(one_line(entry.action, 20)),
                                    literal(one_line(entry.target_id, 40)), literal(one_line(entry.note, 200)))
                yield Static(actions)
            else:
                yield Static(Text("The dispatcher has written nothing to this store.", style="dim"))

    def action_close(self) -> None:
        self.dismiss(None)
