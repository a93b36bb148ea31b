"""The desk's on-call parts on the demo (a follow-the-sun rotation): who is on call now beside the timers, the
schedule screen's week grid with `o` adding an override (a refusal is a notice, nothing written), an expert's next
shifts, and the on-call load in the analytics tab."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from tests.support.pilot import NOW, make_app, settle
from triagedesk.store.database import open_store
from triagedesk.tui.screens.override_form import OverrideForm
from triagedesk.tui.screens.schedule_screen import ScheduleScreen
from triagedesk.tui.widgets.oncall_load import OnCallLoad
from triagedesk.tui.widgets.oncall_pane import OnCallPane
from triagedesk.tui.widgets.week_grid import WeekGrid


def _text(widget) -> str:
    """What a Static shows, as plain text (its content rendered as a console would)."""
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(widget.content)
    return console.export_text()


def _overrides(path: Path) -> list:
    store = open_store(path)
    try:
        return [o for s in store.schedules.all() for o in s.overrides]
    finally:
        store.close()


async def _fill(pilot, values: dict[str, str]) -> None:
    form = pilot.app.screen
    assert isinstance(form, OverrideForm)
    for field, value in values.items():
        form.query_one(f"#{field}").value = value
    await pilot.press("ctrl+s")
    await settle(pilot)


async def test_on_call_now_shows_beside_the_timers_and_the_schedule_screen_adds_an_override(store_copy: Path) -> None:
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        pane = app.screen.query_one(OnCallPane)
        assert pane.display and pane.lines and pane.lines[0].startswith("infra-follow-the-sun · ")
        assert " until " in pane.lines[0] and " → " in pane.lines[0]
        await pilot.press("O")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ScheduleScreen) and len(screen.views) == 1
        grid = _text(screen.query_one(WeekGrid))
        assert "infra-follow-the-sun" in grid and "Ana Ferreira" in grid and "override" not in grid
        await pilot.press("o")
        await settle(pilot)
        await _fill(pilot, {"member": "nobody-here", "start": "2026-01-05T10:00Z", "end": "2026-01-05T12:00Z"})
        assert isinstance(app.screen, ScheduleScreen)
        assert any("no expert 'nobody-here'" in n.message for n in app._notifications)
        assert _overrides(store_copy) == []
        await pilot.press("o")
        await settle(pilot)
        await _fill(pilot, {"member": "net-ana", "start": "2026-01-05T12:00Z", "end": "2026-01-05T10:00Z"})
        assert any("ends after it starts" in n.message for n in app._notifications) and _overrides(store_copy) == []
        ends = NOW.replace(minute=0, second=0, microsecond=0)
        await pilot.press("o")
        await settle(pilot)
        await _fill(pilot, {"member": "net-kenji", "start": ends.strftime("%Y-%m-%dT%H:%MZ"),
                            "end": ends.replace(hour=(ends.hour + 2) % 24).strftime("%Y-%m-%dT%H:%MZ"),
                            "note": "cover"})
        saved = _overrides(store_copy)
        assert len(saved) == 1 and saved[0].member == "net-kenji" and saved[0].note == "cover"
        assert "override" in _text(app.screen.query_one(WeekGrid))
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, ScheduleScreen)


async def test_an_experts_desk_shows_their_next_shifts(store_copy: Path) -> None:
    app = make_app(store_copy, role="expert", expert_id="net-ana")
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        lines = app.screen.query_one(OnCallPane).lines
        assert lines and lines[0].startswith("you · infra-follow-the-sun ")


async def test_the_analytics_tab_shows_the_on_call_load_against_the_benchmark(store_copy: Path) -> None:
    app = make_app(store_copy, role="lead")
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        shown = _text(app.screen.query_one(OnCallLoad))
        assert "On-call load" in shown and "2 good, 7 bad, 19 burnout" in shown and "Ana Ferreira" in shown
