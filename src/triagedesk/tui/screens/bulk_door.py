"""Bulk actions on the marked rows: the same plan per row as a single key, previewed by group, written at once."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace

from triagedesk.app.commands import BulkResult
from triagedesk.display import one_line
from triagedesk.domain.requests.actions import Refusal
from triagedesk.domain.requests.plan import Intent, Plan
from triagedesk.tui.notices import tell
from triagedesk.tui.screens.choice import ChoiceScreen
from triagedesk.tui.screens.desk_host import DeskHost
from triagedesk.tui.screens.modals import ConfirmScreen

BULK_CHOICES = [("a", "assign", "Assign them to one expert"), ("e", "escalate", "Escalate them (open a request each)"),
                ("x", "cancel", "Cancel their open requests")]
VERBS = {"assign": "will be assigned", "reassign": "will be reassigned", "escalate": "will be escalated",
         "cancel": "will be cancelled"}
BUTTONS = {"assign": "Assign them", "escalate": "Escalate them", "cancel": "Cancel the requests"}
"""What the confirming button of each bulk action says."""
NAMED = 6
"""Issues named in the confirmation (the rest counted)."""


@dataclass(frozen=True)
class Preview:
    """What a bulk action would do to each marked row, grouped for the confirmation."""

    intents: list[Intent]
    plans: list[Refusal | Plan]

    def lines(self) -> list[str]:
        """"12 will be assigned; 16 skipped: the issue must be escalated and paid first"."""
        will = Counter(p.intent.action for p in self.plans if isinstance(p, Plan))
        opened = sum(1 for p in self.plans if isinstance(p, Plan) and len([w for w in p.writes if w.new]) > 0
                     and p.intent.action != "escalate")
        out = [f"{n} {VERBS.get(action, action)}" for action, n in will.items()]
        if opened:
            out.append(f"{opened} of them get a request opened first")
        skipped = Counter(p.reason for p in self.plans if isinstance(p, Refusal))
        out += [f"{n} skipped: {reason}" for reason, n in skipped.most_common()]
        return out

    @property
    def takes(self) -> int:
        return sum(isinstance(p, Plan) for p in self.plans)

    def taken(self) -> str:
        """The issues the action takes, by id: "INC-000001, APR-000002 and 4 more"."""
        ids = [p.intent.issue_id for p in self.plans if isinstance(p, Plan)]
        shown = ", ".join(ids[:NAMED])
        return f"{shown} and {len(ids) - NAMED} more" if len(ids) > NAMED else shown

    @property
    def overridable(self) -> list[Refusal]:
        """The rows a coordinator may take anyway with a note (outside the specialisation), as the single key."""
        return [p for p in self.plans if isinstance(p, Refusal) and p.overridable]

    def overridden(self) -> list[Intent]:
        """Every row's intent, those refused as overridable with the override asked (the note makes it legal)."""
        return [replace(i, override=True) if isinstance(p, Refusal) and p.overridable else i
                for i, p in zip(self.intents, self.plans, strict=True)]


class BulkDoor:
    """M: one choice, a preview of every row's plan by group, one confirmation, one durable write."""

    def __init__(self, host: DeskHost) -> None:
        self.host = host

    def bulk(self) -> None:
        marked = self.host.marked_rows()
        self.host.push(ChoiceScreen(f"{len(marked)} marked: what to do with them?", BULK_CHOICES),
                       lambda action: self._chosen(action, marked) if action else None)

    def _chosen(self, action: str, marked: list[str]) -> None:
        if action != "assign":
            self._preview(action, marked, None, "")
            return
        host = self.host
        profiles = {host.data.profile[row] for key in marked if (row := host.data.position(key)) is not None}
        experts = host.desk.figures.experts_for(profiles)
        if not experts:
            tell(host, "No active expert works these issues' profiles.", severity="warning")
            return
        letters = "123456789abcdefghijklmnopqrstuvwxyz"
        choices = [(letters[n] if n < len(letters) else "", e.id,
                    f"{e.name or e.id} · {', '.join(e.specializations[:3]) or 'no specialisation'}"
                    f" · {e.expertise_level} · load {e.current_workload}") for n, e in enumerate(experts)]
        names = {e.id: e.name or e.id for e in experts}
        host.push(ChoiceScreen(f"Assign {len(marked)} issues to", choices),
                  lambda expert: self._preview("assign", marked, expert, names.get(expert, "")) if expert else None)

    def _preview(self, action: str, marked: list[str], expert_id: str | None, expert_name: str) -> None:
        host = self.host
        commands, actor = host.desk.commands, host.actor

        def planned() -> Preview:  # per row, what its single key would do (a held row's 1-5 reassigns)
            intents = [commands.giving(key, expert_id) if action == "assign" else Intent(action, key)
                       for key in marked]
            return Preview(intents, commands.preview_many(actor, intents))

        host.background(planned, lambda found: self._confirm(action, found, expert_name))

    def _confirm(self, action: str, found: Preview, expert_name: str) -> None:
        count = f"{len(found.intents)} marked issue{'s' if len(found.intents) != 1 else ''}"
        if not found.takes and found.overridable:
            self._offer_override(action, found, expert_name, count)
            return
        if not found.takes:
            tell(self.host, f"Nothing to do for the {count}: " + "; ".join(found.lines()), severity="warning",
                 timeout=10)
            return
        question = {"assign": f"Assign {found.takes} of the {count} to {expert_name}?",
                    "escalate": f"Escalate {found.takes} of the {count}?",
                    "cancel": f"Cancel the open requests of {found.takes} of the {count}?"}[action]
        again = " (M again assigns those outside the specialisation anyway, with a note)" if found.overridable else ""
        detail = one_line(f"{found.taken()}: " + "; ".join(found.lines()) + ". They are written at once; skipped "
                          f"rows stay marked{again}.")
        def answered(note: str | None) -> None:
            if note is not None:  # every row is planned again under the lock: what changed meanwhile is skipped
                self.run(action, found.intents, note)

        self.host.push(ConfirmScreen(question, detail, True, confirm=BUTTONS[action]), answered)

    def _offer_override(self, action: str, found: Preview, expert_name: str, count: str) -> None:
        """As the single key offers it, when no row can be taken otherwise: rows outside the expert's
        specialisation are assigned anyway with a note (audited)."""
        many = len(found.overridable)
        question = f"{many} of the {count} {'is' if many == 1 else 'are'} outside {expert_name}'s specialisation " \
                   f"({found.overridable[0].reason}). Assign anyway?"
        detail = one_line("; ".join(found.lines()) + ". An assignment outside the specialisation needs a note "
                          "(it is audited).")

        def answered(note: str | None) -> None:
            if note is None:
                return
            if not note.strip():
                tell(self.host, "An override needs a note saying why: nothing was written.", severity="warning")
                return
            self.run(action, found.overridden(), note.strip())

        self.host.push(ConfirmScreen(question, detail, True, confirm="Assign anyway"), answered)

    def run(self, action: str, intents: list[Intent], note: str) -> None:
        host = self.host
        commands, actor = host.desk.commands, host.actor
        noted = [replace(i, note=note) for i in intents]
        host.background(lambda: commands.run_many(actor, noted, action), self._done)

    def _done(self, result: BulkResult) -> None:
        tell(self.host, result.summary(), severity="warning" if result.skipped else "information", timeout=8)
        self.host.unmark(set(result.done))
        self.host.reload()
