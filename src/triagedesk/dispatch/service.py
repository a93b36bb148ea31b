"""Running the dispatcher: the lease, the loop, the intake server beside it, and a clean stop on SIGTERM."""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from types import FrameType

import uvicorn
from starlette.applications import Starlette

from triagedesk.app.dispatching import Dispatching
from triagedesk.dispatch import tokens
from triagedesk.dispatch.intake import build_app
from triagedesk.dispatch.lease import CouchLease, FileLease, Lease
from triagedesk.dispatch.runner import ActionLog, Dispatcher, run_forever
from triagedesk.dispatch.settings import DispatchSettings
from triagedesk.domain.errors import UserError
from triagedesk.sync.client import CouchClient, parse_remote
from triagedesk.sync.engine import Replicator


def parse_listen(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"--listen {text!r}: expected HOST:PORT, like 127.0.0.1:8025")
    return host.strip("[]"), int(port)


class IntakeServer:
    """uvicorn on a thread, started and stopped by the dispatcher."""

    def __init__(self, app: Starlette, host: str, port: int) -> None:
        config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False, lifespan="off")
        self.server = uvicorn.Server(config)
        self.failure: BaseException | None = None
        self.thread = threading.Thread(target=self._serve, name="intake", daemon=True)

    def _serve(self) -> None:
        try:
            self.server.run()
        except BaseException as exc:  # reported by start() as one line, never a thread's traceback
            self.failure = exc

    def start(self, timeout: float = 15.0) -> None:
        """Start serving; a port that cannot be bound (in use, privileged) is one clear error, not a silent thread."""
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started and self.thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.02)
        if not self.server.started:
            self.server.should_exit = True
            config = self.server.config
            failure = self.failure
            reason = f": {failure}" if failure is not None and not isinstance(failure, SystemExit) else ""
            raise UserError(f"--listen {config.host}:{config.port}: cannot serve there (in use, or not allowed)"
                            f"{reason}")

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def run(d: Dispatching, store_path: str, *, once: bool, now: datetime | None, listen: str | None,
        sync_url: str | None, log_format: str, emit: Callable[[str], None] | None = None) -> int:
    settings = DispatchSettings()
    secret = tokens.secret_for(store_path, settings.ack_secret)
    action_log = ActionLog(log_format, emit or (lambda line: print(line, file=sys.stderr, flush=True)))
    public = None
    address = parse_listen(listen) if listen else None
    if address:
        public = f"http://{address[0] if ':' not in address[0] else '[' + address[0] + ']'}:{address[1]}"
    dispatcher = Dispatcher(d, settings, secret, action_log, public)
    clock: Callable[[], datetime] = (lambda: now) if now else (lambda: datetime.now(UTC))
    client = CouchClient(parse_remote(sync_url)) if sync_url else None
    lease: Lease = CouchLease(client, settings.lease_seconds, store_path=store_path) if client \
        else FileLease(store_path, settings.lease_seconds)
    replicator = Replicator(d.store, client, actor="dispatcher") if client else None

    def sync_round() -> None:
        if replicator is not None:
            try:
                replicator.sync()
            except Exception as exc:  # a lost server is waited out, as live sync does
                action_log("sync_failed", error=str(exc))

    if once:
        if not lease.acquire():
            action_log("lease_held", holder="another dispatcher", note="nothing done")
            return 0
        try:
            sync_round()
            actions = dispatcher.run_pass(clock())
            sync_round()
            action_log("pass", actions=actions, at=clock().isoformat())
        finally:
            lease.release()
            dispatcher.close()
        return 0
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        action_log("stopping", signal=signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    server = None
    if address:
        server = IntakeServer(build_app(d, settings, secret, clock), *address)
        server.start()
        action_log("listening", address=f"{address[0]}:{address[1]}")
    try:
        run_forever(dispatcher, lease, stop, settings.interval_seconds, clock, sync_round)
    finally:
        if server is not None:
            server.stop()
        dispatcher.close()
        action_log("stopped")
    return 0
