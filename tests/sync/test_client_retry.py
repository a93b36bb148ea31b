"""The client's retries (stamina): a transient answer is asked again with backoff, a final one is not, the last
failure names the attempts, and no retry is logged (the CLI's errors stay one line)."""

from __future__ import annotations

import logging

import httpx
import pytest

from triagedesk.sync.client import CouchClient, RetryPolicy, SyncError, parse_remote

QUICK = RetryPolicy(attempts=3, base_delay=0.001, max_delay=0.002)


def client_answering(statuses: list[int | str]) -> tuple[CouchClient, list[str]]:
    """A client whose server answers each status in turn (`drop`: the connection fails)."""
    calls: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        status = statuses[min(len(calls), len(statuses)) - 1]
        if status == "drop":
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(int(status), json={"error": "e", "reason": "r"} if status != 200 else {"ok": True})

    client = CouchClient(parse_remote("http://user:secret@127.0.0.1:9/desk"), retry=QUICK)
    client.http = httpx.Client(base_url=client.remote.base, transport=httpx.MockTransport(answer))
    return client, calls


def test_transient_failures_to_the_last_attempt_name_the_attempts(caplog: pytest.LogCaptureFixture) -> None:
    client, calls = client_answering([503, "drop", 503])
    with caplog.at_level(logging.DEBUG), pytest.raises(SyncError) as raised:
        client.request("GET", "/desk")
    assert str(raised.value) == "http://***@127.0.0.1:9/desk: server error 503 after 3 attempts"
    assert calls == ["/desk"] * 3
    assert not [r for r in caplog.records if "stamina" in r.name or "retry" in r.getMessage()]


def test_a_final_answer_is_not_asked_again() -> None:
    client, calls = client_answering([403])
    with pytest.raises(SyncError, match=r"GET /desk answered 403 \(e: r\)$"):
        client.request("GET", "/desk")
    assert calls == ["/desk"]


@pytest.mark.parametrize("first", [408, 429, 500, 502, 503, 504, "drop"])
def test_a_transient_failure_then_an_answer_is_the_answer(first: int | str) -> None:
    client, calls = client_answering([first, 200])
    assert client.request("GET", "/desk").json() == {"ok": True}
    assert len(calls) == 2
