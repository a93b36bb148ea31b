"""A send's wall-clock deadline: past it, the sockets the send opened are shut and it may open no more, so a
receiver that trickles its answer (each read inside the per-read timeout) cannot hold a send, its worker and its
target's queue for longer than the send's timeout."""

from __future__ import annotations

import contextvars
import socket
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class _Watch:
    """The sockets one send made (Python's own audit events name them), and whether its deadline has passed."""

    def __init__(self) -> None:
        self.sockets: list[socket.socket] = []
        self.expired = False
        self._lock = threading.Lock()

    def note(self, sock: Any) -> None:
        with self._lock:
            if self.expired:
                raise OSError("the send's deadline has passed")
            if isinstance(sock, socket.socket):
                self.sockets.append(sock)

    def expire(self) -> None:
        """Shut every socket of the send that is still open: a read blocked on one returns at once."""
        with self._lock:
            self.expired = True
            sockets = list(self.sockets)
        for sock in sockets:
            try:
                if sock.fileno() != -1:  # closed or handed to its TLS wrapper (noted too): nothing to shut
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)  # the plain call, under a TLS wrapper too
            except OSError:
                pass


_WATCH: contextvars.ContextVar[_Watch | None] = contextvars.ContextVar("triagedesk_send_watch", default=None)
_EVENTS = frozenset({"socket.__new__", "socket.connect"})
_installed = False
_install_lock = threading.Lock()


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if event in _EVENTS:
        watch = _WATCH.get()
        if watch is not None and args:
            watch.note(args[0])


def _install() -> None:
    """Once per process (an audit hook cannot be removed; outside a send it only compares the event's name)."""
    global _installed
    with _install_lock:
        if not _installed:
            sys.addaudithook(_hook)
            _installed = True


@contextmanager
def bounded(seconds: float) -> Iterator[_Watch]:
    """Run the block (a send, on this thread) under a deadline of `seconds`; the watch's `expired` says whether
    it was cut short. The block's own sockets only: other sends and threads are untouched."""
    _install()
    watch = _Watch()
    token = _WATCH.set(watch)
    timer = threading.Timer(seconds, watch.expire)
    timer.daemon = True
    timer.start()
    try:
        yield watch
    finally:
        timer.cancel()
        _WATCH.reset(token)
