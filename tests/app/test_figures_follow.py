"""The experts' counted figures while another desk writes: a count whose own reads catch up on the other desk's
writes finishes and counts them (it deadlocked: the catch-up told the figures of the change, on the same thread,
while the count held their lock, and every worker that asked for candidates after it waited for ever: a desk
following a busy writer stopped following)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from tests.support.flows import assign, specialist
from tests.support.stores import desk_at
from tests.support.world import outage
from triagedesk.app.desk import Desk
from triagedesk.store.database import open_store


def counted_in_time(desk: Desk, seconds: float = 10.0) -> dict:
    found: list[dict] = []
    counting = threading.Thread(target=lambda: found.append(desk.figures.counted()), daemon=True)
    counting.start()
    counting.join(seconds)
    assert not counting.is_alive(), "the count never finished (a lock held across its own catch-up)"
    return found[0]


def held(figures: dict) -> int:
    return sum(e.current_workload for e in figures.values())


def test_a_count_that_catches_up_on_another_desks_write_finishes(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    desk = desk_at(tmp_path, issues=[outage("INC-1"), outage("INC-2")])
    other = Desk(open_store(tmp_path / "desk.json"), clock=desk.clock)
    try:
        before = held(desk.figures.counted())
        assign(desk, "INC-1", specialist(desk, "INC-1"))  # ours: noticed at once, counted again on the next call
        assign(other, "INC-2", specialist(other, "INC-2"))  # the other desk's: ours learns of it when it next reads
        # the count's first catch-up skipped, so its reads inside (the requests counted again, the experts) catch up
        monkeypatch.setattr(desk.store, "refresh", lambda: set())
        during = held(counted_in_time(desk))
        monkeypatch.undo()
        assert during == before + 1  # ours; the other's arrived while counting: not in these, not forgotten
        after = counted_in_time(desk)
        fresh = Desk(open_store(tmp_path / "desk.json"), clock=desk.clock)
        assert after == fresh.figures.counted()  # every write counted, the other desk's included
        fresh.close()
        assert held(after) == before + 2
    finally:
        other.close()
        desk.close()


def test_a_change_noticed_while_counting_is_counted_next_time(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Figures counted while a change came in are not kept as the current ones: the next call counts it."""
    desk = desk_at(tmp_path, issues=[outage("INC-1")])
    other = Desk(open_store(tmp_path / "desk.json"), clock=desk.clock)
    try:
        before = held(desk.figures.counted())
        assign(desk, "INC-1", specialist(desk, "INC-1"))
        real = desk.store.experts.all
        written: list[bool] = []

        def experts_then_a_write() -> list:
            found = real()
            if not written:  # the count is under way: the other desk writes, a worker of ours catches up on it
                written.append(True)
                other.commands.edit("experts", found[0].id, {"name": "Renamed"}, "test")
                catching_up = threading.Thread(target=desk.store.refresh)
                catching_up.start()
                catching_up.join(10)
            return found

        monkeypatch.setattr(desk.store.experts, "all", experts_then_a_write)
        during = counted_in_time(desk)
        monkeypatch.undo()
        assert written and held(during) == before + 1
        after = counted_in_time(desk)
        fresh = Desk(open_store(tmp_path / "desk.json"), clock=desk.clock)
        assert after == fresh.figures.counted()
        fresh.close()
        assert "Renamed" in {e.name for e in after.values()} and "Renamed" not in {e.name for e in during.values()}
    finally:
        other.close()
        desk.close()
