"""The desk beside what sync rejected: it opens on a store holding a record its models cannot load (with a
notice), and `R` lists the rejected documents next to the conflicts' `C`."""

from __future__ import annotations

from pathlib import Path

from tests.support.pilot import NOW, settle
from tests.support.sync_desks import seed_desk
from triagedesk.app.desk import Desk
from triagedesk.store.database import open_store
from triagedesk.tui.app import TriageDeskApp
from triagedesk.tui.screens.rejected_screen import RejectedScreen


async def test_the_desk_opens_on_a_bad_record_and_lists_the_rejected(tmp_path: Path) -> None:
    seed_desk(tmp_path / "a.json", 3)
    store = open_store(tmp_path / "a.json")
    store.db.table("issues").insert({"id": "BAD", "title": 123, "users_affected": "lots", "_updated_at": "x"})
    store.db.table("requests").insert({"id": "BADR", "analysis_id": "i0", "status": "lost", "_updated_at": "x"})
    store.db.table("_rejected").insert({"id": "issues:EXT-2", "kind": "issues", "record_id": "EXT-2", "rev": "1-a",
                                        "error": "data.title: Input should be a valid string",
                                        "at": "2026-01-05T09:00:00Z", "source": "server"})
    app = TriageDeskApp(Desk(store, clock=lambda: NOW), live=False, watch=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        notices = [n.message for n in app._notifications]
        assert any("BAD" in text and "title" in text for text in notices), notices
        await pilot.press("R")
        await settle(pilot)
        screen = app.screen_stack[-1]
        assert isinstance(screen, RejectedScreen)
        assert [e["id"] for e in screen.entries] == ["issues:EXT-2"]
        await pilot.press("escape")
    store.close()
