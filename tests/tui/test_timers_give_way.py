"""The Timers pane's read gives way inside a state too (`queries.clocks(between=...)`, every `every` requests: the
`waiting` state alone is ~2,000 requests at 100k, a read a key landing with it waited for), and reads exactly what
the read without pauses reads."""

from __future__ import annotations

from pathlib import Path

from tests.support.pilot import NOW
from triagedesk.app.desk import Desk
from triagedesk.domain.requests.states import OPEN_STATUSES
from triagedesk.store.database import open_store
from triagedesk.tui import loaders


def shown(found) -> list[tuple]:
    return [(c.request.id, c.pressing, tuple(c.clocks)) for c in found]


def test_a_read_that_gives_way_reads_what_the_whole_read_reads(store_copy: Path) -> None:
    desk = Desk(open_store(store_copy), clock=lambda: NOW)
    try:
        whole = desk.queries.clocks()
        assert whole, "no clocks in the demo store: nothing compared"
        pauses: list[int] = []
        paused = desk.queries.clocks(between=lambda: pauses.append(1), every=1)
        assert shown(paused) == shown(whole)
        read = sum(len(desk.store.requests.by("status", s)) for s in OPEN_STATUSES)
        assert len(pauses) == read >= len(whole)
        specs, summary = loaders.timers(desk, 10)
        calls: list[int] = []
        specs_paused, summary_paused = loaders.timers(desk, 10, between=lambda: calls.append(1))
        assert [(s.key, s.label) for s in specs_paused] == [(s.key, s.label) for s in specs]
        assert summary_paused == summary and len(calls) >= len(OPEN_STATUSES)
    finally:
        desk.store.close()
