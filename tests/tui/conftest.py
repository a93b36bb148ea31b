"""A frozen demo store and desk apps over copies of it: fixed seed, fixed clock, no live ticking."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from textual.worker import WorkerFailed

from tests.conftest import run_cli
from tests.support.clock import Clock
from triagedesk.app.desk import Desk
from triagedesk.demo.data import DEMO_NOW
from triagedesk.domain.errors import UserError
from triagedesk.store.database import open_store
from triagedesk.tui.app import TriageDeskApp

NOW = DEMO_NOW


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo-source")
    db = folder / "desk.json"
    made = run_cli("demo", "--db", str(db), "--issues", "300", "--seed", "7", "--now", NOW.isoformat())
    assert made.returncode == 0, made.stderr
    return db


@pytest.fixture
def store_copy(demo_store: Path, tmp_path: Path) -> Path:
    target = tmp_path / "demo" / "desk.json"
    target.parent.mkdir()
    for source in demo_store.parent.glob("desk.json*"):
        shutil.copy2(source, target.parent / source.name)
    return target


def make_app(path: Path, role: str = "coordinator", expert_id: str | None = None, watch: bool = False,
             clock: Clock | None = None) -> TriageDeskApp:
    """The desk over `path` at the demo's fixed time (or `clock`, which a test moves)."""
    return TriageDeskApp(Desk(open_store(path), clock=clock or Clock(NOW)), role=role, expert_id=expert_id,
                         live=False, watch=watch)


async def settle(pilot) -> None:
    """Wait until every worker is done, their messages handled, and nothing new started; a worker that failed with
    anything but a user's mistake (told as a notice) fails the test."""
    quiet = 0
    for _ in range(100):
        try:
            await pilot.app.workers.wait_for_complete()
        except WorkerFailed as failed:
            if not isinstance(failed.error, UserError | OSError):  # a bug, not a refusal the user is told of
                raise
            # a refused write: the app's failure handler tells the user (tests assert on the notice)
        await pilot.pause()
        busy = any(not w.is_finished for w in pilot.app.workers)
        quiet = 0 if busy else quiet + 1
        if quiet >= 3:
            break
