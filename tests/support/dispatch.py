"""Real parts for the dispatcher tests: an SMTP inbox, a webhook receiver, the intake on uvicorn, a dispatcher."""

from __future__ import annotations

import email
import json
import socket
import threading
import time
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from tests.support.clock import Clock
from tests.support.http import HTTP
from triagedesk.app.dispatching import Dispatching
from triagedesk.dispatch.intake import build_app
from triagedesk.dispatch.runner import ActionLog, Dispatcher
from triagedesk.dispatch.service import IntakeServer
from triagedesk.dispatch.settings import DispatchSettings
from triagedesk.domain.models import Expert

TOKEN = "intake-s3cret-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """What the test SMTP server received: parsed messages."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.original_content or envelope.content))
        return "250 OK"

    def text(self, index: int) -> str:
        """The message's text (its first text/plain part that is not an attachment)."""
        for part in self.messages[index].walk():
            if part.get_content_type() == "text/plain" and part.get_filename() is None:
                payload = part.get_payload(decode=True)
                assert isinstance(payload, bytes)
                return payload.decode("utf-8")
        raise AssertionError("no text part")

    def attachments(self, index: int) -> dict[str, str]:
        """The message's attached files: name -> text."""
        out = {}
        for part in self.messages[index].walk():
            name = part.get_filename()
            if name:
                payload = part.get_payload(decode=True)
                assert isinstance(payload, bytes)
                out[name] = payload.decode("utf-8")
        return out


class Receiver:
    """A local webhook receiver for Apprise's json:// (counts what arrived); stop and start it on the same port."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.bodies: list[dict[str, Any]] = []
        self.server: ThreadingHTTPServer | None = None

    def start(self) -> Receiver:
        received = self.bodies

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                received.append(json.loads(self.rfile.read(length) or b"{}"))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


def network(contacts: dict[str, str]) -> list[Expert]:
    """The shipped infrastructure network, each expert reachable at the contact given for their id."""
    path = Path(__file__).resolve().parents[2] / "data" / "experts" / "infrastructure.jsonl"
    experts = [Expert.model_validate_json(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    return [e.model_copy(update={"contacts": {"email": contacts.get(e.id, e.email)}, "current_workload": 0})
            for e in experts]


class Intake:
    def __init__(self, url: str, server: IntakeServer) -> None:
        self.url = url
        self.server = server

    def post(self, path: str, body: Any, token: str | None = TOKEN, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return HTTP.post(f"{self.url}{path}", json=body, headers=headers, timeout=30, **kwargs)


def start_intake(d: Dispatching, settings: DispatchSettings, secret: bytes, clock: Clock) -> Intake:
    port = free_port()
    server = IntakeServer(build_app(d, settings, secret, clock), "127.0.0.1", port)
    server.start()
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            if HTTP.get(f"{url}/health", timeout=1).status_code == 200:
                return Intake(url, server)
        except httpx.TransportError:
            time.sleep(0.02)
    raise RuntimeError("the intake did not start")


def make_dispatcher(d: Dispatching, settings: DispatchSettings, secret: bytes, public_url: str | None,
                    lines: list[str]) -> Dispatcher:
    return Dispatcher(d, settings, secret, ActionLog("json", lines.append), public_url)

