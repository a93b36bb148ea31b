"""The queue built from its side file (app/queue_file.py) equals the queue built by reading every issue and request,
after random histories: escalations, assignments, waits, completions, cancels, new issues, another process's
writes, a sync pull's raw writes (a request moved to another issue, hostile ones), removals and compactions, with
the side file meanwhile deleted, damaged, forged or put back from an older state."""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from tests.support.clock import T0
from tests.support.flows import act, escalate
from triagedesk.app import queue_file
from triagedesk.app.desk import Desk
from triagedesk.app.queue import QueueData, load, load_scanning
from triagedesk.domain.errors import UserError
from triagedesk.domain.models import Expert, Issue
from triagedesk.store.database import open_store
from triagedesk.store.repositories import replace_with

TITLES = ["Teapot dent", "Database outage", "Silver spoon", "VPN down"]
ACTIONS = ["pay", "assign", "acknowledge", "start", "wait", "resume", "complete", "cancel"]


def rows(data: QueueData) -> dict[str, tuple[Any, ...]]:
    names = [n for n in vars(data) if isinstance(getattr(data, n), list) and n != "seq"]
    return {key: tuple(getattr(data, n)[i] for n in names) for i, key in enumerate(data.ids)}


def forged(path: Path, change) -> None:
    """The side file with its JSON changed by `change` and its checksum made to fit again."""
    head, _, body = path.read_bytes().partition(b"\n")
    found = orjson.loads(body)
    change(found)
    queue_file.write(path, found["stamp"], found["rows"], found["was"], found["skipped"])


def _set(column: list[Any], pick: int, value: Any) -> None:
    if column:
        column[pick % len(column)] = value


class SideFileMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.n = 0
        self.now = T0
        self.kept: list[bytes] = []

    @initialize()
    def open(self) -> None:
        self.dir = tempfile.TemporaryDirectory()
        self.path = Path(self.dir.name) / "desk.json"
        store = open_store(self.path)
        store.experts.put_many([
            Expert(id="ann", name="Ann", specializations=["silver", "database"], rating=4.0),
            Expert(id="bea", name="Bea", specializations=["silver"], expertise_level="expert"),
        ])
        self.desk = Desk(store, clock=lambda: self.now)
        self.other = Desk(open_store(self.path), clock=lambda: self.now)  # a second process's view of the store
        for _ in range(4):
            self._add_issue(self.desk, "Teapot dent")
        escalate(self.desk, "I-1", "test")
        self.desk.store.journal.compact()  # rows then come from the side file, not only from changed records

    def teardown(self) -> None:
        self.desk.store.close()
        self.other.store.close()
        self.dir.cleanup()

    @property
    def side(self) -> Path:
        return self.path.with_name("desk.json.queue")

    def _add_issue(self, desk: Desk, title: str) -> None:
        self.n += 1
        appraisal = self.n % 2 == 0
        desk.store.issues.add(Issue(
            id=f"I-{self.n}", profile="appraisal" if appraisal else "infrastructure", title=title,
            category="silver" if appraisal else None, users_affected=10 * self.n, total_users=1000,
            estimated_value={"min": 1000 * self.n, "max": 3000 * self.n} if appraisal else None,
            created_at=T0 - timedelta(minutes=self.n)))

    def _desk(self, other: bool) -> Desk:
        (self.other if other else self.desk).store.refresh()
        return self.other if other else self.desk

    def _issue_ids(self) -> list[str]:
        return sorted(i.id for i in self.desk.store.issues.all() if i.id)

    @rule(other=st.booleans(), title=st.sampled_from(TITLES))
    def new_issue(self, other: bool, title: str) -> None:
        self._add_issue(self._desk(other), title)

    @rule(other=st.booleans(), pick=st.integers(0, 99))
    def escalate(self, other: bool, pick: int) -> None:
        ids = self._issue_ids()
        if ids:
            try:
                escalate(self._desk(other), ids[pick % len(ids)], "test")
            except UserError:
                pass  # it already has an open request: refused, nothing written

    @rule(other=st.booleans(), pick=st.integers(0, 99), action=st.sampled_from(ACTIONS),
          expert=st.sampled_from(["ann", "bea"]))
    def act(self, other: bool, pick: int, action: str, expert: str) -> None:
        desk = self._desk(other)
        requests = sorted(d["id"] for d in desk.store.requests.raw() if isinstance(d.get("status"), str))
        if requests:
            try:
                act(desk, requests[pick % len(requests)], action, "test", expert if action == "assign" else None)
            except Exception:  # an illegal move writes nothing
                pass

    @rule(pick=st.integers(0, 99), hostile=st.booleans())
    def sync_pull(self, pick: int, hostile: bool) -> None:
        """Raw documents as a pull writes them: a request moved to another issue, malformed ones."""
        store = self._desk(True).store
        ids = self._issue_ids()
        docs = store.journal.tables.get("requests", {})
        with store.transaction():
            if docs and ids:
                doc_id = sorted(docs, key=int)[pick % len(docs)]
                moved = dict(docs[doc_id], analysis_id=ids[pick % len(ids)], _updated_at="2026-01-05T10:00:00Z")
                store.db.table("requests").update(replace_with(moved), doc_ids=[int(doc_id)])
            if hostile:
                target = ids[pick % len(ids)] if ids else "I-0"
                store.db.table("requests").insert({"id": f"req-h{self.n}", "analysis_id": ["I-1"],
                                                   "status": {"x": 1}})
                store.db.table("requests").insert({"id": f"req-s{self.n}", "analysis_id": target,
                                                   "status": "assigned", "assigned_expert_id": "ann",
                                                   "submitted_at": "2026-01-06T00:00:00Z"})

    @rule(other=st.booleans(), pick=st.integers(0, 99), table=st.sampled_from(["issues", "requests"]))
    def remove(self, other: bool, pick: int, table: str) -> None:
        store = self._desk(other).store
        keys = sorted(store.journal.tables.get(table, {}), key=int)
        if keys:
            store.db.table(table).remove(doc_ids=[int(keys[pick % len(keys)])])

    @rule(other=st.booleans())
    def compact(self, other: bool) -> None:
        self._desk(other).store.journal.compact()

    @rule(minutes=st.integers(1, 600))
    def time_passes(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)

    @rule()
    def keep_a_copy(self) -> None:
        if self.side.exists():
            self.kept.append(self.side.read_bytes())

    @precondition(lambda self: bool(self.kept))
    @rule(pick=st.integers(0, 99))
    def put_back_an_older_copy(self, pick: int) -> None:
        self.side.write_bytes(self.kept[pick % len(self.kept)])

    @rule(how=st.sampled_from(["delete", "flip", "cut", "garbage", "score", "title", "order", "was", "clock"]),
          pick=st.integers(0, 10_000))
    def damage(self, how: str, pick: int) -> None:
        if not self.side.exists():
            return
        data = bytearray(self.side.read_bytes())
        if how == "delete":
            self.side.unlink()
        elif how == "flip":
            data[pick % len(data)] ^= 0x20
            self.side.write_bytes(bytes(data))
        elif how == "cut":
            self.side.write_bytes(bytes(data[:pick % len(data)]))
        elif how == "garbage":
            self.side.write_bytes(b"#triagedesk-queue v1 crc=00000000\n{}")
        elif how == "score":  # a checksum that fits, a value its column cannot hold
            forged(self.side, lambda f: _set(f["rows"]["score"], pick, "high"))
        elif how == "title":
            forged(self.side, lambda f: _set(f["rows"]["title"], pick, "\x1b[31mred"))
        elif how == "order":
            forged(self.side, lambda f: f["rows"]["doc"].reverse() if len(f["rows"]["doc"]) > 1 else None)
        elif how == "was":
            forged(self.side, lambda f: f.__setitem__("was", {"issues": []}))
        elif how == "clock":
            forged(self.side, lambda f: _set(f["rows"]["clock"], pick, [1]))

    @invariant()
    def equals_the_scanning_load(self) -> None:
        if not hasattr(self, "desk"):
            return
        for desk in (self.desk, self.other):
            desk.store.refresh()
            for assignee in (None, "ann"):
                try:
                    fresh = load(desk, self.now, assignee)
                except ValueError:
                    return  # a hostile issue document: neither path can validate it
                scanned = load_scanning(desk, self.now, assignee)
                assert fresh.ids == scanned.ids
                assert rows(fresh) == rows(scanned)
        started = Desk(open_store(self.path), clock=lambda: self.now)  # a desk starting now, as a new process
        try:
            assert rows(load(started, self.now)) == rows(load_scanning(started, self.now))
        finally:
            started.store.close()


TestSideFileMachine = SideFileMachine.TestCase
TestSideFileMachine.settings = settings(max_examples=25, stateful_step_count=20, deadline=None,
                                        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
