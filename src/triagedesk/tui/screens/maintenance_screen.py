"""Maintenance windows on the desk: the list (active, upcoming, then the rest), and the form that schedules one."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from triagedesk.display import literal, one_line
from triagedesk.domain.intake.matchers import parse_matcher
from triagedesk.domain.intake.records import MaintenanceWindow
from triagedesk.domain.models import as_utc
from triagedesk.tui.screens.forms import FormField, ModelForm


def state_of(window: MaintenanceWindow, now: datetime) -> str:
    if window.ended_at is not None and window.ended_at <= window.starts_at:
        return "called off"
    if window.active(now):
        return "active"
    return "upcoming" if window.starts_at > now else "over"


def window_line(window: MaintenanceWindow, now: datetime) -> str:
    state = state_of(window, now)
    when = (f"until {window.until:%m-%d %H:%M}" if state == "active" else
            f"{window.starts_at:%m-%d %H:%M} → {window.until:%H:%M}")
    return one_line(f"{window.id:<6} {state:<10} {when:<22} {', '.join(window.matchers)} · {window.reason} "
                    f"· by {window.created_by or '-'}", 140)


class MaintenanceScreen(ModalScreen[str | None]):
    """Every window, active and upcoming first; `n` schedules one, `x` ends the highlighted one (a coordinator's)."""

    BINDINGS = [Binding("escape,q", "close", "Close"), Binding("n", "new", "New"), Binding("x", "end", "End")]

    def __init__(self, windows: list[MaintenanceWindow], now: datetime, may_change: bool) -> None:
        super().__init__()
        order = {"active": 0, "upcoming": 1, "over": 2, "called off": 3}
        self.windows = sorted(windows, key=lambda w: (order[state_of(w, now)], -w.number))
        self.now = now
        self.may_change = may_change

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="choice"):
            yield Label("Maintenance windows (alerts matching an active one page nobody)", id="question")
            if self.windows:
                yield OptionList(*[Option(literal(window_line(w, self.now)), id=w.id) for w in self.windows],
                                 id="windows")
            else:
                yield Static("No maintenance window.", id="detail")
            hint = "n schedule one · x end the highlighted · esc close" if self.may_change else "esc close"
            yield Static(hint, classes="hint")

    def _highlighted(self) -> str | None:
        found = self.query("#windows")
        if not found:
            return None
        options = found.first(OptionList)
        index = options.highlighted
        return None if index is None else options.get_option_at_index(index).id

    def action_new(self) -> None:
        if self.may_change:
            self.dismiss("new")

    def action_end(self) -> None:
        chosen = self._highlighted()
        if self.may_change and chosen is not None:
            self.dismiss(f"end:{chosen}")

    def action_close(self) -> None:
        self.dismiss(None)


class WindowPlan(BaseModel):
    """What the form asks; the window itself is made (and checked against the clock) by the commands."""

    model_config = ConfigDict(extra="forbid")

    matchers: list[str] = Field(min_length=1)
    starts_at: datetime
    ends_at: datetime
    reason: str = Field(min_length=1, max_length=500)
    subscribers: list[str] = Field(default_factory=list)

    @field_validator("matchers")
    @classmethod
    def _matchers(cls, value: list[str]) -> list[str]:
        for text in value:
            parse_matcher(text)
        return value

    @field_validator("starts_at", "ends_at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return as_utc(value)  # type: ignore[return-value]


class WindowForm(ModelForm):
    TITLE_TEXT = "Schedule a maintenance window (times in UTC)"
    FIELDS = (
        FormField("matchers", "Match: LABEL=VALUE, comma-separated (=~ regex, != and !~ too)",
                  "list", placeholder="job=db, env=prod"),
        FormField("starts_at", "Start", placeholder="2026-01-05T02:00:00Z"),
        FormField("ends_at", "End", placeholder="2026-01-05T03:00:00Z"),
        FormField("reason", "Reason (shown on every alert it suppresses)"),
        FormField("subscribers", "Tell when it starts and ends: Apprise URLs or emails", "list",
                  placeholder="slack://..., ops@example.org"),
    )

    def __init__(self) -> None:
        super().__init__(WindowPlan)
