"""The on-call schedules: a week grid per schedule with overrides marked; `o` adds an override to the selected one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import ValidationError
from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Header
from textual.worker import Worker

from triagedesk.app.desk import Desk
from triagedesk.app.oncall import WeekView
from triagedesk.domain.errors import UserError
from triagedesk.domain.routing.schedules import Override
from triagedesk.domain.routing.wallclock import instant, zone
from triagedesk.tui import keymap, keys
from triagedesk.tui.failures import tell_failure
from triagedesk.tui.notices import tell
from triagedesk.tui.screens.override_form import OverrideAsked, OverrideForm
from triagedesk.tui.widgets.key_bar import KeyBar
from triagedesk.tui.widgets.week_grid import WeekGrid


def moment_of(text: str, zone_name: str, field: str) -> datetime:
    """An ISO time from the form: with an offset (or Z) as given, without one on the schedule's wall clock."""
    try:
        found = datetime.fromisoformat(text)
    except ValueError:
        raise UserError(f"{field}: {text!r} is not a time like 2026-01-07T10:00") from None
    return found if found.tzinfo is not None else instant(found, zone(zone_name))


def override_of(asked: OverrideAsked, zone_name: str) -> Override:
    """The override the form describes, or a one-line refusal naming the field."""
    try:
        return Override(member=asked.member, start=moment_of(asked.start, zone_name, "from"),
                        end=moment_of(asked.end, zone_name, "until"), replaces=asked.replaces or None,
                        note=asked.note)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"]) or "override"
        raise UserError(f"{where}: {error['msg'].removeprefix('Value error, ')}") from None


class ScheduleScreen(Screen[None]):
    """Every schedule's week, on its own wall clock: a letter per hour for who is on call, overrides reversed."""

    BINDINGS = keys.bindings("schedules")

    @dataclass
    class Loaded(Message):
        weeks: list[WeekView]

    @dataclass
    class Written(Message):
        text: str

    def __init__(self, desk: Desk, role: str, actor: str) -> None:
        super().__init__()
        self.desk, self.role, self.actor = desk, role, actor
        self.week_offset = 0
        self.selected = 0
        self.views: list[WeekView] = []

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with VerticalScroll(id="weeks"):
            yield WeekGrid("Loading the schedules…", id="week-grid")
        yield KeyBar(id="keys")

    def on_mount(self) -> None:
        self._show_keys()
        self.load()

    def _show_keys(self) -> None:
        """The key bar: this screen's keys the role may take now (an override once there is a schedule to add it
        to), as your keymap spells them."""
        mapped = getattr(self.app, "keymap", keymap.DEFAULT)
        shown = [k for k in keys.SCHEDULE_KEYS if k.footer and self.role in k.roles
                 and self.check_action(k.name, k.params()) is not False]
        self.query_one(KeyBar).show([(mapped.key(k).split(",")[0], mapped.shown(k), k.label) for k in shown])

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        tell_failure(self, event)  # a refused override is a notice; the screen stays

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "add_override":
            return self.role == "coordinator" and bool(self.views)
        return True

    @work(thread=True, exclusive=True, group="weeks", exit_on_error=False)
    def load(self) -> None:
        self.post_message(self.Loaded(self.desk.oncall.weeks(self.desk.clock(), self.week_offset)))

    def on_schedule_screen_loaded(self, message: Loaded) -> None:
        self.views = message.weeks
        self.selected = min(self.selected, max(len(self.views) - 1, 0))
        self._draw()
        self.refresh_bindings()
        self._show_keys()

    def _draw(self) -> None:
        self.query_one(WeekGrid).show(self.views, self.selected)

    def action_next_schedule(self) -> None:
        if self.views:
            self.selected = (self.selected + 1) % len(self.views)
            self._draw()

    def action_previous_schedule(self) -> None:
        if self.views:
            self.selected = (self.selected - 1) % len(self.views)
            self._draw()

    def action_week(self, step: int) -> None:
        self.week_offset += step
        self.load()

    def action_close(self) -> None:
        self.dismiss(None)

    def action_add_override(self) -> None:
        if not self.views:
            return
        view = self.views[self.selected]
        start = (self.desk.clock() + timedelta(hours=1)).astimezone(zone(view.schedule.timezone))
        begins = start.replace(minute=0, second=0, microsecond=0, tzinfo=None)
        self.app.push_screen(OverrideForm(view.schedule.id, view.schedule.timezone, f"{begins:%Y-%m-%dT%H:%M}",
                                          f"{begins + timedelta(hours=2):%Y-%m-%dT%H:%M}"), self._save)

    def _save(self, asked: OverrideAsked | None) -> None:
        if asked is not None:
            self.write(asked)

    @work(thread=True, group="write", exit_on_error=False)
    def write(self, asked: OverrideAsked) -> None:
        schedule = self.desk.oncall.schedule(asked.schedule)
        override = override_of(asked, schedule.timezone)
        self.desk.oncall.override(asked.schedule, override, self.actor)
        self.post_message(self.Written(f"{override.member} on call in {asked.schedule} "
                                       f"{override.start:%a %H:%M}-{override.end:%a %H:%M} UTC"))

    def on_schedule_screen_written(self, message: Written) -> None:
        tell(self, message.text)
        self.load()
