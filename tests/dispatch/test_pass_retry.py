"""A pass that fails for a transient reason (the store's lock held elsewhere, the OS refusing) is tried again
within its round with backoff (stamina); any other failure is not; a step that failed stays due."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest

from tests.support.clock import T0
from tests.support.dispatch import make_dispatcher, network
from triagedesk.app.dispatching import open_dispatching
from triagedesk.dispatch.runner import run_pass_retrying
from triagedesk.dispatch.settings import DispatchSettings
from triagedesk.domain.models import Issue
from triagedesk.store.errors import StoreLocked


def _failing(times: int, error: Exception, then):  # type: ignore[no-untyped-def]
    calls = {"n": 0}

    def call(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] <= times:
            raise error
        return then(*args, **kwargs)

    return call, calls


def test_a_lock_held_elsewhere_is_tried_again_and_the_pass_then_acts(tmp_path) -> None:
    d = open_dispatching(str(tmp_path / "desk.json"))
    d.store.experts.put_many(network({}))
    [made] = d.take_in([Issue(id="C-1", title="Production outage", users_affected=900)], T0)
    lines: list[str] = []
    dispatcher = make_dispatcher(d, DispatchSettings(), b"k" * 32, None, lines)
    d.refresh, calls = _failing(2, StoreLocked("desk.json.lock: another process holds the store's lock"), d.refresh)
    try:
        acted = run_pass_retrying(dispatcher, lambda: T0, threading.Event(), budget=5.0)
    finally:
        dispatcher.close()
    assert calls["n"] == 3
    assert acted >= 1 and d.request(made["request_id"]).status == "assigned"  # type: ignore[union-attr]
    assert [json.loads(line)["attempt"] for line in lines if '"pass_retry"' in line] == [2, 3]
    d.close()


def test_a_bug_is_not_retried_it_is_raised_at_once(tmp_path) -> None:
    d = open_dispatching(str(tmp_path / "desk.json"))
    lines: list[str] = []
    dispatcher = make_dispatcher(d, DispatchSettings(), b"k" * 32, None, lines)
    d.refresh, calls = _failing(5, RuntimeError("a bug"), d.refresh)
    try:
        with pytest.raises(RuntimeError, match="a bug"):
            run_pass_retrying(dispatcher, lambda: T0, threading.Event(), budget=5.0)
    finally:
        dispatcher.close()
        d.close()
    assert calls["n"] == 1 and not any("pass_retry" in line for line in lines)


def test_a_lock_held_past_the_budget_is_raised_within_it(tmp_path) -> None:
    d = open_dispatching(str(tmp_path / "desk.json"))
    dispatcher = make_dispatcher(d, DispatchSettings(), b"k" * 32, None, [])
    d.refresh, calls = _failing(10_000, StoreLocked("held"), d.refresh)
    try:
        with pytest.raises(StoreLocked):
            run_pass_retrying(dispatcher, lambda: T0, threading.Event(), budget=0.3)
    finally:
        dispatcher.close()
        d.close()
    assert 2 <= calls["n"] <= 5   # tried again, but never past five attempts or the round's budget


def test_a_step_whose_write_failed_is_still_due_at_the_next_pass(tmp_path) -> None:
    d = open_dispatching(str(tmp_path / "desk.json"))
    d.store.experts.put_many(network({}))
    [made] = d.take_in([Issue(id="C-2", title="Production outage", users_affected=900)], T0)
    dispatcher = make_dispatcher(d, DispatchSettings(), b"k" * 32, None, [])
    d.walk, calls = _failing(1, OSError(28, "No space left on device"), d.walk)
    try:
        with pytest.raises(OSError):
            dispatcher.run_pass(T0)
        assert d.request(made["request_id"]).status != "assigned"  # type: ignore[union-attr]
        assert dispatcher.run_pass(T0 + timedelta(seconds=5)) >= 1
    finally:
        dispatcher.close()
    assert calls["n"] == 2
    assert d.request(made["request_id"]).status == "assigned"  # type: ignore[union-attr]
    d.close()
