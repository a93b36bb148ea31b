"""A secured team server for the sync tests: PouchDB Server with an admin, `server setup` run, and one user per
role (cora coordinates, ann and bob are experts, lee leads); helpers to seed and sync desks as those users."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import run_cli
from tests.support.flows import act, escalate
from tests.support.http import HTTP
from tools.pouchdb import PouchServer
from triagedesk.app.desk import Desk
from triagedesk.app.replica_store import StoreReplica
from triagedesk.domain.models import Expert, Issue
from triagedesk.store.database import open_store
from triagedesk.sync.client import CouchClient, parse_remote
from triagedesk.sync.engine import Replicator

PASSWORDS = {"admin": "Adm1n-s3cret", "cora": "cora-pw-91", "ann": "ann-pw-77", "bob": "bob-pw-33", "lee": "lee-pw-55"}


class Team:
    def __init__(self, server: PouchServer) -> None:
        self.server = server
        self.host = f"127.0.0.1:{server.port}"

    def url(self, user: str | None, db: str = "team") -> str:
        who = f"{user}:{PASSWORDS[user]}@" if user else ""
        return f"http://{who}{self.host}/{db}"


def start_team(tmp_path_factory: pytest.TempPathFactory):
    server = PouchServer(tmp_path_factory.mktemp("secured")).start()
    try:
        HTTP.put(f"{server.url}/_config/admins/admin", content=json.dumps(PASSWORDS["admin"])).raise_for_status()
        team = Team(server)
        admin = team.url("admin")
        first = run_cli("server", "setup", "--url", admin)
        assert first.returncode == 0 and "created the database" in first.stdout, first.stderr
        for name, role, expert in (("cora", "coordinator", None), ("ann", "expert", "ann"), ("bob", "expert", "bob"),
                                   ("lee", "lead", None)):
            added = run_cli("server", "user", "add", name, "--role", role, *(["--expert", expert] if expert else []),
                            "--url", admin, stdin=PASSWORDS[name] + "\n")
            assert added.returncode == 0 and f"added user {name}" in added.stdout, added.stderr
        yield team
    finally:
        server.stop()


def sync_as(path: Path, url: str):
    remote = parse_remote(url)
    rep = Replicator(StoreReplica(open_store(path)), CouchClient(remote), actor=remote.username or "sync")
    try:
        return rep.sync()
    finally:
        rep.client.close()
        rep.replica.store.close()


def seeded(team: Team, tmp_path: Path) -> tuple[str, str]:
    """A coordinator desk with two experts and a request each, pushed once by the admin (history)."""
    db = f"t{tmp_path.name[-12:].lower().replace('_', '')}"
    assert run_cli("server", "setup", "--url", team.url("admin", db)).returncode == 0
    store = open_store(tmp_path / "coord.json")
    store.experts.put_many([Expert(id="ann", name="Ann", specializations=["automation_engineering"]),
                            Expert(id="bob", name="Bob", specializations=["automation_engineering"])])
    store.issues.put_many([Issue(id=f"i{n}", profile="infrastructure", title=f"Outage {n}") for n in range(2)])
    desk = Desk(store)
    ids = []
    for n, expert in enumerate(("ann", "bob")):
        request = escalate(desk, f"i{n}", "cora")
        act(desk, request.id, "assign", "cora", expert)
        ids.append(request.id)
    store.close()
    first = sync_as(tmp_path / "coord.json", team.url("admin", db))
    assert first.refused == [] and first.pushed > 5
    return db, ids[0] + "|" + ids[1]


