"""Running the dispatcher: the lease, the loop, the intake server beside it, and a clean stop on SIGTERM."""

from __future__ import annotations

import logging
import signal
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from types import FrameType
from typing import Any, Protocol

import stamina
import uvicorn

from triagedesk.app.dispatch_port import DispatchPort
from triagedesk.dispatch import tokens
from triagedesk.dispatch.intake import build_app
from triagedesk.dispatch.lease import CouchLease, FileLease, Lease
from triagedesk.dispatch.proxy import TrustedProxies
from triagedesk.dispatch.runner import ActionLog, Dispatcher, run_forever
from triagedesk.dispatch.settings import DispatchSettings
from triagedesk.domain.errors import UserError
from triagedesk.sync.client import CouchClient, parse_remote


def parse_listen(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"--listen {text!r}: expected HOST:PORT, like 127.0.0.1:8025")
    return host.strip("[]"), int(port)


class Replicating(Protocol):
    """A sync round with the team's server (the command hands one in: the dispatcher never holds the store)."""

    def sync(self) -> object: ...


class _ServerLog(logging.Handler):
    """uvicorn's own warnings as action-log lines (`server`): one line each, the exception's name and text,
    never its traceback."""

    def __init__(self, log: Callable[..., None]) -> None:
        super().__init__(level=logging.WARNING)
        self.log = log

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except Exception:
            text = str(record.msg)
        if record.exc_info and record.exc_info[1] is not None:
            text = f"{text}: {type(record.exc_info[1]).__name__}: {record.exc_info[1]}"
        self.log("server", level=record.levelname.lower(), message=text[:300])


class IntakeServer:
    """uvicorn on a thread, started and stopped by the dispatcher. uvicorn's proxy-header handling is off:
    `dispatch.proxy` alone decides who the client is (`--forwarded-allow-ips`)."""

    def __init__(self, app: Any, host: str, port: int, log: Callable[..., None] | None = None) -> None:
        config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False, lifespan="off",
                                proxy_headers=False, server_header=False,
                                log_config=None if log is not None else uvicorn.config.LOGGING_CONFIG)
        if log is not None:
            handler = _ServerLog(log)
            for name in ("uvicorn", "uvicorn.error"):
                logger = logging.getLogger(name)
                logger.handlers = [handler]
                logger.propagate = False
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


def run(d: DispatchPort, store_path: str, *, once: bool, now: datetime | None, listen: str | None,
        sync_url: str | None, log_format: str, emit: Callable[[str], None] | None = None,
        forwarded_allow_ips: str | None = None,
        replicator_for: Callable[[CouchClient], Replicating] | None = None) -> int:
    settings = DispatchSettings()
    if forwarded_allow_ips is not None:
        settings = settings.model_copy(update={"forwarded_allow_ips": forwarded_allow_ips})
    try:
        TrustedProxies(settings.forwarded_allow_ips)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    secret = tokens.secret_for(store_path, settings.ack_secret)
    stamina.instrumentation.set_on_retry_hooks([])  # a retry is our own `pass_retry` line, never stamina's
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
    replicator = replicator_for(client) if client and replicator_for else None

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
    wake = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        action_log("stopping", signal=signal.Signals(signum).name)
        stop.set()
        wake.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    server = None
    if address:
        server = IntakeServer(build_app(d, settings, secret, clock, on_change=wake.set, log=action_log), *address,
                              log=action_log)
        server.start()
        action_log("listening", address=f"{address[0]}:{address[1]}")
    try:
        run_forever(dispatcher, lease, stop, settings.interval_seconds, clock, sync_round, wake)
    finally:
        if server is not None:
            server.stop()
        dispatcher.close()
        action_log("stopped")
    return 0
