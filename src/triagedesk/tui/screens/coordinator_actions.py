"""The coordinator's actions on the selected issue: escalate, pay, assign, reassign, senior, wait, cancel, new."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual import work
from textual.message import Message

from triagedesk.tui.notices import tell
from triagedesk.tui.screens.forms import NewIssueForm
from triagedesk.tui.screens.modals import ConfirmScreen
from triagedesk.tui.widgets.candidates_pane import CandidatesPane

if TYPE_CHECKING:
    from triagedesk.app.desk import Desk
    from triagedesk.tui.keys import Selection


class CoordinatorActions:
    """Mixed into the desk screen: each action confirms (naming who and what) and then writes through `Desk`."""

    desk: Desk
    actor: str
    current: str | None
    selection: Selection
    app: Any
    query_one: Any
    notify: Any
    write: Any
    post_message: Any

    def _confirm(self, question: str, detail: str, then: Callable[[str], None], with_note: bool = True) -> None:
        def answered(note: str | None) -> None:
            if note is not None:
                then(note)

        self.app.push_screen(ConfirmScreen(question, detail, with_note), answered)

    def _request_id(self, missing: str = "This issue has no expert request yet.") -> str | None:
        """The selected issue's request; otherwise one notice saying what is missing."""
        if self.current is None:
            tell(self, "Select an issue first.", severity="warning")
            return None
        if self.selection.request_id is None:
            tell(self, missing, severity="warning")
        return self.selection.request_id

    def action_escalate(self) -> None:
        issue_id, desk, actor = self.current, self.desk, self.actor
        if issue_id is None:
            return
        paid = self.selection.opens_as == "pending_payment"
        detail = "It awaits payment: record it with $, then assign with 1-5." if paid else "Then assign with 1-5."
        self._confirm(f"Open an expert request for {issue_id}?", detail, lambda note: self.write(
            f"{issue_id}: request opened" + (", awaiting payment ($)" if paid else ""),
            lambda: desk.escalate(issue_id, actor, notes=note or None)))

    def action_assign(self, number: int) -> None:
        pane = self.query_one(CandidatesPane)
        if self.current is None or number > len(pane.candidates):
            tell(self, f"There is no candidate #{number}.", severity="warning")
            return
        candidate = pane.candidates[number - 1]
        issue_id, desk, actor = self.current, self.desk, self.actor
        holder = self.selection.holder
        name = candidate.expert_name or candidate.expert_id
        if holder and holder in (candidate.expert_name, candidate.expert_id):
            tell(self, f"{issue_id} is already with {holder}.", severity="warning")
            return
        verb = "reassigned" if holder else "assigned"
        question = f"Reassign {issue_id} from {holder} to {name}?" if holder else f"Assign {issue_id} to {name}?"
        self._confirm(question, f"match {candidate.match_score:.1f} · {'; '.join(candidate.reasons)}",
                      lambda note: self.write(f"{issue_id} {verb} to {name}",
                                              lambda: desk.assign_issue(issue_id, candidate.expert_id, actor, note)))

    def action_reassign(self) -> None:
        request_id = self._request_id("This issue has no expert request yet: assign with 1-5.")
        if not request_id:
            return
        holder = self.selection.holder
        others = [c for c in self.query_one(CandidatesPane).candidates if holder not in (c.expert_name, c.expert_id)]
        if not others:
            tell(self, "No other candidate to reassign to.", severity="warning")
            return
        target, desk, actor = others[0], self.desk, self.actor
        whom = f" from {holder}" if holder else ""
        self._confirm(f"Reassign {request_id}{whom} to {target.expert_name}?", f"match {target.match_score:.1f}",
                      lambda note: self.write(f"{request_id} reassigned to {target.expert_name}",
                                              lambda: desk.act(request_id, "reassign", actor, target.expert_id, note)))

    def _request_action(self, verb: str, question: str, operation: Callable[[str, str], object],
                        detail: str = "") -> None:
        request_id = self._request_id()
        if not request_id:
            return
        self._confirm(question.format(request_id), detail, lambda note: self.write(
            f"{request_id}: {verb}", lambda: operation(request_id, note)))

    @dataclass
    class SeniorFound(Message):
        request_id: str
        holder: str
        senior_id: str
        senior_name: str
        level: str

    def action_senior(self) -> None:
        request_id = self._request_id()
        if request_id:
            self.find_senior(request_id, self.selection.holder)

    @work(thread=True, exclusive=True, group="senior", exit_on_error=False)
    def find_senior(self, request_id: str, holder: str) -> None:
        """Who `e` would give the request to, found off the UI thread, named in the confirmation."""
        senior = self.desk.senior_for(self.desk.require_request(request_id))
        self.post_message(self.SeniorFound(request_id, holder, senior.id, senior.name, senior.expertise_level))

    def on_coordinator_actions_senior_found(self, message: SeniorFound) -> None:
        desk, actor, request_id = self.desk, self.actor, message.request_id
        whom = f" from {message.holder}" if message.holder else ""
        self._confirm(f"Escalate {request_id}{whom} to the senior expert {message.senior_name}?",
                      f"{message.senior_name} ({message.senior_id}) · {message.level}",
                      lambda note: self.write(f"{request_id}: escalated to {message.senior_name}",
                                              lambda: desk.escalate_to_senior(request_id, actor, note,
                                                                              message.senior_id)))

    def action_pay(self) -> None:
        desk, actor = self.desk, self.actor
        self._request_action("payment recorded, assign with 1-5", "Record payment for {}?",
                             lambda rid, note: desk.act(rid, "pay", actor, note=note))

    def action_cancel_request(self) -> None:
        desk, actor = self.desk, self.actor
        self._request_action("cancelled", "Cancel request {}?",
                             lambda rid, note: desk.act(rid, "cancel", actor, note=note))

    def action_wait_resume(self) -> None:
        desk, actor = self.desk, self.actor
        waiting = self.selection.status == "waiting"
        verb = "resume" if waiting else "wait"
        self._request_action(verb, f"{verb.capitalize()} request {{}}?" if waiting else "Wait for the requester on {}?",
                             lambda rid, note: desk.act(rid, verb, actor, note=note))

    def action_new_issue(self) -> None:
        desk, actor = self.desk, self.actor

        def created(issue: Any) -> None:
            if issue is not None:
                self.write(lambda made: f"created {made.id}", lambda: desk.add_issue(issue, actor))

        profiles = [desk.default_profile, *(p for p in desk.profiles() if p != desk.default_profile)]
        self.app.push_screen(NewIssueForm(desk.decide, profiles, desk.profile_families()), created)
