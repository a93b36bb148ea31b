"""Issue #23's first reproduction, with real parts: a webhook that never answers, one that answers in 5 s and an
expert on email (aiosmtpd), all paged by a running dispatcher (its own threads, the real clock) whose issues
arrive through a real uvicorn. The mailed expert's page arrives within 1 s of its step; the others retry on their
own schedule, measured from their own failure.

On the old main this failed: deliveries ran one after another inside the policy pass, so the third issue was not
even assigned until the hanging webhook's 20 s timeout had passed."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.dispatch.receivers import Hook
from tests.support.dispatch import TOKEN, Inbox, free_port, network
from tests.support.http import HTTP
from triagedesk.app.dispatching import Dispatching, open_dispatching
from triagedesk.dispatch.intake import build_app
from triagedesk.dispatch.lease import FileLease
from triagedesk.dispatch.runner import ActionLog, Dispatcher, run_forever
from triagedesk.dispatch.service import IntakeServer
from triagedesk.dispatch.settings import DispatchSettings
from triagedesk.resources import load_profile

OUTAGES = list(load_profile("infrastructure").expert_categories)
"""Every kind of expert the posted outages may go to (their titles route them: "SLOW-1" reads as slow storage)."""
STEP_TO_PAGE = 1.0
"""The issue's bound: one hanging or slow target delays no other expert's page by more than this."""


class Events:
    """The dispatcher's log lines as they are written, with the monotonic time of each."""

    def __init__(self) -> None:
        self.lines: list[tuple[float, dict[str, Any]]] = []
        self.changed = threading.Condition()

    def emit(self, line: str) -> None:
        with self.changed:
            self.lines.append((time.monotonic(), json.loads(line)))
            self.changed.notify_all()

    def wait(self, event: str, timeout: float, **fields: Any) -> tuple[float, dict[str, Any]]:
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                for at, line in self.lines:
                    if line["event"] == event and all(line.get(k) == v for k, v in fields.items()):
                        return at, line
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no {event} {fields} within {timeout} s: {[x for _, x in self.lines]}")
                self.changed.wait(left)


class TimedInbox(Inbox):
    def __init__(self) -> None:
        super().__init__()
        self.arrived: list[float] = []
        self.changed = threading.Condition()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        answer = await super().handle_DATA(server, session, envelope)
        with self.changed:
            self.arrived.append(time.monotonic())
            self.changed.notify_all()
        return answer

    def wait_for(self, count: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self.changed:
            while len(self.arrived) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.changed.wait(left)
        return True


@pytest.fixture
def timed_smtp() -> Iterator[tuple[TimedInbox, int]]:
    from aiosmtpd.controller import Controller

    inbox = TimedInbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def _only_active(d: Dispatching, expert_id: str) -> None:
    """One expert on duty at a time: each issue goes to the expert whose receiver the test chose."""
    for expert in d.store.experts.all():
        d.store.experts.save(expert.model_copy(update={"is_active": expert.id == expert_id}))


def test_a_hanging_and_a_slow_webhook_delay_nobody_elses_page(tmp_path, timed_smtp) -> None:
    inbox, smtp_port = timed_smtp
    hanging, slow = Hook(hang=True).start(), Hook(delay=5.0).start()
    path = str(tmp_path / "desk.json")
    d = open_dispatching(path)
    experts = network({})
    contacts = {experts[0].id: hanging.url(), experts[1].id: slow.url(), experts[2].id: "mail@example.net"}
    d.store.experts.put_many([e.model_copy(update={  # each of the three can take the outages (one on duty at a time)
        "contacts": {"webhook": contacts[e.id]} if e.id in contacts else {},
        "specializations": [*e.specializations, *OUTAGES] if e.id in contacts else e.specializations})
        for e in experts])
    settings = DispatchSettings(mail_url=f"mailto://127.0.0.1:{smtp_port}?from=desk@triage.test&mode=insecure",
                                intake_token=TOKEN, rate_limit=1000, send_timeout_seconds=6.0,
                                retry_base_seconds=30.0, interval_seconds=0.2)
    events = Events()
    clock = lambda: datetime.now(UTC)  # noqa: E731 - the real clock, as in service
    dispatcher = Dispatcher(d, settings, b"k" * 32, ActionLog("json", events.emit), "http://127.0.0.1:1")
    stop, wake = threading.Event(), threading.Event()
    loop = threading.Thread(target=run_forever, args=(dispatcher, FileLease(path, 30), stop, 0.2, clock, None, wake),
                            daemon=True)
    port = free_port()
    server = IntakeServer(build_app(d, settings, b"k" * 32, clock, on_change=wake.set), "127.0.0.1", port)
    server.start()
    loop.start()

    def post(issue_id: str) -> str:
        answer = HTTP.post(f"http://127.0.0.1:{port}/issues", timeout=10,
                            json={"id": issue_id, "title": f"Production outage {issue_id}", "users_affected": 900},
                            headers={"Authorization": f"Bearer {TOKEN}"})
        assert answer.status_code == 201, answer.text
        return str(answer.json()["results"][0]["request_id"])

    try:
        _only_active(d, experts[0].id)
        first = post("HANG-1")
        events.wait("auto_assign", 10, request=first)
        assert hanging.wait_for(1, 10)                     # its page is out, and its receiver never answers
        _only_active(d, experts[1].id)
        second = post("SLOW-1")
        events.wait("auto_assign", 10, request=second)
        assert slow.wait_for(1, 10)                        # this one answers in 5 s
        _only_active(d, experts[2].id)
        third = post("MAIL-1")
        stepped, _ = events.wait("auto_assign", 10, request=third)
        assert inbox.wait_for(1, 10)
        assert inbox.arrived[0] - stepped < STEP_TO_PAGE, inbox.arrived[0] - stepped
        assert "Issue MAIL-1: Production outage MAIL-1" in inbox.text(0)
        assert not hanging.release.is_set() and len(slow.arrivals) == 1   # both still under way meanwhile

        # the others on their own schedule: the slow one is sent, the hanging one times out and waits its backoff
        events.wait("sent", 15, request=second)
        _, failure = events.wait("send_failed", 15, request=first)
        assert failure["attempt"] == 1 and failure["retry_at"] != "given up"
        [message] = d.outbox(first)
        assert message.status == "pending" and message.attempts == 1 and message.next_attempt_at is not None
        started = message.created_at
        # measured from its own failure (after the 6 s timeout), not from when the pass began
        assert message.next_attempt_at >= started + timedelta(seconds=6 + 15)
        assert [m.status for m in d.outbox(second)] == ["sent"]
        assert [m.status for m in d.outbox(third)] == ["sent"]
    finally:
        stop.set()
        wake.set()
        loop.join(15)
        server.stop()
        hanging.stop()
        slow.stop()
        dispatcher.close()
        d.close()
    assert not loop.is_alive()
