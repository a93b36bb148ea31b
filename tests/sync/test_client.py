"""The sync client: its retries (stamina) ask a transient answer again with backoff and a final one never, the last
failure names the attempts and no retry is logged (errors stay one line), through a mock transport and through
the CLI against a real flaky HTTP server; credentials from the environment are never written."""

from __future__ import annotations

import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from tests.support.cli import run_cli
from triagedesk.store.database import open_store
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


class FlakyHandler(BaseHTTPRequestHandler):
    mode = "500"
    calls = 0

    def do_GET(self) -> None:  # noqa: N802
        type(self).calls += 1
        mode = type(self).mode
        if mode == "slow":
            time.sleep(1.5)
        if mode == "html":  # a web server, not CouchDB: 200 to everything
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(b"<html>hello</html>")
            return
        self.send_response({"429": 429, "501": 501}.get(mode, 500))
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps({"error": "internal", "reason": "test"}).encode())

    def log_message(self, *args) -> None:
        pass


@pytest.mark.parametrize("mode", ["500", "429", "slow"])
def test_5xx_and_slow_responses_retry_then_fail_clearly(tmp_path: Path, mode: str) -> None:
    FlakyHandler.mode, FlakyHandler.calls = mode, 0
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FlakyHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://user:hunter2@127.0.0.1:{httpd.server_address[1]}/desk"
        result = run_cli("sync", "--url", url, "--db", str(tmp_path / "a.json"), "--timeout", "0.5")
        assert result.returncode == 2
        line = result.stderr.strip()
        assert len(line.splitlines()) == 1 and "hunter2" not in line and "user" not in line
        expected = {"500": "server error 500", "429": "server error 429"}.get(mode, "timed out")
        assert f"http://***@127.0.0.1:{httpd.server_address[1]}/desk: {expected} after 5 attempts" in line
        assert FlakyHandler.calls == 5
    finally:
        httpd.shutdown()


@pytest.mark.parametrize(("mode", "expected"), [
    ("501", "GET /desk answered 501 (internal: test)"),
    ("html", "GET /desk did not answer JSON (text/html): is this a CouchDB server?"),
])
def test_final_answers_are_not_retried(tmp_path: Path, mode: str, expected: str) -> None:
    FlakyHandler.mode, FlakyHandler.calls = mode, 0
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FlakyHandler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        result = run_cli("sync", "--url", f"http://127.0.0.1:{httpd.server_address[1]}/desk", "--db",
                         str(tmp_path / "a.json"), "--pull-only")
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert result.stderr.strip().endswith(expected)
        assert FlakyHandler.calls <= 3  # asked once each, not five times
    finally:
        httpd.shutdown()


def test_connection_refused_is_one_line(tmp_path: Path) -> None:
    result = run_cli("sync", "--url", "http://127.0.0.1:9/desk", "--db", str(tmp_path / "a.json"))
    assert result.returncode == 2 and result.stderr.strip().endswith("connection refused after 5 attempts")
    no_url = run_cli("sync", "--db", str(tmp_path / "a.json"))
    assert no_url.returncode == 2 and "TRIAGEDESK_SYNC_URL" in no_url.stderr


def test_credentials_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIAGEDESK_SYNC_URL", "http://127.0.0.1:9/desk")
    monkeypatch.setenv("TRIAGEDESK_SYNC_USER", "ann")
    monkeypatch.setenv("TRIAGEDESK_SYNC_PASSWORD", "s3cret")
    remote = parse_remote(None)
    assert (remote.username, remote.password, remote.shown) == ("ann", "s3cret", "http://***@127.0.0.1:9/desk")
    store = open_store(tmp_path / "a.json")
    store.close()
    assert b"s3cret" not in b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
