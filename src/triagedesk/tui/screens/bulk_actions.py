"""Bulk actions on the marked queue rows, mixed into the desk: assign, escalate or cancel them all at once.

One choice, one confirmation listing the issues, then one durable write through `Desk.bulk`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual import work
from textual.message import Message

from triagedesk.app.bulk import BulkResult
from triagedesk.display import one_line
from triagedesk.tui.notices import tell
from triagedesk.tui.screens.choice import ChoiceScreen
from triagedesk.tui.screens.modals import ConfirmScreen
from triagedesk.tui.widgets.queue_view import QueueView

if TYPE_CHECKING:
    from triagedesk.app.desk import Desk

BULK_CHOICES = [("a", "assign", "Assign them to one expert"), ("e", "escalate", "Escalate them (open a request each)"),
                ("x", "cancel", "Cancel their open requests")]


class BulkActions:
    """Needs the desk screen's `desk`, `actor`, `query_one`, `notify`, `app`, `reload`."""

    desk: Desk
    actor: str

    if TYPE_CHECKING:
        def query_one(self, selector: Any, expect_type: Any = None) -> Any: ...
        def notify(self, message: str, **kwargs: Any) -> None: ...
        def reload(self) -> None: ...
        def post_message(self, message: Message) -> bool: ...

        app: Any

    @dataclass
    class BulkDone(Message):
        """A bulk action was written: what it did and what it skipped."""

        result: BulkResult

    def action_bulk(self) -> None:
        marked = self.query_one(QueueView).marked_in_order()
        if not marked:
            tell(self, "No row marked: Space marks a row, shift+arrows mark while moving, * marks every row shown.",
                        severity="warning")
            return
        self.app.push_screen(ChoiceScreen(f"{len(marked)} marked: what to do with them?", BULK_CHOICES),
                             lambda action: self._bulk_chosen(action, marked) if action else None)

    def _bulk_chosen(self, action: str, marked: list[str]) -> None:
        if action != "assign":
            self._bulk_confirm(action, marked, None, "")
            return
        experts = self.desk.experts_for(marked)
        if not experts:
            tell(self, "No active expert works these issues' profiles.", severity="warning")
            return
        keys = "123456789abcdefghijklmnopqrstuvwxyz"
        choices = [(keys[n] if n < len(keys) else "", e.id,
                    f"{e.name or e.id} · {', '.join(e.specializations[:3]) or 'no specialisation'}"
                    f" · load {e.current_workload}")
                   for n, e in enumerate(experts)]
        names = {e.id: e.name or e.id for e in experts}
        self.app.push_screen(ChoiceScreen(f"Assign {len(marked)} issues to", choices),
                             lambda expert: self._bulk_confirm("assign", marked, expert, names.get(expert, ""))
                             if expert else None)

    def _bulk_confirm(self, action: str, marked: list[str], expert_id: str | None, expert_name: str) -> None:
        count = f"{len(marked)} issue{'s' if len(marked) != 1 else ''}"
        question = {"assign": f"Assign {count} to {expert_name}?", "escalate": f"Escalate {count}?",
                    "cancel": f"Cancel the open requests of {count}?"}[action]
        shown = ", ".join(marked[:12]) + (f" and {len(marked) - 12} more" if len(marked) > 12 else "")
        detail = one_line(f"{shown}. Issues that cannot take it are skipped and named; the rest are written at once.")

        def answered(note: str | None) -> None:
            if note is not None:
                self.run_bulk(action, marked, expert_id, note)

        self.app.push_screen(ConfirmScreen(question, detail, True), answered)

    @work(thread=True, exclusive=True, group="bulk", exit_on_error=False)
    def run_bulk(self, action: str, marked: list[str], expert_id: str | None, note: str) -> None:
        self.post_message(self.BulkDone(self.desk.bulk(action, marked, self.actor, expert_id, note)))

    def on_bulk_actions_bulk_done(self, message: BulkActions.BulkDone) -> None:
        result = message.result
        tell(self, result.summary(), severity="warning" if result.skipped else "information", timeout=8)
        queue = self.query_one(QueueView)
        queue.set_marks(queue.marked - set(result.done))  # the skipped stay marked, to be seen
        self.reload()
