"""Pilot tests of the issue screen (Enter), editing an issue and an expert, and searching every issue."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, OptionList, Static

from tests.support.pilot import make_app, screen_of, settle
from triagedesk.store.database import open_store
from triagedesk.tui.screens.choice import ChoiceScreen
from triagedesk.tui.screens.edit_forms import EditExpertForm, EditIssueForm
from triagedesk.tui.screens.issue_screen import IssueScreen
from triagedesk.tui.screens.search_screen import SearchScreen
from triagedesk.tui.widgets.queue_view import QueueView


def shown_text(screen) -> str:
    return "\n".join(str(w.render()) for w in screen.query(Static))


async def test_enter_opens_the_issue_with_its_request_and_history(store_copy: Path) -> None:
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        queue = screen_of(app).query_one(QueueView)
        await pilot.press("f", "f", "f")  # assigned: a request with an expert
        issue_id = queue.current_issue()
        assert issue_id
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, IssueScreen)
        text = shown_text(app.screen)
        for needle in (issue_id, "Fields", "Request ", "due ", "acknowledged", "History", "requester:"):
            assert needle in text
        await pilot.press("escape")
        assert not isinstance(app.screen, IssueScreen)


async def test_edit_an_issue_validated_per_field_and_audited(store_copy: Path) -> None:
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("f", "f", "f", "f", "p", "p", "enter")  # an infrastructure issue in review: seed 000's fields
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, IssueScreen)
        issue_id = screen.issue_id
        assert issue_id.startswith("INC-")
        await pilot.press("ctrl+e")  # the same key as on the desk (e is the desk's senior escalation)
        form = app.screen
        assert isinstance(form, EditIssueForm)
        form.query_one("#f-users_affected", Input).value = "many"
        await pilot.pause()
        errors = [str(w.render()) for w in form.query(".field-error")]
        assert any("integer" in e for e in errors)
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, EditIssueForm)  # refused: nothing written
        form.query_one("#f-users_affected", Input).value = "4321"
        form.query_one("#f-title", Input).value = "Renamed [bold]title[/]"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, IssueScreen)
        assert "Renamed [bold]title[/]" in shown_text(app.screen)
        assert "users_affected: " in shown_text(app.screen) and "-> 4321" in shown_text(app.screen)
    store = open_store(store_copy)
    issue = store.issues.require(issue_id)
    edits = [e for e in store.audit_log.all() if e.target_id == issue_id and e.action == "edit"]
    store.close()
    assert (issue.title, issue.users_affected) == ("Renamed [bold]title[/]", 4321)
    assert len(edits) == 1 and set(edits[0].after or {}) >= {"title", "users_affected"}
    assert edits[0].actor == app.actor


async def test_search_finds_a_closed_issue_and_opens_it(store_copy: Path) -> None:
    store = open_store(store_copy)
    closed = next(r.analysis_id for r in store.requests.all() if r.status == "completed")
    store.close()
    app = make_app(store_copy)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert closed not in screen_of(app).data.ids  # the queue shows open issues only
        await pilot.press("F")
        assert isinstance(app.screen, SearchScreen)
        await pilot.press(*closed)
        await settle(pilot)
        assert [f.issue_id for f in app.screen.found] == [closed]
        assert app.screen.query_one(OptionList).option_count == 1
        await pilot.press("enter", "enter")
        await settle(pilot)
        assert isinstance(app.screen, IssueScreen) and app.screen.issue_id == closed
        assert "completed" in shown_text(app.screen)
        await pilot.press("escape", "escape")
        await pilot.press("F", *"zz-nothing-zz")
        await settle(pilot)
        assert "No issue holds" in shown_text(app.screen)


async def test_edit_an_expert_record(store_copy: Path) -> None:
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("X")
        assert isinstance(app.screen, ChoiceScreen)
        expert_id = app.screen.choices[0][1]
        await pilot.press("1")
        form = app.screen
        assert isinstance(form, EditExpertForm)
        form.query_one("#f-timezone", Input).value = "Mars/Olympus"
        await pilot.pause()
        assert any("timezone" in str(w.render()) for w in form.query(".field-error"))
        form.query_one("#f-timezone", Input).value = "Europe/Berlin"
        form.query_one("#f-specializations", Input).value = "silver, watches"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(pilot)
    store = open_store(store_copy)
    expert = store.experts.require(expert_id)
    store.close()
    assert (expert.timezone, expert.specializations) == ("Europe/Berlin", ["silver", "watches"])


async def test_the_expert_cannot_edit(store_copy: Path) -> None:
    store = open_store(store_copy)
    holder = next(r.assigned_expert_id for r in store.requests.all() if r.status == "assigned")
    store.close()
    app = make_app(store_copy, role="expert", expert_id=holder)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        assert screen_of(app).check_action("edit_expert", ()) is False
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, IssueScreen)
        await pilot.press("e")
        assert isinstance(app.screen, IssueScreen)
