"""Pilot tests: every pane, binding and form of the desk, and user text shown literally."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, Select, Static, TextArea

from tests.support.clock import Clock
from tests.support.flows import act, escalate, specialist
from tests.support.pilot import NOW, make_app, screen_of, settle
from triagedesk.domain.models import Issue
from triagedesk.store.database import open_store
from triagedesk.tui.notices import tell
from triagedesk.tui.screens.desk_screen import TIMERS_TITLE
from triagedesk.tui.screens.forms import NewIssueForm
from triagedesk.tui.screens.modals import ConfirmScreen, HelpScreen, PackageScreen
from triagedesk.tui.widgets.candidates_pane import CandidatesPane
from triagedesk.tui.widgets.escalation_pane import EscalationPane
from triagedesk.tui.widgets.queue_view import QueueView
from triagedesk.tui.widgets.timers_pane import TimersPane


async def test_four_panes_with_their_titles(store_copy: Path) -> None:
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        titles = {w.border_title for w in screen.query("#queue-pane, #escalation, #candidates, #timers")}
        assert titles == {"Queue", "Escalation", "Candidates", TIMERS_TITLE}
        queue = screen.query_one(QueueView)
        assert len(queue.rows) > 10
        # sorted by urgency then score
        keys = [queue.data.rank_key[i] for i in queue.rows]
        assert keys == sorted(keys)
        assert screen.detail is not None and screen.detail.issue.id == queue.current_issue()
        assert len(screen.query_one(CandidatesPane).candidates) >= 1
        assert len(screen.query_one(TimersPane).clocks) >= 1


async def test_navigation_and_filters(store_copy: Path) -> None:
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        queue = screen.query_one(QueueView)
        first = queue.current_issue()
        await pilot.press("down", "down", "j")
        assert queue.cursor == 3
        await pilot.press("pagedown")
        assert queue.cursor > 3
        await pilot.press("end")
        assert queue.cursor == len(queue.rows) - 1
        await pilot.press("home")
        assert queue.cursor == 0 and queue.current_issue() == first
        await pilot.press("u")  # critical only
        assert queue.rows and all(queue.data.urgency[i] == 0 for i in queue.rows)
        await pilot.press("u")  # high only
        assert queue.rows and all(queue.data.urgency[i] == 1 for i in queue.rows)
        await pilot.press("escape")
        await pilot.press("f", "f")  # status: pending
        assert queue.rows and all(queue.data.status[i] in ("pending_payment", "pending_assignment") for i in queue.rows)
        profiles = app.desk.engine.profiles()  # every profile, shipped and the user's, in name order
        assert profiles == ["appraisal", "infrastructure"]
        await pilot.press("escape", "p")
        assert queue.rows and all(queue.data.profile[i] == "appraisal" for i in queue.rows)
        await pilot.press("p")
        assert queue.rows and all(queue.data.profile[i] == "infrastructure" for i in queue.rows)
        await pilot.press("escape", "slash")
        box = screen.query_one("#filter", Input)
        assert box.has_focus
        await pilot.press(*"silver")
        assert queue.rows and all("silver" in queue.data.hay[i] for i in queue.rows)
        await pilot.press("enter")
        assert queue.has_focus
        await pilot.press("escape")
        assert not box.display and len(queue.rows) == len(queue.data)
        await pilot.press("v", "l")  # the sort menu, then SLA left
        assert screen.spec.sort == "sla"


async def test_assign_from_candidates_with_a_note(store_copy: Path) -> None:
    store = open_store(store_copy)  # one issue that surely needs an expert and has none yet
    store.issues.add(Issue(id="INC-900001", profile="infrastructure", title="Primary database outage",
                           created_at=NOW, users_affected=950, total_users=1000, estimated_revenue_impact=90_000,
                           compliance_risk_level="high", affected_systems=["orders-db"]))
    store.close()
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        screen.spec = screen.spec.__class__(status="new", profile="infrastructure")
        screen.apply_filter()
        await settle(pilot)
        issue_id = screen.query_one(QueueView).current_issue()
        assert issue_id is not None
        await pilot.press("1")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press(*"urgent, call first")
        await pilot.press("enter")
        await settle(pilot)
        request = app.desk.queries.request_for(issue_id)
        assert request is not None and request.status == "assigned" and request.assigned_expert_id
        assert any(a.note == "urgent, call first" for a in app.desk.store.history(request.id))
        assert screen.data.status[screen.data.position(issue_id)] == "assigned"  # the queue reloaded
        # now it is held: the same expert again is refused, another is a reassignment that says so
        screen.spec = screen.spec.__class__(status="all")
        screen.apply_filter()
        await pilot.press("slash", *issue_id, "enter")
        await settle(pilot)
        assert screen.query_one(QueueView).current_issue() == issue_id
        holder = screen.data.assignee[screen.data.position(issue_id)]
        names = [c.expert_name for c in screen.query_one(CandidatesPane).candidates]
        assert holder in names  # the top candidate it went to is still listed
        await pilot.press(str(names.index(holder) + 1))
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmScreen)
        assert any(f"is already with {holder}" in n.message for n in app._notifications)
        shown = screen.query_one(CandidatesPane).candidates
        other = next(i for i, c in enumerate(shown)
                     if c.expert_name != holder and c.factors["specialization"].value > 0)
        await pilot.press(str(other + 1))
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        title = app.desk.queries.issue(issue_id).title  # type: ignore[union-attr]
        assert app.screen.question == f"Reassign {issue_id} ({title}) from {holder} to {names[other]}?"
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("r")  # the reassign key names the holder too
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen) and f" from {holder} to " in app.screen.question
        await pilot.press("escape")


async def test_cancelled_confirmation_changes_nothing(store_copy: Path) -> None:
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        before = app.desk.store.journal.journal_path.read_bytes()
        await pilot.press("1")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert app.desk.store.journal.journal_path.read_bytes() == before


async def test_help_package_theme_and_tabs(store_copy: Path) -> None:
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, PackageScreen)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert list(store_copy.parent.glob("package-*.md"))
        await pilot.press("escape")
        theme = app.theme
        await pilot.press("t")
        assert app.theme != theme
        assert app.settings.theme == app.theme  # remembered in the config file
        await pilot.press("a")
        assert screen_of(app).query_one("#tabs").active == "analytics"
        await pilot.press("greater_than_sign")
        await settle(pilot)
        await pilot.press("d")
        assert screen_of(app).query_one("#tabs").active == "desk"


async def test_the_intake_form_fits_the_profile_and_names_the_new_id(store_copy: Path) -> None:
    """#12 §5: one form showed every profile's fields; a blank id was a random `iss-…`; the toast said 'a new issue'."""
    from textual.widgets import Select

    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, NewIssueForm)
        assert form.focused is not None and form.focused.id == "f-profile"  # the first field, at once
        shown = lambda path: form.query_one(f"#box-f-{path}").display  # noqa: E731
        assert shown("users_affected") and not shown("category")
        form.query_one("#f-profile", Select).value = "appraisal"
        await pilot.pause()
        assert shown("category") and not shown("users_affected")
        assert form.query_one("#preview").region.bottom <= form.region.bottom  # the preview is in sight
        form.query_one("#f-title", Input).value = "Silver candlesticks"
        form.query_one("#f-category", Input).value = "silver"
        await pilot.press("ctrl+s")
        await settle(pilot)
        made = [i for i in app.desk.store.issues.all() if i.title == "Silver candlesticks"]
        assert len(made) == 1 and made[0].id.startswith("APR-") and made[0].id[4:].isdigit()
        assert any(n.message == f"created {made[0].id}" for n in app._notifications)


