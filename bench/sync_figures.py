"""Sync figures: push and pull of 10k documents through PouchDB Server, against one request per document."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from harness import Figure

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tools.pouchdb import PouchServer  # noqa: E402
from triagedesk.domain.models import Issue  # noqa: E402
from triagedesk.store.database import open_store  # noqa: E402
from triagedesk.store.repositories import model_fields  # noqa: E402
from triagedesk.sync.client import CouchClient, parse_remote  # noqa: E402
from triagedesk.sync.engine import Replicator, SyncResult  # noqa: E402


def run(quick: bool) -> list[Figure]:
    count = 2_000 if quick else 10_000
    with tempfile.TemporaryDirectory(prefix="triagedesk-sync-") as tmp:
        folder = Path(tmp)
        server = PouchServer(folder / "server").start()
        try:
            store = open_store(folder / "a.json")
            store.issues.put_many([Issue(id=f"i{n}", title=f"Issue {n}", users_affected=n) for n in range(count)])
            docs = store.issues.raw()
            store.close()

            # the stores are opened before the clock starts: the baseline opens nothing either
            pusher = Replicator(open_store(folder / "a.json"), CouchClient(parse_remote(f"{server.url}/bulk")))
            pusher.client.ensure_database()
            start = time.perf_counter()
            pusher.push(SyncResult())
            push = time.perf_counter() - start

            puller = Replicator(open_store(folder / "b.json"), CouchClient(parse_remote(f"{server.url}/bulk")))
            start = time.perf_counter()
            puller.pull(SyncResult())
            pull = time.perf_counter() - start

            single = CouchClient(parse_remote(f"{server.url}/single"))
            single.ensure_database()  # before the clock, as for ours
            start = time.perf_counter()
            for doc in docs:
                single.put_doc({"_id": f"issues:{doc['id']}", "type": "issues", "updated_at": doc["_updated_at"],
                                "data": model_fields(doc)})
            push_one = time.perf_counter() - start
            start = time.perf_counter()
            for doc in docs:
                single.request("GET", f"/single/issues:{doc['id']}")
            pull_one = time.perf_counter() - start
            single.close()
        finally:
            server.stop()
    return [
        Figure(f"push {count:,} documents (_bulk_docs, 500 a batch)", push, "s", baseline=push_one,
               goal=">= 20x one request per document", ok=push_one / push >= 20,
               notes="baseline: one PUT per document to the same server, same run"),
        Figure(f"pull {count:,} documents (_changes pages into durable writes)", pull, "s", baseline=pull_one,
               goal=">= 20x one request per document", ok=pull_one / pull >= 20,
               notes="baseline: one GET per document"),
    ]
