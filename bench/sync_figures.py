"""Sync figures: push and pull of 10k documents through PouchDB Server, against one request per document; and
(`sync20k`) a 20k-issue demo store beside PouchDB 9's own replication, and resolving 1,000 server-side conflicts."""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from harness import Figure, median_time, stopwatch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tools.pouchdb import PouchServer, node_client  # noqa: E402
from triagedesk.app.replica_store import StoreReplica
from triagedesk.demo.issues import issue_records  # noqa: E402
from triagedesk.domain.models import Issue  # noqa: E402
from triagedesk.store.database import open_store  # noqa: E402
from triagedesk.sync.client import CouchClient, parse_remote  # noqa: E402
from triagedesk.sync.engine import Replicator, SyncResult  # noqa: E402
from triagedesk.sync.wire import shape_of, wire_doc  # noqa: E402


def _fill(path: Path, issues: list[Issue]) -> None:
    store = open_store(path)
    store.issues.put_many(issues)
    store.close()


def _ours(folder: Path, url: str, name: str, issues: list[Issue]) -> tuple[float, float]:
    """One push of `issues` from a fresh store into a fresh database, then one pull into an empty store."""
    _fill(folder / f"{name}-a.json", issues)
    # the stores are opened before the clock starts: the baseline opens nothing either
    pusher = Replicator(StoreReplica(open_store(folder / f"{name}-a.json")), CouchClient(parse_remote(f"{url}/{name}")))
    pusher.client.create_database()
    with stopwatch() as push:
        pusher.push(SyncResult())
    puller = Replicator(StoreReplica(open_store(folder / f"{name}-b.json")), CouchClient(parse_remote(f"{url}/{name}")))
    with stopwatch() as pull:
        puller.pull(SyncResult())
    pusher.client.request("DELETE", pusher.client._db())  # every round starts on a server holding no other round
    for replicator in (pusher, puller):
        replicator.client.close()
        replicator.replica.store.close()
    return push[0], pull[0]


def _one_by_one(folder: Path, url: str, name: str, issues: list[Issue]) -> tuple[float, float]:
    """The same documents, one PUT each into a fresh database, then one GET each."""
    _fill(folder / f"{name}.json", issues)
    store = open_store(folder / f"{name}.json")
    docs = [wire_doc("issues", shape_of(Issue), doc) for doc in store.issues.raw()]  # the same documents as ours
    store.close()
    single = CouchClient(parse_remote(f"{url}/{name}"))
    single.create_database()  # before the clock, as for ours
    with stopwatch() as push:
        for doc in docs:
            single.put_doc(doc)
    with stopwatch() as pull:
        for doc in docs:
            single.get_doc(doc["_id"])
    single.request("DELETE", single._db())
    single.close()
    return push[0], pull[0]


def _full_comparison(store) -> int:
    """The baseline: every record against its sync state, as each live round did before."""
    state = {d["key"]: d.get("updated_at") for _, d in store.db.table("_sync").raw_items()}
    return sum(1 for kind in ("experts", "issues", "requests", "sessions", "outcomes", "corrections", "knowledge",
                              "audit")
               for doc in store.repository(kind).raw() if state.get(f"{kind}:{doc['id']}") != doc.get("_updated_at"))


def pending_check(folder: Path, count: int) -> Figure:
    """A live round's "what is there to push?" on a store in step with the server, where nothing changed."""
    _fill(folder / "pending.json", [Issue.model_validate(r) for r in issue_records(count, seed=4)])
    store = open_store(folder / "pending.json")
    never = CouchClient(parse_remote("http://127.0.0.1:9/none"))  # never contacted
    replicator = Replicator(StoreReplica(store), never)
    with store.transaction():  # as after a push of everything
        replicator._set_state([{"key": f"{kind}:{doc['id']}", "rev": "1-x", "updated_at": doc.get("_updated_at")}
                               for kind, doc in replicator.pending()])
    ours, runs = median_time(lambda: replicator.pending(), 21)
    baseline, _ = median_time(lambda: _full_comparison(store), 5)
    replicator.close()
    store.close()
    return Figure(f"live round: what to push, {count:,} issues in step", ours * 1000, "ms", baseline=baseline * 1000,
                  goal="< 16 ms (the desk shares the interpreter)", ok=ours < 0.016, runs=runs,
                  notes="ours: the store's change notices; baseline: every record against its state")


def run(quick: bool) -> list[Figure]:
    count = 2_000 if quick else 10_000
    rounds = 1 if quick else 3
    issues = [Issue.model_validate(r) for r in issue_records(count, seed=9)]
    ours: list[tuple[float, float]] = []
    theirs: list[tuple[float, float]] = []
    with tempfile.TemporaryDirectory(prefix="triagedesk-sync-") as tmp:
        folder = Path(tmp)
        server = PouchServer(folder / "server").start()
        try:
            # Node compiles its hot paths during the first few thousand documents: warm both paths first, so
            # that neither side pays for it and the order of the runs does not matter
            _ours(folder, server.url, "warm-bulk", issues[:2_000])
            _one_by_one(folder, server.url, "warm-single", issues[:500])
            for n in range(rounds):  # interleaved, so that a slow spell of the machine hits both sides
                ours.append(_ours(folder, server.url, f"bulk{n}", issues))
                theirs.append(_one_by_one(folder, server.url, f"single{n}", issues))
        finally:
            server.stop()
    with tempfile.TemporaryDirectory(prefix="triagedesk-pending-") as tmp:
        figures = [pending_check(Path(tmp), 20_000 if quick else 100_000)]
    for index, (what, how) in enumerate((("push", "_bulk_docs, 500 a batch, 2 in flight"),
                                         ("pull", "_changes pages, the next fetched while one is written"))):
        mine = [run[index] for run in ours]
        base = [run[index] for run in theirs]
        value, baseline = statistics.median(mine), statistics.median(base)
        figures.append(Figure(
            f"{what} {count:,} demo issues ({how})", value, "s", baseline=baseline,
            goal=">= 20x one request per document" + (" (at 10k)" if quick else ""),
            ok=None if quick else baseline / value >= 20, runs=mine,
            notes=f"baseline: one {'PUT' if what == 'push' else 'GET'} per document, same server, "
                  f"median of {rounds} interleaved rounds after a warm-up; ours "
                  + ", ".join(f"{t:.2f}" for t in mine) + " s, theirs " + ", ".join(f"{t:.1f}" for t in base) + " s"))
    return figures


