"""Snapshots of every screen at 160x48 and 80x24, on a fixed demo seed with a frozen clock."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.pilot import make_app, settle
from triagedesk.tui.screenshots import busiest_expert

SIZES = [(160, 48), (80, 24)]
SCREENS = {
    "coordinator": ("coordinator", None, []),
    "expert": ("expert", None, []),  # the busiest expert of the demo
    "analytics": ("lead", None, []),
    "help": ("coordinator", None, ["question_mark"]),
    "issue": ("coordinator", None, ["enter"]),  # the first issue in full
    "search": ("coordinator", None, ["F", *"tank"]),  # every issue, closed ones too
}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", list(SCREENS))
def test_screen(snap_compare, store_copy: Path, name: str, size: tuple[int, int]) -> None:
    role, expert, keys = SCREENS[name]
    if role == "expert":
        expert = busiest_expert(store_copy)
    app = make_app(store_copy, role=role, expert_id=expert)

    async def ready(pilot) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=ready)
