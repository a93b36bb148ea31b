"""The issue screen (Enter on a queue row): every field, its requests, sessions, outcomes, corrections, history."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from triagedesk.app.desk import Desk
from triagedesk.app.issue_view import IssueRecord, sections
from triagedesk.display import printable
from triagedesk.domain.models import Issue
from triagedesk.tui.notices import tell
from triagedesk.tui.screens.edit_forms import EditIssueForm


class IssueScreen(Screen[None]):
    """One issue in full, read off the UI thread; ctrl+e edits it (a coordinator, as on the desk), Esc goes back."""

    BINDINGS = [Binding("escape,q", "close", "Back"), Binding("ctrl+e", "edit_issue", "Edit"),
                Binding("ctrl+r", "reload_issue", "Reload", show=False)]

    DEFAULT_CSS = """
    IssueScreen #issue-body { padding: 0 1; }
    IssueScreen .section-title { text-style: bold; color: $primary; margin-top: 1; }
    """

    @dataclass
    class Loaded(Message):
        record: IssueRecord

    @dataclass
    class Edited(Message):
        text: str

    def __init__(self, desk: Desk, issue_id: str, actor: str, can_edit: bool = True) -> None:
        super().__init__()
        self.desk = desk
        self.issue_id = issue_id
        self.actor = actor
        self.can_edit = can_edit
        self.record: IssueRecord | None = None

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield VerticalScroll(Static(f"loading {printable(self.issue_id)}…", markup=False), id="issue-body")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = printable(self.issue_id)
        self.query_one("#issue-body").focus()
        self.load()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "edit_issue":
            return self.can_edit and self.record is not None
        return True

    @work(thread=True, exclusive=True, group="issue", exit_on_error=False)
    def load(self) -> None:
        self.post_message(self.Loaded(self.desk.queries.issue_record(self.issue_id)))

    def on_issue_screen_loaded(self, message: Loaded) -> None:
        self.record = message.record
        body = self.query_one("#issue-body", VerticalScroll)
        body.remove_children()
        widgets: list[Static] = []
        for title, lines in sections(message.record):
            widgets.append(Static(Text(printable(title)), classes="section-title"))
            widgets.append(Static(Text("\n".join(printable(line) for line in lines))))
        body.mount_all(widgets)
        self.refresh_bindings()

    def action_close(self) -> None:
        self.dismiss(None)

    def action_reload_issue(self) -> None:
        self.load()

    def action_edit_issue(self) -> None:
        if self.record is None:
            return
        issue = Issue.model_validate(self.record.issue)
        form = EditIssueForm(issue, self.desk.engine.profile_families().get(issue.profile or ""))

        def saved(result: Any) -> None:
            if result is None:
                return
            changes = form.changes(result)
            if not changes:
                tell(self, "Nothing changed.")
                return
            self.write_edit(changes)

        self.app.push_screen(form, saved)

    @work(thread=True, exclusive=True, group="issue-edit", exit_on_error=False)
    def write_edit(self, changes: dict[str, Any]) -> None:
        self.desk.commands.edit("issues", self.issue_id, changes, self.actor)
        self.post_message(self.Edited(f"{self.issue_id}: {', '.join(sorted(changes))} changed"))

    def on_issue_screen_edited(self, message: Edited) -> None:
        tell(self, message.text)
        self.load()
