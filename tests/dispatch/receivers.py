"""Webhook receivers for the delivery tests: one that answers, one that answers late, one that hangs (accepts the
request and never answers), one that trickles its answer a byte at a time (a tarpit), an SMTP server that never
ends its greeting; each records what arrived (when, headers, body) and is waited for by event."""

from __future__ import annotations

import json
import socketserver
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.support.dispatch import free_port


class Arrival:
    def __init__(self, at: float, path: str, headers: dict[str, str], body: dict[str, Any]) -> None:
        self.at = at            # time.monotonic() when it arrived
        self.path = path
        self.headers = headers  # lower-case names
        self.body = body


class Hook:
    """A local HTTP receiver on its own port: `delay` seconds before each answer, or `hang` (never answers until
    stopped), or `drip` (a 40-byte answer, one byte each `drip` seconds); every request is recorded before the
    wait, and `wait_for(n)` waits on the event, not a sleep."""

    def __init__(self, delay: float = 0.0, hang: bool = False, port: int | None = None, drip: float = 0.0) -> None:
        self.port = port or free_port()
        self.delay = delay
        self.hang = hang
        self.drip = drip
        self.cut = threading.Event()
        """Set when the sender shut a trickled answer's connection before its end."""
        self.arrivals: list[Arrival] = []
        self.changed = threading.Condition()
        self.release = threading.Event()
        self.server: ThreadingHTTPServer | None = None

    def url(self, path: str = "hook", scheme: str = "json") -> str:
        return f"{scheme}://127.0.0.1:{self.port}/{path}"

    def start(self) -> Hook:
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) or b"{}"
                if len(raw) < length:
                    return  # the sender died mid-request (a kill): nothing arrived, as a real server would see it
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = {"raw": raw.decode("utf-8", "replace")}
                with hook.changed:
                    hook.arrivals.append(Arrival(time.monotonic(), self.path,
                                                 {k.lower(): v for k, v in self.headers.items()}, body))
                    hook.changed.notify_all()
                if hook.hang:
                    hook.release.wait(120)
                    return  # never answered: the connection is dropped when the test ends
                if hook.drip:
                    self._trickle()
                    return
                if hook.delay:
                    hook.release.wait(hook.delay)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def _trickle(self) -> None:
                self.send_response(200)
                self.send_header("Content-Length", "40")
                self.end_headers()
                for _ in range(40):
                    try:
                        self.wfile.write(b" ")
                        self.wfile.flush()
                    except OSError:
                        hook.cut.set()
                        return
                    if hook.release.wait(hook.drip):
                        return

            def log_message(self, *args: Any) -> None:
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        ThreadingHTTPServer.daemon_threads = True
        self.release.clear()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def wait_for(self, count: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self.changed:
            while len(self.arrivals) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.changed.wait(left)
        return True

    def stop(self) -> None:
        self.release.set()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


class SmtpTarpit:
    """An SMTP server that never finishes its greeting: a `220-` continuation line each `drip` seconds, so each
    read of the sender's is answered in time and the conversation never starts."""

    def __init__(self, drip: float) -> None:
        self.drip = drip
        self.release = threading.Event()
        self.cut = threading.Event()
        tarpit = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                for _ in range(400):
                    try:
                        self.request.sendall(b"220-still greeting\r\n")
                    except OSError:
                        tarpit.cut.set()
                        return
                    if tarpit.release.wait(tarpit.drip):
                        return

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
