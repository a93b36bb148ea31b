"""Review of issue #20 (hostile): the desk's bulk door against the CLI's bulk (the override with a note)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.clock import Clock
from tests.support.stores import desk_at
from tests.support.world import teapot
from tests.tui.conftest import settle
from triagedesk.app.desk import Desk
from triagedesk.domain.models import Expert
from triagedesk.domain.requests.actions import Actor
from triagedesk.domain.requests.states import OPEN_STATUSES
from triagedesk.store.database import open_store
from triagedesk.tui.app import TriageDeskApp
from triagedesk.tui.screens.choice import ChoiceScreen
from triagedesk.tui.screens.modals import ConfirmScreen
from triagedesk.tui.widgets.queue_view import QueueView

HARRIET = Expert(id="harriet", name="Harriet", specializations=["silver"], expertise_level="expert")
PIET = Expert(id="piet", name="Piet", specializations=["ceramics"], expertise_level="mid")
ISSUES = ["APR-1", "APR-2"]


@pytest.mark.xfail(strict=True, reason="FINDING 14: the desk's bulk assign has no override: outside the "
                                       "specialisation it only skips, while `request assign --issues --override "
                                       "--note` and the single-row key both let a coordinator assign with a note")
async def test_finding14_desk_bulk_offers_the_override_the_cli_bulk_has(tmp_path: Path) -> None:
    clock = Clock()
    desk = desk_at(tmp_path, [HARRIET, PIET], [teapot(key) for key in ISSUES], clock)
    for key in ISSUES:  # paid, pending assignment
        request = desk.commands.escalate(key, Actor("coord"))
        desk.commands.act(request.id, "pay", Actor("coord"))
    desk.close()
    app = TriageDeskApp(Desk(open_store(tmp_path / "desk.json"), clock=clock), live=False, watch=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        queue = app.screen.query_one(QueueView)
        queue.set_marks(set(ISSUES))
        await pilot.press("M", "a")
        assert isinstance(app.screen, ChoiceScreen)
        letter = next(key for key, value, _label in app.screen.choices if value == "piet")
        await pilot.press(letter)
        await settle(pilot)
        # what should happen: as for a single row, the coordinator is offered the override, with a note
        assert isinstance(app.screen, ConfirmScreen), [str(n.message) for n in app._notifications]
        asked = f"{app.screen.question} {app.screen.detail}".lower()
        assert "anyway" in asked or "override" in asked, asked
        await pilot.press(*"no silver expert free", "enter")
        await settle(pilot)
    store = open_store(tmp_path / "desk.json")
    try:
        held = [r for r in store.requests.all() if r.analysis_id in ISSUES and r.status in OPEN_STATUSES]
        assert sorted(r.assigned_expert_id or "" for r in held) == ["piet", "piet"]
    finally:
        store.close()
