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
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, Select, Static, TextArea

from triagedesk.display import literal
from triagedesk.domain.inputs import set_path
from triagedesk.domain.models import Decision, Issue
from triagedesk.tui.external_editor import EDITOR_KEY, edit_in_editor
from triagedesk.tui.notices import tell
from triagedesk.tui.screens.discard import EditingModal


@dataclass(frozen=True)
class FormField:
    """One input: where its value goes (a dotted path), how to read it, what it says."""

    path: str
    label: str
    kind: str = "text"  # text | long | int | float | list | dollars | bool | choice
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


def raw_value(widget: Widget) -> Any:
    """What a field's widget holds now (a long text's whole text)."""
    return widget.text if isinstance(widget, TextArea) else getattr(widget, "value", None)


def set_raw_value(widget: Widget, value: Any) -> None:
    if isinstance(widget, TextArea):
        widget.load_text(str(value))
    else:
        widget.value = value  # type: ignore[attr-defined]


class ModelForm(EditingModal[BaseModel]):
    """A modal form whose values are validated as `model`; each error appears under its field. One line a field
    (a long text: a few), label beside it, so a form at 80x24 shows many fields and scrolls to the focused one.
    Esc asks before it throws typed values away (`EditingModal`)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "submit", "Save"),
                Binding(EDITOR_KEY, "open_editor", "Editor", show=False)]
    TITLE_TEXT = "Form"
    FIELDS: tuple[FormField, ...] = ()

    def __init__(self, model: type[BaseModel], fixed: dict[str, Any] | None = None) -> None:
        super().__init__()
        self.model = model
        self.fixed = fixed or {}

    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            yield Label(literal(self.TITLE_TEXT), id="form-title")
            with VerticalScroll(id="form-fields"):
                for field in self.FIELDS:
                    with Horizontal(id="box-" + _dom_id(field.path),
                                    classes=f"field-box family-{field.family or 'all'} kind-{field.kind}"):
                        label = Text(field.label)
                        if field.kind == "long":
                            label.append(f"\n{EDITOR_KEY}: your editor", style="dim")
                        yield Label(label, classes="field-label")
                        with Vertical(classes="field-input"):
                            yield self._input(field)
                            error = Static("", id="err-" + _dom_id(field.path), classes="field-error")
                            error.display = False
                            yield error
            preview = Static("", id="preview")  # outside the scroll: the preview stays in sight
            preview.display = False  # until there is something to show
            yield preview
            with Horizontal(id="buttons"):
                yield Button("Save (ctrl+s)", variant="primary", id="save", compact=True)
                yield Button("Cancel (esc)", id="cancel", compact=True)
                if any(f.kind == "long" for f in self.FIELDS):
                    yield Label(f"{EDITOR_KEY}: a long text in $EDITOR", classes="hint")

    @staticmethod
    def _input(field: FormField) -> Widget:
        if field.kind == "bool":
            return Checkbox("", id=_dom_id(field.path), compact=True)
        if field.kind == "choice":
            return Select([(c, c) for c in field.choices], id=_dom_id(field.path), allow_blank=True, compact=True)
        if field.kind == "long":
            area = TextArea("", id=_dom_id(field.path), soft_wrap=True, compact=True, tab_behavior="focus")
            area.placeholder = field.placeholder
            return area
        return Input(placeholder=field.placeholder, id=_dom_id(field.path), compact=True)

    def on_mount(self) -> None:
        """The first field shown has the focus at once (Textual runs this after a subclass's own on_mount)."""
        shown = [w for w in self.query("#form Input, #form Select, #form Checkbox, #form TextArea")
                 if w.parent is not None and w.parent.parent is not None and w.parent.parent.display]
        if shown:
            shown[0].focus()

    def on_resize(self) -> None:
        self.set_class(self.size.height < 32, "-short")  # 80x24: no gap between fields, a shorter preview

    def edits(self) -> object:
        return tuple(raw_value(self.query_one("#" + _dom_id(f.path))) for f in self.FIELDS)

    def values(self) -> dict[str, Any]:
        data: dict[str, Any] = dict(self.fixed)
        for field in self.FIELDS:
            if not self.query_one("#box-" + _dom_id(field.path)).display:
                continue  # another profile's field
            value = _parse(field, raw_value(self.query_one("#" + _dom_id(field.path))))
            if value is None:
                continue
            set_path(data, field.path, value)
        return data

    def _error(self, path: str, message: Text | None) -> bool:
        """Show `message` under the field at `path` (None clears it); False when the form has no such field."""
        found = self.query("#err-" + _dom_id(path))
        if not found:
            return False
        label = found.first(Static)
        label.update(message or "")
        label.display = message is not None
        return True

    def validate_form(self) -> BaseModel | None:
        for field in self.FIELDS:
            self._error(field.path, None)
        try:
            result = self.model.model_validate(self.values())
        except ValidationError as exc:
            for err in exc.errors():
                path = ".".join(str(p) for p in err["loc"] if isinstance(p, str))
                if not path:
                    continue
                message = "unknown field" if err["type"] == "extra_forbidden" else err["msg"]
                if not self._error(path, Text(message, style="bold red")):
                    self.show_preview(literal(f"{path}: {message}", "bold red"))
            return None
        self.preview(result)
        return result

    def preview(self, result: BaseModel) -> None:
        """Show what the values mean; forms override it."""

    def show_preview(self, content: Text) -> None:
        preview = self.query_one("#preview", Static)
        preview.update(content)
        preview.display = True

    def on_input_changed(self) -> None:
        self.validate_form()

    def on_text_area_changed(self) -> None:
        self.validate_form()

    def on_select_changed(self) -> None:
        self.validate_form()

    def on_checkbox_changed(self) -> None:
        self.validate_form()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_submit()
        else:
            self.action_cancel()

    def on_input_submitted(self) -> None:
        self.action_submit()

    def action_submit(self) -> None:
        result = self.validate_form()
        if result is None:
            tell(self, "Fix the fields marked in red.", severity="warning")
            return
        self.dismiss(result)

    def action_open_editor(self) -> None:
        """The focused long text (else the form's first) in the user's editor; what it saves comes back."""
        longs = [self.query_one("#" + _dom_id(f.path), TextArea) for f in self.FIELDS if f.kind == "long"
                 if self.query_one("#box-" + _dom_id(f.path)).display]
        if not longs:
            tell(self, "This form has no long text to open in an editor.", severity="warning")
            return
        area = self.focused if isinstance(self.focused, TextArea) and self.focused in longs else longs[0]
        field = next(f for f in self.FIELDS if _dom_id(f.path) == area.id)
        edited = edit_in_editor(self.app, area.text, field.label.lower())
        if edited.problem:
            tell(self, edited.problem, severity="warning", timeout=8)
        if edited.text is not None and edited.text != area.text:
            area.load_text(edited.text)
            area.move_cursor(area.document.end)
        area.focus()


class NewIssueForm(ModelForm):
    """Intake: a new issue; the decision re-computes as fields change."""

    TITLE_TEXT = "New issue (the decision updates as you type)"
    subject = "the new issue"
    FIELDS: tuple[FormField, ...] = (
        FormField("profile", "Profile", "choice", ("infrastructure", "appraisal")),
        FormField("id", "Id", placeholder="blank: the profile's next id"),
        FormField("title", "Title"),
        FormField("description", "Description", "long"),
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
        self.show_preview(text)


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
    subject = "the session outcome"
    FIELDS = (
        FormField("resolution_achieved", "Resolution achieved", "bool"),
        FormField("recommendations", "Recommendations", "list", placeholder="separate with commas"),
        FormField("actions_taken", "Actions taken", "list"),
        FormField("knowledge_gained", "Knowledge gained", "long"),
        FormField("follow_up_needed", "Follow-up needed", "bool"),
        FormField("rating", "Rating (1-5)", "int"),
    )

    def __init__(self) -> None:
        super().__init__(_OutcomeValues)
