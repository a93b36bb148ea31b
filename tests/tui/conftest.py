"""A frozen demo store and desk apps over copies of it: fixed seed, fixed clock, no live ticking."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support.cli import run_cli
from tests.support.pilot import NOW


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
