"""A hold on a thread's catch-up ends with its block whatever ends it: Textual runs thread workers on a pool, and a
hold left on a pooled thread (a detail worker ended by `Superseded`, a store error) would keep every later read
on that thread from ever catching up."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from triagedesk.store.catch_up_hold import CatchUpHold
from triagedesk.store.errors import StoreError


@pytest.mark.parametrize("error", [StoreError("damaged"), KeyError("gone"), KeyboardInterrupt()])
def test_a_hold_ended_by_an_error_leaves_the_pooled_thread_unheld(error: BaseException) -> None:
    hold = CatchUpHold()

    def held_then_failed() -> str:
        try:
            with hold.holding(), hold.holding():
                raise error
        except BaseException as exc:  # noqa: BLE001 - the worker's end, whatever it was
            return type(exc).__name__
        return "no error"

    with ThreadPoolExecutor(max_workers=1) as pool:  # one thread: the next job runs where the hold was
        assert pool.submit(held_then_failed).result() == type(error).__name__
        assert pool.submit(hold.held).result() is False, "the hold outlived its block on the pooled thread"
