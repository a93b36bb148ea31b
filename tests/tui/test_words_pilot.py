"""The words a person reads once, as the desk shows them: a confirmation names the issue and its buttons say what
they do ("Cancel the request" / "Keep it"); each state has one name in the queue, search, the issue screen and
Timers ("new", "pending assignment", "in review"), never its token or a dash."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Button, Static

from tests.support.pilot import make_app, screen_of, settle
from triagedesk.tui.screens.command_prompt import CommandPrompt
from triagedesk.tui.screens.issue_screen import IssueScreen
from triagedesk.tui.screens.modals import ConfirmScreen
from triagedesk.tui.screens.search_screen import SearchScreen
from triagedesk.tui.widgets.queue_view import QueueView
from triagedesk.tui.widgets.timers_pane import TimersPane

TOKENS = ("pending_assignment", "pending_payment", "in_review")


def buttons(screen) -> list[str]:
    return [str(b.label) for b in screen.query(Button)]


async def go_to(pilot, issue_id: str) -> None:
    await pilot.press("slash", *issue_id, "enter")
    await settle(pilot)
    assert screen_of(pilot.app).query_one(QueueView).current_issue() == issue_id


async def test_a_confirmation_names_the_issue_and_says_what_its_buttons_do(store_copy: Path) -> None:
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        data = screen_of(app).data
        waiting = next(i for i, s in enumerate(data.status) if s == "pending_assignment")
        issue_id, title = data.ids[waiting], data.title[waiting]
        before = app.desk.store.journal.journal_path.read_bytes()
        await go_to(pilot, issue_id)
        await pilot.press("x")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen)
        assert dialog.question == f"Cancel the request for {issue_id} ({title})?"
        assert buttons(dialog) == ["Cancel the request", "Keep it"]
        await pilot.click("#cancel")  # "Keep it"
        await settle(pilot)
        await pilot.press("1")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen)
        assert dialog.question.startswith(f"Assign {issue_id} ({title}) to ") and "req-" not in dialog.question
        assert buttons(dialog) == ["Assign", "Keep it"]
        await pilot.press("escape")
        await settle(pilot)
        assert app.desk.store.journal.journal_path.read_bytes() == before  # kept: nothing written


async def test_each_state_has_one_name_in_the_queue_search_the_issue_and_timers(store_copy: Path) -> None:
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        queue, data = screen.query_one(QueueView), screen.data
        shown = [queue.render_line(y).text for y in range(1, len(queue.rows) + 1)]
        assert len(shown) == len(data) > 20
        words = {data.status[i]: shown[n] for n, i in enumerate(queue.rows)}
        assert " pending assignment " in words["pending_assignment"] and " in review " in words["in_review"]
        assert " new " in words["new"]
        assert not any(token in line for line in shown for token in TOKENS)
        assert all(line.split()[4] != "-" for line in shown)  # no dash for a state
        timers = screen.query_one(TimersPane).text().plain
        assert " in review · " in timers and not any(token in timers for token in TOKENS)
        fresh = data.ids[data.status.index("new")]
        await pilot.press("F", *fresh)
        await settle(pilot)
        search = app.screen
        assert isinstance(search, SearchScreen)
        row = str(search.row(search.found[0], 10))
        assert row.startswith(f"{fresh}  new ")
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, IssueScreen)
        text = "\n".join(str(w.render()) for w in app.screen.query(Static))
        assert "new: no request was ever opened" in text and "never escalated" not in text


async def test_the_notice_history_says_none_rather_than_zero_newest(store_copy: Path) -> None:
    app = make_app(store_copy)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("y", "N")
        await settle(pilot)
        text = "\n".join(str(w.render()) for w in app.screen.query(Static))
        assert "The dispatcher's actions\n" in text + "\n" and "(0 newest)" not in text, text
        assert "The dispatcher has written nothing to this store." in text


async def test_the_command_lines_states_read_by_their_one_name(store_copy: Path) -> None:
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("colon")
        await settle(pilot)
        prompt = app.screen
        assert isinstance(prompt, CommandPrompt)
        states = {w.text: w.help for w in prompt.words if w.kind == "status"}
        assert states["status in_review"] == "show in review" and states["status new"] == "show new"
        assert states["status all"] == "show every state" and len(set(states.values())) == len(states) == 7
