"""The desk's noise keys through Pilot: U marks the issue useful or noise (audited), W lists the maintenance windows
and a coordinator schedules and ends one there; the header shows active and upcoming windows; the analytics tab
shows the noise view."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from textual.widgets import Input, OptionList, Static

from tests.support.pilot import NOW, make_app, screen_of, settle
from triagedesk.app.desk import Desk
from triagedesk.store.database import open_store
from triagedesk.tui.screens.maintenance_screen import MaintenanceScreen, WindowForm
from triagedesk.tui.widgets.maintenance_badge import MaintenanceBadge
from triagedesk.tui.widgets.queue_view import QueueView


def _stored(path: Path) -> Desk:
    return Desk(open_store(path))


async def test_u_marks_the_issue_useful_then_noise_and_each_is_audited(store_copy: Path) -> None:
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        issue_id = screen_of(app).query_one(QueueView).current_issue()
        await pilot.press("U")
        await settle(pilot)
        await pilot.press("u")
        await settle(pilot)
        await pilot.press("U")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
    desk = _stored(store_copy)
    try:
        assert desk.store.issues.require(issue_id).feedback == "noise"
        marks = [e.after for e in desk.store.history(issue_id) if e.action == "feedback"]
        assert marks == [{"feedback": "useful"}, {"feedback": "noise"}]
    finally:
        desk.close()


async def test_u_is_a_coordinators_key_an_experts_desk_opens_nothing(store_copy: Path) -> None:
    app = make_app(store_copy, role="expert", expert_id="net-ana")
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("U")
        await settle(pilot)
        assert app.screen is screen_of(app)          # no choice offered: the server refuses an expert's issue edit


async def test_w_schedules_a_window_shows_it_in_the_header_and_ends_it(store_copy: Path) -> None:
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        badge = screen_of(app).query_one(MaintenanceBadge)
        assert not badge.display                                   # no window: the header is as before
        await pilot.press("W")
        await settle(pilot)
        assert isinstance(app.screen, MaintenanceScreen)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, WindowForm)
        start, end = NOW + timedelta(hours=1), NOW + timedelta(hours=3)
        for field, value in (("matchers", "job=db, instance=~db-.*"), ("starts_at", start.isoformat()),
                             ("ends_at", end.isoformat()), ("reason", "db upgrade")):
            form.query_one(f"#f-{field}", Input).value = value
        await pilot.press("ctrl+s")
        await settle(pilot)
        badge.look()
        await settle(pilot)
        assert badge.display and "next W-1" in str(badge.render())
        await pilot.press("W")
        await settle(pilot)
        listed = app.screen.query_one(OptionList)
        assert listed.option_count == 1 and "upcoming" in str(listed.get_option_at_index(0).prompt)
        await pilot.press("x")
        await settle(pilot)
        await pilot.click("#confirm")
        await settle(pilot)
    desk = _stored(store_copy)
    try:
        [window] = desk.queries.windows()
        assert window.matchers == ["job=db", "instance=~db-.*"] and window.until == window.starts_at  # called off
        assert [e.action for e in desk.store.history("W-1")] == ["maintenance_add", "maintenance_end"]
    finally:
        desk.close()


async def test_the_analytics_tab_shows_the_noise_view(store_copy: Path) -> None:
    app = make_app(store_copy, role="lead")
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        shown = str(screen_of(app).query_one("#noise", Static).render())
        assert shown.startswith("Noise: alert events → issues → pages") and "No alert arrived" in shown
