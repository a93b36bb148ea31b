"""A cursor move while the warm-up builds a large store's indexes: the cursor and the Escalation pane come at once,
without candidates and past resolutions, and the same detail comes whole once the warm-up has built them (no
move needed; a small store's details wait for them, as before); the indexes the warm-up builds outside the store's
lock are the ones a lookup builds."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

import triagedesk.app.desk as desk_module
from tests.support.pilot import make_app, settle
from triagedesk.app.stores import open_desk
from triagedesk.store import warming
from triagedesk.store.kinds import INDEXED, KINDS
from triagedesk.tui import loaders
from triagedesk.tui.screens.desk_screen import DeskScreen
from triagedesk.tui.widgets.candidates_pane import CandidatesPane


def _indexes(journal: Any) -> dict[str, Any]:
    indexes = journal._installed()
    fields = {(t, f): sorted(m.items(), key=repr)  # (doc_id, key) of every record
              for t, index in indexes.fields.items() for f, m in index.built.items()}
    ids = {k.name: dict(journal.id_index(k.name)) for k in KINDS}
    return {"fields": fields, "ids": ids, "knowledge": [(d["id"], s) for d, s, _ in
                                                        journal.knowledge_search("disk full database", 20)]}


def test_the_warmed_indexes_are_the_ones_lookups_build(store_copy: Path) -> None:
    warmed, looked = open_desk(store_copy), open_desk(store_copy)
    try:
        warmed.store.warm_indexes()
        for kind, fields in INDEXED.items():
            for field in fields:
                looked.store.journal.lookup(kind, field, None)
        assert warmed.store.journal._installed().knowledge is not None
        assert _indexes(warmed.store.journal) == _indexes(looked.store.journal)
        assert _indexes(warmed.store.journal)["fields"]
    finally:
        warmed.close()
        looked.close()


def test_an_index_built_while_the_store_changed_is_let_go(store_copy: Path) -> None:
    desk = open_desk(store_copy)
    journal = desk.store.journal
    try:
        request = desk.store.requests.all()[0]
        installed: list[Any] = []

        def build_while_writing(copied: Any, step: Any) -> Any:  # another thread writes while the index is built
            desk.store.requests.put_many([request.model_copy(update={"status": "cancelled"})])
            return "stale"

        warming.aside(journal, lambda: None, build_while_writing, installed.append, lambda: False)
        assert installed == []  # what was built from the columns before the write is not put in place
        warming.aside(journal, lambda: None, lambda _, __: "fresh", installed.append, lambda: False)
        assert installed == ["fresh"]
        doc_id = journal.doc_id_of("requests", request.id)
        warming.field(journal, "requests", "status")
        assert doc_id in journal._installed().fields["requests"].built["status"].ids("cancelled")
    finally:
        desk.close()


def test_a_detail_during_the_warm_up_comes_without_candidates(store_copy: Path) -> None:
    desk = open_desk(store_copy)
    try:
        data = loaders.queue(desk, desk.clock())
        issue_id = data.ids[0]
        whole = loaders.detail(desk, data, issue_id)
        assert whole is not None and not whole.partial and whole.match is not None
        desk.detail_ready.clear()  # a warm-up is building what candidates and past resolutions need
        found = loaders.detail(desk, data, issue_id)
        assert found is not None and found.partial and found.match is None and found.hits == []
        assert found.decision == whole.decision and found.issue == whole.issue
    finally:
        desk.close()


async def test_the_shown_detail_comes_whole_once_the_warm_up_is_done(store_copy: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(desk_module, "LARGE", 0)  # as a store of a million issues: details do not wait
    app = make_app(store_copy)
    release = threading.Event()
    held = app.desk.store.warm_indexes

    def slow_indexes(between: Any = lambda: None, detail: bool = False, step: Any = lambda: None) -> None:  # as at
        if detail:  # 1M: seconds before a detail can be whole
            release.wait(30)
        held(between, detail, step)

    app.desk.store.warm_indexes = slow_indexes  # type: ignore[method-assign]
    async with app.run_test(size=(160, 48)) as pilot:
        screen = app.screen_stack[-1]
        for _ in range(400):
            screen = app.screen_stack[-1]
            if isinstance(screen, DeskScreen) and screen.detail is not None:
                break
            await pilot.pause(0.01)
        assert isinstance(screen, DeskScreen) and screen.detail is not None
        assert screen.detail.partial and screen.detail.match is None  # shown at once, without candidates
        await pilot.press("down")
        for _ in range(400):
            if screen.detail is not None and screen.detail.issue.id == screen.current:
                break
            await pilot.pause(0.01)
        assert screen.detail is not None and screen.detail.partial
        moved_to = screen.current
        release.set()
        await settle(pilot)
        assert screen.current == moved_to and screen.detail is not None and screen.detail.issue.id == moved_to
        assert not screen.detail.partial and screen.detail.match is not None
        assert screen.query_one(CandidatesPane).match is screen.detail.match



async def test_a_small_stores_details_wait_for_the_warm_up(store_copy: Path) -> None:
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = app.screen_stack[-1]
        assert isinstance(screen, DeskScreen) and screen.detail is not None
        assert not screen.detail.partial and screen.detail.match is not None
        assert app.desk.detail_ready.is_set()
