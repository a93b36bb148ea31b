"""Shared fixtures: isolated user folders, the shipped profiles and expert networks, a PouchDB Server."""

from __future__ import annotations

import os
import uuid

import pytest

from tests.support.http import HTTP
from tools.pouchdb import PouchServer, pouchdb_binary
from triagedesk.domain.inputs import parse_models
from triagedesk.domain.models import Expert
from triagedesk.domain.scoring.escalation import Scorer
from triagedesk.domain.scoring.profiles import Profile
from triagedesk.resources import data_dir, load_profile


@pytest.fixture(autouse=True)
def isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the developer's own config, themes or default store."""
    home = tmp_path_factory.mktemp("user")
    monkeypatch.setenv("TRIAGEDESK_CONFIG_DIR", str(home / "config"))
    monkeypatch.setenv("TRIAGEDESK_DB", str(home / "data" / "desk.json"))
    monkeypatch.delenv("TRIAGEDESK_THEME", raising=False)
    monkeypatch.delenv("TRIAGEDESK_CONFIG", raising=False)


@pytest.fixture(scope="session")
def infra() -> Profile:
    return load_profile("infrastructure")


@pytest.fixture(scope="session")
def appraisal() -> Profile:
    return load_profile("appraisal")


@pytest.fixture(scope="session")
def infra_scorer(infra: Profile) -> Scorer:
    return Scorer(infra)


@pytest.fixture(scope="session")
def appraisal_scorer(appraisal: Profile) -> Scorer:
    return Scorer(appraisal)


def _network(name: str) -> list[Expert]:
    path = data_dir() / "experts" / f"{name}.jsonl"
    return parse_models(path.read_text("utf-8"), str(path), Expert)


@pytest.fixture(scope="session")
def infra_experts() -> list[Expert]:
    return _network("infrastructure")


@pytest.fixture(scope="session")
def appraisal_experts() -> list[Expert]:
    return _network("appraisal")


# A real CouchDB-protocol server (PouchDB Server 4.2.0 from npm, on 127.0.0.1) for the sync and dispatcher tests.
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
    HTTP.put(missing_db_url).raise_for_status()
    return missing_db_url


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests marked `long` start first, one at the head of each worker's share (pytest-xdist hands each worker
    a contiguous part of this list): on four workers one of them started last was the whole run's tail."""
    long = [item for item in items if item.get_closest_marker("long")]
    if not long:
        return
    order = [item for item in items if not item.get_closest_marker("long")]
    workers = max(1, int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")))
    share = max(1, len(items) // workers)
    for n, item in enumerate(long):
        order.insert(min(len(order), (n % workers) * share + n // workers), item)
    items[:] = order
