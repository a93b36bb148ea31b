"""Edits are never thrown away unasked: the base every editing modal shares, and the dialog it asks with."""

from __future__ import annotations

from typing import TypeVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label

from triagedesk.display import literal

Result = TypeVar("Result")


class DiscardScreen(ModalScreen[bool]):
    """"Discard your changes to …?": True throws them away; "Keep editing" (the focused button, and Esc) keeps
    every value as it was."""

    BINDINGS = [Binding("escape", "keep", "Keep editing")]
    DEFAULT_CSS = "DiscardScreen { align: center middle; }"

    def __init__(self, subject: str) -> None:
        super().__init__()
        self.subject = subject

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(literal(f"Discard your changes to {self.subject}?"), id="question")
            yield Label("None of them has been saved yet.", id="detail")
            with Horizontal(id="buttons"):
                yield Button("Discard", variant="error", id="discard")
                yield Button("Keep editing", variant="primary", id="keep")

    def on_mount(self) -> None:
        self.query_one("#keep", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "discard")

    def action_keep(self) -> None:
        self.dismiss(False)


class EditingModal(ModalScreen[Result | None]):
    """A modal that edits something. Esc (and the Cancel button, through `action_cancel`) closes it at once when
    nothing was changed since it opened, and asks `DiscardScreen` first when something was; a discarded modal
    dismisses with None, so nothing is written.

    A subclass says what it edits (`subject`, in the dialog's words) and what its values are now (`edits`): they
    are read once the modal is mounted (prefilled values count as untouched) and compared on Esc."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    subject = "this form"

    def edits(self) -> object:
        """What the user could have changed, comparable with `==` (every field's raw value)."""
        return None

    def on_mount(self) -> None:
        """Textual runs a subclass's own on_mount first: what it prefilled is part of the untouched values."""
        self._untouched = self.edits()

    def has_changes(self) -> bool:
        return self.edits() != getattr(self, "_untouched", self.edits())

    def action_cancel(self) -> None:
        if not self.has_changes():
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(DiscardScreen(self.subject), answered)
