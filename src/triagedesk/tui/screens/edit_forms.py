"""Edit forms for an issue and an expert record: prefilled, validated per field by the domain model.

They return only what changed; the desk writes it in one audited write (`Desk.edit`)."""

from __future__ import annotations

import copy
from typing import Any

from pydantic import BaseModel

from triagedesk.domain.models import Expert, Issue
from triagedesk.tui.screens.forms import FormField, ModelForm, NewIssueForm, _dom_id, set_raw_value


def _get(data: dict[str, Any], dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(part)  # type: ignore[assignment]
    return data


def _drop(data: dict[str, Any], dotted: str) -> None:
    *parents, leaf = dotted.split(".")
    for part in parents:
        data = data.get(part)  # type: ignore[assignment]
        if not isinstance(data, dict):
            return
    data.pop(leaf, None)


def _shown(field: FormField, value: Any) -> Any:
    if field.kind == "bool":
        return bool(value)
    if field.kind == "choice":
        return value if value is not None else None
    if value is None:
        return ""
    if field.kind == "list":
        return ", ".join(str(v) for v in value)
    if field.kind == "dollars":
        return f"{value / 100:.2f}"  # cents exactly: 1044811 -> 10448.11
    return str(value)


class EditForm(ModelForm):
    """A `ModelForm` over an existing record: every field prefilled; an emptied field returns to its default."""

    def __init__(self, model: type[BaseModel], current: BaseModel) -> None:
        self.current = current
        self.current_data = current.model_dump()
        fixed = copy.deepcopy(self.current_data)
        for field in self.FIELDS:
            _drop(fixed, field.path)
        super().__init__(model, fixed)

    def on_mount(self) -> None:
        for field in self.FIELDS:
            widget = self.query_one("#" + _dom_id(field.path))
            value = _shown(field, _get(self.current_data, field.path))
            if value is not None:
                set_raw_value(widget, value)
        first = self.query_one("#" + _dom_id(self.FIELDS[0].path))
        first.focus()

    def changes(self, result: BaseModel) -> dict[str, Any]:
        """Top-level fields whose value differs from the record's."""
        new = result.model_dump()
        return {k: v for k, v in new.items() if v != self.current_data.get(k)}


class EditIssueForm(EditForm):
    """Every field a coordinator may correct on an issue (not its id or profile): those of its profile's matching
    `family` ("weighted": seed 000's, "points": seed 002's) when known; the other family's values are kept."""

    FIELDS = tuple(f for f in NewIssueForm.FIELDS if f.path not in ("id", "profile"))

    def __init__(self, issue: Issue, family: str | None = None) -> None:
        if family is not None:
            self.FIELDS = tuple(f for f in type(self).FIELDS if f.family in ("", family))
        self.TITLE_TEXT = f"Edit {issue.id}: each change goes to the audit log"
        self.subject = f"{issue.id} ({issue.title})" if issue.title else str(issue.id)
        super().__init__(Issue, issue)


class EditExpertForm(EditForm):
    """The expert record: contact, specialisations, level, availability to take work."""

    FIELDS = (
        FormField("name", "Name"),
        FormField("email", "Email"),
        FormField("specializations", "Specialisations", "list", placeholder="silver, watches"),
        FormField("certifications", "Certifications", "list"),
        FormField("expertise_level", "Level", "choice", ("junior", "mid", "senior", "expert")),
        FormField("rating", "Rating (0-5)", "float"),
        FormField("escalation_methods", "Contact channels", "list", placeholder="phone, slack, video_conference"),
        FormField("timezone", "Time zone", placeholder="Europe/Berlin"),
        FormField("is_active", "Active (takes new work)", "bool"),
    )

    def __init__(self, expert: Expert) -> None:
        self.TITLE_TEXT = f"Edit expert {expert.id}: each change goes to the audit log"
        self.subject = f"expert {expert.name} ({expert.id})" if expert.name else f"expert {expert.id}"
        super().__init__(Expert, expert)
