"""The outcome form when recording it completes the request: it asks for seed 002's final report too."""

from __future__ import annotations

from pydantic import Field

from triagedesk.tui.screens.forms import FormField, ModelForm, OutcomeForm, _OutcomeValues


class CompletingValues(_OutcomeValues):
    final_report: str = Field(min_length=1, max_length=20000)
    """Seed 002's `finalReport`: what the requester receives."""


class CompletingOutcomeForm(ModelForm):
    """Session outcome, and the request's final report (required: it completes the request)."""

    TITLE_TEXT = "Session outcome · this completes the request: write its final report"
    subject = "the session outcome and its final report"
    FIELDS = (FormField("final_report", "Final report (sent to the requester)", "long",
                        placeholder="what was found, what it is worth, what to do"), *OutcomeForm.FIELDS)

    def __init__(self) -> None:
        super().__init__(CompletingValues)
