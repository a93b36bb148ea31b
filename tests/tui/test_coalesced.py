"""A reload asked for faster than it runs (tui/coalesced.py): one runner, the asks made meanwhile collapse into one
run of the latest, runs spaced so reloading takes at most its share of the time, and a failing job lets the next ask
start again. Background work giving way to keys (tui/giving_way.py): it waits while they come, never for ever."""

from __future__ import annotations

import threading

import pytest

from triagedesk.tui.coalesced import Coalesced
from triagedesk.tui.giving_way import GivingWay


class FakeTime:
    """A clock that moves only when slept on or when a job says it took time."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_a_share_outside_zero_to_one_is_refused() -> None:
    for share in (0, -0.5, 1.5):
        with pytest.raises(ValueError, match="share"):
            Coalesced(share)


def test_a_failing_job_ends_the_runner_and_the_next_ask_starts_another() -> None:
    loads = Coalesced()
    ran: list[str] = []

    def broken() -> None:
        raise RuntimeError("store gone")

    assert loads.ask(broken)
    with pytest.raises(RuntimeError, match="store gone"):
        loads.run()
    assert loads.ask(lambda: ran.append("again")), "a failed runner left the loads stuck as running"
    loads.run()
    assert ran == ["again"]


def test_asks_while_a_job_runs_collapse_into_one_run_of_the_latest() -> None:
    loads = Coalesced(share=1.0)
    ran: list[int] = []
    started, release = threading.Event(), threading.Event()

    def first() -> None:
        ran.append(0)
        started.set()
        assert release.wait(10)

    assert loads.ask(first)
    runner = threading.Thread(target=loads.run)
    runner.start()
    assert started.wait(10)
    asked = [loads.ask(lambda n=n: ran.append(n)) for n in range(1, 6)]  # five asks while the first runs
    release.set()
    runner.join(10)
    assert not runner.is_alive()
    assert asked == [False] * 5  # the runner at work takes them: nobody starts another
    assert ran == [0, 5]  # the latest only, once
    assert loads.ask(lambda: ran.append(6))  # the runner ended: the next ask starts one


def test_runs_are_spaced_so_loading_takes_at_most_its_share() -> None:
    time = FakeTime()
    loads = Coalesced(share=0.25, clock=time.clock, sleep=time.sleep)
    runs: list[float] = []

    def job(took: float) -> None:
        runs.append(time.now)
        time.now += took
        if len(runs) == 1:
            loads.ask(lambda: job(0.1))  # asked again while the first ran

    assert loads.ask(lambda: job(0.2))
    loads.run()
    assert runs == [100.0, pytest.approx(100.0 + 0.2 + 0.6)]  # after 0.2 s of work, 0.6 s of rest: a quarter
    assert time.slept == [pytest.approx(0.6)]
    assert loads.ask(lambda: job(0.0))
    loads.run()  # the next ask, 0.3 s of rest after the 0.1 s run
    assert runs[-1] == pytest.approx(runs[1] + 0.1 + 0.3)


def test_background_work_gives_way_while_keys_come_and_never_for_ever() -> None:
    time = FakeTime()
    way = GivingWay(quiet=0.15, most=2.0, clock=time.clock, sleep=time.sleep)
    way.give_way()
    assert time.slept == []  # no key yet: the work goes on at once
    way.pressed()
    time.now += 0.05
    way.give_way()
    assert time.slept == [pytest.approx(0.1)]  # until 0.15 s after the last key
    held = GivingWay(quiet=0.15, most=2.0, clock=time.clock, sleep=lambda s: (time.sleep(s), held.pressed()))
    held.pressed()
    start = time.now
    held.give_way()  # a key held down (each wait ends with another key): the work still goes on after `most`
    assert time.now - start == pytest.approx(2.0)
    start = time.now
    held.give_way(most=10.0)  # a read that can wait longer (the Timers': the clocks shown tick on meanwhile)
    assert time.now - start == pytest.approx(10.0)


def test_the_timers_read_waits_while_keys_are_held_longer_than_other_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """A read of every open request's clocks (~0.3 s CPU at 100k) waits up to `TIMERS_WAIT_MOST` while keys keep
    coming, not the 2 s other work waits: held keys are not shared with it."""
    from datetime import UTC, datetime

    from triagedesk.tui.widgets import timers_pane

    asked: list[float | None] = []
    monkeypatch.setattr(timers_pane.KEYS, "give_way", lambda most=None: asked.append(most))
    pane = timers_pane.TimersPane(lambda: datetime(2026, 1, 1, tzinfo=UTC), live=False)
    pane._loads.before()
    assert asked == [timers_pane.TIMERS_WAIT_MOST] and timers_pane.TIMERS_WAIT_MOST > GivingWay().most


def test_each_run_first_gives_way() -> None:
    order: list[str] = []
    loads = Coalesced(before=lambda: order.append("gave way"))
    assert loads.ask(lambda: order.append("ran"))
    loads.run()
    assert order == ["gave way", "ran"]


def test_short_chunks_wait_only_while_a_key_is_pending_and_within_their_budget() -> None:
    time = FakeTime()
    way = GivingWay(clock=time.clock, sleep=time.sleep)
    between = way.letting_keys_pass(0.05)
    between()
    assert time.slept == []  # no key: no wait
    way.pressed()
    way.served()
    between()
    assert time.slept == []  # the key's frame is painted: nothing pending
    time.now += 0.001
    way.pressed()
    between()  # pending (never served): waits out the budget left, in short sleeps, then goes on
    assert sum(time.slept) == pytest.approx(0.049) and max(time.slept) <= way.POLL  # from its start
    time.slept.clear()
    between()
    assert time.slept == []  # the budget is spent: the chunks go on
    late = way.letting_keys_pass(10.0)
    way.pressed()
    start = time.now
    late()  # a key that painted nothing stops counting as pending after PENDING_MOST
    assert time.now - start == pytest.approx(way.PENDING_MOST, abs=way.POLL)
    served = way.letting_keys_pass(10.0)
    way.pressed()
    time.slept.clear()
    way.sleep = lambda s: (time.sleep(s), way.served())  # the key's frame is painted during the first wait
    served()
    assert time.slept == [way.POLL]
