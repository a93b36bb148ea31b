"""The secured team server for the sync tests (the shared PouchDB Server fixtures are in tests/conftest.py)."""

from __future__ import annotations

import pytest

from tests.sync.team import start_team


@pytest.fixture(scope="session")
def team(tmp_path_factory: pytest.TempPathFactory):
    """The secured team server (see `tests.sync.team`), one for the session."""
    yield from start_team(tmp_path_factory)
