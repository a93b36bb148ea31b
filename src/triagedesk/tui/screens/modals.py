"""Small modal screens: confirmation with an optional note, the package viewer, the help screen."""

from __future__ import annotations

from pathlib import Path

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, MarkdownViewer, Static

from triagedesk.display import literal
from triagedesk.files import atomic_write
from triagedesk.tui.external_editor import EDITOR_KEY, edit_in_editor
from triagedesk.tui.notices import tell

KEEP = "Keep it"
"""The button (and Esc) that leaves things as they are."""


class ConfirmScreen(ModalScreen[str | None]):
    """Asks before an action: the question names the issue (id and title), the confirming button says what it does
    (the plan's verb: "Assign", "Cancel the request"), the other keeps things as they are. Returns the note
    (possibly empty), or None when kept. ctrl+o opens the note in the user's editor (read back as one line)."""

    BINDINGS = [Binding("escape", "cancel", KEEP), Binding(EDITOR_KEY, "open_editor", "Editor", show=False)]

    def __init__(self, question: str, detail: str = "", with_note: bool = True, *, confirm: str) -> None:
        super().__init__()
        self.question = question
        self.detail = detail
        self.with_note = with_note
        self.confirm_label = confirm

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(literal(self.question), id="question")
            if self.detail:
                yield Static(literal(self.detail), id="detail")
            if self.with_note:
                yield Input(placeholder=f"Note for the audit log (optional; {EDITOR_KEY}: your editor)", id="note")
            with Horizontal(id="buttons"):
                yield Button(self.confirm_label, variant="primary", id="confirm")
                yield Button(KEEP, id="cancel")

    def on_mount(self) -> None:
        if self.with_note:
            self.query_one("#note", Input).focus()
        else:
            self.query_one("#confirm", Button).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "confirm":
            self.dismiss(self.query_one("#note", Input).value if self.with_note else "")
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_open_editor(self) -> None:
        """The note in the user's editor; what it saves comes back as one line (an audit note is one line)."""
        if not self.with_note:
            return
        note = self.query_one("#note", Input)
        edited = edit_in_editor(self.app, note.value, "note", multiline=False)
        if edited.problem:
            tell(self, edited.problem, severity="warning", timeout=8)
        if edited.text is not None:
            note.value = edited.text
            note.cursor_position = len(note.value)
        note.focus()


class PackageScreen(ModalScreen[None]):
    """The escalation package in a Markdown viewer; ctrl+s saves it beside the store."""

    BINDINGS = [Binding("escape,q", "close", "Close"), Binding("ctrl+s", "save", "Save")]

    def __init__(self, issue_id: str, markdown: str, folder: Path) -> None:
        super().__init__()
        self.issue_id = issue_id
        self.markdown = markdown
        self.folder = folder

    def compose(self) -> ComposeResult:
        with Vertical(id="package"):
            yield MarkdownViewer(self.markdown, show_table_of_contents=False)
            yield Static("ctrl+s save · escape close", classes="hint")

    def action_close(self) -> None:
        self.dismiss(None)

    def action_save(self) -> None:
        safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in self.issue_id)
        path = self.folder / f"package-{safe}.md"
        try:
            atomic_write(path, self.markdown.encode("utf-8"))
        except OSError as exc:
            tell(self, f"Could not save {path}: {exc.strerror or exc}", severity="error")
            return
        tell(self, f"Saved {path}")


class HelpScreen(ModalScreen[None]):
    """Every key of the desk, by where it works."""

    BINDINGS = [Binding("escape,q,question_mark", "close", "Close")]

    def __init__(self, sections: list[tuple[str, list[tuple[str, str]]]]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(Text("triagedesk keys", style="bold"))
            for title, rows in self.sections:
                table = Table(title=title, title_justify="left", show_header=False, box=None, padding=(0, 2))
                table.add_column(style="bold", no_wrap=True)
                table.add_column()
                for key, text in rows:
                    table.add_row(key, text)
                yield Static(table)
            yield Static(Text("escape closes this help · ctrl+p opens the command palette", style="dim"))

    def action_close(self) -> None:
        self.dismiss(None)


class ConflictsScreen(ModalScreen[None]):
    """Conflicts that sync resolved: which record, when, what was kept and what lost."""

    BINDINGS = [Binding("escape,q", "close", "Close")]

    def __init__(self, entries: list) -> None:
        super().__init__()
        self.entries = entries

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(Text(f"Sync conflicts ({len(self.entries)})", style="bold"))
            if not self.entries:
                yield Static(Text("No conflicts: every desk agreed.", style="dim"))
            table = Table("when", "record", "kept", "lost", box=None, padding=(0, 2))
            for entry in self.entries[:200]:
                table.add_row(f"{entry.at:%Y-%m-%d %H:%M}", literal(f"{entry.kind} {entry.target_id}"),
                              literal(_summary(entry.after)), literal(_summary(entry.before)))
            if self.entries:
                yield Static(table)

    def action_close(self) -> None:
        self.dismiss(None)


def _summary(data: dict | None) -> str:
    if not data:
        return "-"
    keys = ("status", "assigned_expert_id", "title", "name")
    shown = [f"{k}={data[k]}" for k in keys if k in data]
    return ", ".join(shown) or ", ".join(f"{k}={v}" for k, v in list(data.items())[:3])


class PromptScreen(ModalScreen[str | None]):
    """Asks for one line of text (a profile path for the backtest...)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, question: str, placeholder: str = "", value: str = "") -> None:
        super().__init__()
        self.question = question
        self.placeholder = placeholder
        self.value = value

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(literal(self.question), id="question")
            yield Input(value=self.value, placeholder=self.placeholder, id="answer")
            yield Static("enter accepts · escape closes", classes="hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class BacktestScreen(ModalScreen[None]):
    """The rule backtest: escalations under the current and the candidate profile, and what changes."""

    BINDINGS = [Binding("escape,q", "close", "Close")]

    def __init__(self, source: str, result: dict) -> None:
        super().__init__()
        self.source = source
        self.result = result

    def compose(self) -> ComposeResult:
        data = self.result
        with VerticalScroll(id="help"):
            yield Static(literal(f"Backtest of {self.source} over {data['considered']:,} {data['profile']} issues",
                                 "bold"))
            summary = Table("", "current", "candidate", box=None, padding=(0, 2))
            summary.add_row("escalated", str(data["before"]["escalated"]), str(data["after"]["escalated"]))
            for urgency in ("critical", "high", "medium", "low"):
                summary.add_row(f"  {urgency}", str(data["before"]["by_urgency"].get(urgency, 0)),
                                str(data["after"]["by_urgency"].get(urgency, 0)))
            for tier in sorted(set(data["before"]["by_tier"]) | set(data["after"]["by_tier"])):
                summary.add_row(f"  tier {tier}", str(data["before"]["by_tier"].get(tier, 0)),
                                str(data["after"]["by_tier"].get(tier, 0)))
            yield Static(summary)
            if not data["changes"]:
                yield Static(Text("No issue would be treated differently.", style="italic"))
                return
            changed = data["changed"]
            changes = Table("issue", "change", "actual request", "corrections", box=None, padding=(0, 2),
                            title=f"{changed:,} issue{'s' if changed != 1 else ''} change", title_justify="left")
            for change in data["changes"][:100]:
                changes.add_row(literal(change["issue_id"]), literal(change["note"]),
                                literal(change["actual"]["request"] or "-"), str(change["actual"]["corrections"]))
            yield Static(changes)

    def action_close(self) -> None:
        self.dismiss(None)
