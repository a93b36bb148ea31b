"""The desk's header shows a dispatcher while one holds the store's lease, and nothing otherwise."""

from __future__ import annotations

import time
from pathlib import Path

from rich.text import Text

from tests.support.pilot import make_app, settle
from triagedesk.app.dispatcher_status import write_status
from triagedesk.app.dispatching import open_dispatching
from triagedesk.tui.widgets.dispatcher_badge import DispatcherBadge


async def test_the_badge_follows_the_lease(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    open_dispatching(str(path)).close()
    app = make_app(path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        badge = app.screen.query_one(DispatcherBadge)
        assert badge.display is False
        write_status(path, "vm:42:[bold]x\x1b[31m", time.time() + 30, "lock")
        badge.look()
        await settle(pilot)
        assert badge.display is True
        assert isinstance(badge.tooltip, Text) and "[bold]x\\x1b[31m" in badge.tooltip.plain
        write_status(path, "vm:42:x", time.time() - 1, "lock")   # expired: its holder died
        badge.look()
        await settle(pilot)
        assert badge.display is False
        (tmp_path / "desk.json.dispatcher").write_text("{not json", "utf-8")
        badge.look()
        await settle(pilot)
        assert badge.display is False
