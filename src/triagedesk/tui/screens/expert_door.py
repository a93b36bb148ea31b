"""The expert's keys on a request they hold: acknowledge, sessions, the outcome, corrections."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from triagedesk.domain.requests import corrections
from triagedesk.domain.requests.actions import Refusal
from triagedesk.domain.requests.plan import Intent
from triagedesk.tui import keys
from triagedesk.tui.notices import tell
from triagedesk.tui.screens.correction_form import Correctable, CorrectionForm
from triagedesk.tui.screens.desk_host import DeskHost
from triagedesk.tui.screens.forms import OutcomeForm
from triagedesk.tui.screens.outcome_forms import CompletingOutcomeForm
from triagedesk.tui.screens.workflow_door import WorkflowDoor, refusal_text

OUTCOME_FIELDS = ("resolution_achieved", "recommendations", "actions_taken", "knowledge_gained", "follow_up_needed",
                  "rating", "final_report")


@dataclass(frozen=True)
class _Assessed:
    profile: str
    fields: list[Correctable]
    refused: str | None = None
    """The domain's reason no correction can be made (a profile without correctable fields)."""


class ExpertDoor:
    """Each key builds an intent for the desk's own expert; forms gather an outcome's and a correction's values."""

    def __init__(self, host: DeskHost, door: WorkflowDoor) -> None:
        self.host = host
        self.door = door

    def _intent(self, action: str, **args: Any) -> Intent:
        host = self.host
        assert host.current is not None
        return Intent(action, host.current, host.selection.request_id, **args)

    def acknowledge(self) -> None:
        self.door.propose(self._intent("acknowledge"))

    def claim(self) -> None:
        self.door.propose(self._intent("claim"))

    def start_session(self) -> None:
        self.door.propose(self._intent("start"))

    def toggle_session(self) -> None:
        self.door.propose(self._intent(keys.toggle_rule(self.host.selection)))

    def end_session(self) -> None:
        self.door.propose(self._intent("end_session"))

    def outcome(self) -> None:
        selection = self.host.selection
        completes = selection.status == "in_review" and selection.holder_id == self.host.expert_id

        def save(values: Any) -> None:
            if values is not None:
                found = {k: getattr(values, k) for k in OUTCOME_FIELDS if hasattr(values, k)}
                self.door.propose(self._intent("outcome", values=found))

        self.host.push(CompletingOutcomeForm() if completes else OutcomeForm(), save)

    def correction(self) -> None:
        """The profile's correctable fields with the assessment's values, read off the UI thread, then the form."""
        host = self.host
        issue_id = host.current
        assert issue_id is not None
        desk = host.desk

        def read() -> _Assessed | None:
            issue = desk.queries.issue(issue_id)
            if issue is None:
                return None
            profile, decision = desk.engine.profile(issue.profile), desk.engine.decide(issue)
            refused = corrections.nothing_to_correct(profile)
            if refused is not None:
                return _Assessed(profile.name, [], refused)
            return _Assessed(profile.name, [
                Correctable(name, spec.label, corrections.assessed(name, issue, decision, profile))
                for name, spec in profile.corrections.fields.items()])

        host.background(read, self._correct)

    def _correct(self, found: _Assessed | None) -> None:
        if found is None:
            return
        if found.refused is not None:  # every key answers: a notice, not an empty form
            tell(self.host, refusal_text(Refusal("correction", found.refused)), severity="warning")
            return

        def save(values: Any) -> None:
            if values is not None:
                self.door.propose(self._intent("correction", values=values.model_dump()))

        self.host.push(CorrectionForm(found.profile, found.fields), save)
