"""Schedules and calendars in the store: one audited write each, and the coverage every door asks (who is on call,
an expert's calendar, who an auto-assignment or a page goes to)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from triagedesk.app.engine import Engine
from triagedesk.app.figures import Figures
from triagedesk.domain.errors import UserError
from triagedesk.domain.insight import oncall_load
from triagedesk.domain.models import Expert, Issue
from triagedesk.domain.records import OutboxMessage
from triagedesk.domain.requests.notices import Cover
from triagedesk.domain.routing.calendars import Calendar, Holiday
from triagedesk.domain.routing.coverage import CalendarBook, Coverage
from triagedesk.domain.routing.schedules import Layer, Override, Schedule
from triagedesk.domain.routing.timeline import OnCall, ScheduleClock, Stretch
from triagedesk.domain.routing.week import Cell, grid, week_bounds, week_start
from triagedesk.store.repositories import Store

WATCHED = frozenset({"schedules", "calendars", "experts"})
PAGED = frozenset({"at_risk", "breach"})
"""The notices routed by the hour: the rest go to whom they name."""


@dataclass(frozen=True)
class WeekView:
    """One schedule's week for the schedule screen: its days' hours, who is on call in each, its overrides."""

    schedule: Schedule
    first_day: date
    rows: list[list[Cell]]
    overrides: list[Override]
    names: dict[str, str]
    """Expert id -> name, for the legend."""


class OnCallDesk:
    """The Desk's schedules and calendars, with their compiled coverage kept until one of them changes."""

    def __init__(self, store: Store, engine: Engine, figures: Figures, now: Callable[[], datetime]) -> None:
        self.store = store
        self.engine = engine
        self.figures = figures
        self.now = now
        self._lock = threading.Lock()
        self._coverage: Coverage | None = None
        store.subscribe(self._changed)

    def _changed(self, changed: set[tuple[str, str]]) -> None:
        if any(table in WATCHED for table, _ in changed):
            with self._lock:
                self._coverage = None

    # -- reading -------------------------------------------------------------------------------------------------
    def coverage(self) -> Coverage:
        """Every schedule compiled, with the calendars (rebuilt after any of them changes)."""
        self.store.refresh()
        with self._lock:
            if self._coverage is None:
                self._coverage = Coverage(self.store.schedules.all(), CalendarBook(self.store.calendars.all()))
            return self._coverage

    def calendars(self) -> CalendarBook:
        return self.coverage().book

    def _experts(self) -> list[Expert]:
        """Every expert, inactive ones too, by name."""
        return sorted(self.figures.counted().values(), key=lambda e: ((e.name or e.id).lower(), e.id))

    def covering(self, issue: Issue, at: datetime) -> tuple[str, ...]:
        """Who is on call now in the schedules that cover the issue's profile and category."""
        category = issue.category or self.engine.decide(issue).recommended_expert_type
        profile = self.engine.profile(issue.profile).name
        return tuple(a.member for a in self.coverage().covering(profile, category, at) if a.member)

    def schedules(self) -> list[Schedule]:
        return sorted(self.store.schedules.all(), key=lambda s: s.id)

    def calendar_records(self) -> list[Calendar]:
        return sorted(self.store.calendars.all(), key=lambda c: c.id)

    def schedule(self, name: str) -> Schedule:
        found = self.store.schedules.get(name)
        if found is None:
            known = ", ".join(s.id for s in self.schedules()) or "none yet"
            raise UserError(f"no schedule {name!r} (known: {known})")
        return found

    def on_call(self, at: datetime | None = None, handoffs: int = 3) -> list[tuple[OnCall, list[Stretch]]]:
        """Every schedule's answer at `at` with its next `handoffs` changes of person."""
        moment = at or self.now()
        coverage = self.coverage()
        return [(answer, clock.handoffs(moment, handoffs, after=answer))
                for answer, clock in zip(coverage.on_call(moment), coverage.clocks, strict=True)]

    def week(self, name: str, start: datetime, days: int = 7) -> list[Stretch]:
        """Who is on call in schedule `name` from `start` for `days` days (the schedule screen's grid)."""
        clock = next((c for c in self.coverage().clocks if c.id == name), None) or ScheduleClock(self.schedule(name))
        return clock.stretches(start, start + timedelta(days=days))

    def weeks(self, at: datetime | None = None, offset: int = 0) -> list[WeekView]:
        """Every schedule's week (the one holding `at`, moved by `offset` weeks), on its own wall clock."""
        moment = at or self.now()
        names = {e.id: e.name or e.id for e in self._experts()}
        out = []
        for clock in self.coverage().clocks:
            zone_name = clock.schedule.timezone
            first = week_start(moment, zone_name) + timedelta(weeks=offset)
            start, end = week_bounds(first, zone_name)
            out.append(WeekView(clock.schedule, first, grid(clock.stretches(start, end), first, zone_name),
                                [o for o in clock.schedule.overrides if o.start < end and o.end > start], names))
        return out

    def shifts_of(self, expert_id: str, at: datetime | None = None, days: int = 14) -> list[Stretch]:
        return self.coverage().shifts_of(expert_id, at or self.now(), timedelta(days=days))

    # -- routing -------------------------------------------------------------------------------------------------
    def page_to(self, expert: Expert | None, issue: Issue | None, urgency: str, at: datetime
                ) -> tuple[str | None, datetime | None]:
        """Who a page about `issue` goes to now (the expert in their hours, else whoever covers), and when."""
        profile = self.engine.profile(issue.profile if issue else None)
        category = (issue.category or self.engine.decide(issue).recommended_expert_type) if issue else None
        matching = profile.matching
        return self.coverage().page_to(expert, profile.name, category, at, urgency, matching.business_day_start,
                                       matching.business_day_end)

    def page(self, kind: str, holder: Expert | None, issue: Issue | None, urgency: str, at: datetime,
             send: Callable[[Expert | None, Cover | None], OutboxMessage | None]) -> OutboxMessage | None:
        """An at-risk or breach page (`send` makes it for a recipient, and whom they cover when it is not the
        holder) goes to the holder in their hours (or on call); outside them to whoever is on call for the issue
        now, told so; with nobody, to the holder when their hours open (Zammad #4432). Other notices go to the
        holder as they are."""
        if kind not in PAGED or holder is None:
            return send(holder, None)
        who, when = self.page_to(holder, issue, urgency, at)
        recipient = (self.store.experts.get(who) if who else None) or holder
        cover = None if recipient.id == holder.id else \
            Cover(holder.name or holder.id, self.engine.profile(issue.profile if issue else None).name)
        message = send(recipient, cover)
        return message.model_copy(update={"next_attempt_at": when}) if message is not None and when else message

    # -- writing -------------------------------------------------------------------------------------------------
    def add_schedule(self, schedule: Schedule, actor: str, replace: bool = False, note: str = "") -> Schedule:
        """Store a new schedule (or, with `replace`, a new version of one), audited."""
        with self.store.transaction():
            if schedule.id in self.store.schedules and not replace:
                raise UserError(f"schedule {schedule.id!r} already exists (remove it first, or --replace)")
            self._known_members(schedule.members())
            return self.store.schedules.save(schedule, actor=actor, action="schedule", note=note)

    def add_layer(self, name: str, layer: Layer, actor: str, note: str = "") -> Schedule:
        with self.store.transaction():
            current = self.schedule(name)
            self._known_members(layer.people())
            updated = current.model_copy(update={"layers": [*current.layers, layer]})
            return self.store.schedules.save(Schedule.model_validate(updated.model_dump()), actor=actor,
                                             action="schedule_layer", note=note)

    def override(self, name: str, override: Override, actor: str) -> Schedule:
        """Put `override.member` on call in schedule `name` for the override's interval, audited."""
        with self.store.transaction():
            current = self.schedule(name)
            self._known_members([override.member])
            return self.store.schedules.save(current.with_override(override), actor=actor, action="override",
                                             note=override.note)

    def remove(self, name: str, actor: str, note: str = "") -> None:
        with self.store.transaction():
            self.schedule(name)
            self.store.schedules.delete(name, actor=actor, note=note)

    def remove_override(self, name: str, override_id: str, actor: str) -> Schedule:
        with self.store.transaction():
            current = self.schedule(name)
            kept = [o for o in current.overrides if o.id != override_id]
            if len(kept) == len(current.overrides):
                raise UserError(f"schedule {name!r} has no override {override_id!r}")
            return self.store.schedules.save(current.model_copy(update={"overrides": kept}), actor=actor,
                                             action="override_remove")

    def import_shifts(self, text: str, source: str, name: str, actor: str, start: datetime, end: datetime,
                      timezone: str = "UTC", covers: Sequence[str] = (), replace: bool = False
                      ) -> tuple[Schedule, list[str]]:
        """A schedule named `name` from a shift calendar: every occurrence in [start, end) whose attendee or
        summary names an expert. Returns it and the summaries of occurrences that named nobody."""
        from triagedesk.formats import ics  # here: a reader of who covers never imports the iCalendar parser

        found = ics.shifts(text, source, self._experts(), start, end, timezone)
        if not found.shifts:
            raise UserError(f"{source}: no event between {start:%Y-%m-%d} and {end:%Y-%m-%d} names an expert "
                            "(an attendee's address or name, or an expert's id or name in the summary)")
        schedule = Schedule(id=name, name=name, timezone=timezone, covers=list(covers),
                            layers=[Layer(name=source.rsplit("/", 1)[-1][:60], shifts=found.shifts)],
                            description=f"imported from {source.rsplit('/', 1)[-1]}")
        return self.add_schedule(schedule, actor, replace, note=f"import {source}"), found.skipped

    def export(self, name: str, start: datetime, end: datetime) -> str:
        experts = {e.id: e for e in self._experts()}
        from triagedesk.formats import ics

        return ics.export(name, self.week(name, start, max((end - start).days, 1)), experts)

    def put_calendar(self, calendar: Calendar, actor: str, note: str = "") -> Calendar:
        """Store a calendar (replacing one of the same name), audited."""
        with self.store.transaction():
            self._known_members(calendar.experts)
            return self.store.calendars.save(calendar, actor=actor, action="calendar", note=note)

    def holiday_calendar(self, name: str, holidays: list[Holiday], source: str, experts: Sequence[str],
                         teams: Sequence[str], actor: str) -> Calendar:
        if not holidays:
            raise UserError(f"{source}: no holiday in the years asked for")
        calendar = Calendar(id=name, kind="holidays", holidays=holidays, experts=list(experts), teams=list(teams),
                            source=source)
        return self.put_calendar(calendar, actor, note=f"import {source}")

    def put_many(self, kind: str, records: Sequence[Schedule | Calendar], actor: str, note: str = "",
                 wheres: Sequence[str] = ()) -> tuple[int, int]:
        """Schedules or calendars from a file (`import --kind`), in one durable write: every person they name must
        be an expert here, as for `schedule add` and `calendar add`; `wheres`: each record's `file:line`, named
        in the error. (inserted, updated)"""
        with self.store.transaction():
            for number, record in enumerate(records):
                named = record.experts if isinstance(record, Calendar) else record.members()
                try:
                    self._known_members(named)
                except UserError as exc:
                    where = wheres[number] if number < len(wheres) else f"record {number + 1}"
                    field = "layers" if isinstance(record, Schedule) else "experts"
                    raise UserError(f"{where}: {field}: {exc}") from None
            return self.store.repository(kind).put_many(records, actor=actor, action="import", note=note)

    def remove_calendar(self, name: str, actor: str) -> None:
        if not self.store.calendars.delete(name, actor=actor):
            known = ", ".join(c.id for c in self.calendar_records()) or "none yet"
            raise UserError(f"no calendar {name!r} (known: {known})")

    def _known_members(self, members: Sequence[str]) -> None:
        missing = [m for m in dict.fromkeys(members) if m not in self.store.experts]
        if missing:
            raise UserError(f"no expert {', '.join(repr(m) for m in missing)} in {self.store.path} "
                            "(see `triagedesk export --kind experts`)")

    # -- fairness ------------------------------------------------------------------------------------------------
    def fairness(self, now: datetime | None = None, months: int = 3) -> dict[str, Any]:
        """Per person per month: hours on call, off-hours and weekend hours, interruptions (pages), rated against
        PagerDuty's benchmark (see `oncall_load`)."""
        people = sorted(self.store.experts.all(), key=lambda e: ((e.name or e.id).lower(), e.id))
        # names, zones and hours as stored, as a reading command's report takes them: the experts' counted
        # figures (1.4 s at 100k, the analytics tab's first report waited for them) change none of these
        return fairness_of(self.store, self.coverage(), people, now or self.now(), months)


def fairness_of(store: Store, coverage: Coverage, experts: Sequence[Expert], now: datetime,
                months: int = 3) -> dict[str, Any]:
    """The on-call load of `coverage` per person per month, with the pages sent to each (the Desk's and a reading
    command's one home of it)."""
    pages = [(m.expert_id, m.created_at) for m in store.outbox.all()
             if m.expert_id and m.kind in oncall_load.PAGE_KINDS]
    return oncall_load.report(coverage, {e.id: e for e in experts}, pages, now, months)
