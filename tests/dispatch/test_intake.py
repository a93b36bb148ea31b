"""The intake through a real uvicorn on a free port: auth, 422 with the field path, all-or-nothing, 413, 429,
dedup, Alertmanager's payload, and acknowledgement links (valid once, expired, forged)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

from tests.support.clock import T0, Clock
from tests.support.dispatch import TOKEN, Intake, start_intake
from tests.support.flows import act, specialist
from tests.support.http import HTTP
from triagedesk.app.dispatching import Dispatching, open_dispatching
from triagedesk.dispatch import tokens
from triagedesk.dispatch.intake import build_app
from triagedesk.dispatch.settings import DispatchSettings

SECRET = b"s" * 32
JSON_HEADERS = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}

# Alertmanager's webhook payload, as its documentation gives it (version 4), with two alerts.
ALERTMANAGER = {
    "version": "4", "groupKey": "{}:{alertname=\"InstanceDown\"}", "truncatedAlerts": 0, "status": "firing",
    "receiver": "triagedesk", "groupLabels": {"alertname": "InstanceDown"},
    "commonLabels": {"alertname": "InstanceDown", "job": "node"}, "commonAnnotations": {},
    "externalURL": "http://alertmanager:9093",
    "alerts": [
        {"status": "firing", "labels": {"alertname": "InstanceDown", "instance": "db-1:9100", "job": "node",
                                        "severity": "critical"},
         "annotations": {"summary": "Instance db-1 down", "description": "db-1 has been down for 5 minutes."},
         "startsAt": "2026-01-05T08:55:00Z", "endsAt": "0001-01-01T00:00:00Z",
         "generatorURL": "http://prometheus:9090/graph", "fingerprint": "a1b2c3d4e5f60718"},
        {"status": "firing", "labels": {"alertname": "DiskFilling", "instance": "web-2:9100", "severity": "warning"},
         "annotations": {"summary": "Disk 85% full on web-2"},
         "startsAt": "2026-01-05T08:58:00Z", "endsAt": "0001-01-01T00:00:00Z", "fingerprint": "ffee000011112222"},
    ],
}


@pytest.fixture
def intake(dispatching: Dispatching) -> Iterator[tuple[Intake, Clock, Dispatching]]:
    clock = Clock(T0)
    found = start_intake(dispatching, DispatchSettings(intake_token=TOKEN, rate_limit=1000), SECRET, clock)
    yield found, clock, dispatching
    found.server.stop()


def test_every_post_needs_the_bearer_token(intake) -> None:
    server, _, d = intake
    issue = {"id": "X-1", "title": "printer offline"}
    assert server.post("/issues", issue, token=None).status_code == 401
    assert server.post("/issues", issue, token="wrong").status_code == 401
    assert server.post("/issues", issue, token=TOKEN + "x").status_code == 401
    assert server.post("/alertmanager", ALERTMANAGER, token=None).status_code == 401
    assert d.store.issues.get("X-1") is None
    assert server.post("/issues", issue).status_code == 201
    assert HTTP.get(f"{server.url}/health").json() == {"ok": True}


def test_a_bad_issue_is_422_with_its_field_path_and_nothing_is_written(intake) -> None:
    server, _, d = intake
    before = len(d.store.issues)
    answer = server.post("/issues", [{"id": "ok-1", "title": "fine"}, {"id": "bad", "users_affected": -3}])
    assert answer.status_code == 422
    assert answer.json()["error"].startswith("body: [1]: users_affected:")
    typo = server.post("/issues", {"title": "x", "user_affected": 5})
    assert typo.status_code == 422 and "user_affected: unknown field" in typo.json()["error"]
    broken = HTTP.post(f"{server.url}/issues", content=b"{nope", headers=JSON_HEADERS)
    assert broken.status_code == 422 and "invalid JSON" in broken.json()["error"]
    huge = HTTP.post(f"{server.url}/issues", content=b'[{"id": "h1", "users_affected": ' + b"9" * 5000 + b"}]",
                      headers={"Authorization": f"Bearer {TOKEN}", "content-type": "application/json"})
    assert huge.status_code == 422 and "users_affected: integer out of range" in huge.json()["error"]
    assert len(d.store.issues) == before and d.store.issues.get("ok-1") is None


def test_a_body_over_one_megabyte_is_413(intake) -> None:
    server, _, d = intake
    big = [{"title": "x" * 1000} for _ in range(1100)]
    assert server.post("/issues", big).status_code == 413
    streamed = HTTP.post(f"{server.url}/issues", content=iter([b"[" + b" " * (1 << 20), b"]"]),
                          headers=JSON_HEADERS)
    assert streamed.status_code == 413
    assert len(d.store.issues) == 0


def test_too_many_requests_from_one_client_are_429(dispatching: Dispatching) -> None:
    server = start_intake(dispatching, DispatchSettings(intake_token=TOKEN, rate_limit=0.5), SECRET, Clock(T0))
    try:
        codes = [server.post("/issues", {"title": f"n{i}"}).status_code for i in range(4)]
    finally:
        server.server.stop()
    assert codes[0] == 201 and codes[-1] == 429


def test_a_storm_of_500_alerts_with_20_keys_makes_20_issues(intake) -> None:
    server, _, d = intake
    alerts = [{"status": "firing", "fingerprint": f"fp-{n % 20:02d}",
               "labels": {"alertname": f"A{n % 20}", "severity": "warning", "instance": f"h{n % 20}"},
               "annotations": {"summary": f"alert {n % 20}", "description": f"seen {n}"}} for n in range(500)]
    for batch in range(5):
        answer = server.post("/alertmanager", {**ALERTMANAGER, "alerts": alerts[batch * 100:(batch + 1) * 100]})
        assert answer.status_code == 201, answer.text
    issues = d.store.issues.all()
    assert len(issues) == 20   # each alert (a fingerprint, no start) once, its 25 notifications counted as events
    assert sorted((i.count, i.alert_group.events) for i in issues if i.alert_group) == [(1, 25)] * 20
    latest = {i.dedup_key: i.description for i in issues}
    assert latest["fp-00"] == "seen 480"   # the latest text wins


def test_the_alertmanager_sample_payload_maps_labels_and_annotations(intake) -> None:
    server, clock, d = intake
    answer = server.post("/alertmanager", ALERTMANAGER)
    assert answer.status_code == 201, answer.text
    db1 = next(i for i in d.store.issues.all() if i.dedup_key == "a1b2c3d4e5f60718")
    assert db1.title == "[InstanceDown] Instance db-1 down" and db1.affected_systems == ["db-1:9100"]
    assert db1.description.startswith("db-1 has been down for 5 minutes.")
    decision = d.desk.engine.decide(db1)
    assert decision.urgency == "critical"          # severity critical reads as an outage
    request = d.desk.queries.request_for(db1.id or "")
    assert request is not None and request.status == "pending_assignment"
    # the same alert resolved: noted on its issue, no new row
    clock.now = T0 + timedelta(minutes=20)
    resolved = {**ALERTMANAGER, "status": "resolved", "alerts": [{**ALERTMANAGER["alerts"][0], "status": "resolved"}]}
    answer = server.post("/alertmanager", resolved)
    assert answer.status_code == 200 and answer.json()["resolved"] == [db1.id]
    assert len(d.store.issues) == 2
    notes = [a for a in d.store.history(db1.id or "") if a.action == "alert_resolved"]
    assert len(notes) == 1 and "resolved at 2026-01-05T09:20:00Z" in notes[0].note


def test_a_non_alertmanager_body_is_422(intake) -> None:
    server, _, _ = intake
    answer = server.post("/alertmanager", {"alerts": "nope"})
    assert answer.status_code == 422 and answer.json()["error"].startswith("body.alerts")
    answer = server.post("/alertmanager", {"alerts": [{"labels": ["x"]}]})
    assert answer.status_code == 422 and "body.alerts[0]" in answer.json()["error"]


def _assigned(d: Dispatching, clock: Clock, server: Intake) -> tuple[str, str]:
    answer = server.post("/issues", {"id": "CRIT-1", "title": "Production outage", "description": "db cluster down",
                                     "users_affected": 900})
    request_id = answer.json()["results"][0]["request_id"]
    d.desk.clock = lambda: clock.now
    act(d.desk, request_id, "assign", "test", specialist(d.desk, "CRIT-1"))
    request = d.request(request_id)
    assert request is not None and request.assigned_at is not None
    return request_id, request.assigned_at.isoformat().replace("+00:00", "Z")


def test_an_ack_link_works_once_and_not_when_expired_or_forged(intake) -> None:
    server, clock, d = intake
    request_id, stamp = _assigned(d, clock, server)
    good = tokens.make(SECRET, request_id, stamp, T0 + timedelta(hours=1))
    forged = tokens.make(b"another secret" * 3, request_id, stamp, T0 + timedelta(hours=1))
    expired = tokens.make(SECRET, request_id, stamp, T0 - timedelta(seconds=1))
    _, _, mac = good.partition(".")
    other = tokens.make(SECRET, "req-other", stamp, T0 + timedelta(days=9999)).partition(".")[0]
    tampered_body = f"{other}.{mac}"  # another request's body under this token's signature

    for method in (httpx.get, httpx.post):
        assert method(f"{server.url}/ack/{forged}").status_code == 403
        assert method(f"{server.url}/ack/{tampered_body}").status_code == 403
        expired_answer = method(f"{server.url}/ack/{expired}")
        assert expired_answer.status_code == 403 and "expired" in expired_answer.text
        assert method(f"{server.url}/ack/garbage").status_code == 400   # not even the shape of a token
    assert d.request(request_id).acknowledged_at is None  # type: ignore[union-attr]

    assert HTTP.get(f"{server.url}/ack/{good}").status_code == 200     # the page: nothing changed
    assert d.request(request_id).acknowledged_at is None  # type: ignore[union-attr]
    assert HTTP.post(f"{server.url}/ack/{good}").status_code == 200    # the button
    assert d.request(request_id).acknowledged_at == T0  # type: ignore[union-attr]
    assert HTTP.post(f"{server.url}/ack/{good}").status_code == 410
    assert HTTP.get(f"{server.url}/ack/{good}").status_code == 410
    # other methods on the ack path, and other paths, reach nothing
    assert HTTP.put(f"{server.url}/ack/{good}").status_code == 405
    assert HTTP.get(f"{server.url}/issues").status_code == 405


def test_an_alert_whose_issue_was_closed_elsewhere_opens_a_new_issue(intake) -> None:
    server, clock, d = intake
    alert = {"status": "firing", "fingerprint": "fp-x", "labels": {"alertname": "Down", "severity": "critical"},
             "annotations": {"summary": "api outage"}}
    first = server.post("/alertmanager", {"alerts": [alert]}).json()["results"][0]
    again = server.post("/alertmanager", {"alerts": [alert]}).json()["results"][0]
    assert again["id"] == first["id"] and again["count"] == 1 and not again["new"]  # the same alert, again
    other = open_dispatching(str(d.store.path))        # another desk on the same store cancels its request
    act(other.desk, first["request_id"], "cancel", "coordinator")
    other.close()
    later = server.post("/alertmanager", {"alerts": [alert]}).json()["results"][0]
    assert later["new"] and later["id"] != first["id"]
    assert len(d.store.issues) == 2


def test_json_nested_a_hundred_thousand_deep_is_422_not_a_crash(intake) -> None:
    server, _, d = intake
    deep = b"[" * 100_000 + b"]" * 100_000
    for path in ("/issues", "/alertmanager"):
        answer = HTTP.post(f"{server.url}{path}", content=deep, headers=JSON_HEADERS)
        assert answer.status_code == 422 and "nested deeper than" in answer.json()["error"]
    assert HTTP.get(f"{server.url}/health").status_code == 200


def test_import_refuses_the_same_deep_json_in_one_line(tmp_path) -> None:
    from tests.support.cli import run_cli

    (tmp_path / "deep.json").write_bytes(b"[" * 100_000 + b"]" * 100_000)
    done = run_cli("import", str(tmp_path / "deep.json"), "--db", str(tmp_path / "d.json"))
    assert done.returncode == 2 and "nested deeper than" in done.stderr and done.stderr.count("\n") == 1
    assert "Traceback" not in done.stderr


def test_a_port_already_taken_is_one_clear_error(intake) -> None:
    import pytest as _pytest

    from triagedesk.dispatch.service import IntakeServer
    from triagedesk.domain.errors import UserError

    server, clock, d = intake
    port = int(server.url.rsplit(":", 1)[1])
    second = IntakeServer(build_app(d, DispatchSettings(intake_token=TOKEN), SECRET, clock), "127.0.0.1", port)
    with _pytest.raises(UserError, match=rf"--listen 127.0.0.1:{port}: cannot serve there"):
        second.start()
    assert HTTP.get(f"{server.url}/health").status_code == 200


def test_the_queue_shows_how_often_a_deduplicated_alert_came_in(intake) -> None:
    from triagedesk.app.queue import load

    server, clock, d = intake
    alert = {"status": "firing", "fingerprint": "fp-q", "labels": {"alertname": "Disk", "severity": "warning"},
             "annotations": {"summary": "disk filling on db-2"}}
    for minute in range(3):  # three alerts (each a new start), not one alert's repeats
        server.post("/alertmanager", {"alerts": [{**alert, "startsAt": f"2026-01-05T08:5{minute}:00Z"}]})
    data = load(d.desk, clock.now, None)
    [row] = [n for n, i in enumerate(data.ids) if d.store.issues.get(i).dedup_key == "fp-q"]  # type: ignore[union-attr]
    assert data.title[row] == "×3 [Disk] disk filling on db-2"


def test_a_profile_is_taken_by_name_only_never_as_a_path(intake, tmp_path) -> None:
    server, _, d = intake
    (tmp_path / "evil.toml").write_text('name = "evil"', "utf-8")
    for profile in (str(tmp_path / "evil.toml"), "/etc/passwd", "nope"):
        answer = server.post("/issues", [{"title": "a"}, {"title": "b", "profile": profile}])
        assert answer.status_code == 422, answer.text
        assert answer.json()["error"].startswith("body: [1]: profile: ")  # a path, or a name not shipped
    assert len(d.store.issues) == 0
    assert server.post("/issues", {"title": "printer", "profile": "appraisal"}).status_code == 201
