"""The form that puts someone on call in a schedule for a while (the schedule screen's `o`)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

from triagedesk.display import literal


@dataclass(frozen=True)
class OverrideAsked:
    """What the form was given (checked by the write: the member must exist, the end follow the start)."""

    schedule: str
    member: str
    start: str
    end: str
    replaces: str
    note: str


class OverrideForm(ModalScreen[OverrideAsked | None]):
    """Who, from when, until when (ISO times; without an offset: the schedule's own zone), instead of whom."""

    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "save", "Save")]

    def __init__(self, schedule: str, zone: str, start: str, end: str) -> None:
        super().__init__()
        self.schedule, self.zone, self.start, self.end = schedule, zone, start, end

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(literal(f"Override in {self.schedule} (times in {self.zone} unless they say Z)"),
                        id="question")
            yield Input(placeholder="expert id (who is on call)", id="member")
            yield Input(value=self.start, placeholder="from, e.g. 2026-01-07T10:00", id="start")
            yield Input(value=self.end, placeholder="until, e.g. 2026-01-07T12:00", id="end")
            yield Input(placeholder="instead of (expert id; empty: whoever is on call)", id="replaces")
            yield Input(placeholder="note for the audit log", id="note")
            with Horizontal(id="buttons"):
                yield Button("Save (ctrl+s)", variant="primary", id="save")
                yield Button("Cancel (esc)", id="cancel")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_save() if event.button.id == "save" else self.action_cancel()

    def on_input_submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        value = {field: self.query_one(f"#{field}", Input).value.strip()
                 for field in ("member", "start", "end", "replaces", "note")}
        self.dismiss(OverrideAsked(self.schedule, **value))

    def action_cancel(self) -> None:
        self.dismiss(None)