async def test_new_issue_form_validates_at_the_field(store_copy: Path) -> None:
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, NewIssueForm)
        form.query_one("#f-id", Input).value = "INC-NEW-1"
        form.query_one("#f-title", Input).value = "Payroll site down"
        form.query_one("#f-users_affected", Input).value = "lots"
        await pilot.pause()
        assert "valid integer" in str(form.query_one("#err-f-users_affected").render())
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form and app.desk.store.issues.get("INC-NEW-1") is None  # nothing saved
        form.query_one("#f-users_affected", Input).value = "120"
        await pilot.pause()
        assert str(form.query_one("#err-f-users_affected").render()) == ""
        assert "CRITICAL" in str(form.query_one("#preview").render())  # recomputed as fields change
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.desk.store.issues.require("INC-NEW-1").users_affected == 120


@pytest.mark.parametrize("typed", ["[/]", "[b]x", "[link=x]", "\\["])
async def test_a_filter_with_markup_in_it_is_shown_literally_in_the_queue_title(store_copy: Path, typed: str) -> None:
    """The queue's subtitle says the filter typed: "[/]" made Textual raise MarkupError and close the desk."""
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        await pilot.press("slash", *typed)
        await settle(pilot)
        assert app.is_running and app._exception is None
        subtitle = screen.query_one("#queue-pane")._border_subtitle
        assert subtitle is not None and f"text “{typed}”" in subtitle.plain


