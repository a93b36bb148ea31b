"""Delivery's own promises: every send carries the message's idempotency key; the package goes as a file where
the service takes files and the text claims it only then; failure texts are Apprise's reason without its log
prefix; a send, however its receiver trickles, ends at its timeout and is retried; SIGTERM with a send hanging
stops within its budget and the next start marks that send a possible
repeat."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from tests.dispatch.receivers import Hook, SmtpTarpit
from tests.support.clock import T0
from tests.support.dispatch import make_dispatcher
from triagedesk.app.dispatching import Dispatching, open_dispatching
from triagedesk.dispatch import notify
from triagedesk.dispatch.settings import DispatchSettings
from triagedesk.domain.models import Issue
from triagedesk.domain.records import OutboxMessage


def _page(d: Dispatching, contact: str, issue_id: str = "CRIT-1") -> str:
    for expert in d.store.experts.all():
        d.store.experts.save(expert.model_copy(update={"contacts": {"webhook": contact}}))
    [made] = d.take_in([Issue(id=issue_id, title="Production database outage", users_affected=900)], T0)
    return str(made["request_id"])


def test_a_webhook_page_carries_its_key_the_issue_and_the_package_as_a_file(dispatching: Dispatching) -> None:
    hook = Hook().start()
    dispatcher = make_dispatcher(dispatching, DispatchSettings(), b"k" * 32, "https://desk.test", [])
    try:
        request_id = _page(dispatching, hook.url())
        dispatcher.run_pass(T0)
    finally:
        dispatcher.close()
        hook.stop()
    [arrival] = hook.arrivals
    [message] = dispatching.outbox(request_id)
    assert arrival.headers["idempotency-key"] == message.id == message.idempotency_key
    assert "x-triagedesk-possible-repeat" not in arrival.headers
    text = arrival.body["message"]
    assert text.startswith("Issue CRIT-1: Production database outage\nRequest " + request_id + " · urgency critical")
    assert "Full technical package attached: escalation-package-CRIT-1.md" in text
    [attached] = arrival.body["attachments"]
    assert attached["filename"] == "escalation-package-CRIT-1.md"
    assert message.attached is True and message.attempts == 1 and message.possible_repeats == 0


def test_a_service_without_files_gets_no_claim_of_an_attachment(dispatching: Dispatching) -> None:
    hook = Hook().start()  # gotify takes no attachments (Apprise says so)
    dispatcher = make_dispatcher(dispatching, DispatchSettings(), b"k" * 32, None, [])
    try:
        request_id = _page(dispatching, hook.url("AppToken123", scheme="gotify"))
        dispatcher.run_pass(T0)
    finally:
        dispatcher.close()
        hook.stop()
    [arrival] = hook.arrivals
    text = arrival.body["message"]
    assert "attached" not in text.replace("not attached", "")
    assert "Full technical package: not attached (this service takes no files)" in text
    assert "Issue CRIT-1: Production database outage" in text
    assert dispatching.outbox(request_id)[0].attached is False


def test_a_failure_is_apprises_reason_without_its_log_prefix(dispatching: Dispatching) -> None:
    hook = Hook().start()
    url = hook.url()
    hook.stop()  # nobody listens there any more
    dispatcher = make_dispatcher(dispatching, DispatchSettings(), b"k" * 32, None, [])
    try:
        request_id = _page(dispatching, url)
        dispatcher.run_pass(T0)
    finally:
        dispatcher.close()
    [message] = dispatching.outbox(request_id)
    assert message.status == "pending" and message.last_error
    assert message.last_error.startswith("A Connection error occurred sending JSON notification")
    assert not re.search(r"\d{4}-\d\d-\d\d|WARNING|ERROR", message.last_error)


def test_a_plugin_that_raises_is_a_failed_send_retried_never_a_row_stuck_sending(dispatching: Dispatching) -> None:
    dispatcher = make_dispatcher(dispatching, DispatchSettings(), b"k" * 32, None, [])

    def explode(url: str, message: object, timeout: float) -> bool:
        raise RuntimeError("plugin bug")

    dispatcher.delivery.send = explode
    try:
        request_id = _page(dispatching, "json://127.0.0.1:9/hook")
        dispatcher.run_pass(T0)
    finally:
        dispatcher.close()
    [message] = dispatching.outbox(request_id)
    assert message.status == "pending" and message.attempts == 1 and message.next_attempt_at is not None
    assert message.last_error == "RuntimeError: plugin bug"


def test_a_receiver_that_trickles_its_answer_cannot_hold_a_send_past_its_timeout() -> None:
    tarpit = Hook(drip=0.2).start()  # 8 s of answer, each byte well inside the 1 s read timeout
    began = time.monotonic()
    try:
        with pytest.raises(notify.DeliveryError, match="within 1 s"):
            notify.send(tarpit.url(), notify.Outgoing(subject="s", body="b", key="ob-1"), 1.0)
        took = time.monotonic() - began
        assert tarpit.cut.wait(5)  # the connection is shut, not left trickling on a thread of its own
    finally:
        tarpit.stop()
    assert 1.0 <= took < 3.0


def test_an_smtp_server_that_never_finishes_its_greeting_is_cut_at_the_timeout_too() -> None:
    tarpit = SmtpTarpit(drip=0.2)
    began = time.monotonic()
    try:
        with pytest.raises(notify.DeliveryError, match="TRIAGEDESK_SEND_TIMEOUT_SECONDS"):
            notify.send(f"mailto://u:p@127.0.0.1:{tarpit.port}?from=desk@example.org&to=ann@example.org",
                        notify.Outgoing(subject="s", body="b", key="ob-2"), 1.0)
        took = time.monotonic() - began
        assert tarpit.cut.wait(5)
    finally:
        tarpit.stop()
    assert took < 3.0


def test_a_send_cut_at_its_deadline_is_retried_on_its_backoff_and_others_go_out(dispatching: Dispatching) -> None:
    tarpit, good = Hook(drip=0.2).start(), Hook().start()
    for ident, hook in (("ob-slow", tarpit), ("ob-fine", good)):
        dispatching.store.outbox.add(OutboxMessage(id=ident, event="e", kind="assignment", target=hook.url(),
                                                   subject="s", body="b", created_at=T0, next_attempt_at=T0))
    dispatcher = make_dispatcher(dispatching, DispatchSettings(send_timeout_seconds=1.0), b"k" * 32, None, [])
    try:
        dispatcher.run_pass(T0)
    finally:
        dispatcher.close()
        tarpit.stop()
        good.stop()
    rows = {m.id: m for m in dispatching.outbox()}
    cut = rows["ob-slow"]
    assert cut.status == "pending" and cut.attempts == 1 and cut.next_attempt_at is not None
    assert cut.next_attempt_at > T0 and "TRIAGEDESK_SEND_TIMEOUT_SECONDS" in (cut.last_error or "")
    assert rows["ob-fine"].status == "sent"  # the other send's sockets are its own: the deadline never touches them


def test_a_message_left_sending_is_sent_again_marked_as_a_possible_repeat(dispatching: Dispatching) -> None:
    hook = Hook().start()
    dispatching.store.outbox.add(OutboxMessage(
        id="ob-left", event="e", kind="assignment", target=hook.url(), subject="s", body="b", status="sending",
        attempts=1, created_at=T0, sending_since=T0))
    lines: list[str] = []
    dispatcher = make_dispatcher(dispatching, DispatchSettings(), b"k" * 32, None, lines)
    try:
        assert dispatcher.run_pass(T0 + timedelta(seconds=1)) == 1
    finally:
        dispatcher.close()
        hook.stop()
    [arrival] = hook.arrivals
    assert arrival.headers["idempotency-key"] == "ob-left"
    assert arrival.headers["x-triagedesk-possible-repeat"] == "1"
    [message] = dispatching.outbox()
    assert message.status == "sent" and message.attempts == 2 and message.possible_repeats == 1
    assert [json.loads(line)["event"] for line in lines][:1] == ["possible_repeat"]


def test_sigterm_with_a_send_hanging_stops_within_its_budget(tmp_path: Path) -> None:
    hanging = Hook(hang=True).start()
    db = str(tmp_path / "desk.json")
    d = open_dispatching(db)
    d.store.outbox.add(OutboxMessage(id="ob-hang", event="e", kind="assignment", target=hanging.url(),
                                     subject="s", body="b", created_at=T0, next_attempt_at=T0))
    d.close()
    log = tmp_path / "dispatch.log"
    env = {**os.environ, "TRIAGEDESK_INTERVAL_SECONDS": "0.1", "TRIAGEDESK_STOP_GRACE_SECONDS": "1",
           "TRIAGEDESK_SEND_TIMEOUT_SECONDS": "60"}
    process = subprocess.Popen([sys.executable, "-m", "triagedesk", "dispatch", "--db", db, "--log-format", "json"],
                               env=env, stderr=log.open("wb"))
    try:
        assert hanging.wait_for(1, 30), log.read_text("utf-8", "replace")
        asked = time.monotonic()
        process.send_signal(signal.SIGTERM)
        assert process.wait(15) == 0
        assert time.monotonic() - asked < 10  # the grace (1 s), then out: not the send's 60 s timeout
    finally:
        if process.poll() is None:
            process.kill()
        hanging.stop()
    events = [json.loads(line) for line in log.read_text("utf-8").splitlines()]
    assert [e["event"] for e in events[-4:]] == ["stopping", "delivery_stopped", "lease_released", "stopped"]
    assert events[-3]["still_sending"] == 1
    d = open_dispatching(db, create=False)
    [message] = d.outbox()
    d.close()
    assert message.status == "sending" and message.attempts == 1  # it may have gone out: the next start knows
