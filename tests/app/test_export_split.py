"""The JSONL export encoded on two processes writes exactly the bytes one process writes (random issues, records
written since the snapshot, records the models cannot load), hands on the worker's error as its own, and leaves
no worker behind when its reader stops early."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.strategies import issues
from triagedesk.app import export_split
from triagedesk.app.exporting import _chunks, jsonl_lines, models
from triagedesk.domain.models import Issue
from triagedesk.store.database import open_store
from triagedesk.store.errors import StoreCorrupt
from triagedesk.store.repositories import Store


def one_process(store: Store) -> bytes:
    return b"".join(_chunks(jsonl_lines(store, "issues", models(store, "issues"))))


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(first=st.lists(issues, min_size=1, max_size=12, unique_by=lambda i: i.id),
       then=st.lists(issues, max_size=4, unique_by=lambda i: i.id), batch=st.integers(1, 4),
       removed=st.integers(0, 3))
def test_two_processes_write_what_one_writes(tmp_path_factory, first: list[Issue], then: list[Issue],
                                             batch: int, removed: int) -> None:
    store = open_store(tmp_path_factory.mktemp("split") / "desk.json")
    try:
        store.issues.put_many(first)
        store.journal.compact()
        store.issues.put_many(then)
        gone = [int(d) for d in list(store.journal.docs("issues"))[:removed]]
        with store.journal.transaction():  # snapshot records removed since: each process skips them alike
            store.db.table("issues").remove(doc_ids=gone)
        split = export_split.split_jsonl(store, "issues", batch)
        if len(store.journal.docs("issues")) <= batch:
            assert split is None  # one batch: encoded alone
            return
        assert split is not None
        assert b"".join(split) == one_process(store)
    finally:
        store.close()


def unloadable_store(path: Path, count: int) -> Store:
    store = open_store(path)
    store.issues.put_many([Issue(id=f"INC-{n}", title=f"t{n}", users_affected=n) for n in range(count)])
    doc_id = store.journal.doc_id_of("issues", "INC-5")
    assert doc_id is not None
    with store.journal.transaction():
        store.db.table("issues").update({"users_affected": "lots"}, doc_ids=[int(doc_id)])
    store.journal.compact()
    return store


def test_a_record_the_models_cannot_load_is_left_out_by_either_process(tmp_path: Path) -> None:
    store = unloadable_store(tmp_path / "desk.json", 20)
    told: list[str] = []
    store.on_skip = told.append
    try:
        split = export_split.split_jsonl(store, "issues", 3)  # INC-5 is in batch 1: the worker's
        assert split is not None
        out = b"".join(split)
        assert out == one_process(store)
        assert b'"INC-5"' not in out and out.count(b"\n") == 19
    finally:
        store.close()


def test_the_workers_error_is_the_readers_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = unloadable_store(tmp_path / "desk.json", 12)
    parent = os.getpid()
    encoded = export_split._encoded

    def worker_fails(store: Store, kind: str, records: list[bytes]) -> bytes:
        if os.getpid() != parent:
            raise StoreCorrupt("desk.json: damaged (a span of records fails its checksum); run db repair")
        return encoded(store, kind, records)

    monkeypatch.setattr(export_split, "_encoded", worker_fails)
    store.on_skip = lambda _: None
    try:
        split = export_split.split_jsonl(store, "issues", 3)
        assert split is not None
        assert next(split).count(b"\n") == 3  # batch 0: this process's own
        with pytest.raises(StoreCorrupt, match="fails its checksum"):
            next(split)  # batch 1: the worker's error, raised here
    finally:
        store.close()


def test_a_reader_that_stops_early_leaves_no_worker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = unloadable_store(tmp_path / "desk.json", 40)
    store.on_skip = lambda _: None
    forked: list[int] = []
    fork = os.fork

    def recorded() -> int:
        pid = fork()
        if pid:
            forked.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", recorded)
    try:
        split = export_split.split_jsonl(store, "issues", 2)
        assert split is not None and len(forked) == 1
        first = next(split)
        assert first.count(b"\n") == 2
        split.close()  # the worker is ended and reaped
        with pytest.raises(ChildProcessError):
            os.waitpid(forked[0], os.WNOHANG)
    finally:
        store.close()
