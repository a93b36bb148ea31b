"""Desks that sync: a replicator over a store file (through the app's replica port) and a seeded desk."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from triagedesk.app.replica_store import StoreReplica
from triagedesk.domain.models import Expert, Issue
from triagedesk.store.database import open_store
from triagedesk.sync.client import CouchClient, parse_remote
from triagedesk.sync.engine import Replicator


def replicator(path: Path, url: str, **client_options: Any) -> Replicator:
    """A replicator of the store at `path` with the database at `url` (close its store: `.replica.store`)."""
    return Replicator(StoreReplica(open_store(path)), CouchClient(parse_remote(url), **client_options))


def seed_desk(path: Path, issues: int = 20) -> None:
    """Two silver experts and `issues` appraisal issues in a new store at `path`."""
    store = open_store(path)
    store.experts.put_many([Expert(id="ann", name="Ann", specializations=["silver"]),
                            Expert(id="bob", name="Bob", specializations=["silver"])])
    store.issues.put_many([Issue(id=f"i{n}", profile="appraisal", title=f"Teapot {n}", category="silver",
                                 estimated_value={"min": 50000, "max": 80000}, confidence=0.9) for n in range(issues)])
    store.close()


def wait_until(condition: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "waited in vain"
        time.sleep(0.05)


def refuse_tries(url: str, tries: int, timeout: float = 30) -> None:
    """Stand in for the stopped server on its port until `tries` connections came (each one the client trying
    again), answering none of them; then give the port back."""
    import socket
    from urllib.parse import urlsplit

    port = urlsplit(url).port
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen()
        listener.settimeout(timeout)
        for _ in range(tries):
            connection, _ = listener.accept()
            connection.close()