async def test_markup_and_escapes_are_shown_literally(store_copy: Path) -> None:
    store = open_store(store_copy)
    store.issues.add(Issue(id="EVIL-1", profile="infrastructure", title="[b]x[/] [/foo] \x1b[31mred [link=http://x]y[/link]",
                           description="[red]not red[/red]", users_affected=5000, research={"overall_confidence": 0.1}))
    store.close()
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        await pilot.press("slash", *"evil")
        await settle(pilot)
        queue = screen.query_one(QueueView)
        assert queue.current_issue() == "EVIL-1"
        line = "".join(segment.text for segment in queue.render_line(1))
        assert "[b]x[/] [/foo] \\x1b[31m" in line and "\x1b" not in line
        await settle(pilot)
        from rich.console import Console

        console = Console(width=300, record=True, file=open("/dev/null", "w"))
        console.print(screen.query_one(EscalationPane).source)
        rendered = console.export_text()
        assert "[b]x[/] [/foo] \\x1b[31mred [link=http://x]y[/link]" in rendered


async def test_expert_view_sessions_outcome_and_correction(store_copy: Path) -> None:
    from triagedesk.tui.screenshots import busiest_expert

    store = open_store(store_copy)
    expert = store.experts.require(busiest_expert(store_copy))
    store.close()
    app = make_app(store_copy, role="expert", expert_id=expert.id)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        queue = screen.query_one(QueueView)
        assert queue.rows, "the expert has assigned requests in the demo"
        assert queue.rows and all(queue.data.assignee[i] == expert.name for i in queue.rows)
        assert not screen.query_one("#candidates").display
        # pick a request without a running session
        for _ in range(len(queue.rows)):
            request_id = screen.selection.request_id
            if request_id and app.desk.queries.running_session(request_id) is None:
                break
            await pilot.press("down")
            await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        running = app.desk.queries.running_session(request_id)
        assert running is not None and running.status == "active"
        await pilot.press("space")
        await settle(pilot)
        assert app.desk.queries.running_session(request_id).status == "paused"
        await pilot.press("space")
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        form = app.screen
        field = form.query_one("#f-field", Select)
        offered = [value for _label, value in field._options if value is not Select.NULL]  # the profile's own
        profile = app.desk.engine.profile(app.desk.queries.require_request(request_id).profile)
        assert offered == list(profile.corrections.fields)
        typed = next(name for name in offered if profile.corrections.fields[name].source is None) \
            if any(profile.corrections.fields[n].source is None for n in offered) else offered[0]
        field.value = typed
        await settle(pilot)
        original = form.query_one("#f-original_value", Input)
        if not original.disabled:  # the assessment does not say it: the expert types what it said
            original.value = "Unknown English"
        form.query_one("#f-corrected_value", Input).value = "Paul Storr, London"
        await pilot.press("ctrl+s")
        await settle(pilot)
        corrected = app.desk.store.requests.require(request_id).expert_corrections[-1]
        assert corrected.field == typed and corrected.corrected_value == "Paul Storr, London"
        assert corrected.original_value not in (None, "")
        await pilot.press("o")
        await settle(pilot)
        outcome_form = app.screen
        outcome_form.query_one("#f-final_report", TextArea).load_text("Paul Storr, 1810; insure accordingly.")
        outcome_form.query_one("#f-knowledge_gained", TextArea).load_text("Storr marks")
        outcome_form.query_one("#f-rating", Input).value = "5"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.desk.store.requests.require(request_id).status == "completed"
        assert any(o.knowledge_gained == "Storr marks" for o in app.desk.store.outcomes.all())


