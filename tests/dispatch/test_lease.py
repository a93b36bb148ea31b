"""Exactly one dispatcher acts for a team: a lease on a real PouchDB Server taken with compare-and-swap on `_rev`;
a second dispatcher waits, takes over when the holder dies and its lease expires, and never acts twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

from tests.support.clock import T0
from tests.support.dispatch import make_dispatcher, network
from triagedesk.app.dispatcher_status import read_status
from triagedesk.app.dispatching import open_dispatching
from triagedesk.dispatch.lease import LEASE_ID, CouchLease, FileLease
from triagedesk.dispatch.settings import DispatchSettings
from triagedesk.sync.client import CouchClient, parse_remote


class Tick:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def test_the_lease_is_held_by_one_renewed_by_it_and_taken_over_only_after_expiry(db_url: str) -> None:
    tick = Tick()
    a = CouchLease(CouchClient(parse_remote(db_url)), 30, "dispatcher-a", tick)
    b = CouchLease(CouchClient(parse_remote(db_url)), 30, "dispatcher-b", tick)
    assert a.acquire() and not b.acquire()
    tick.now += 20
    assert a.acquire() and not b.acquire()        # renewed: 30 s from now again
    tick.now += 29
    assert not b.acquire()
    tick.now += 2                                  # a stopped renewing: expired
    assert b.acquire() and not a.acquire()
    doc = b.client.get_doc(LEASE_ID)
    assert doc is not None and doc["holder"] == "dispatcher-b"
    b.release()
    assert a.acquire()


def test_of_dispatchers_racing_for_an_expired_lease_exactly_one_wins(db_url: str) -> None:
    tick = Tick()
    leases = [CouchLease(CouchClient(parse_remote(db_url)), 5, f"d{n}", tick) for n in range(4)]
    winners = []
    for _ in range(6):
        tick.now += 10                             # whoever held it has expired
        start = threading.Barrier(len(leases))
        won: list[str] = []

        def race(lease: CouchLease, start: threading.Barrier, won: list[str]) -> None:
            start.wait()
            if lease.acquire():
                won.append(lease.holder)

        threads = [threading.Thread(target=race, args=(lease, start, won)) for lease in leases]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(won) == 1, won
        winners += won
    assert len(winners) == 6


def test_only_the_lease_holder_acts_and_the_successor_does_not_act_twice(tmp_path: Path, db_url: str) -> None:
    path = str(tmp_path / "desk.json")
    first, second = open_dispatching(path), open_dispatching(path)
    first.store.experts.put_many(network({}))
    [made] = first.take_in([first.store.issues.model(id="C-1", title="Production outage", users_affected=900)], T0)
    request_id = made["request_id"]
    tick = Tick()
    settings = DispatchSettings()
    one = make_dispatcher(first, settings, b"k" * 32, None, lines_a := [])
    two = make_dispatcher(second, settings, b"k" * 32, None, lines_b := [])
    lease_a = CouchLease(CouchClient(parse_remote(db_url)), 10, "a", tick)
    lease_b = CouchLease(CouchClient(parse_remote(db_url)), 10, "b", tick)

    def tick_both(now):
        for lease, dispatcher in ((lease_a, one), (lease_b, two)):
            if lease.acquire():
                dispatcher.run_pass(now)

    tick_both(T0)
    assert first.request(request_id).status == "assigned"  # type: ignore[union-attr]
    sla = first.expert(first.request(request_id).assigned_expert_id).availability.response_sla_minutes  # type: ignore[union-attr]
    tick.now += 5
    for dispatcher, lease in ((two, lease_b),):  # a is killed: only b keeps trying
        assert not lease.acquire()                 # a's lease still runs
        tick.now += 6
        assert lease.acquire()
        dispatcher.run_pass(T0)                    # the instant a already handled: nothing
        dispatcher.run_pass(T0 + timedelta(minutes=sla, seconds=1))
    events_a = [json.loads(line)["event"] for line in lines_a]
    events_b = [json.loads(line)["event"] for line in lines_b]
    assert events_a.count("auto_assign") == 1 and "auto_assign" not in events_b
    assert events_b.count("ack_reassign") == 1 and "ack_reassign" not in events_a
    steps = [a for a in first.store.history(request_id) if a.action.startswith("policy:")]
    assert [s.action for s in steps] == ["policy:auto_assign", "policy:ack_reassign"]
    one.close(), two.close(), first.close(), second.close()


def test_without_a_server_a_lock_beside_the_store_admits_one_dispatcher(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    a, b = FileLease(path, 30, "a"), FileLease(path, 30, "b")
    assert a.acquire() and not b.acquire()
    assert read_status(path)["holder"] == "a"  # type: ignore[index]
    a.release()
    assert read_status(path) is None
    assert b.acquire() and not a.acquire()
    b.release()


def _spawn(db: str, url: str, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TRIAGEDESK_LEASE_SECONDS": "1.5", "TRIAGEDESK_INTERVAL_SECONDS": "0.2"}
    return subprocess.Popen([sys.executable, "-m", "triagedesk", "dispatch", "--db", db, "--sync", url,
                             "--now", "2026-01-05T09:00:00Z", "--log-format", "json"],
                            stderr=log.open("wb"), stdout=subprocess.DEVNULL, env=env)


def _events(log: Path) -> list[dict]:
    lines = log.read_text("utf-8", "replace").splitlines()
    return [json.loads(line) for line in lines if line.startswith("{")]


def _wait_for(log: Path, event: str, timeout: float = 30, count: int = 1) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sum(e["event"] == event for e in _events(log)) >= count:
            return
        time.sleep(0.1)
    raise AssertionError(f"no {event} in {log.read_text('utf-8', 'replace')[-2000:]}")


def test_a_killed_dispatcher_is_taken_over_and_sigterm_stops_cleanly(tmp_path: Path, db_url: str) -> None:
    db = str(tmp_path / "desk.json")
    d = open_dispatching(db)
    d.store.experts.put_many(network({}))
    [made] = d.take_in([d.store.issues.model(id="C-9", title="Production outage", users_affected=900)], T0)
    d.close()
    log_a, log_b = tmp_path / "a.log", tmp_path / "b.log"
    a = _spawn(db, db_url, log_a)
    try:
        _wait_for(log_a, "auto_assign")
        b = _spawn(db, db_url, log_b)
        try:
            _wait_for(log_b, "lease_waiting")                                   # b tried, and a holds it
            assert not any(e["event"] == "lease_taken" for e in _events(log_b))
            a.send_signal(signal.SIGKILL)
            a.wait(10)
            _wait_for(log_b, "lease_taken")
            _wait_for(log_b, "first_pass")                                      # a pass at the same instant
            b.send_signal(signal.SIGTERM)
            assert b.wait(20) == 0
        finally:
            if b.poll() is None:
                b.kill()
    finally:
        if a.poll() is None:
            a.kill()
    events_b = [e["event"] for e in _events(log_b)]
    assert "auto_assign" not in events_b and events_b[-2:] == ["lease_released", "stopped"]
    d = open_dispatching(db, create=False)
    steps = [h for h in d.store.history(made["request_id"]) if h.action.startswith("policy:")]
    d.close()
    assert [s.action for s in steps] == ["policy:auto_assign"]
