"""FINDING 1 (review of #23): a repeat that makes its issue critical leaves the open request at its first urgency.

An alert first fires as `warning` (medium: a request nobody is auto-assigned), then repeats with the same
fingerprint as `critical` with a production-down text. Dedup folds it into the issue (which now reads critical),
but the open request stays medium, pending_assignment, its SLA five hours out: the dispatcher never assigns it
and nobody is paged."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.dispatch.conftest import TOKEN, Intake, start_intake
from tests.support.clock import T0, Clock
from triagedesk.app.dispatching import Dispatching
from triagedesk.dispatch.settings import DispatchSettings


def _alert(severity: str, summary: str) -> dict:
    return {"version": "4", "status": "firing", "receiver": "triagedesk", "alerts": [
        {"status": "firing", "labels": {"alertname": "DiskFull", "instance": "db-1:9100", "severity": severity},
         "annotations": {"summary": summary}, "startsAt": "2026-01-05T08:55:00Z",
         "endsAt": "0001-01-01T00:00:00Z", "fingerprint": "a1b2c3d4e5f60718"}]}


@pytest.fixture
def intake(dispatching: Dispatching) -> Iterator[tuple[Intake, Dispatching]]:
    found = start_intake(dispatching, DispatchSettings(intake_token=TOKEN, rate_limit=1000), b"s" * 32, Clock(T0))
    yield found, dispatching
    found.server.stop()


@pytest.mark.xfail(strict=True, reason="FINDING 1: a critical repeat is folded into its issue but its open request "
                                       "keeps the first (medium) urgency: no auto-assignment, no page")
def test_finding_1_a_critical_repeat_raises_the_open_requests_urgency(intake) -> None:
    server, d = intake
    first = server.post("/alertmanager", _alert("warning", "Disk 85% full on db-1"))
    assert first.status_code == 201
    request_id = first.json()["results"][0]["request_id"]
    assert request_id is not None and d.request(request_id).urgency == "medium"
    again = server.post("/alertmanager", _alert("critical", "db-1 disk full: production database down"))
    assert again.status_code == 201 and again.json()["results"][0]["new"] is False
    issue = d.store.issues.require(first.json()["ids"][0])
    assert issue.severity == "critical"  # the issue says critical ...
    assert d.request(request_id).urgency == "critical"  # ... and so must the request the dispatcher acts on
