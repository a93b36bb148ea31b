"""The desk's queue follows changes without reloading: an assign here, another desk's write, a pull."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.flows import act
from tests.support.pilot import make_app, settle
from triagedesk.app import queue as queue_module
from triagedesk.app.desk import Desk
from triagedesk.app.queue import QueueFilter
from triagedesk.store.database import open_store
from triagedesk.tui.screens.desk_screen import DeskScreen


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts full queue loads."""
    counted: list[int] = []
    real = queue_module.load

    def counting(*args, **kwargs):
        counted.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(queue_module, "load", counting)
    return counted


def fresh_infrastructure_issue(screen: DeskScreen) -> str:
    data = screen.data
    found = [data.ids[i] for i in range(len(data)) if data.status[i] in ("new", "-") and
             data.profile[i] == "infrastructure"]
    assert found, "the demo queue has issues with no request yet"
    return found[0]


async def test_an_assign_updates_the_row_without_a_reload(store_copy: Path, loads: list[int]) -> None:
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = app.screen_stack[-1]
        assert isinstance(screen, DeskScreen) and len(screen.data) > 10
        assert loads == [1]
        issue_id = fresh_infrastructure_issue(screen)
        expert = app.desk.queries.candidates(app.desk.queries.issue(issue_id)).ranked[0].expert_id
        screen.spec = QueueFilter(status="assigned")
        screen.apply_filter()
        shown_before = len(screen.query_one("#queue").rows)
        screen.write("assigned", lambda: app.desk.commands.assign(issue_id, expert, "test"))
        await settle(pilot)
        row = screen.data.position(issue_id)
        assert row is not None and screen.data.status[row] == "assigned" and screen.data.assignee_id[row] == expert
        assert len(screen.query_one("#queue").rows) == shown_before + 1  # the filter in force sees it
        assert loads == [1], "the queue was reloaded"
        act(app.desk, app.desk.queries.request_for(issue_id).id, "cancel", "test")  # closed: leaves the queue
        screen.post_message(DeskScreen.StoreChanged())
        await settle(pilot)
        assert screen.data.position(issue_id) is None and loads == [1]


async def test_another_desk_write_updates_the_row_without_a_reload(store_copy: Path, loads: list[int]) -> None:
    app = make_app(store_copy, watch=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = app.screen_stack[-1]
        assert isinstance(screen, DeskScreen)
        issue_id = fresh_infrastructure_issue(screen)
        other = open_store(store_copy)
        second = Desk(other, clock=app.desk.clock)
        expert = second.queries.candidates(second.queries.issue(issue_id)).ranked[0].expert_id
        second.commands.assign(issue_id, expert, "second desk")
        for _ in range(200):
            await pilot.pause(0.02)
            row = screen.data.position(issue_id)
            if row is not None and screen.data.assignee_id[row] == expert:
                break
        row = screen.data.position(issue_id)
        assert row is not None and screen.data.assignee_id[row] == expert
        assert loads == [1]
        other.close()
