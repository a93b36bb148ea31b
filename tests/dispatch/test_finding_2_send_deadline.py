"""FINDING 2 (review of #23): the per-target send timeout bounds each socket read, not the send.

A receiver that answers its headers and then trickles the body a byte at a time (a broken proxy, a tarpit) keeps
every read under the timeout, so one send runs for as long as the receiver likes: with a 1 s timeout it took
~50 s here. It holds a delivery worker and that target's queue (its later pages wait behind it, never failed nor
retried); eight such targets stop every page."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from triagedesk.dispatch import notify

DRIP_BYTES, DRIP_EVERY = 40, 0.2  # 8 s of body, each byte well inside the 1 s read timeout


@pytest.fixture
def tarpit() -> Iterator[int]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length") or 0))
            self.send_response(200)
            self.send_header("Content-Length", str(DRIP_BYTES))
            self.end_headers()
            for _ in range(DRIP_BYTES):
                try:
                    self.wfile.write(b" ")
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(DRIP_EVERY)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.mark.xfail(strict=True, reason="FINDING 2: a receiver that trickles its answer holds one send far past "
                                       "TRIAGEDESK_SEND_TIMEOUT_SECONDS (the timeout is per read, not per send)")
def test_finding_2_a_trickling_receiver_cannot_hold_a_send_past_its_timeout(tarpit: int) -> None:
    began = time.monotonic()
    try:
        notify.send(f"json://127.0.0.1:{tarpit}/page", notify.Outgoing(subject="s", body="b", key="ob-1"), 1.0)
    except notify.DeliveryError:
        pass  # failing is fine: the send must just end near its timeout
    assert time.monotonic() - began < 3.0