# -- beside PouchDB 9's own replication, and server-side conflicts (`--only sync20k`) ------------------------------
DEMO_NOW = "2026-01-05T09:00:00Z"


def _demo(path: Path, issues: int) -> None:
    done = subprocess.run([sys.executable, "-m", "triagedesk", "demo", "--db", str(path), "--issues", str(issues),
                           "--seed", "7", "--now", DEMO_NOW], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(done.stderr)


def _conflicted(url: str, count: int) -> int:
    """`count` issues edited on two sites at once: a plain edit here, a sibling branch replicated in."""
    client = CouchClient(parse_remote(url))
    rows = client._json("GET", client._db("/_all_docs"), params={"include_docs": "true", "limit": count,
                                                                 "startkey": '"issues:"', "endkey": '"issues;"'})
    docs = [row["doc"] for row in rows["rows"]]
    here = [{**doc, "data": {**doc["data"], "title": f"{doc['data'].get('title')} (site A)"}} for doc in docs]
    there = []
    for doc in docs:
        number, _, parent = doc["_rev"].partition("-")
        mine = uuid.uuid4().hex
        there.append({**doc, "_rev": f"{int(number) + 1}-{mine}",
                      "_revisions": {"start": int(number) + 1, "ids": [mine, parent]},
                      "data": {**doc["data"], "title": f"{doc['data'].get('title')} (site B)"}})
    client.bulk_docs(here)
    client._json("POST", client._db("/_bulk_docs"), {"docs": there, "new_edits": False})
    client.close()
    return len(docs)


def beside_pouchdb(quick: bool) -> list[Figure]:
    issues = 2_000 if quick else 20_000
    rounds = 1 if quick else 2
    ours: list[tuple[float, float]] = []
    theirs: list[tuple[float, float]] = []
    resolved: list[float] = []
    with tempfile.TemporaryDirectory(prefix="triagedesk-sync20k-") as tmp:
        folder = Path(tmp)
        _demo(folder / "demo.json", issues)
        docs = 0
        server = PouchServer(folder / "server").start()
        try:
            for n in range(rounds):  # interleaved, so that a slow spell of the machine hits both sides
                for part in folder.glob("demo.json*"):  # the snapshot and its journal
                    shutil.copy(part, folder / part.name.replace("demo.json", f"a{n}.json"))
                url = f"{server.url}/ours{n}"
                pusher = Replicator(StoreReplica(open_store(folder / f"a{n}.json")), CouchClient(parse_remote(url)))
                pusher.client.create_database()
                pushing = SyncResult()
                with stopwatch() as push:
                    pusher.push(pushing)
                docs = pushing.pushed
                puller = Replicator(StoreReplica(open_store(folder / f"b{n}.json")), CouchClient(parse_remote(url)))
                with stopwatch() as pull:
                    puller.pull(SyncResult())
                ours.append((push[0], pull[0]))
                answer = node_client({"op": "replication", "source": url, "target": f"{server.url}/theirs{n}",
                                      "dir": str(folder / f"pouch{n}")}, timeout=3600)
                theirs.append((answer["push"], answer["pull"]))
                made = _conflicted(url, 1_000 if not quick else 200)
                settling = SyncResult()
                with stopwatch() as settle:
                    puller.pull(settling)
                assert settling.server_conflicts == made, (settling.server_conflicts, made)
                resolved.append(settle[0])
                pusher.client.request("DELETE", pusher.client._db())  # every round on a server holding no other
                for replicator in (pusher, puller):
                    replicator.client.close()
                    replicator.replica.store.close()
        finally:
            server.stop()
    mine = [push + pull for push, pull in ours]
    base = [push + pull for push, pull in theirs]
    value, baseline = statistics.median(mine), statistics.median(base)
    share = value / baseline
    return [
        Figure(f"push + fresh pull, {issues:,}-issue demo store ({docs:,} documents)", value, "s", baseline=baseline,
               goal="<= 0.7 of PouchDB 9's own replication (with conflict handling on)", ok=share <= 0.7, runs=mine,
               notes=f"{share:.2f} of PouchDB 9's time; ours push/pull "
                     + ", ".join(f"{a:.1f}/{b:.1f}" for a, b in ours) + " s; PouchDB 9 (pouchdb-node, defaults) "
                     + ", ".join(f"{a:.1f}/{b:.1f}" for a, b in theirs) + f" s; {rounds} interleaved rounds"),
        Figure(f"resolve {1_000 if not quick else 200:,} server-side conflicts (one pull)",
               statistics.median(resolved), "s", goal="< 10 s", ok=statistics.median(resolved) < 10, runs=resolved,
               notes="branches from a second site (new_edits:false) on issues the desk holds: fetched by _bulk_get, "
                     "losers closed in one _bulk_docs per page, audited"),
    ]
