"""A change elsewhere too large for a queue patch (a full load instead) still reaches the cursor's detail: the
detail found on the change read the cursor row's model from the queue as loaded before it."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from tests.support.pilot import NOW, make_app, screen_of, settle
from triagedesk.app.desk import Desk
from triagedesk.app.queue_updates import FULL_RELOAD_SHARE
from triagedesk.store.database import open_store
from triagedesk.tui.widgets.queue_view import QueueView


async def wait_for(condition, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    assert condition(), "not within the time allowed"


async def test_a_full_reload_finds_the_cursor_s_detail_again(store_copy: Path) -> None:
    app = make_app(store_copy, watch=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        queue = screen.query_one(QueueView)
        target = queue.current_issue()
        assert target is not None and screen.detail is not None and screen.detail.issue.id == target
        loads: list[int] = []
        real_load = screen.load_queue
        screen.load_queue = lambda: (loads.append(1), real_load())[1]  # type: ignore[method-assign]
        other = Desk(open_store(store_copy), clock=lambda: NOW)  # another process's store over the same files
        try:
            stored = [d["id"] for d in other.store.issues.raw() if d.get("id") != target]
            many = stored[: max(65, int(FULL_RELOAD_SHARE * len(queue.data.ids)) + 1)]
            assert len(many) > 64, "too few issues stored for a full load"
            with other.store.transaction():
                for issue_id in [target, *many]:
                    other.commands.edit("issues", issue_id, {"title": f"Renamed elsewhere {issue_id}"}, "test")
        finally:
            other.close()
        await wait_for(lambda: bool(loads) and (shown := queue.data.issues.get(target)) is not None
                       and shown.title == f"Renamed elsewhere {target}")  # the full load is shown
        await wait_for(lambda: screen.detail is not None and screen.detail.issue.id == target
                       and screen.detail.issue.title == f"Renamed elsewhere {target}")
