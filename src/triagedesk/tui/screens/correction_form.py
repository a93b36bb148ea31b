"""Seed 002's ExpertCorrection as a form: a field chosen from the profile's correctable fields, its assessed value
filled in (and kept), the correction and why."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field
from textual import on
from textual.widgets import Input, Select

from triagedesk.tui.screens.forms import FormField, ModelForm


@dataclass(frozen=True)
class Correctable:
    """One field the expert may correct, and the assessment's value of it (None: the expert types it)."""

    name: str
    label: str
    assessed: Any = None

    def shown(self) -> str:
        if self.assessed is None:
            return ""
        return self.assessed if isinstance(self.assessed, str) else json.dumps(self.assessed, ensure_ascii=False)


class CorrectionValues(BaseModel):
    field: str = Field(min_length=1)
    original_value: str = ""
    corrected_value: str = Field(min_length=1)
    explanation: str = ""
    confidence: float = Field(0.9, ge=0.0, le=1.0)


class CorrectionForm(ModelForm):
    """Only the profile's correctable fields are offered; choosing one fills in what the assessment said."""

    TITLE_TEXT = "Correction to the automated assessment"
    FIELDS = (
        FormField("field", "Field (the profile's correctable fields)", "choice"),
        FormField("original_value", "Assessed value (filled in where the assessment has it)"),
        FormField("corrected_value", "Corrected value"),
        FormField("explanation", "Explanation", "long"),
        FormField("confidence", "Your confidence (0-1)", "float", placeholder="0.9"),
    )

    def __init__(self, profile: str, fields: list[Correctable]) -> None:
        super().__init__(CorrectionValues)
        self.profile = profile
        self.correctable = {f.name: f for f in fields}
        self.TITLE_TEXT = f"Correction to the automated {profile} assessment"
        self.subject = f"the correction to the {profile} assessment"

    def on_mount(self) -> None:
        select = self.query_one("#f-field", Select)
        select.set_options([(f"{f.label} ({f.name})", f.name) for f in self.correctable.values()])

    @on(Select.Changed, "#f-field")
    def field_chosen(self, event: Select.Changed) -> None:
        chosen = self.correctable.get(str(event.value)) if event.value is not Select.NULL else None
        original = self.query_one("#f-original_value", Input)
        if chosen is not None and chosen.assessed is not None:
            original.value = chosen.shown()
            original.disabled = True  # the assessment said it: the expert corrects, not rewrites, it
        else:
            original.disabled = False
