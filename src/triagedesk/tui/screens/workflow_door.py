"""The one path from a key to a write: an intent, the action table's plan (off the UI thread), a confirmation
naming what will happen, then one durable write. A refusal is the table's reason, with the keys that come first."""

from __future__ import annotations

from dataclasses import replace

from triagedesk.domain.requests.actions import ACTIONS, Refusal
from triagedesk.domain.requests.plan import Intent, Plan
from triagedesk.tui import keys
from triagedesk.tui.notices import tell
from triagedesk.tui.screens.desk_host import DeskHost
from triagedesk.tui.screens.modals import ConfirmScreen


def refusal_text(refusal: Refusal) -> str:
    """The table's reason, naming the keys of what must come first."""
    first = ", then ".join(keys.KEY_OF.get(step, step) for step in refusal.first)
    return f"{refusal.text} (first: {first})" if first else refusal.text


class WorkflowDoor:
    """Propose an intent: the plan is shown before anything is written, and written as planned again under lock."""

    def __init__(self, host: DeskHost) -> None:
        self.host = host

    def propose(self, intent: Intent, confirm: bool | None = None) -> None:
        host = self.host
        commands, actor = host.desk.commands, host.actor
        host.background(lambda: commands.preview(actor, intent), lambda found: self._planned(intent, found, confirm))

    def _planned(self, intent: Intent, found: Refusal | Plan, confirm: bool | None) -> None:
        if isinstance(found, Refusal):
            if found.overridable and not intent.override:
                self._offer_override(intent, found)
            else:
                tell(self.host, refusal_text(found), severity="warning")
            return
        asks = ACTIONS[intent.action].confirm if confirm is None else confirm
        if not asks:
            self.commit(intent)
            return
        detail = "; ".join(found.detail)
        self.host.push(ConfirmScreen(found.question, detail, True, confirm=found.verb or ACTIONS[intent.action].label),
                       lambda note: self.commit(replace(intent, note=note or intent.note)) if note is not None
                       else None)

    def _offer_override(self, intent: Intent, found: Refusal) -> None:
        """Outside the specialisation: a coordinator may assign anyway, saying why (audited)."""
        def answered(note: str | None) -> None:
            if note is None:
                return
            if not note.strip():
                tell(self.host, "An override needs a note saying why: nothing was written.", severity="warning")
                return
            self.propose(replace(intent, override=True, note=note.strip()), confirm=False)

        issue = self.host.data.issues.get(intent.issue_id)
        named = f"{intent.issue_id} ({issue.title})" if issue is not None and issue.title else intent.issue_id
        self.host.push(ConfirmScreen(f"Assign {named} anyway? {found.reason[:1].upper()}{found.reason[1:]}.",
                                     "An assignment outside the specialisation needs a note (it is audited).", True,
                                     confirm="Assign anyway"), answered)

    def commit(self, intent: Intent) -> None:
        commands, actor = self.host.desk.commands, self.host.actor
        self.host.write(lambda plan: plan.summary, lambda: commands.run(actor, intent))
