"""The replica port (`app/replica.py`): sync loads no store module, the port's names are the store's, and what
the port writes is what the store then holds (two paths to the same records agree)."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from triagedesk.app import replica
from triagedesk.app.replica_store import StoreReplica
from triagedesk.domain.models import Issue
from triagedesk.store.database import open_store
from triagedesk.store.repositories import EXTRA, to_doc


def test_sync_imports_no_store_module_directly_or_indirectly() -> None:
    probe = ("import pkgutil, importlib, sys, triagedesk.sync as s\n"
             "names = [m.name for m in pkgutil.iter_modules(s.__path__, 'triagedesk.sync.')]\n"
             "[importlib.import_module(n) for n in names]\n"
             "print(len(names), sorted(m for m in sys.modules if m.startswith('triagedesk.store')))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    assert int(out[0]) >= 10  # every module of sync/ was imported (engine, incoming, client, ...)
    assert out[1:] == ["[]"]


def test_the_ports_names_are_the_stores() -> None:
    assert replica.EXTRA == EXTRA
    doc = to_doc(Issue(id="i1", title="One"))
    assert replica.UPDATED in doc and replica.record_fields(doc) == Issue(id="i1", title="One").model_dump(mode="json")


ops = st.lists(st.tuples(st.sampled_from(["put", "remove", "state", "forget", "meta", "reject", "unreject"]),
                         st.integers(0, 5), st.text(max_size=8)), min_size=1, max_size=25)


@settings(max_examples=25, deadline=None)
@given(ops)
def test_what_the_port_writes_the_store_holds(steps: list[tuple[str, int, str]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(Path(folder) / "desk.json")
        port = StoreReplica(store)
        records: dict[str, str] = {}
        states: dict[str, str] = {}
        rejected: set[str] = set()
        meta: dict[str, object] = {}
        for op, n, text in steps:
            key = f"i{n}"
            with port.transaction():
                if op == "put":
                    port.replace("issues", key, to_doc(Issue(id=key, title=text or "t")))
                    records[key] = text or "t"
                elif op == "remove":
                    port.remove("issues", key)
                    records.pop(key, None)
                elif op == "state":
                    port.set_states([{"key": f"issues:{key}", "rev": f"1-{text}", "updated_at": None}])
                    states[f"issues:{key}"] = f"1-{text}"
                elif op == "forget":
                    port.forget_states([f"issues:{key}"])
                    states.pop(f"issues:{key}", None)
                elif op == "meta":
                    port.set_sync_meta({"since": text})
                    meta["since"] = text
                elif op == "reject":
                    port.put_rejection({"id": f"issues:{key}", "error": text, "source": "server"})
                    rejected.add(f"issues:{key}")
                else:
                    port.drop_rejections([f"issues:{key}"])
                    rejected.discard(f"issues:{key}")
        assert {i.id: i.title for i in store.issues.all()} == records
        assert {key: (port.record("issues", key) or {}).get("title") for key in records} == records
        assert {s["key"]: s["rev"] for s in port.all_states()} == states
        assert {k: v["rev"] for k, v in port.states([f"issues:i{n}" for n in range(6)]).items()} == states
        assert {r["id"] for r in port.rejections()} == rejected
        assert port.sync_meta().get("since", 0) == meta.get("since", 0)
        store.close()
