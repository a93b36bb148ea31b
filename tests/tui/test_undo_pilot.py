"""Undo on the desk: a step the table will not take back does not block the steps before it; a claim is undone."""

from __future__ import annotations

from pathlib import Path

from tests.support.pilot import make_app, screen_of, settle
from triagedesk.tui.screens.modals import ConfirmScreen


def notices(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


def _pending_pair(app) -> tuple[str, list[str]]:
    """An expert and two issues pending assignment she specialises in."""
    from triagedesk.domain.routing.eligibility import eligible

    desk = app.desk
    pending = [r.analysis_id for r in desk.store.requests.all() if r.status == "pending_assignment"]
    fits = {key: [c.expert_id for c in eligible(desk.queries.candidates(desk.queries.issue(key)).ranked,
                                                 desk.figures.counted())] for key in pending}
    for expert in sorted({e for f in fits.values() for e in f}):
        mine = [k for k in pending if expert in fits[k]]
        if len(mine) >= 2:
            return expert, mine[:2]
    raise AssertionError("the demo has two pending requests one expert can take")


async def test_a_refused_undo_is_passed_over_by_the_next_so_the_step_before_it_is_undone(store_copy: Path) -> None:
    from triagedesk.domain.requests.actions import Actor
    from triagedesk.domain.requests.plan import Intent

    app = make_app(store_copy)
    expert, (first, second) = _pending_pair(app)
    me = Actor(app.actor)
    app.desk.commands.assign(first, expert, me)
    started = app.desk.commands.assign(second, expert, me)
    app.desk.commands.run(Actor("her", "expert", expert), Intent("start", second, started.id))
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+z")
        await settle(pilot)
        refused = [n for n in notices(app) if n.startswith("Cannot undo")]
        assert len(refused) == 1 and refused[0].endswith("ctrl+z again undoes the step before it"), notices(app)
        await pilot.press("ctrl+z")  # again: the step before it, the assignment of `first`
        await settle(pilot)
        request = app.desk.queries.open_request_for(first)
        assert request is not None and request.status == "pending_assignment", notices(app)


async def test_an_experts_undo_of_her_claim_says_a_coordinator_gives_it_back(store_copy: Path) -> None:
    """The table keeps unassigning a coordinator's (the server then never lets an expert rewrite an assignment):
    the undo of a claim is refused with that reason, and nothing is written."""
    probe = make_app(store_copy)
    expert, (issue_id, _) = _pending_pair(probe)
    probe.desk.close()
    app = make_app(store_copy, role="expert", expert_id=expert)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        await pilot.press("colon", *issue_id, "enter")
        await settle(pilot)
        assert screen.current == issue_id
        await pilot.press("T")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen), notices(app)
        await pilot.press("enter")
        await settle(pilot)
        assert any(f"{issue_id} claimed by" in n for n in notices(app)), notices(app)
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert any(n.startswith("Cannot undo") and "given back by a coordinator" in n for n in notices(app)), \
            notices(app)
        request = app.desk.queries.open_request_for(issue_id)
        assert request is not None and request.assigned_expert_id == expert