async def test_another_desk_change_refreshes_the_panes(store_copy: Path) -> None:
    app = make_app(store_copy, watch=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        queue = screen_of(app).query_one(QueueView)
        for _ in range(40):  # a busy machine: the first load may still be on its way
            if len(queue.data):
                break
            await pilot.pause(0.05)
            await settle(pilot)
        before = len(queue.data)
        assert before > 0
        other = open_store(store_copy)
        other.issues.add(Issue(id="FROM-OTHER-DESK", profile="infrastructure", title="Outage at the branch"))
        for _ in range(40):
            await pilot.pause(0.05)
            await app.workers.wait_for_complete()
            if len(queue.data) > before:
                break
        assert len(queue.data) == before + 1, [n.message for n in app._notifications]
        assert "FROM-OTHER-DESK" in queue.data.ids


async def test_backtest_from_the_analytics_tab(store_copy: Path) -> None:
    from triagedesk.tui.screens.modals import BacktestScreen, PromptScreen

    app = make_app(store_copy, role="lead")
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)
        assert isinstance(app.screen, PromptScreen)
        await pilot.press("enter")  # the current infrastructure profile against itself: nothing changes
        await settle(pilot)
        assert isinstance(app.screen, BacktestScreen)
        assert app.screen.result["changed"] == 0 and app.screen.result["considered"] > 0
        shown = "\n".join(str(w.render()) for w in app.screen.query(Static))
        assert "No issue would be treated differently." in shown and "0 issues change" not in shown


async def test_a_breach_raises_a_notification(store_copy: Path) -> None:
    from tests.support.pilot import NOW
    from triagedesk.app.desk import Desk

    store = open_store(store_copy)
    store.issues.add(Issue(id="FRESH-1", profile="infrastructure", title="Router down", created_at=NOW))
    desk = Desk(store, clock=lambda: NOW)
    request = escalate(desk, "FRESH-1", "test")
    act(desk, request.id, "assign", "test", specialist(desk, "FRESH-1"))
    store.close()
    clock = Clock(NOW)
    app = make_app(store_copy, clock=clock)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        pane = screen_of(app).query_one(TimersPane)
        timers = [t for t in pane.clocks if not t.counts_up and not t.paused and t.left > 0]
        assert timers, "the demo has running clocks"
        clock.advance(days=15)  # past every due time, business hours or not
        pane.tick()
        await settle(pilot)
        assert any("SLA breached" in str(n.message) for n in app._notifications)
        assert timers[0].state == "breached"
        assert pane.line_of(timers[0]) in pane.text().plain


async def test_a_failing_sync_is_told_once_and_its_recovery_once(store_copy: Path) -> None:
    from triagedesk.tui.live_sync import SyncStatus

    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        before = len(app._notifications)
        for _ in range(3):  # the sync thread retries every few seconds while the server is down
            app._sync_status(SyncStatus("http://127.0.0.1:9/desk", error="connection refused after 5 attempts"), False)
        await settle(pilot)
        told = [n.message for n in list(app._notifications)[before:]]
        assert told == ["Sync: connection refused after 5 attempts"]
        assert "error: connection refused" in app.sub_title  # the header keeps saying it
        app._sync_status(SyncStatus("http://127.0.0.1:9/desk", last=NOW), False)
        await settle(pilot)
        assert [n.message for n in list(app._notifications)[before:]][-1] == "Sync: back in step with the server"
        assert "· ok" in app.sub_title


