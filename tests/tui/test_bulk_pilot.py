"""Pilot tests of marking rows and acting on them at once: one choice, one confirmation, one write."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import Button

from tests.support.clock import Clock
from tests.support.pilot import make_app, screen_of, settle
from tests.support.stores import desk_at
from tests.support.world import teapot
from triagedesk.app.desk import Desk
from triagedesk.domain.models import Expert
from triagedesk.domain.records import OPEN_STATUSES
from triagedesk.domain.requests.actions import Actor
from triagedesk.store.database import open_store
from triagedesk.tui import keys
from triagedesk.tui.app import TriageDeskApp
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
        assert screen.spec.status == "assigned"
        targets = [queue.data.ids[i] for i in queue.rows[:3]]
        assert len(targets) == 3
        await pilot.press("space", "down", "space", "down", "space", "M")
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("x")
        await settle(pilot)  # every row's plan is previewed off the UI thread
        assert isinstance(app.screen, ConfirmScreen)
        assert app.screen.question == "Cancel the open requests of 3 of the 3 marked issues?"
        assert "3 will be cancelled" in app.screen.detail
        assert all(t in app.screen.detail for t in targets)  # the dialog names the issues, not their requests
        buttons = [str(b.label) for b in app.screen.query(Button)]
        assert buttons == ["Cancel the requests", "Keep it"]
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


async def test_bulk_assign_to_a_chosen_expert_previews_each_rows_plan(store_copy: Path) -> None:
    """The confirmation says what happens per group; rows outside the expert's specialisation are skipped with the
    table's reason and stay marked (the issue's reproduction: bulk put silver on an art expert)."""
    from triagedesk.domain.routing.eligibility import eligible

    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        queue = screen.query_one(QueueView)
        while screen.spec.profile != "infrastructure":
            await pilot.press("p")
        await pilot.press("A")  # infrastructure, unassigned
        desk = app.desk
        fits: dict[str, set[str]] = {}
        for row in queue.rows:
            key = queue.data.ids[row]
            ranked = desk.queries.candidates(desk.queries.issue(key)).ranked  # type: ignore[arg-type]
            fits[key] = {c.expert_id for c in eligible(ranked, desk.figures.counted())}
        expert_id = next(e for key in fits for e in fits[key] if sum(e in f for f in fits.values()) >= 2)
        inside = [k for k in fits if expert_id in fits[k]][:2]
        outside = [k for k in fits if expert_id not in fits[k]][:1]
        assert len(inside) == 2 and outside, "the demo has rows inside and outside one expert's field"
        queue.set_marks(set(inside + outside))
        await pilot.press("M", "a")
        assert isinstance(app.screen, ChoiceScreen)
        letter = next(key for key, value, _label in app.screen.choices if value == expert_id)
        await pilot.press(letter)
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert app.screen.question.startswith("Assign 2 of the 3 marked issues to ")
        assert "2 will be assigned" in app.screen.detail and "1 skipped:" in app.screen.detail
        assert "does not specialise in" in app.screen.detail
        await pilot.press("enter")
        await settle(pilot)
        assert "2 assigned, 1 skipped" in " ".join(str(n.message) for n in app._notifications)
        assert queue.marked == set(outside)  # the skipped row stays marked, to be seen
    store = open_store(store_copy)
    for target in inside:
        held = [r for r in store.requests.all() if r.analysis_id == target and r.status in OPEN_STATUSES]
        assert len(held) == 1 and held[0].assigned_expert_id == expert_id
    assert not [r for r in store.requests.all() if r.analysis_id in outside and r.assigned_expert_id == expert_id]
    store.close()


async def test_bulk_is_offered_only_once_rows_are_marked(store_copy: Path) -> None:
    app = make_app(store_copy)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        assert "bulk" not in {k.action for k in keys.bar("coordinator", screen.selection)}
        await pilot.press("M")
        assert not isinstance(app.screen, ChoiceScreen)  # it answers why instead
        assert any(n.message.startswith("Bulk: no row marked") for n in app._notifications)
        await pilot.press("space")
        assert "bulk" in {k.action for k in keys.bar("coordinator", screen.selection)}
        await pilot.press("M")
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, ChoiceScreen)


async def test_the_lead_and_the_expert_have_no_bulk(store_copy: Path) -> None:
    app = make_app(store_copy, role="lead")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert screen_of(app).check_action("bulk", ()) is False  # not the lead's key: it falls through


HARRIET = Expert(id="harriet", name="Harriet", specializations=["silver"], expertise_level="expert")
PIET = Expert(id="piet", name="Piet", specializations=["ceramics"], expertise_level="mid")
PAID = ["APR-1", "APR-2"]


def _paid_teapots(tmp_path: Path) -> Clock:
    clock = Clock()
    desk = desk_at(tmp_path, [HARRIET, PIET], [teapot(key) for key in PAID], clock)
    for key in PAID:  # paid, pending assignment
        request = desk.commands.escalate(key, Actor("coord"))
        desk.commands.act(request.id, "pay", Actor("coord"))
    desk.close()
    return clock


async def _bulk_assign_to_piet(app: TriageDeskApp, pilot: Any) -> None:
    await settle(pilot)
    queue = app.screen.query_one(QueueView)
    queue.set_marks(set(PAID))
    await pilot.press("M", "a")
    assert isinstance(app.screen, ChoiceScreen)
    letter = next(key for key, value, _label in app.screen.choices if value == "piet")
    await pilot.press(letter)
    await settle(pilot)


async def test_desk_bulk_offers_the_override_the_cli_bulk_has(tmp_path: Path) -> None:
    """Review of #20, finding 14: as the single key and `request assign --issues --override --note` do."""
    clock = _paid_teapots(tmp_path)
    app = TriageDeskApp(Desk(open_store(tmp_path / "desk.json"), clock=clock), live=False, watch=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await _bulk_assign_to_piet(app, pilot)
        assert isinstance(app.screen, ConfirmScreen), [str(n.message) for n in app._notifications]
        asked = f"{app.screen.question} {app.screen.detail}".lower()
        assert "anyway" in asked and "does not specialise in silver" in asked and "needs a note" in asked, asked
        await pilot.press(*"no silver expert free", "enter")
        await settle(pilot)
    store = open_store(tmp_path / "desk.json")
    try:
        held = [r for r in store.requests.all() if r.analysis_id in PAID and r.status in OPEN_STATUSES]
        assert sorted(r.assigned_expert_id or "" for r in held) == ["piet", "piet"]
        notes = [e.note for e in store.audit_log.all() if e.action == "assign"]
        assert notes == ["no silver expert free"] * 2  # audited with the note
    finally:
        store.close()


async def test_desk_bulk_override_without_a_note_writes_nothing(tmp_path: Path) -> None:
    clock = _paid_teapots(tmp_path)
    app = TriageDeskApp(Desk(open_store(tmp_path / "desk.json"), clock=clock), live=False, watch=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await _bulk_assign_to_piet(app, pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("enter")  # no note
        await settle(pilot)
        said = [str(n.message) for n in app._notifications]
        assert any("needs a note" in m and "nothing was written" in m for m in said), said
    store = open_store(tmp_path / "desk.json")
    try:
        assert not [r for r in store.requests.all() if r.assigned_expert_id == "piet"]
    finally:
        store.close()
