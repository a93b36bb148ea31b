"""A real CouchDB-protocol server for the sync tests: PouchDB Server 4.2.0 from npm, on 127.0.0.1."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.sync.team import start_team
from tools.pouchdb import PouchServer, pouchdb_binary


@pytest.fixture(scope="session")
def couch(tmp_path_factory: pytest.TempPathFactory):
    try:
        pouchdb_binary()
    except FileNotFoundError as exc:
        pytest.fail(str(exc))
    server = PouchServer(tmp_path_factory.mktemp("pouchdb")).start()
    yield server
    server.stop()


@pytest.fixture
def missing_db_url(couch: PouchServer) -> str:
    """A database name the shared server does not have (yet)."""
    return f"{couch.url}/desk-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def db_url(missing_db_url: str) -> str:
    """A fresh database on the shared server, created as `server setup` would."""
    httpx.put(missing_db_url).raise_for_status()
    return missing_db_url


@pytest.fixture(scope="session")
def team(tmp_path_factory: pytest.TempPathFactory):
    """The secured team server (see `tests.sync.team`), one for the session."""
    yield from start_team(tmp_path_factory)
