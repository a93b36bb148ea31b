"""One store factory: a fresh store in a temporary folder, with the shipped networks or the experts given."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from tests.support.clock import Clock
from tests.support.world import network
from triagedesk.app.desk import Desk
from triagedesk.domain.models import Expert, Issue
from triagedesk.store.database import open_store


def desk_at(folder: Path, experts: Iterable[Expert] | None = None, issues: Iterable[Issue] = (),
            clock: Clock | None = None) -> Desk:
    """A Desk over a new store in `folder` (close it with `desk.close()`)."""
    store = open_store(folder / "desk.json")
    store.experts.put_many(list(network() if experts is None else experts))
    found = list(issues)
    if found:
        store.issues.put_many(found)
    return Desk(store, clock=clock or Clock())
