"""The desk's noise keys: mark the issue useful or noise (U), and the maintenance windows (W)."""

from __future__ import annotations

from typing import Any

from triagedesk.tui.screens.choice import ChoiceScreen
from triagedesk.tui.screens.desk_host import DeskHost
from triagedesk.tui.screens.maintenance_screen import MaintenanceScreen, WindowForm, WindowPlan
from triagedesk.tui.screens.modals import ConfirmScreen

FEEDBACK = [("u", "useful", "useful: it needed a human"), ("n", "noise", "noise: nobody needed to act"),
            ("c", "none", "clear the mark")]


class NoiseDoor:
    def __init__(self, host: DeskHost) -> None:
        self.host = host

    def feedback(self) -> None:
        host = self.host
        issue_id = host.current
        assert issue_id is not None
        issue = host.desk.queries.issue(issue_id)
        current = issue.feedback if issue is not None else None

        def chosen(mark: str | None) -> None:
            if mark is None:
                return
            value = None if mark == "none" else mark
            commands, actor = host.desk.commands, host.actor.name
            host.write(f"{issue_id}: {value or 'mark cleared'}",
                       lambda: commands.feedback(issue_id, value, actor))

        host.push(ChoiceScreen(f"Was paging a human for {issue_id} worth it?", FEEDBACK, current), chosen)

    def maintenance(self) -> None:
        host = self.host
        desk = host.desk
        may_change = host.role == "coordinator"
        host.background(desk.queries.windows,
                        lambda found: host.push(MaintenanceScreen(found, desk.clock(), may_change), self._then))

    def _then(self, choice: str | None) -> None:
        host = self.host
        commands, actor = host.desk.commands, host.actor.name
        if choice == "new":
            def made(plan: Any) -> None:
                if isinstance(plan, WindowPlan):
                    host.write(lambda window: f"{window.id} scheduled", lambda: commands.add_window(
                        plan.matchers, plan.starts_at, plan.ends_at, plan.reason, plan.subscribers, actor))

            host.push(WindowForm(), made)
        elif choice and choice.startswith("end:"):
            key = choice[4:]

            def confirmed(note: str | None) -> None:
                if note is not None:
                    host.write(f"{key} ended", lambda: commands.end_window(key, actor, note))

            host.push(ConfirmScreen(f"End maintenance window {key} now?",
                                    "Its alerts page again; those still firing go on as if they had just arrived.",
                                    confirm="End it"), confirmed)
