"""Pilot tests of the queue: the id column, sorting by any column, assignee filters, saved views, empty results."""

from __future__ import annotations

import tomllib
from pathlib import Path

from tests.support.pilot import make_app, screen_of, settle
from triagedesk.tui.config import settings_path
from triagedesk.tui.widgets.queue_view import QueueView


def line(queue: QueueView, y: int) -> str:
    return queue.render_line(y).text


async def test_the_id_column_and_sorting_by_it(store_copy: Path) -> None:
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        queue = screen.query_one(QueueView)
        assert line(queue, 0).startswith("id")
        first = queue.data.ids[queue.rows[0]]
        assert first in line(queue, 1)
        await pilot.press("down", "down", "down")
        await pilot.press("v", "i")  # sort by id
        await settle(pilot)
        shown = [queue.data.ids[i] for i in queue.rows]
        assert shown == sorted(shown, key=str.lower) and queue.cursor == 0
        assert "id▲" in line(queue, 0)
        await pilot.press("down", "down", "v", "i")  # again: reversed, the cursor back on top
        await settle(pilot)
        assert [queue.data.ids[i] for i in queue.rows] == shown[::-1] and queue.cursor == 0
        assert "id▼" in line(queue, 0)
        await pilot.click(QueueView, offset=(13, 0))  # the urgency column's name
        await settle(pilot)
        assert screen.spec.sort == "urgency" and not screen.spec.reverse


async def test_assignee_filter_unassigned_and_each_expert(store_copy: Path) -> None:
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        queue = screen.query_one(QueueView)
        await pilot.press("A")  # unassigned
        assert queue.rows and all(not queue.data.assignee_id[i] for i in queue.rows)
        await pilot.press("A")  # the first expert holding something
        held = screen.spec.assignee
        assert held and queue.rows and all(queue.data.assignee_id[i] == held for i in queue.rows)
        await pilot.press("escape")
        assert screen.spec.assignee is None and len(queue.rows) == len(queue.data)


async def test_the_expert_sees_mine_then_unassigned(store_copy: Path) -> None:
    from triagedesk.store.database import open_store

    store = open_store(store_copy)
    holder = next(r.assigned_expert_id for r in store.requests.all() if r.status == "assigned")
    store.close()
    app = make_app(store_copy, role="expert", expert_id=holder)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        queue = screen.query_one(QueueView)
        assert queue.rows and all(queue.data.assignee_id[i] == holder for i in queue.rows)
        await pilot.press("A")
        assert queue.rows and all(not queue.data.assignee_id[i] for i in queue.rows)
        await pilot.press("A")
        assert len(queue.rows) == len(queue.data)
        await pilot.press("space")  # the expert's Space is the session's, never a mark
        assert not queue.marked


async def test_the_new_status_filter_shows_issues_without_a_request_named_new(store_copy: Path) -> None:
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        queue = screen.query_one(QueueView)
        await pilot.press("f")
        assert screen.spec.status == "new"
        assert queue.rows and all(queue.data.request_id[i] is None for i in queue.rows)
        assert all(line(queue, n + 1).split()[4] == "new" for n in range(min(len(queue.rows), 10)))
        assert "new, sorted by" in str(screen.query_one("#queue-pane").border_subtitle)
        everything = len(queue.rows)
        await pilot.press(*"fffff")
        assert screen.spec.status == "to_escalate"
        assert queue.rows and len(queue.rows) <= everything
        assert all(queue.data.escalate[i] for i in queue.rows)


async def test_an_empty_result_says_so(store_copy: Path) -> None:
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        queue = screen.query_one(QueueView)
        await pilot.press("slash", *"zzqqxx-no-such-thing", "enter")
        assert not queue.rows
        assert "No open issue matches" in line(queue, 1) and "zzqqxx" in line(queue, 1)


async def test_a_saved_view_is_kept_in_config_and_reopened(store_copy: Path) -> None:
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        await pilot.press("A", "v", "i", "v", "i")  # unassigned, by id reversed
        await pilot.press("S", *"triage", "enter")
        await settle(pilot)
        saved = tomllib.loads(settings_path().read_text("utf-8"))
        assert saved["views"]["triage"] == {"text": "", "status": "all", "assignee": "unassigned", "sort": "id",
                                            "reverse": True}
        await pilot.press("escape")
        assert screen.spec.assignee is None
    app = make_app(store_copy)  # a new desk reads it back
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        await pilot.press("V", "1")
        await settle(pilot)
        assert (screen.spec.assignee, screen.spec.sort, screen.spec.reverse) == ("unassigned", "id", True)
        assert screen.query_one(QueueView).cursor == 0
