"""The form that puts someone on call in a schedule for a while (the schedule screen's `o`)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label

from triagedesk.display import literal
from triagedesk.tui.screens.discard import EditingModal


@dataclass(frozen=True)
class OverrideAsked:
    """What the form was given (checked by the write: the member must exist, the end follow the start)."""

    schedule: str
    member: str
    start: str
    end: str
    replaces: str
    note: str


class OverrideForm(EditingModal[OverrideAsked]):
    """Who, from when, until when (ISO times; without an offset: the schedule's own zone), instead of whom. Esc asks
    before typed values are thrown away (`EditingModal`)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "save", "Save")]
    DEFAULT_CSS = """
    OverrideForm { align: center middle; }
    OverrideForm .field-row { height: 1; margin-bottom: 1; }
    OverrideForm .field-label { width: 16; color: $text-muted; }
    OverrideForm Input { width: 1fr; background: $background; }
    OverrideForm Input:focus { background: $primary 20%; }
    OverrideForm #buttons { height: 1; }
    """

    def __init__(self, schedule: str, zone: str, start: str, end: str) -> None:
        super().__init__()
        self.schedule, self.zone, self.start, self.end = schedule, zone, start, end
        self.subject = f"the override in {schedule}"

    FIELDS = (("member", "Who is on call", "expert id"), ("start", "From", "e.g. 2026-01-07T10:00"),
              ("end", "Until", "e.g. 2026-01-07T12:00"),
              ("replaces", "Instead of", "expert id; empty: whoever is on call"),
              ("note", "Note", "for the audit log"))

    def compose(self) -> ComposeResult:
        values = {"start": self.start, "end": self.end}
        with Vertical(id="dialog", classes="override"):
            yield Label(literal(f"Override in {self.schedule} (times in {self.zone} unless they say Z)"),
                        id="question")
            for name, label, placeholder in self.FIELDS:  # one line a field, its label beside it (fits 80x24)
                with Horizontal(classes="field-row"):
                    yield Label(label, classes="field-label")
                    yield Input(value=values.get(name, ""), placeholder=placeholder, id=name, compact=True)
            with Horizontal(id="buttons"):
                yield Button("Save (ctrl+s)", variant="primary", id="save", compact=True)
                yield Button("Cancel (esc)", id="cancel", compact=True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_save() if event.button.id == "save" else self.action_cancel()

    def edits(self) -> object:
        return tuple(field.value for field in self.query(Input))

    def on_input_submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        value = {field: self.query_one(f"#{field}", Input).value.strip()
                 for field in ("member", "start", "end", "replaces", "note")}
        self.dismiss(OverrideAsked(self.schedule, **value))
