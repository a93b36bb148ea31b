"""Forms validated by the domain's pydantic models, with errors shown at the field: new issue, outcome."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field, ValidationError
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from triagedesk.display import literal
from triagedesk.domain.inputs import set_path
from triagedesk.domain.models import Decision, Issue
from triagedesk.tui.notices import tell


@dataclass(frozen=True)
class FormField:
    """One input: where its value goes (a dotted path), how to read it, what it says."""

    path: str
    label: str
    kind: str = "text"  # text | int | float | list | dollars | bool | choice
    choices: tuple[str, ...] = ()
    placeholder: str = ""
    family: str = ""
    """Shown only for profiles of this matching family ("weighted": seed 000's, "points": seed 002's); "" always."""


def _dom_id(path: str) -> str:
    return "f-" + path.replace(".", "-")


def _parse(field: FormField, raw: Any) -> Any:
    if field.kind == "bool":
        return bool(raw)
    if field.kind == "choice":
        return None if raw is None or raw is Select.NULL or raw == "" else raw
    text = str(raw).strip()
    if text == "":
        return None
    if field.kind == "list":
        return [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]
    if field.kind == "dollars":
        try:
            return round(float(text.replace(",", "").lstrip("$")) * 100)
        except ValueError:
            return text
    return text  # pydantic converts numbers and reports what it cannot


class ModelForm(ModalScreen[BaseModel | None]):
    """A modal form whose values are validated as `model`; each error appears under its field."""

    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "submit", "Save")]
    TITLE_TEXT = "Form"
    FIELDS: tuple[FormField, ...] = ()

    def __init__(self, model: type[BaseModel], fixed: dict[str, Any] | None = None) -> None:
        super().__init__()
        self.model = model
        self.fixed = fixed or {}

    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            yield Label(self.TITLE_TEXT, id="form-title")
            with VerticalScroll(id="form-fields"):
                for field in self.FIELDS:
                    with Vertical(id="box-" + _dom_id(field.path), classes=f"field-box family-{field.family or 'all'}"):
                        yield Label(field.label, classes="field-label")
                        if field.kind == "bool":
                            yield Checkbox(field.label, id=_dom_id(field.path))
                        elif field.kind == "choice":
                            yield Select([(c, c) for c in field.choices], id=_dom_id(field.path), allow_blank=True)
                        else:
                            yield Input(placeholder=field.placeholder, id=_dom_id(field.path))
                        yield Static("", id="err-" + _dom_id(field.path), classes="field-error")
            yield Static("", id="preview")  # outside the scroll: the preview stays in sight
            with Horizontal(id="buttons"):
                yield Button("Save (ctrl+s)", variant="primary", id="save")
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        """The first field shown has the focus at once (Textual runs this after a subclass's own on_mount)."""
        shown = [w for w in self.query("#form Input, #form Select, #form Checkbox")
                 if w.parent is not None and w.parent.display]
        if shown:
            shown[0].focus()

    def values(self) -> dict[str, Any]:
        data: dict[str, Any] = dict(self.fixed)
        for field in self.FIELDS:
            if not self.query_one("#box-" + _dom_id(field.path)).display:
                continue  # another profile's field
            widget = self.query_one("#" + _dom_id(field.path))
            value = _parse(field, getattr(widget, "value", None))
            if value is None:
                continue
            set_path(data, field.path, value)
        return data

    def validate_form(self) -> BaseModel | None:
        for error_label in self.query(".field-error").results(Static):
            error_label.update("")
        try:
            result = self.model.model_validate(self.values())
        except ValidationError as exc:
            for err in exc.errors():
                path = ".".join(str(p) for p in err["loc"] if isinstance(p, str))
                if not path:
                    continue
                target = self.query("#err-" + _dom_id(path))
                message = "unknown field" if err["type"] == "extra_forbidden" else err["msg"]
                if target:
                    target.first(Static).update(Text(message, style="bold red"))
                else:
                    self.query_one("#preview", Static).update(literal(f"{path}: {message}", "bold red"))
            return None
        self.preview(result)
        return result

    def preview(self, result: BaseModel) -> None:
        """Show what the values mean; forms override it."""

    def on_input_changed(self) -> None:
        self.validate_form()

    def on_select_changed(self) -> None:
        self.validate_form()

    def on_checkbox_changed(self) -> None:
        self.validate_form()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_submit()
        else:
            self.dismiss(None)

    def on_input_submitted(self) -> None:
        self.action_submit()

    def action_submit(self) -> None:
        result = self.validate_form()
        if result is None:
            tell(self, "Fix the fields marked in red.", severity="warning")
            return
        self.dismiss(result)

    def action_cancel(self) -> None:
        self.dismiss(None)


class NewIssueForm(ModelForm):
    """Intake: a new issue; the decision re-computes as fields change."""

    TITLE_TEXT = "New issue (the decision updates as you type)"
    FIELDS: tuple[FormField, ...] = (
        FormField("profile", "Profile", "choice", ("infrastructure", "appraisal")),
        FormField("id", "Id", placeholder="blank: the next id in the profile's style (INC-…, APR-…)"),
        FormField("title", "Title"),
        FormField("description", "Description"),
        FormField("users_affected", "Users affected", "int", family="weighted"),
        FormField("total_users", "Total users", "int", family="weighted"),
        FormField("affected_systems", "Affected systems", "list", placeholder="db-1, api", family="weighted"),
        FormField("estimated_revenue_impact", "Revenue impact ($)", "float", family="weighted"),
        FormField("compliance_risk_level", "Compliance risk", "choice", ("low", "medium", "high"), family="weighted"),
        FormField("data_classification", "Data classification", "choice",
                  ("public", "internal", "confidential", "restricted"), family="weighted"),
        FormField("research.overall_confidence", "Research confidence (0-1)", "float", family="weighted"),
        FormField("research.failed_remediation_attempts", "Failed remediation attempts", "int", family="weighted"),
        FormField("category", "Category", placeholder="silver, watches, art...", family="points"),
        FormField("estimated_value.min", "Value from ($)", "dollars", family="points"),
        FormField("estimated_value.max", "Value to ($)", "dollars", family="points"),
        FormField("confidence", "AI confidence (0-1)", "float", family="points"),
        FormField("authentication_risk", "Authentication risk", "choice",
                  ("none", "low", "medium", "high", "very_high"), family="points"),
    )

    def __init__(self, decide: Callable[[Issue], Decision], profiles: list[str] | None = None,
                 families: dict[str, str] | None = None) -> None:
        super().__init__(Issue)
        self.decide = decide
        self.profiles = profiles or ["infrastructure"]
        self.families = families or {}
        self.FIELDS = tuple(FormField("profile", "Profile", "choice", tuple(self.profiles)) if f.path == "profile"
                            else f for f in type(self).FIELDS)

    def on_mount(self) -> None:
        choice = self.query_one("#f-profile", Select)
        choice.value = self.profiles[0]
        self._show_family(self.profiles[0])

    def _show_family(self, profile: str) -> None:
        """Only the chosen profile's fields (seed 000's for weighted matching, seed 002's for points)."""
        family = self.families.get(profile, "weighted")
        for box in self.query(".field-box"):
            box.display = box.has_class("family-all") or box.has_class(f"family-{family}")

    @on(Select.Changed, "#f-profile")
    def profile_chosen(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self._show_family(event.value)

    def preview(self, result: BaseModel) -> None:
        assert isinstance(result, Issue)
        decision = self.decide(result.model_copy(update={"profile": result.profile or self.profiles[0]}))
        text = Text()
        text.append(f"{decision.urgency.upper()}  score {decision.score:.2f}  ", style="bold")
        text.append("escalate" if decision.should_escalate else "no escalation")
        for reason in decision.reasons[:4]:
            text.append_text(literal(f"\n• {reason}"))
        self.query_one("#preview", Static).update(text)


class _OutcomeValues(BaseModel):
    resolution_achieved: bool = False
    recommendations: list[str] = Field(default_factory=list)
    actions_taken: list[str] = Field(default_factory=list)
    knowledge_gained: str = ""
    follow_up_needed: bool = False
    rating: int | None = Field(None, ge=1, le=5)


class OutcomeForm(ModelForm):
    """Seed 000's outcome capture for the running session."""

    TITLE_TEXT = "Session outcome"
    FIELDS = (
        FormField("resolution_achieved", "Resolution achieved", "bool"),
        FormField("recommendations", "Recommendations", "list", placeholder="separate with commas"),
        FormField("actions_taken", "Actions taken", "list"),
        FormField("knowledge_gained", "Knowledge gained"),
        FormField("follow_up_needed", "Follow-up needed", "bool"),
        FormField("rating", "Rating (1-5)", "int"),
    )

    def __init__(self) -> None:
        super().__init__(_OutcomeValues)
