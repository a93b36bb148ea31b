"""Search every issue, closed ones included, by id, title, description, requester or assignee; Enter opens one."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, OptionList, Static
from textual.widgets.option_list import Option

from triagedesk.app.desk import Desk
from triagedesk.app.issue_search import Found
from triagedesk.display import literal, one_line
from triagedesk.domain.requests.states import state_name
from triagedesk.tui.screens.issue_screen import IssueScreen


class SearchScreen(Screen[None]):
    """Type to search every issue (the queue shows only open ones); ↓ to the results, Enter opens the issue."""

    BINDINGS = [Binding("escape", "close", "Back"), Binding("down", "to_results", "Results", show=False)]

    DEFAULT_CSS = """
    SearchScreen #search-body { padding: 0 1; }
    SearchScreen #results { height: 1fr; }
    SearchScreen #search-status { color: $text-muted; height: 1; }
    """

    LIMIT = 500

    @dataclass
    class Results(Message):
        text: str
        found: list[Found]

    def __init__(self, desk: Desk, actor: str, can_edit: bool = True) -> None:
        super().__init__()
        self.desk = desk
        self.actor = actor
        self.can_edit = can_edit
        self.found: list[Found] = []

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with Vertical(id="search-body"):
            yield Input(placeholder="search every issue, closed too: id, title, description, requester, assignee",
                        id="search")
            yield Static("", id="search-status")
            yield OptionList(id="results")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "search every issue"
        self.query_one("#search", Input).focus()

    @on(Input.Changed, "#search")
    def changed(self, event: Input.Changed) -> None:
        if event.value.strip():
            self.run_search(event.value)
        else:
            self.show([], "")

    @on(Input.Submitted, "#search")
    def submitted(self) -> None:
        self.action_to_results()

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def run_search(self, text: str) -> None:
        self.post_message(self.Results(text, self.desk.queries.search_issues(text, self.LIMIT)))

    def on_search_screen_results(self, message: Results) -> None:
        if message.text != self.query_one("#search", Input).value:
            return  # stale: more was typed since
        self.show(message.found, message.text)

    def show(self, found: list[Found], text: str) -> None:
        self.found = found
        results = self.query_one("#results", OptionList)
        results.clear_options()
        widest = max((len(f.issue_id) for f in found), default=10)
        results.add_options([Option(self.row(f, widest), id=str(n)) for n, f in enumerate(found)])
        status = self.query_one("#search-status", Static)
        if not text:
            status.update("")
        elif not found:
            status.update(literal(f"No issue holds “{text}”."))
        else:
            more = f" (the first {self.LIMIT})" if len(found) >= self.LIMIT else ""
            plural = "s" if len(found) != 1 else ""
            status.update(literal(f"{len(found)} issue{plural}{more}, newest first · Enter opens"))

    @staticmethod
    def row(found: Found, id_width: int) -> Text:
        """One result on one line: the id whole, its state's name, the assignee, then the title, which alone gives
        way (cut with an ellipsis at the list's width)."""
        who = one_line(found.assignee or "-", 16)
        text = literal(one_line(f"{found.issue_id:<{id_width}}  {state_name(found.status):<18} {who:<16} "
                                f"{found.title} · {found.where}"))
        text.no_wrap, text.overflow = True, "ellipsis"
        return text

    def action_to_results(self) -> None:
        if self.found:
            results = self.query_one("#results", OptionList)
            results.focus()
            if results.highlighted is None:
                results.highlighted = 0

    @on(OptionList.OptionSelected, "#results")
    def chosen(self, event: OptionList.OptionSelected) -> None:
        found = self.found[int(event.option.id or 0)]
        self.app.push_screen(IssueScreen(self.desk, found.issue_id, self.actor, self.can_edit))

    def action_close(self) -> None:
        self.dismiss(None)
