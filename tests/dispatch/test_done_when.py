"""The issue's target, end to end with real parts: a critical issue posted to the intake is assigned, the expert's
inbox (aiosmtpd) holds seed 000's initial-contact message with an acknowledgement link, the link acknowledges it
(once), and an ignored assignment moves on by itself."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import httpx

from tests.support.clock import T0, Clock
from tests.support.dispatch import TOKEN, make_dispatcher, start_intake
from tests.support.http import HTTP
from triagedesk.app.dispatching import Dispatching
from triagedesk.app.issue_view import sections
from triagedesk.dispatch.settings import DispatchSettings

EXAMPLE = Path(__file__).resolve().parents[2] / "data" / "examples" / "ransomware.json"


def _issue(issue_id: str) -> dict:
    return {**json.loads(EXAMPLE.read_text("utf-8")), "id": issue_id}


def test_a_posted_critical_issue_reaches_the_experts_inbox_and_the_link_acknowledges_it(
        dispatching: Dispatching, smtp) -> None:
    inbox, port = smtp
    settings = DispatchSettings(mail_url=f"mailto://127.0.0.1:{port}?from=desk@triage.test&mode=insecure",
                                intake_token=TOKEN, rate_limit=1000)
    clock = Clock(T0)
    intake = start_intake(dispatching, settings, b"k" * 32, clock)
    lines: list[str] = []
    dispatcher = make_dispatcher(dispatching, settings, b"k" * 32, intake.url, lines)
    try:
        answer = intake.post("/issues", _issue("INC-9001"))
        assert answer.status_code == 201, answer.text
        assert answer.json()["ids"] == ["INC-9001"]
        request_id = answer.json()["results"][0]["request_id"]
        assert request_id

        assert dispatcher.run_pass(clock.now) >= 2          # the assignment, then its email
        request = dispatching.request(request_id)
        assert request is not None and request.status == "assigned" and request.assigned_expert_id
        expert = dispatching.expert(request.assigned_expert_id)
        assert expert is not None

        assert len(inbox.messages) == 1
        mail = inbox.messages[0]
        assert mail["Subject"] == "Critical Infrastructure Issue - Expert Consultation Requested"
        assert mail["To"] == expert.email
        body = inbox.text(0).replace("\r\n", "\n")
        # the page stands on its own: issue id and title, request, urgency, due time, link, the package it carries
        head = body.split("\n\n", 1)[0].splitlines()
        assert head[0] == "Issue INC-9001: Ransomware note on file server"
        assert head[1].startswith(f"Request {request_id} · urgency critical · due 2026-01-05 ")
        assert head[2].startswith("Acknowledge (a page with a confirm button, single use): http://127.0.0.1:")
        assert head[3] == "Full technical package attached: escalation-package-INC-9001.md"
        files = inbox.attachments(0)
        assert list(files) == ["escalation-package-INC-9001.md"]
        assert files["escalation-package-INC-9001.md"].startswith("# Escalation package: Ransomware note")
        assert f"\n\n{expert.name},\n" in body
        assert mail["Message-ID"] == f"<{dispatching.outbox(request_id)[0].id}@triagedesk>"
        assert mail["Idempotency-Key"] == dispatching.outbox(request_id)[0].id
        for heading in ("EXECUTIVE SUMMARY:", "BUSINESS IMPACT:", "TECHNICAL SUMMARY:", "RESEARCH COMPLETED:",
                        "IMMEDIATE NEED:", "Infrastructure Automation System"):
            assert heading in body
        links = re.findall(r"http://127\.0\.0\.1:\d+/ack/\S+", body)
        assert len(links) == 1
        assert [m.status for m in dispatching.outbox(request_id)] == ["sent"]
        # the desk's issue view (and `triagedesk show`) names the notification: what, to whom, sent when
        record = dispatching.desk.queries.issue_record("INC-9001")
        assert [m.status for view in record.requests for m in view.notifications] == ["sent"]
        lines_shown = [line for _, part in sections(record) for line in part]
        assert any(line.startswith(f"notice assignment to {expert.id} by email · sent ") for line in lines_shown)

        # opening the link (a scanner, a mail preview, the expert) shows the request and a button, nothing more
        page = HTTP.get(links[0], timeout=10)
        assert page.status_code == 200 and "<form method=post>" in page.text and "INC-9001" in page.text
        assert HTTP.head(links[0], timeout=10).status_code == 200
        assert dispatching.request(request_id).acknowledged_at is None  # type: ignore[union-attr]
        first = HTTP.post(links[0], timeout=10)                         # the button
        assert first.status_code == 200, first.text
        acknowledged = dispatching.request(request_id)
        assert acknowledged is not None and acknowledged.acknowledged_at == T0
        again = HTTP.post(links[0], timeout=10)
        assert again.status_code == 410 and "already acknowledged" in again.text

        # acknowledged in time: a pass after the response SLA leaves it with its expert
        clock.now = T0 + timedelta(minutes=expert.availability.response_sla_minutes + 1)
        dispatcher.run_pass(clock.now)
        kept = dispatching.request(request_id)
        assert kept is not None and kept.assigned_expert_id == expert.id
    finally:
        intake.server.stop()
        dispatcher.close()
    events = [json.loads(line)["event"] for line in lines]
    assert events.count("auto_assign") == 1 and events.count("sent") == 1


def test_an_ignored_assignment_moves_on_by_itself(dispatching: Dispatching, smtp) -> None:
    inbox, port = smtp
    settings = DispatchSettings(mail_url=f"mailto://127.0.0.1:{port}?from=desk@triage.test&mode=insecure",
                                intake_token=TOKEN, rate_limit=1000)
    clock = Clock(T0)
    intake = start_intake(dispatching, settings, b"k" * 32, clock)
    dispatcher = make_dispatcher(dispatching, settings, b"k" * 32, intake.url, [])
    try:
        request_id = intake.post("/issues", _issue("INC-9002")).json()["results"][0]["request_id"]
        dispatcher.run_pass(clock.now)
        first = dispatching.request(request_id)
        assert first is not None and first.assigned_expert_id
        sla = dispatching.expert(first.assigned_expert_id).availability.response_sla_minutes  # type: ignore[union-attr]
        old_link = re.findall(r"http://\S+/ack/\S+", inbox.text(0))[0]

        clock.now = T0 + timedelta(minutes=sla - 1)
        assert dispatcher.run_pass(clock.now) == 0           # not yet
        clock.now = T0 + timedelta(minutes=sla, seconds=1)
        assert dispatcher.run_pass(clock.now) >= 2           # reassigned, and the new expert mailed
        second = dispatching.request(request_id)
        assert second is not None and second.status == "assigned"
        assert second.assigned_expert_id != first.assigned_expert_id and second.acknowledged_at is None
        assert len(inbox.messages) == 2
        assert "did not acknowledge in time" in inbox.text(1)
        # the first expert's link belongs to an assignment that moved on
        late = HTTP.post(old_link, timeout=10)
        assert late.status_code == 410 and "moved on" in late.text
        assert HTTP.get(old_link, timeout=10).status_code == 410
        assert dispatcher.run_pass(clock.now) == 0           # the same instant again: nothing
    finally:
        intake.server.stop()
        dispatcher.close()


def test_the_same_through_the_command_a_systemd_unit_runs(tmp_path: Path, smtp) -> None:
    """`triagedesk dispatch --listen` as a process: post, mail, ack link, SIGTERM."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from tests.support.dispatch import free_port, network
    from triagedesk.app.dispatching import open_dispatching

    inbox, smtp_port = smtp
    db = str(tmp_path / "desk.json")
    d = open_dispatching(db)
    d.store.experts.put_many(network({}))
    d.close()
    port = free_port()
    env = {**os.environ, "TRIAGEDESK_INTAKE_TOKEN": TOKEN, "TRIAGEDESK_INTERVAL_SECONDS": "0.2",
           "TRIAGEDESK_MAIL_URL": f"mailto://127.0.0.1:{smtp_port}?from=desk@triage.test&mode=insecure"}
    log = tmp_path / "dispatch.log"
    process = subprocess.Popen([sys.executable, "-m", "triagedesk", "dispatch", "--db", db, "--listen",
                                f"127.0.0.1:{port}", "--log-format", "json"], env=env, stderr=log.open("wb"))
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                if HTTP.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        answer = HTTP.post(f"{url}/issues", json=_issue("INC-9100"), headers={"Authorization": f"Bearer {TOKEN}"})
        assert answer.status_code == 201, answer.text
        request_id = answer.json()["results"][0]["request_id"]
        for _ in range(300):
            if inbox.messages:
                break
            time.sleep(0.05)
        assert inbox.messages, log.read_text("utf-8", "replace")
        assert inbox.messages[0]["Subject"] == "Critical Infrastructure Issue - Expert Consultation Requested"
        [link] = re.findall(rf"http://127\.0\.0\.1:{port}/ack/\S+", inbox.text(0))
        assert HTTP.head(link, timeout=10).status_code == 200                 # a scanner: nothing changes
        assert HTTP.get(link.replace("/ack/", "/ack/é"), timeout=10).status_code == 400  # never a 500
        assert HTTP.post(link, timeout=10).status_code == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(20) == 0
    finally:
        if process.poll() is None:
            process.kill()
    logged = log.read_text("utf-8").splitlines()
    assert logged and all(line.startswith("{") for line in logged), logged   # --log-format json: no traceback
    events = [json.loads(line)["event"] for line in logged]
    assert events[:2] == ["listening", "lease_taken"] and "auto_assign" in events and "sent" in events
    assert events[-2:] == ["lease_released", "stopped"]
    d = open_dispatching(db, create=False)
    request = d.request(request_id)
    d.close()
    assert request is not None and request.status == "assigned" and request.acknowledged_at is not None
