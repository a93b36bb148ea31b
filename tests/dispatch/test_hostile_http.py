"""Issue #23's hostile inputs at the HTTP level, through a real uvicorn: a link scanner, forged client addresses,
malformed tokens, ids that are paths or carry newlines, duplicate JSON keys, the wrong content type, a POST over
an existing issue. Each failed on the old main."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from tests.support.clock import T0, Clock
from tests.support.dispatch import TOKEN, Intake, free_port
from tests.support.flows import act, specialist
from tests.support.http import HTTP
from triagedesk.app.dispatching import Dispatching
from triagedesk.dispatch import tokens
from triagedesk.dispatch.intake import build_app
from triagedesk.dispatch.runner import ActionLog
from triagedesk.dispatch.service import IntakeServer
from triagedesk.dispatch.settings import DispatchSettings

SECRET = b"h" * 32
AUTH = {"Authorization": f"Bearer {TOKEN}"}
JSON = {**AUTH, "Content-Type": "application/json"}


def _serve(d: Dispatching, lines: list[str], **settings: object) -> Intake:
    chosen = DispatchSettings(**{"intake_token": TOKEN, "rate_limit": 1000, **settings})  # type: ignore[arg-type]
    log = ActionLog("json", lines.append)
    port = free_port()
    server = IntakeServer(build_app(d, chosen, SECRET, Clock(T0), log=log), "127.0.0.1", port, log=log)
    server.start()
    return Intake(f"http://127.0.0.1:{port}", server)


@pytest.fixture
def served(dispatching: Dispatching) -> Iterator[tuple[Intake, Dispatching, list[str]]]:
    lines: list[str] = []
    found = _serve(dispatching, lines)
    yield found, dispatching, lines
    found.server.stop()


def _assigned(d: Dispatching, server: Intake, issue_id: str = "CRIT-1") -> tuple[str, str]:
    answer = server.post("/issues", {"id": issue_id, "title": "Production database outage", "users_affected": 900})
    request_id = answer.json()["results"][0]["request_id"]
    d.desk.clock = lambda: T0
    act(d.desk, request_id, "assign", "test", specialist(d.desk, issue_id))
    request = d.request(request_id)
    assert request is not None and request.assigned_at is not None
    return request_id, tokens.make(SECRET, request_id, request.assigned_at.isoformat().replace("+00:00", "Z"),
                                   T0.replace(year=2027))


def test_a_link_scanner_opening_the_ack_link_acknowledges_nothing(served) -> None:
    server, d, _ = served
    request_id, token = _assigned(d, server)
    link = f"{server.url}/ack/{token}"
    for _ in range(3):  # a scanner, a mail preview and the expert's own first look
        assert HTTP.head(link).status_code == 200
        page = HTTP.get(link)
        assert page.status_code == 200 and "Production database outage" in page.text
        assert page.headers["cache-control"] == "no-store" and page.headers["referrer-policy"] == "no-referrer"
    assert d.request(request_id).acknowledged_at is None  # type: ignore[union-attr]
    assert HTTP.post(link).status_code == 200
    assert d.request(request_id).acknowledged_at == T0  # type: ignore[union-attr]


def test_a_malformed_token_is_400_and_one_log_line_never_a_traceback(served, capfd) -> None:
    server, d, lines = served
    request_id, token = _assigned(d, server)
    body, _, mac = token.partition(".")
    for bad in ("é" + token, token + "ü", f"{body}.{mac[:-1]}€", "a.b", "." * 50, "x" * 5000, "%00", "..%2f..%2f"):
        for method in (httpx.get, httpx.post, httpx.head):
            answer = method(f"{server.url}/ack/{bad}")
            assert answer.status_code in (400, 404), (bad, method, answer.status_code)
    assert d.request(request_id).acknowledged_at is None  # type: ignore[union-attr]
    captured = capfd.readouterr()
    assert "Traceback" not in captured.err + captured.out
    assert all(json.loads(line)["event"] != "intake_error" for line in lines)


SLOW = 0.0001
"""A rate so low that each bucket lets one request through in a test's time (a burst of 1): the counts below
depend on which bucket a request falls in, never on how fast the machine is."""


def _post(server: Intake, n: int, client: str) -> int:
    return HTTP.post(f"{server.url}/issues", json={"title": "x"},
                      headers={"Authorization": f"Bearer wrong-{n}", "X-Forwarded-For": client}).status_code


def test_x_forwarded_for_cannot_pick_a_clients_rate_limit_bucket(dispatching: Dispatching) -> None:
    server = _serve(dispatching, [], rate_limit=SLOW)
    try:
        codes = [_post(server, n, f"10.0.{n // 250}.{n % 250}") for n in range(300)]
        acks = [HTTP.get(f"{server.url}/ack/a{n}.{'b' * 43}", headers={"X-Forwarded-For": f"10.1.0.{n}"}).status_code
                for n in range(60)]
    finally:
        server.server.stop()
    assert codes[0] == 401 and codes.count(429) >= 298   # one client, whatever it claims to be (old main: 0)
    assert acks.count(429) == 60                         # the same client's bucket, already empty


def test_a_named_proxy_is_believed_and_every_client_behind_it_has_its_own_bucket(dispatching: Dispatching) -> None:
    server = _serve(dispatching, [], rate_limit=SLOW, forwarded_allow_ips="127.0.0.1, ::1")
    try:
        spread = [_post(server, n, f"203.0.113.{n}") for n in range(40)]
        one = [_post(server, 100 + n, "198.51.100.7") for n in range(40)]
        chained = [_post(server, 200 + n, "198.51.100.8, 127.0.0.1") for n in range(5)]
    finally:
        server.server.stop()
    assert spread == [401] * 40                          # 40 clients behind the proxy: 40 buckets
    assert one[0] == 401 and one.count(429) == 39        # one client behind the proxy: one bucket
    assert chained[0] == 401 and chained.count(429) == 4  # the named proxy's own hop is skipped, not trusted twice


def test_one_ack_token_is_rate_limited_from_any_number_of_addresses(dispatching: Dispatching) -> None:
    server = _serve(dispatching, [], rate_limit=SLOW, forwarded_allow_ips="127.0.0.1")
    try:
        codes = [HTTP.get(f"{server.url}/ack/a.{'b' * 43}", headers={"X-Forwarded-For": f"203.0.113.{n}"}
                           ).status_code for n in range(20)]
    finally:
        server.server.stop()
    assert codes[0] == 403 and codes.count(429) == 19


@pytest.mark.parametrize("bad_id", ["../../etc/passwd", "CRIT 1", "CRIT-1\nINC-2", "a/b", "", "-lead", "x" * 129,
                                    "ID\u200b1", "café"])
def test_an_issue_id_outside_the_pattern_is_422_and_nothing_is_written(served, bad_id: str) -> None:
    server, d, _ = served
    answer = server.post("/issues", [{"id": "GOOD-1", "title": "fine"}, {"id": bad_id, "title": "x"}])
    assert answer.status_code == 422 and answer.json()["error"].startswith("body: [1]: id: an issue id is")
    assert len(d.store.issues) == 0


def test_duplicate_json_keys_are_422_on_both_posts(served) -> None:
    server, d, _ = served
    issue = b'{"id": "D-1", "title": "harmless", "title": "Production outage", "users_affected": 900}'
    answer = HTTP.post(f"{server.url}/issues", content=issue, headers=JSON)
    assert answer.status_code == 422 and "duplicate field 'title'" in answer.json()["error"]
    alert = b'{"alerts": [{"labels": {"severity": "info", "severity": "critical"}}]}'
    answer = HTTP.post(f"{server.url}/alertmanager", content=alert, headers=JSON)
    assert answer.status_code == 422 and "duplicate field 'severity'" in answer.json()["error"]
    assert len(d.store.issues) == 0


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x", "application/jsonx"])
def test_a_body_that_is_not_declared_json_is_415(served, content_type: str | None) -> None:
    server, d, _ = served
    headers = {**AUTH, **({"Content-Type": content_type} if content_type else {})}
    for path in ("/issues", "/alertmanager"):
        answer = HTTP.post(f"{server.url}{path}", content=b'{"title": "x", "alerts": []}', headers=headers)
        assert answer.status_code == 415, (path, content_type, answer.text)
    assert len(d.store.issues) == 0
    ok = HTTP.post(f"{server.url}/issues", content=b'{"title": "x"}',
                    headers={**AUTH, "Content-Type": "application/problem+json; charset=utf-8"})
    assert ok.status_code == 201


def test_a_post_with_an_existing_id_is_409_unless_it_carries_the_same_dedup_key(served) -> None:
    server, d, _ = served
    assert server.post("/issues", {"id": "OPS-7", "title": "Disk filling", "dedup_key": "disk-7"}).status_code == 201
    clash = server.post("/issues", {"id": "OPS-7", "title": "Something else entirely"})
    assert clash.status_code == 409 and "issue 'OPS-7' exists already" in clash.json()["error"]
    other_key = server.post("/issues", {"id": "OPS-7", "title": "x", "dedup_key": "another"})
    assert other_key.status_code == 409
    assert d.store.issues.require("OPS-7").title == "Disk filling"
    repeat = server.post("/issues", {"id": "OPS-7", "title": "Disk filling fast", "dedup_key": "disk-7"})
    assert repeat.status_code == 201 and repeat.json()["results"][0] == {"id": "OPS-7", "new": False, "count": 2,
                                                                  "request_id": None}
    stored = d.store.issues.require("OPS-7")
    assert stored.title == "Disk filling fast" and stored.count == 2
    in_batch = server.post("/issues", [{"id": "NEW-1", "title": "a"}, {"id": "NEW-1", "title": "b"}])
    assert in_batch.status_code == 409 and d.store.issues.get("NEW-1") is None  # all or nothing
