"""Sync against a real PouchDB Server: push, pull, convergence, conflicts, a killed server, faults, 10k docs."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import run_cli
from tests.support.clock import T0
from tests.support.flows import act, escalate
from tests.support.http import HTTP
from tests.support.sync_desks import refuse_tries, replicator, seed_desk, wait_until
from tools.pouchdb import PouchServer
from triagedesk.app.desk import Desk
from triagedesk.domain.models import Issue
from triagedesk.store.database import open_store
from triagedesk.sync.client import CouchClient, RetryPolicy, SyncError, parse_remote


def test_push_then_pull_into_an_empty_store(tmp_path: Path, db_url: str) -> None:
    seed_desk(tmp_path / "a.json")
    first = replicator(tmp_path / "a.json", db_url).sync()
    assert first.pushed >= 22  # 2 experts, 20 issues and their audit entries
    remote = HTTP.get(f"{db_url}/issues:i3").json()
    assert remote["type"] == "issues" and remote["data"]["title"] == "Teapot 3" and remote["_rev"].startswith("1-")
    empty = replicator(tmp_path / "b.json", db_url).sync()
    assert empty.pulled == first.pushed and empty.pushed == 0
    b = open_store(tmp_path / "b.json")
    assert b.issues.require("i3").title == "Teapot 3" and len(b.issues) == 20
    again = replicator(tmp_path / "b.json", db_url).sync()
    assert (again.pushed, again.pulled, again.conflicts) == (0, 0, 0)
    checkpoint = HTTP.get(f"{db_url}/_local/{again and replicator(tmp_path / 'b.json', db_url).replication_id}").json()
    assert checkpoint["last_seq"] == again.checkpoint


def test_documents_travel_without_their_defaults_and_arrive_whole(tmp_path: Path, db_url: str) -> None:
    seed_desk(tmp_path / "a.json", 3)
    replicator(tmp_path / "a.json", db_url).sync()
    remote = HTTP.get(f"{db_url}/issues:i1").json()["data"]
    assert remote == {"id": "i1", "title": "Teapot 1", "profile": "appraisal", "category": "silver",
                      "estimated_value": {"min": 50000, "max": 80000}, "confidence": 0.9}
    assert HTTP.get(f"{db_url}/experts:ann").json()["data"] == {"id": "ann", "name": "Ann",
                                                                   "specializations": ["silver"], "availability": {}}
    replicator(tmp_path / "b.json", db_url).sync()
    a, b = open_store(tmp_path / "a.json"), open_store(tmp_path / "b.json")
    for kind in ("issues", "experts"):
        mine = sorted(a.repository(kind).raw(), key=lambda d: d["id"])
        theirs = sorted(b.repository(kind).raw(), key=lambda d: d["id"])
        assert theirs == mine and [list(d) for d in theirs] == [list(d) for d in mine]  # every field, in order


def test_a_field_from_a_newer_desk_is_kept_and_sent_back(tmp_path: Path, db_url: str) -> None:
    seed_desk(tmp_path / "b.json", 1)
    replicator(tmp_path / "b.json", db_url).sync()
    doc = HTTP.get(f"{db_url}/issues:i0").json()
    doc["data"]["sentiment"] = "angry"  # a field this version's Issue does not have
    doc["updated_at"] = "2026-01-06T00:00:00Z"
    HTTP.put(f"{db_url}/issues:i0", json=doc).raise_for_status()
    replicator(tmp_path / "b.json", db_url).sync()
    store = open_store(tmp_path / "b.json")
    assert store.issues.require("i0").title == "Teapot 0"  # the model loads it: the field waits aside
    assert store.issues.raw()[0]["_extra"] == {"sentiment": "angry"}
    store.issues.save(store.issues.require("i0").model_copy(update={"title": "Teapot, edited"}))
    store.close()
    replicator(tmp_path / "b.json", db_url).sync()
    data = HTTP.get(f"{db_url}/issues:i0").json()["data"]
    assert (data["title"], data["sentiment"]) == ("Teapot, edited", "angry")  # nothing a newer desk wrote is lost


def test_answers_are_compressed_except_from_this_machine(db_url: str, monkeypatch: pytest.MonkeyPatch,
                                                         tmp_path: Path) -> None:
    seed_desk(tmp_path / "a.json", 40)
    replicator(tmp_path / "a.json", db_url).sync()
    answers = {}
    for setting in ("auto", "on", "off"):
        monkeypatch.setenv("TRIAGEDESK_SYNC_COMPRESS", setting)
        client = CouchClient(parse_remote(db_url))
        response = client.http.get(client._db("/_changes"), params={"include_docs": "true"})
        answers[setting] = (response.headers.get("content-encoding"), response.json()["results"])
        client.close()
    assert {k: v[0] for k, v in answers.items()} == {"auto": None, "on": "gzip", "off": None}
    assert len(answers["auto"][1]) == 44 and answers["auto"][1] == answers["on"][1] == answers["off"][1]
    monkeypatch.setenv("TRIAGEDESK_SYNC_COMPRESS", "auto")
    assert parse_remote("https://couch.example.org/triage").compressed
    assert not parse_remote("http://localhost:5984/triage").compressed
    monkeypatch.setenv("TRIAGEDESK_SYNC_COMPRESS", "sometimes")
    wrong = run_cli("sync", "--url", db_url, "--db", str(tmp_path / "a.json"))
    assert wrong.returncode == 2 and "Traceback" not in wrong.stderr
    assert wrong.stderr.strip().splitlines()[-1].endswith(
        "TRIAGEDESK_SYNC_COMPRESS='sometimes': expected one of auto, on, off")


def test_pull_reports_progress_against_the_servers_total(tmp_path: Path, db_url: str,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from triagedesk.sync import engine, results

    monkeypatch.setattr(engine, "PAGE", 100)
    seed_desk(tmp_path / "a.json", 450)
    pushed = replicator(tmp_path / "a.json", db_url).sync().pushed
    seen: list[tuple[str, int, int]] = []
    replicator(tmp_path / "b.json", db_url).sync(progress=lambda *call: seen.append(call))
    pulls = [(done, total) for stage, done, total in seen if stage == "pull"]
    assert [done for done, _ in pulls] == [min(100 * n, pushed) for n in range(1, len(pulls) + 1)]
    assert all(total == pushed for _, total in pulls)  # known from the first page on
    assert results.remaining({"pending": 7}, 3, 99) == 7  # CouchDB's own count wins
    assert results.remaining({}, "12-g1AAAA", "40-g1AAAB") == 28  # CouchDB 3's opaque sequences
    assert results.remaining({}, "opaque", None) == 0


def test_server_killed_mid_pull_applies_whole_pages_and_resumes(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from triagedesk.sync import engine

    monkeypatch.setattr(engine, "PAGE", 100)
    server = PouchServer(tmp_path / "server", in_memory=False).start()
    url = f"{server.url}/desk"
    HTTP.put(url).raise_for_status()
    try:
        seed_desk(tmp_path / "a.json", 700)
        pushed = replicator(tmp_path / "a.json", url).sync().pushed
        rep = replicator(tmp_path / "b.json", url, retry=RetryPolicy(attempts=2, base_delay=0.05))
        pages: list[int] = []

        def progress(stage: str, done: int, total: int) -> None:
            pages.append(done)
            if len(pages) == 2:
                server.stop()

        with pytest.raises(SyncError, match=r"connection refused after 2 attempts|Server disconnected"):
            rep.pull(engine.SyncResult(), progress)
        applied = open_store(tmp_path / "b.json")
        held = sum(len(applied.repository(kind)) for kind in engine.KINDS)
        assert held in (200, 300)  # whole pages only: two, or three when the next was already fetched
        assert rep.checkpoint() not in (0, None)
        applied.close()
        server.start()
        resumed = replicator(tmp_path / "b.json", url).sync()
        assert resumed.pulled == pushed - held and resumed.conflicts == 0  # from the checkpoint: nothing twice
        assert len(open_store(tmp_path / "b.json").issues) == 700
    finally:
        server.stop()


@pytest.mark.parametrize("pull", [True, False], ids=["sync", "push-only"])
def test_a_recreated_database_gets_everything_again(tmp_path: Path, db_url: str, pull: bool) -> None:
    seed_desk(tmp_path / "a.json", 5)
    first = replicator(tmp_path / "a.json", db_url).sync(pull=pull)
    HTTP.delete(db_url).raise_for_status()  # lost, or restored from an old backup, without this desk
    HTTP.put(db_url).raise_for_status()  # and set up again by its admin
    again = replicator(tmp_path / "a.json", db_url).sync(pull=pull)
    assert again.server_reset and again.pushed == first.pushed
    assert HTTP.get(f"{db_url}/issues:i4").json()["data"]["title"] == "Teapot 4"
    steady = replicator(tmp_path / "a.json", db_url).sync(pull=pull)
    assert (steady.server_reset, steady.pushed, steady.pulled, steady.conflicts) == (False, 0, 0, 0)
    shown = run_cli("sync", "--url", db_url, "--db", str(tmp_path / "b.json"))
    assert shown.returncode == 0 and "lost" not in shown.stdout  # a new desk is not a reset


def test_an_interrupted_first_sync_is_not_a_conflict(tmp_path: Path, db_url: str) -> None:
    """Records the server already holds in the same version take its revision; nothing is resolved."""
    seed_desk(tmp_path / "a.json", 5)
    first = replicator(tmp_path / "a.json", db_url).sync()
    store = open_store(tmp_path / "a.json")
    store.db.table("_sync").truncate()  # as if cut off before the answers were recorded
    store.close()
    again = replicator(tmp_path / "a.json", db_url).sync()
    assert (again.conflicts, again.pushed) == (0, 0) and not again.server_reset
    assert replicator(tmp_path / "a.json", db_url).pending() == []
    assert first.pushed > 5


def test_two_desks_converge(tmp_path: Path, db_url: str) -> None:
    seed_desk(tmp_path / "a.json", 5)
    replicator(tmp_path / "a.json", db_url).sync()
    replicator(tmp_path / "b.json", db_url).sync()
    a, b = open_store(tmp_path / "a.json"), open_store(tmp_path / "b.json")
    a.issues.add(Issue(id="from-a", title="Only on A"))
    b.issues.add(Issue(id="from-b", title="Only on B"))
    for _ in range(2):
        for path in ("a.json", "b.json"):
            replicator(tmp_path / path, db_url).sync()
    a, b = open_store(tmp_path / "a.json"), open_store(tmp_path / "b.json")
    assert sorted(i.id for i in a.issues.all()) == sorted(i.id for i in b.issues.all())
    assert {"from-a", "from-b"} <= {i.id for i in a.issues.all()}


def test_same_request_edited_on_both_desks(tmp_path: Path, db_url: str) -> None:
    seed_desk(tmp_path / "a.json", 1)
    a_store = open_store(tmp_path / "a.json")
    clock = {"now": T0}
    desk_a = Desk(a_store, clock=lambda: clock["now"])
    request = escalate(desk_a, "i0", "coordinator")
    act(desk_a, request.id, "pay", "coordinator")
    act(desk_a, request.id, "assign", "coordinator", "ann")
    a_store.close()
    replicator(tmp_path / "a.json", db_url).sync()
    replicator(tmp_path / "b.json", db_url).sync()
    # desk A completes the review; desk B, later but stale, reassigns it to Bob
    a_store, b_store = open_store(tmp_path / "a.json"), open_store(tmp_path / "b.json")
    clock["now"] = T0 + timedelta(hours=1)
    act(Desk(a_store, clock=lambda: clock["now"]), request.id, "start", "ann")
    act(Desk(a_store, clock=lambda: clock["now"]), request.id, "complete", "ann")
    clock["now"] = T0 + timedelta(hours=2)
    act(Desk(b_store, clock=lambda: clock["now"]), request.id, "reassign", "coordinator", "bob")
    a_store.close()
    b_store.close()
    results = [replicator(tmp_path / p, db_url).sync() for p in ("a.json", "b.json", "a.json", "b.json")]
    assert sum(r.conflicts for r in results) >= 1
    final_a = open_store(tmp_path / "a.json").requests.require(request.id)
    final_b = open_store(tmp_path / "b.json").requests.require(request.id)
    assert final_a == final_b
    assert final_a.status == "completed" and final_a.assigned_expert_id == "ann"  # never moved backwards
    losers = [e for e in open_store(tmp_path / "b.json").audit_log.all()
              if e.action == "sync_conflict" and e.kind == "requests"]
    assert losers and losers[0].before["assigned_expert_id"] == "bob"  # the losing revision is kept
    assert losers[0].after["status"] == "completed"


def test_server_killed_mid_push_loses_nothing(tmp_path: Path) -> None:
    server = PouchServer(tmp_path / "server", in_memory=False).start()
    url = f"{server.url}/desk"
    HTTP.put(url).raise_for_status()
    try:
        seed_desk(tmp_path / "a.json", 1500)
        rep = replicator(tmp_path / "a.json", url, retry=RetryPolicy(attempts=2, base_delay=0.05))
        rep.client.ensure_database()
        killed, sending, lock = threading.Event(), [0], threading.Lock()
        send = rep.client.bulk_docs

        def bulk_docs(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
            # the server dies as the third batch is about to leave: two workers send batches without waiting for
            # the answers to be recorded, so killing it from the progress callback (after the first answer) came
            # after the last batch on a loaded machine, and the push ended whole
            with lock:
                sending[0] += 1
                if sending[0] == 3:
                    server.stop()
                    killed.set()
            return send(docs)

        rep.client.bulk_docs = bulk_docs
        with pytest.raises(SyncError, match=r"connection refused after 2 attempts|Server disconnected"):
            rep.push(__import__("triagedesk.sync.engine", fromlist=["SyncResult"]).SyncResult())
        assert killed.is_set()
        left = len(replicator(tmp_path / "a.json", url).pending())
        assert 0 < left < 3100  # the first batch is recorded as pushed, the rest is still pending
        server.start()
        resumed = replicator(tmp_path / "a.json", url).sync()
        # a batch the server took as it was stopped, before its answer reached us, is already there: asked about
        # (revs_diff), not sent again
        assert 0 < resumed.pushed <= left
        assert replicator(tmp_path / "a.json", url).pending() == []
        fresh = replicator(tmp_path / "b.json", url).sync()
        assert len(open_store(tmp_path / "b.json").issues) == 1500 and fresh.pulled > 1500
    finally:
        server.stop()


@pytest.mark.slow
def test_ten_thousand_documents(tmp_path: Path, db_url: str) -> None:
    store = open_store(tmp_path / "a.json")
    store.issues.put_many([Issue(id=f"i{n}", title=f"Issue {n}", users_affected=n) for n in range(10_000)])
    store.close()
    pushed = run_cli("sync", "--url", db_url, "--db", str(tmp_path / "a.json"), "--json")
    assert pushed.returncode == 0, pushed.stderr
    assert json.loads(pushed.stdout)["pushed"] == 10_001  # and the import's audit entry
    pulled = run_cli("sync", "--url", db_url, "--db", str(tmp_path / "b.json"), "--json", "--pull-only")
    assert json.loads(pulled.stdout)["pulled"] == 10_001
    assert open_store(tmp_path / "b.json").issues.require("i9999").users_affected == 9999


async def test_desk_syncs_live_and_lists_conflicts(tmp_path: Path, db_url: str) -> None:
    from tests.support.pilot import NOW, settle
    from triagedesk.app.desk import Desk
    from triagedesk.sync.client import parse_remote
    from triagedesk.tui.app import TriageDeskApp
    from triagedesk.tui.screens.modals import ConflictsScreen
    from triagedesk.tui.widgets.queue_view import QueueView

    seed_desk(tmp_path / "b.json", 3)
    replicator(tmp_path / "b.json", db_url).sync()
    store = open_store(tmp_path / "a.json")
    app = TriageDeskApp(Desk(store, clock=lambda: NOW), live=False, watch=True,
                        sync_remote=parse_remote(db_url))
    async with app.run_test(size=(160, 48)) as pilot:
        for _ in range(100):
            await pilot.pause(0.1)
            if len(store.issues) == 3 and "sync " in app.sub_title and "0 pending" in app.sub_title:
                break
        assert len(store.issues) == 3  # pulled by the live sync worker
        assert "0 pending" in app.sub_title and "error" not in app.sub_title
        queue = app.screen.query_one(QueueView)
        for _ in range(50):
            await settle(pilot)
            if len(queue.data) == 3:
                break
        assert sorted(queue.data.ids) == ["i0", "i1", "i2"]  # and the queue shows them, without a keypress
        other = replicator(tmp_path / "b.json", db_url)  # another desk retitles one; this desk's queue follows
        issues = other.replica.store.issues
        issues.save(issues.require("i1").model_copy(update={"title": "Retitled on B"}))
        other.sync()
        for _ in range(100):
            await pilot.pause(0.1)
            await settle(pilot)
            if "retitled on b" in queue.data.hay[queue.data.position("i1")]:
                break
        assert "retitled on b" in queue.data.hay[queue.data.position("i1")].lower()
        store.issues.add(Issue(id="made-on-a", title="Local"))
        for _ in range(150):
            await pilot.pause(0.1)
            found = HTTP.get(f"{db_url}/issues:made-on-a").json()
            if found.get("data", {}).get("id") == "made-on-a":
                break
        assert HTTP.get(f"{db_url}/issues:made-on-a").json()["data"]["title"] == "Local"
        await pilot.press("C")
        await settle(pilot)
        assert isinstance(app.screen, ConflictsScreen)


def test_live_cli_follows_the_feed(tmp_path: Path, db_url: str) -> None:
    import signal
    import subprocess
    import sys

    replicator(tmp_path / "b.json", db_url).sync()  # creates the database
    said = tmp_path / "stderr.txt"
    follower = subprocess.Popen([sys.executable, "-m", "triagedesk", "sync", "--url", db_url, "--db",
                                 str(tmp_path / "b.json"), "--live", "--poll", "1"],
                                stdout=subprocess.PIPE, stderr=said.open("w"), text=True)
    try:
        wait_until(lambda: "following" in said.read_text(), 30)
        seed_desk(tmp_path / "a.json", 2)
        replicator(tmp_path / "a.json", db_url).sync()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if len(open_store(tmp_path / "b.json").issues) == 2:
                break
            time.sleep(0.2)
        assert len(open_store(tmp_path / "b.json").issues) == 2
    finally:
        follower.send_signal(signal.SIGTERM)
        out, _ = follower.communicate(timeout=30)
    err = said.read_text()
    assert "pulled" in out and "following" in err and "Traceback" not in err


def test_live_cli_waits_out_a_server_restart(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys

    server = PouchServer(tmp_path / "server", in_memory=False).start()
    url = f"{server.url}/desk"
    HTTP.put(url).raise_for_status()
    follower = None
    try:
        replicator(tmp_path / "b.json", url).sync()  # creates the database
        errors = (tmp_path / "stderr.txt").open("w")
        follower = subprocess.Popen([sys.executable, "-m", "triagedesk", "sync", "--url", url, "--db",
                                     str(tmp_path / "b.json"), "--live", "--poll", "1"],
                                    stdout=subprocess.PIPE, stderr=errors, text=True)
        wait_until(lambda: "following" in (tmp_path / "stderr.txt").read_text(), 30)
        server.stop()
        # until the follower's retries run out and it says so
        wait_until(lambda: "trying again" in (tmp_path / "stderr.txt").read_text(), 30)
        refuse_tries(server.url, 2)  # and a further try or two, which must not say it again
        assert follower.poll() is None, "the follower must wait the outage out, not exit"
        server.start()  # the same port and data
        seed_desk(tmp_path / "a.json", 2)
        replicator(tmp_path / "a.json", url).sync()
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline and len(open_store(tmp_path / "b.json").issues) < 2:
            time.sleep(0.3)
        assert len(open_store(tmp_path / "b.json").issues) == 2
    finally:
        if follower is not None:
            follower.send_signal(signal.SIGTERM)
            out, _ = follower.communicate(timeout=30)
            errors.close()
        server.stop()
    err = (tmp_path / "stderr.txt").read_text()
    assert "Traceback" not in err and err.count("trying again") == 1  # told once, not at every try
    assert "back in step" in err and "pulled" in out
