"""Fixtures for the dispatcher tests: a real SMTP server (aiosmtpd), a webhook receiver, a dispatching store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from tests.support.dispatch import Inbox, Receiver, free_port, network
from triagedesk.app.dispatching import Dispatching, open_dispatching


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver(free_port()).start()
    yield found
    found.stop()


@pytest.fixture
def dispatching(tmp_path: Path) -> Iterator[Dispatching]:
    d = open_dispatching(str(tmp_path / "desk.json"), coordinator_contact=None)
    d.store.experts.put_many(network({}))
    yield d
    d.close()
