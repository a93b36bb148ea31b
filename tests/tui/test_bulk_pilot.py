"""Pilot tests of marking rows and acting on them at once: one choice, one confirmation, one write."""

from __future__ import annotations

from pathlib import Path

from tests.tui.conftest import make_app, settle
from tests.tui.test_desk_pilot import screen_of
from triagedesk.domain.records import OPEN_STATUSES
from triagedesk.store.database import open_store
from triagedesk.tui.screens.choice import ChoiceScreen
from triagedesk.tui.screens.modals import ConfirmScreen
from triagedesk.tui.widgets.queue_view import QueueView


async def test_space_shift_arrows_and_mark_all(store_copy: Path) -> None:
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        queue = screen.query_one(QueueView)
        top = [queue.data.ids[i] for i in queue.rows[:4]]
        await pilot.press("space")
        assert queue.marked == {top[0]}
        await pilot.press("space")
        assert queue.marked == set()
        await pilot.press("shift+down", "shift+down")
        assert queue.marked == set(top[:3]) and queue.cursor == 2
        assert "3 marked" in str(screen.query_one("#queue-pane").border_subtitle)
        assert "●" in queue.render_line(1).text
        await pilot.press("u", "asterisk")  # critical only, every row shown
        shown = {queue.data.ids[i] for i in queue.rows}
        assert shown and shown <= queue.marked
        await pilot.press("asterisk")  # all marked already: unmarked
        assert not (shown & queue.marked)


async def test_bulk_cancel_with_one_confirmation(store_copy: Path) -> None:
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        queue = screen.query_one(QueueView)
        await pilot.press("f", "f", "f")  # assigned
        targets = [queue.data.ids[i] for i in queue.rows[:3]]
        assert len(targets) == 3
        await pilot.press("space", "down", "space", "down", "space", "M")
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("x")
        assert isinstance(app.screen, ConfirmScreen) and "3 issues" in app.screen.question
        await pilot.press(*"dupes", "enter")
        await settle(pilot)
        assert not queue.marked
        assert all(t not in {queue.data.ids[i] for i in queue.rows} for t in targets)  # closed: gone from the queue
    store = open_store(store_copy)
    for target in targets:
        latest = max((r for r in store.requests.all() if r.analysis_id == target), key=lambda r: r.submitted_at)
        assert latest.status == "cancelled"
    notes = [e.note for e in store.audit_log.all() if e.action == "cancel" and e.target_id in
             {r.id for r in store.requests.all() if r.analysis_id in targets}]
    assert notes == ["dupes"] * 3
    store.close()


async def test_bulk_assign_to_a_chosen_expert(store_copy: Path) -> None:
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        queue = screen.query_one(QueueView)
        while screen.spec.profile != "infrastructure":
            await pilot.press("p")
        await pilot.press("A")  # infrastructure, unassigned
        targets = [queue.data.ids[i] for i in queue.rows[:2]]
        assert len(targets) == 2
        await pilot.press("shift+down", "M", "a")
        assert isinstance(app.screen, ChoiceScreen)
        expert_id = app.screen.choices[0][1]
        await pilot.press("1", "enter")
        await settle(pilot)
        assert "2 assigned" in " ".join(str(n.message) for n in app._notifications)
    store = open_store(store_copy)
    for target in targets:
        held = [r for r in store.requests.all() if r.analysis_id == target and r.status in OPEN_STATUSES]
        assert len(held) == 1 and held[0].assigned_expert_id == expert_id
    store.close()


async def test_bulk_is_offered_only_once_rows_are_marked(store_copy: Path) -> None:
    app = make_app(store_copy)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        assert screen.check_action("bulk", ()) is False
        await pilot.press("M")
        assert not isinstance(app.screen, ChoiceScreen)
        await pilot.press("space")
        assert screen.check_action("bulk", ()) is True
        await pilot.press("M")
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, ChoiceScreen)


async def test_the_lead_and_the_expert_have_no_bulk(store_copy: Path) -> None:
    app = make_app(store_copy, role="lead")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert screen_of(app).check_action("bulk", ()) is False
