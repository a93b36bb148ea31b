"""Every full screen's key bar names the keys that work there: the on-call schedules' own keys, the override only
for a coordinator (the bar was empty but for the palette's key)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.pilot import make_app, settle
from triagedesk.tui.screens.schedule_screen import ScheduleScreen
from triagedesk.tui.screenshots import busiest_expert
from triagedesk.tui.widgets.key_bar import KeyBar


@pytest.mark.parametrize("role", ["coordinator", "expert"])
async def test_the_schedule_screens_key_bar_shows_its_keys(store_copy: Path, role: str) -> None:
    expert = busiest_expert(store_copy) if role == "expert" else None
    app = make_app(store_copy, role=role, expert_id=expert)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("O")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ScheduleScreen) and screen.views
        items = screen.query_one(KeyBar).items
        labels = [label for _key, _shown, label in items]
        expected = ["Next", "Next week", "Last week", "Close"]
        assert labels == (["Override", *expected] if role == "coordinator" else expected)
        shown = dict((label, display) for _key, display, label in items)
        assert shown["Next week"] == "]" and shown["Close"] == "Esc q"
        text = screen.query_one(KeyBar).render().plain
        assert "Next week" in text and "Close" in text  # drawn whole at 80 columns
        week = screen.week_offset
        key = next(key for key, _shown, label in items if label == "Next week")
        await pilot.press(key)  # the key the bar names is the key that works
        await settle(pilot)
        assert screen.week_offset == week + 1
