"""The coordinator's keys on the selected issue: escalate, pay, assign, reassign, senior, wait, cancel, new, edit."""

from __future__ import annotations

from typing import Any

from triagedesk.domain.requests.plan import Intent
from triagedesk.tui import keys
from triagedesk.tui.notices import tell
from triagedesk.tui.screens.desk_host import DeskHost
from triagedesk.tui.screens.edit_forms import EditIssueForm
from triagedesk.tui.screens.forms import NewIssueForm
from triagedesk.tui.screens.workflow_door import WorkflowDoor


class CoordinatorDoor:
    """Each key builds an intent; the workflow door plans, confirms and writes it."""

    def __init__(self, host: DeskHost, door: WorkflowDoor) -> None:
        self.host = host
        self.door = door

    def _intent(self, action: str, **args: Any) -> Intent:
        host = self.host
        assert host.current is not None  # the key's own condition (an issue is selected) was checked
        return Intent(action, host.current, host.selection.request_id, **args)

    def escalate(self) -> None:
        self.door.propose(self._intent("escalate"))

    def pay(self) -> None:
        self.door.propose(self._intent("pay"))

    def assign(self, number: int) -> None:
        candidate = self.host.candidates()[number - 1]
        self.door.propose(self._intent(keys.give_rule(self.host.selection), expert_id=candidate.expert_id))

    def reassign(self) -> None:
        self.door.propose(self._intent("reassign"))

    def senior(self) -> None:
        self.door.propose(self._intent("senior"))

    def wait_resume(self) -> None:
        self.door.propose(self._intent(keys.wait_rule(self.host.selection)))

    def cancel_request(self) -> None:
        self.door.propose(self._intent("cancel"))

    def new_issue(self) -> None:
        host = self.host
        desk, actor = host.desk, host.actor.name

        def created(issue: Any) -> None:
            if issue is not None:
                host.write(lambda made: f"created {made.id}", lambda: desk.commands.add_issue(issue, actor))

        engine = desk.engine
        profiles = [engine.default_profile, *(p for p in engine.profiles() if p != engine.default_profile)]
        host.push(NewIssueForm(engine.decide, profiles, engine.profile_families()), created)

    def edit_issue(self) -> None:
        host = self.host
        issue_id = host.current
        assert issue_id is not None
        host.background(lambda: host.desk.queries.issue(issue_id), lambda issue: self._edit(issue))

    def _edit(self, issue: Any) -> None:
        host = self.host
        if issue is None:
            tell(host, "The issue is no longer in the store.", severity="warning")
            return
        form = EditIssueForm(issue, host.desk.engine.profile_families().get(issue.profile or ""))
        desk, actor = host.desk, host.actor.name

        def saved(result: Any) -> None:
            if result is None:
                return
            changes = form.changes(result)
            if not changes:
                tell(host, "Nothing changed.")
                return
            host.write(f"{issue.id}: {', '.join(sorted(changes))} changed",
                       lambda: desk.commands.edit("issues", issue.id, changes, actor))

        host.push(form, saved)

    def package(self) -> None:
        """The escalation package of the selected issue, built on a worker, shown to read and save (m)."""
        from triagedesk.tui.screens.modals import PackageScreen

        host = self.host
        issue_id, queries, folder = host.current, host.desk.queries, host.desk.folder
        assert issue_id is not None
        host.background(lambda: queries.package(issue_id),
                        lambda text: host.push(PackageScreen(issue_id, text, folder)))
