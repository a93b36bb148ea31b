"""Alertmanager (and Grafana) as their users expect: severities through the profile's table change the decision,
`last_seen` follows the latest notification and never goes back, a resolved alert ends at its `endsAt`, a missing
fingerprint is Alertmanager's own hash of the label set. Fixtures are verbatim payloads (tests/dispatch/fixtures/
SOURCES.md names where each comes from)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.clock import T0, Clock
from tests.support.dispatch import TOKEN, Intake, start_intake
from triagedesk.app.dispatching import Dispatching, open_dispatching
from triagedesk.dispatch.settings import DispatchSettings
from triagedesk.domain.intake.alertmanager import fingerprint, read_alert
from triagedesk.domain.scoring.profiles import Intake as IntakeTable

FIXTURES = Path(__file__).parent / "fixtures"


def _fixture(name: str) -> object:
    return json.loads((FIXTURES / name).read_text("utf-8"))


@pytest.fixture
def intake(dispatching: Dispatching) -> Iterator[tuple[Intake, Clock, Dispatching]]:
    clock = Clock(T0)
    found = start_intake(dispatching, DispatchSettings(intake_token=TOKEN, rate_limit=1000), b"a" * 32, clock)
    yield found, clock, dispatching
    found.server.stop()


def test_the_fingerprint_is_alertmanagers_own() -> None:
    # prometheus/alertmanager template/template_test.go: these label sets and the fingerprints it expects
    assert fingerprint({"severity": "warning", "job": "foo"}) == "9266ef3da838ad95"
    assert fingerprint({"severity": "critical", "job": "foo"}) == "3b15fd163d36582e"
    assert fingerprint({"severity": "critical", "job": "bar"}) == "c7e68cb08e3e67f9"
    assert fingerprint({}) == "cbf29ce484222325"  # FNV-1a's offset basis: prometheus/common's empty label set


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.text(min_size=1, max_size=6), st.text(max_size=6), max_size=5), st.text(max_size=20))
def test_a_missing_fingerprint_depends_on_the_labels_alone_never_the_summary(labels: dict, summary: str) -> None:
    table = IntakeTable()
    plain = read_alert({"labels": labels, "fingerprint": ""}, "a", table, T0)
    other = read_alert({"labels": dict(reversed(list(labels.items()))), "annotations": {"summary": summary}},
                       "b", table, T0)
    assert plain.key == other.key == fingerprint(labels)


def test_alertmanagers_own_serialisation_with_null_labels_and_no_fingerprint_dedups(intake) -> None:
    server, _, d = intake
    alerts = _fixture("alertmanager-template_test-tojson-firing.json")  # "labels": null, "fingerprint": ""
    for _ in range(3):
        assert server.post("/alertmanager", {"alerts": alerts}).status_code == 201
    [issue] = d.store.issues.all()   # one alert (a fingerprint and a start) in three notifications
    assert issue.dedup_key == "cbf29ce484222325" and issue.count == 1
    assert issue.alert_group is not None and issue.alert_group.events == 3
    named = _fixture("alertmanager-template_test-tojson-alerts.json")  # {"alertname": "test"}, no fingerprint
    answer = server.post("/alertmanager", {"alerts": named})
    assert answer.status_code == 201
    made = d.store.issues.require(answer.json()["ids"][0])
    assert made.dedup_key == fingerprint({"alertname": "test"}) and made.title == "[test] test"


def test_grafanas_documented_payload_makes_one_issue_per_alert_keyed_by_its_fingerprint(intake) -> None:
    server, _, d = intake
    answer = server.post("/alertmanager", _fixture("grafana-webhook-notifier.json"))
    assert answer.status_code == 201, answer.text
    issues = {i.dedup_key: i for i in d.store.issues.all()}
    assert set(issues) == {"c6eadffa33fcdf37", "bc97ff14869b13e3"}
    memory = issues["c6eadffa33fcdf37"]
    assert memory.title == "[High memory usage] This alert was triggered for zone us-1"
    assert memory.description == "The system has high memory usage"
    assert memory.created_at == datetime.fromisoformat("2021-10-12T09:51:03.157076+02:00")
    assert memory.last_seen == T0          # the notification came now: last seen is the receive time
    assert memory.severity is None         # no severity label: scored on its content alone


@pytest.mark.parametrize(("severity", "urgency", "escalates"), [
    ("critical", "critical", True), ("page", "critical", True), ("error", "high", True), ("major", "high", True),
    ("warning", "medium", True), ("WARNING", "medium", True), ("info", "low", False), ("unheard-of", "low", False)])
def test_the_severity_table_changes_the_decision(intake, severity: str, urgency: str, escalates: bool) -> None:
    server, _, d = intake
    alert = {"status": "firing", "labels": {"alertname": "DiskFilling", "severity": severity},
             "annotations": {"summary": "disk 85% full on web-2"}}
    answer = server.post("/alertmanager", {"alerts": [alert]})
    assert answer.status_code == 201
    [result] = answer.json()["results"]
    issue = d.store.issues.require(result["id"])
    decision = d.desk.engine.decide(issue)
    assert decision.urgency == urgency and decision.should_escalate is escalates
    assert (result["request_id"] is not None) is escalates


def test_a_profile_maps_its_own_severities(tmp_path) -> None:
    table = IntakeTable(severity={"sev1": "critical", "sev3": "medium"})
    assert read_alert({"labels": {"severity": "SEV1"}}, "a", table, T0).issue.severity == "critical"
    assert read_alert({"labels": {"severity": "critical"}}, "a", table, T0).issue.severity is None


def test_repeats_move_last_seen_forward_and_a_late_one_never_back(intake) -> None:
    server, clock, d = intake
    alert = {"status": "firing", "fingerprint": "fp-ls", "labels": {"alertname": "Down", "severity": "warning"},
             "annotations": {"summary": "api down"}, "startsAt": "2026-01-05T08:55:00Z"}
    server.post("/alertmanager", {"alerts": [alert]})
    clock.now = T0 + timedelta(minutes=5)
    server.post("/alertmanager", {"alerts": [alert]})            # Alertmanager's repeat: same startsAt
    [issue] = d.store.issues.all()
    assert issue.last_seen == T0 + timedelta(minutes=5) and issue.count == 1   # the same alert, seen again
    assert issue.alert_group is not None and issue.alert_group.events == 2
    clock.now = T0 + timedelta(minutes=1)                         # a delayed notification arrives late
    server.post("/alertmanager", {"alerts": [alert]})
    assert d.store.issues.require(issue.id or "").last_seen == T0 + timedelta(minutes=5)


def test_a_resolved_alert_ends_at_its_ends_at(intake) -> None:
    server, clock, d = intake
    alert = {"status": "firing", "fingerprint": "fp-end", "labels": {"alertname": "Down", "severity": "critical"},
             "annotations": {"summary": "api outage"}, "startsAt": "2026-01-05T08:50:00Z",
             "endsAt": "0001-01-01T00:00:00Z"}
    server.post("/alertmanager", {"alerts": [alert]})
    clock.now = T0 + timedelta(minutes=30)                        # received long after it ended
    resolved = {**alert, "status": "resolved", "endsAt": "2026-01-05T09:12:00Z"}
    answer = server.post("/alertmanager", {"alerts": [resolved]})
    assert answer.status_code == 200 and len(answer.json()["resolved"]) == 1
    issue = d.store.issues.all()[0]
    [note] = [a for a in d.store.history(issue.id or "") if a.action == "alert_resolved"]
    assert "resolved at 2026-01-05T09:12:00Z" in note.note
    assert issue.last_seen == T0 + timedelta(minutes=12)


def test_last_seen_never_goes_back_under_concurrent_posts_from_two_processes(tmp_path) -> None:
    """Two intakes on one store (two processes' worth: each its own Dispatching), posting one alert with
    interleaved receive times: the stored last_seen is the latest of them, whatever order the writes land in."""
    path = str(tmp_path / "desk.json")
    desks = [open_dispatching(path), open_dispatching(path)]
    table = IntakeTable()
    times = [T0 + timedelta(seconds=n) for n in range(40)]
    alert = {"fingerprint": "fp-race", "labels": {"alertname": "Race", "severity": "info"}}

    def post(d: Dispatching, mine: list[datetime]) -> None:
        for when in mine:
            d.take_in([read_alert(alert, "a", table, when).issue], when, actor="alertmanager")

    threads = [threading.Thread(target=post, args=(desks[0], times[0::2][::-1])),
               threading.Thread(target=post, args=(desks[1], times[1::2]))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    desks[0].refresh()
    [issue] = desks[0].desk.store.issues.all()
    assert issue.count == 40 and issue.last_seen == max(times)
    for d in desks:
        d.close()


def _disk(severity: str, summary: str) -> dict:
    return {"status": "firing", "fingerprint": "a1b2c3d4e5f60718", "annotations": {"summary": summary},
            "labels": {"alertname": "DiskFull", "instance": "db-1:9100", "severity": severity},
            "startsAt": "2026-01-05T08:55:00Z", "endsAt": "0001-01-01T00:00:00Z"}


def test_a_critical_repeat_raises_the_open_requests_urgency_and_the_policy_assigns_it(intake) -> None:
    server, clock, d = intake
    first = server.post("/alertmanager", {"alerts": [_disk("warning", "Disk 85% full on db-1")]})
    assert first.status_code == 201
    request_id = first.json()["results"][0]["request_id"]
    medium = d.request(request_id)
    assert medium is not None and medium.urgency == "medium" and medium.due_at is not None
    assert "auto_assign" not in [s.kind for s in d.plan_for(medium, [])]  # medium: a coordinator assigns it
    clock.advance(minutes=10)
    again = server.post("/alertmanager", {"alerts": [_disk("critical", "db-1 disk full: production database down")]})
    assert again.status_code == 201
    [result] = again.json()["results"]
    assert result["new"] is False and result["request_id"] == request_id
    issue = d.store.issues.require(result["id"])
    assert issue.severity == "critical" and "severity=critical" in issue.symptoms  # the issue reads the latest
    assert issue.title == "[DiskFull] db-1 disk full: production database down"
    critical = d.request(request_id)
    assert critical is not None and critical.urgency == "critical"
    assert critical.due_at is not None and critical.due_at < medium.due_at  # its target as a critical one's
    [raised] = [a for a in d.store.history(request_id) if a.action == "urgency_raised"]
    assert raised.actor == "alertmanager" and "medium -> critical" in raised.note
    taken = d.walk(request_id, clock.now, lambda _r: None, [])
    assert [t.step.kind for t in taken][:1] == ["auto_assign"]
    assigned = d.request(request_id)
    assert assigned is not None and assigned.assigned_expert_id is not None


def test_a_calmer_repeat_never_lowers_the_request_nor_moves_its_target(intake) -> None:
    server, clock, d = intake
    first = server.post("/alertmanager", {"alerts": [_disk("critical", "db-1 disk full")]})
    request_id = first.json()["results"][0]["request_id"]
    before = d.request(request_id)
    assert before is not None and before.urgency == "critical"
    clock.advance(minutes=3)
    assert server.post("/alertmanager", {"alerts": [_disk("warning", "Disk 85% full on db-1")]}).status_code == 201
    after = d.request(request_id)
    assert after is not None and (after.urgency, after.due_at) == ("critical", before.due_at)
    assert not [a for a in d.store.history(request_id) if a.action == "urgency_raised"]


def test_a_repeat_that_makes_an_unescalated_issue_escalate_opens_its_request(intake) -> None:
    server, _, d = intake
    first = server.post("/alertmanager", {"alerts": [_disk("info", "db-1 disk usage report")]})
    assert first.json()["results"][0]["request_id"] is None
    again = server.post("/alertmanager", {"alerts": [_disk("critical", "db-1 disk full: production database down")]})
    [result] = again.json()["results"]
    assert result["new"] is False and result["request_id"] is not None
    request = d.request(result["request_id"])
    assert request is not None and request.urgency == "critical" and request.analysis_id == result["id"]
def test_alerts_taken_by_two_processes_at_once_make_one_issue_counting_each_alert_once(tmp_path) -> None:
    """Two intakes on one store (each its own Dispatching) taking the same label set's alerts, each alert (a start)
    sent to both, at interleaved receive times: one issue, each alert counted once, last seen the latest."""
    path = str(tmp_path / "desk.json")
    desks = [open_dispatching(path), open_dispatching(path)]
    table = IntakeTable()
    times = [T0 + timedelta(seconds=n) for n in range(30)]
    labels = {"alertname": "Race", "severity": "info", "instance": "h1"}

    def post(d: Dispatching, mine: list[datetime]) -> None:
        for when in mine:
            start = (T0 - timedelta(minutes=1 + times.index(when) % 10)).isoformat()  # started before
            d.take_alerts([read_alert({"labels": labels, "startsAt": start}, "a", table, when)], when)

    threads = [threading.Thread(target=post, args=(desks[0], times[0::2][::-1])),
               threading.Thread(target=post, args=(desks[1], times[1::2]))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    desks[0].refresh()
    [issue] = desks[0].desk.store.issues.all()
    assert issue.count == 10 and issue.last_seen == max(times)      # 10 starts, 30 notifications
    assert issue.alert_group is not None and issue.alert_group.events == 30
    assert len(desks[0].desk.store.alerts) == 10
    for d in desks:
        d.close()


@pytest.mark.parametrize(("field", "value", "problem"), [
    ("endsAt", "9999-12-31T23:59:59-23:59", "'9999-12-31T23:59:59-23:59' is not an RFC 3339 time"),  # past 9999
    ("startsAt", "9000-01-01T00:00:00Z", "is outside the years 1970 to 7999"),
    ("startsAt", "yesterday", "'yesterday' is not an RFC 3339 time"),
    ("endsAt", "2026-01-05T09:00:00", "has no offset (Z or +HH:MM)"),
    ("endsAt", 17, "expected an RFC 3339 time, not int"),
])
def test_an_unreadable_alert_time_refuses_the_notification_as_422_naming_the_alert_and_field(
        intake, field: str, value: object, problem: str) -> None:
    """Never a 500 (Alertmanager would resend the same notification for ever): a 422 naming the alert and field,
    and nothing of the notification taken, as for any bad alert of a batch."""
    server, _, d = intake
    critical = {**_disk("critical", "db-1 disk full"), "fingerprint": ""}
    junk = {**_disk("warning", "junk"), "status": "resolved", "labels": {"alertname": "Junk"}, field: value}
    answer = server.post("/alertmanager", {"version": "4", "status": "firing", "alerts": [critical, junk]})
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"].startswith(f"body.alerts[1].{field}: "), answer.text
    assert problem in answer.json()["error"] and "\n" not in answer.json()["error"]
    assert d.store.issues.all() == [] and len(d.store.alerts) == 0  # all or nothing
    alone = server.post("/alertmanager", {"version": "4", "status": "firing", "alerts": [critical]})
    assert alone.status_code == 201 and alone.json()["results"][0]["request_id"] is not None


@pytest.mark.parametrize("unset", [None, "", "0001-01-01T00:00:00Z"])
def test_an_unset_ends_at_is_read_as_the_receive_time_of_a_resolved_alert(unset: object) -> None:
    read = read_alert({**_disk("warning", "x"), "status": "resolved", "endsAt": unset}, "a", IntakeTable(), T0)
    assert read.resolved and read.ended_at == T0
