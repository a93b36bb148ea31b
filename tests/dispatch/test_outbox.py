"""The durable outbox: written with the step that caused it, retried with backoff while the receiver is down,
delivered exactly once when it is back; credentials never shown."""

from __future__ import annotations

import json
import time
from datetime import timedelta

from tests.support.cli import run_cli
from tests.support.clock import T0
from tests.support.dispatch import Receiver, make_dispatcher
from triagedesk.app.dispatching import Dispatching
from triagedesk.dispatch.masking import mask
from triagedesk.dispatch.settings import DispatchSettings


def _critical(d: Dispatching, contact: str) -> str:
    for expert in d.store.experts.all():
        d.store.experts.save(expert.model_copy(update={"contacts": {"webhook": contact}}))
    results = d.take_in([d.store.issues.model(id="CRIT-7", title="Production outage: payments down",
                                             users_affected=800)], T0)
    request_id = results[0]["request_id"]
    assert request_id
    return request_id


def test_a_down_receiver_is_retried_with_backoff_and_gets_the_message_exactly_once(
        dispatching: Dispatching, receiver: Receiver) -> None:
    settings = DispatchSettings(retry_base_seconds=10, retry_max_seconds=600)
    lines: list[str] = []
    dispatcher = make_dispatcher(dispatching, settings, b"k" * 32, None, lines)
    request_id = _critical(dispatching, f"json://127.0.0.1:{receiver.port}/hook")
    receiver.stop()                                       # the receiver is down
    try:
        started = time.monotonic()
        dispatcher.run_pass(T0)
        took = timedelta(seconds=time.monotonic() - started)  # (the delay runs from the failure, T0 + its time)
        [message] = dispatching.outbox(request_id)
        assert message.status == "pending" and message.attempts == 1 and message.last_error
        first_retry = message.next_attempt_at
        assert first_retry is not None and T0 + timedelta(seconds=5) <= first_retry <= T0 + timedelta(seconds=10) + took

        dispatcher.run_pass(T0 + timedelta(seconds=1))    # not yet due: no attempt
        assert dispatching.outbox(request_id)[0].attempts == 1
        dispatcher.run_pass(first_retry)                   # due, still down: the delay doubles
        again = dispatching.outbox(request_id)[0]
        assert again.attempts == 2 and again.next_attempt_at is not None
        assert again.next_attempt_at - first_retry >= timedelta(seconds=10)

        receiver.start()                                   # back on the same port
        dispatcher.run_pass(again.next_attempt_at)
        sent = dispatching.outbox(request_id)[0]
        assert sent.status == "sent" and sent.attempts == 3 and sent.last_error is None
        for later in (1, 5, 30):  # (much later the ack timeout would rightly reassign it)
            dispatcher.run_pass(again.next_attempt_at + timedelta(seconds=later))
        assert len(receiver.bodies) == 1
        assert receiver.bodies[0]["title"] == "Critical Infrastructure Issue - Expert Consultation Requested"
    finally:
        dispatcher.close()
    failures = [json.loads(line) for line in lines if json.loads(line)["event"] == "send_failed"]
    assert len(failures) == 2


def test_a_message_is_given_up_after_the_last_attempt(dispatching: Dispatching, receiver: Receiver) -> None:
    settings = DispatchSettings(max_attempts=2, retry_base_seconds=1)
    dispatcher = make_dispatcher(dispatching, settings, b"k" * 32, None, [])
    request_id = _critical(dispatching, f"json://127.0.0.1:{receiver.port}/hook")
    receiver.stop()
    try:
        dispatcher.run_pass(T0)
        dispatcher.run_pass(T0 + timedelta(minutes=5))
        [message] = dispatching.outbox(request_id)
        assert message.status == "failed" and message.attempts == 2
        receiver.start()
        dispatcher.run_pass(T0 + timedelta(minutes=10))  # before any response SLA ends
        assert receiver.bodies == []
        assert dispatching.outbox(request_id)[0].attempts == 2
    finally:
        dispatcher.close()


def test_credentials_are_masked_in_errors_and_in_the_outbox_command(dispatching: Dispatching, tmp_path) -> None:
    secret_url = "mailtos://desk:Hunter2pass@127.0.0.1:9?from=desk@x.test&pass=Hunter2pass"
    assert "Hunter2pass" not in mask(secret_url)
    assert "Hunter2pass" not in mask("slack://TOKENa/TOKENb/TOKENc".replace("TOKEN", "Hunter2pass"))
    lines: list[str] = []
    dispatcher = make_dispatcher(dispatching, DispatchSettings(mail_url=secret_url), b"k" * 32, None, lines)
    request_id = _critical(dispatching, "ana@example.net")
    try:
        dispatcher.run_pass(T0)
    finally:
        dispatcher.close()
    [message] = dispatching.outbox(request_id)
    assert message.status == "pending" and message.last_error
    assert "Hunter2pass" not in message.last_error and not any("Hunter2pass" in line for line in lines)
    path = str(dispatching.store.path)
    dispatching.close()
    shown = run_cli("outbox", "--db", path, "--json")
    assert shown.returncode == 0, shown.stderr
    [row] = json.loads(shown.stdout)
    assert row["request_id"] == request_id and row["attempts"] == 1 and "Hunter2pass" not in shown.stdout
    table = run_cli("outbox", "--db", path)
    assert request_id in table.stdout and "pending" in table.stdout


def test_a_contact_on_a_service_not_allowed_fails_at_once_without_a_call(dispatching: Dispatching) -> None:
    calls: list[str] = []
    dispatcher = make_dispatcher(dispatching, DispatchSettings(), b"k" * 32, None, [])
    dispatcher.delivery.send = lambda url, message, timeout: bool(calls.append(url))
    request_id = _critical(dispatching, "syslog://127.0.0.1")
    try:
        dispatcher.run_pass(T0)
        dispatcher.run_pass(T0 + timedelta(minutes=5))
    finally:
        dispatcher.close()
    [message] = dispatching.outbox(request_id)
    assert message.status == "failed" and message.attempts == 1 and "not allowed" in (message.last_error or "")
    assert calls == []