async def test_notifications_show_data_literally(store_copy: Path) -> None:
    """A name or an answer with markup in it is shown as written and breaks nothing (screens ask for markup)."""
    from textual.widgets._toast import Toast

    app = make_app(store_copy)
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        await settle(pilot)
        tell(screen_of(app), "APR-1 is already with [/] and [bold]Ann[/bold].", severity="warning")
        await settle(pilot)
        await pilot.pause(0.2)
        shown = [str(toast.render()) for toast in app.screen.query(Toast)]  # rendering is what broke
        assert any("APR-1 is already with [/] and [bold]Ann[/bold]." in text for text in shown), shown


def test_every_notice_of_the_desk_goes_through_tell() -> None:
    """Textual's notify reads markup by default; the app used to override it to plain text (changing a Textual
    API's meaning). Now no module calls notify but `tell`, which asks for plain text."""
    import ast

    import triagedesk.tui

    root = Path(triagedesk.tui.__file__).parent
    modules = [p for p in root.rglob("*.py") if p.name != "notices.py"]
    assert len(modules) > 20
    calls = [f"{p.name}:{node.lineno}" for p in modules for node in ast.walk(ast.parse(p.read_text()))
             if isinstance(node, ast.Attribute) and node.attr == "notify"
             and not isinstance(getattr(node, "ctx", None), ast.Store)]
    assert calls == [], calls


async def test_a_refused_write_is_a_notice_and_the_desk_stays_open(store_copy: Path) -> None:
    """Every worker had exit_on_error=True: a UserError in a write ended the app with a traceback."""
    from triagedesk.domain.errors import UserError

    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)

        def refused() -> None:
            raise UserError("request req-1 awaits payment")

        screen_of(app).write("never shown", refused)
        await settle(pilot)
        assert app.is_running
        assert any(n.message == "request req-1 awaits payment" for n in app._notifications), \
            [n.message for n in app._notifications]


async def test_t_cycles_our_themes_only_and_a_bad_saved_theme_falls_back(store_copy: Path) -> None:
    """The cycle reached Textual's ansi-dark (which fails on dark_orange) and saved it: the desk could not start."""
    from triagedesk.tui.config import Settings, save_settings

    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        seen = set()
        for _ in range(6):
            await pilot.press("t")
            seen.add(app.theme)
        assert seen == set(app.our_themes) and all(name.startswith("triagedesk") for name in seen)
    save_settings(Settings(theme="ansi-dark"))
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        assert app.theme == "triagedesk-dark"
        assert any("Unknown theme 'ansi-dark'" in n.message for n in app._notifications)


async def test_queue_rows_paint_the_theme_background(store_copy: Path) -> None:
    """#12 §5: rows left the background to the terminal (ESC[49m): the light theme on a dark terminal was unreadable."""
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        app.theme = "triagedesk-light"
        await settle(pilot)
        queue = screen_of(app).query_one(QueueView)
        assert queue.rows
        segments = [s for y in range(0, 6) for s in queue.render_line(y) if s.text]
        assert segments and all(s.style is not None and s.style.bgcolor is not None for s in segments)


async def test_the_escalation_pane_scrolls_back_to_the_top(store_copy: Path) -> None:
    app = make_app(store_copy)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        pane = screen_of(app).query_one(EscalationPane)
        pane.scroll_end(animate=False)
        await pilot.pause()
        assert pane.scroll_y > 0  # at 80x24 a decision is taller than its pane
        await pilot.press("down")
        await settle(pilot)
        assert pane.scroll_y == 0
