"""The queue kept in step by change notices equals a full reload, in every sort and filter, after random
escalations, assignments, closes, new issues, another process's writes, expert changes, a sync pull's raw
writes (hostile ones too), removals and compactions."""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from tests.support.clock import T0
from tests.support.flows import act, escalate
from triagedesk.app import queue_updates
from triagedesk.app.desk import Desk
from triagedesk.app.queue import SORTS, UNASSIGNED, QueueData, QueueFilter, load, load_scanning, order
from triagedesk.domain.errors import UserError
from triagedesk.domain.models import Expert, Issue
from triagedesk.store.database import open_store

TITLES = ["Teapot dent", "Database outage", "Silver spoon", "VPN down", "Ransomware on erp"]
SPECS = [QueueFilter(sort=sort) for sort in SORTS] + [
    QueueFilter(sort="urgency", reverse=True), QueueFilter(text="silver"), QueueFilter(text="out", sort="sla"),
    QueueFilter(status="pending"), QueueFilter(status="assigned", sort="assignee"), QueueFilter(urgency=0),
    QueueFilter(profile="appraisal", sort="score"), QueueFilter(assignee=UNASSIGNED), QueueFilter(assignee="ann"),
    QueueFilter(status="new", sort="newest"), QueueFilter(status="to_escalate"),
]


def rows(data: QueueData) -> dict[str, tuple[Any, ...]]:
    names = [n for n in vars(data) if isinstance(getattr(data, n), list)]
    return {key: tuple(getattr(data, n)[i] for n in names) for i, key in enumerate(data.ids)}


class QueueMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.n = 0
        self.now = T0

    @initialize(expert_view=st.booleans())
    def open(self, expert_view: bool) -> None:
        self.dir = tempfile.TemporaryDirectory()
        path = Path(self.dir.name) / "desk.json"
        store = open_store(path)
        store.experts.put_many([
            Expert(id="ann", name="Ann", specializations=["silver", "database"], rating=4.0),
            Expert(id="bea", name="Bea", specializations=["silver"], expertise_level="expert"),
        ])
        self.desk = Desk(store, clock=lambda: self.now)
        self.other = Desk(open_store(path), clock=lambda: self.now)
        self.assignee = "ann" if expert_view else None
        for _ in range(3):
            self._add_issue(self.desk)
        self.data = queue_updates.load(self.desk, self.now, self.assignee)

    def teardown(self) -> None:
        self.desk.store.close()
        self.other.store.close()
        self.dir.cleanup()

    def _add_issue(self, desk: Desk, title: str = "Teapot dent") -> None:
        self.n += 1
        appraisal = self.n % 2 == 0
        desk.store.issues.add(Issue(
            id=f"I-{self.n}", profile="appraisal" if appraisal else "infrastructure", title=title,
            category="silver" if appraisal else None, users_affected=10 * self.n, total_users=1000,
            estimated_value={"min": 1000 * self.n, "max": 3000 * self.n} if appraisal else None,
            created_at=T0 - timedelta(minutes=self.n)))

    def _desk(self, other: bool) -> Desk:
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
            desk = self._desk(other)
            desk.store.refresh()
            try:
                escalate(desk, ids[pick % len(ids)], "test")
            except UserError:
                pass  # it already has an open request: refused, nothing written

    @rule(other=st.booleans(), pick=st.integers(0, 99),
          action=st.sampled_from(["pay", "assign", "acknowledge", "start", "wait", "resume", "complete", "cancel"]),
          expert=st.sampled_from(["ann", "bea"]))
    def act(self, other: bool, pick: int, action: str, expert: str) -> None:
        desk = self._desk(other)
        desk.store.refresh()
        requests = sorted(d["id"] for d in desk.store.requests.raw() if isinstance(d.get("status"), str))
        if not requests:
            return
        try:
            act(desk, requests[pick % len(requests)], action, "test", expert if action == "assign" else None)
        except Exception:  # an illegal move writes nothing: the queue must still agree
            pass

    @rule(pick=st.integers(0, 99), rename=st.booleans())
    def expert_changes(self, pick: int, rename: bool) -> None:
        expert = self.other.store.experts.require(["ann", "bea"][pick % 2])
        self.other.store.experts.save(expert.model_copy(update={
            "name": f"{expert.name}!" if rename else expert.name, "current_workload": pick % 7}))

    @rule(pick=st.integers(0, 99), hostile=st.booleans())
    def sync_pull(self, pick: int, hostile: bool) -> None:
        """Raw documents as a pull writes them: a request moved to another issue, a malformed one."""
        store = self.other.store
        ids = self._issue_ids()
        docs = store.journal.tables.get("requests", {})
        with store.transaction():
            if docs and ids:
                doc_id = sorted(docs, key=int)[pick % len(docs)]
                moved = dict(docs[doc_id], analysis_id=ids[pick % len(ids)], _updated_at="2026-01-05T10:00:00Z")
                store.db.table("requests").update(queue_updates_replace(moved), doc_ids=[int(doc_id)])
            if hostile:
                store.db.table("requests").insert({"id": f"req-h{self.n}", "analysis_id": ["I-1"],
                                                   "status": {"x": 1}, "_updated_at": "2026-01-05T10:00:00Z"})
                target = ids[pick % len(ids)] if ids else "I-0"  # a pull may come before any issue
                store.db.table("requests").insert({"id": f"req-s{self.n}", "analysis_id": target,
                                                   "status": [pick] if pick % 2 else None,
                                                   "submitted_at": "2026-01-06T00:00:00Z"})

    @rule(other=st.booleans(), pick=st.integers(0, 99), table=st.sampled_from(["issues", "requests"]))
    def remove(self, other: bool, pick: int, table: str) -> None:
        store = self._desk(other).store
        store.refresh()
        keys = sorted(store.journal.tables.get(table, {}), key=int)
        if keys:
            store.db.table(table).remove(doc_ids=[int(keys[pick % len(keys)])])

    @rule(other=st.booleans())
    def compact(self, other: bool) -> None:
        self._desk(other).store.journal.compact()

    @rule(minutes=st.integers(1, 600))
    def time_passes(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)

    @invariant()
    def equals_a_full_reload(self) -> None:
        if not hasattr(self, "data"):
            return
        self.desk.store.refresh()  # what the watcher does: other processes' writes reach the feed
        changes = self.data.feed.drain()
        if changes:
            found = queue_updates.patch(self.desk, self.data, changes, self.now, self.assignee)
            if found is None:
                self.data = queue_updates.load(self.desk, self.now, self.assignee)
            else:
                queue_updates.apply(self.data, found)
        try:
            fresh = load(self.desk, self.now, self.assignee)
        except ValueError:
            return  # a hostile issue document: neither path can validate it
        fresh.seq = queue_updates._seq(self.desk, fresh.ids)
        scanned = load_scanning(self.desk, self.now, self.assignee)  # every issue and request read
        scanned.seq = queue_updates._seq(self.desk, scanned.ids)
        assert rows(fresh) == rows(scanned) and fresh.ids == scanned.ids
        assert self.data.ids == fresh.ids
        assert rows(self.data) == rows(fresh)
        now = self.now.timestamp()
        for spec in SPECS:
            kept = [self.data.ids[i] for i in order(self.data, spec, now, me="ann")]
            assert kept == [fresh.ids[i] for i in order(fresh, spec, now, me="ann")], spec


def queue_updates_replace(doc: dict[str, Any]):
    from triagedesk.store.repositories import replace_with

    return replace_with(doc)


TestQueueMachine = QueueMachine.TestCase
TestQueueMachine.settings = settings(max_examples=30, stateful_step_count=20, deadline=None,
                                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def test_a_patch_costs_the_changed_rows(tmp_path: Path) -> None:
    """One assignment recomputes the rows it touched (the issue, and those its expert holds), not the queue."""
    store = open_store(tmp_path / "desk.json")
    store.experts.put_many([Expert(id="ann", name="Ann", specializations=["silver"])])
    store.issues.put_many([Issue(id=f"I-{n}", profile="appraisal", title="Teapot", category="silver",
                                 estimated_value={"min": 50000, "max": 80000}, confidence=0.3) for n in range(200)])
    desk = Desk(store, clock=lambda: T0)
    data = queue_updates.load(desk, T0)
    assert len(data) == 200
    request = escalate(desk, "I-7", "test")
    act(desk, request.id, "pay", "test")
    act(desk, request.id, "assign", "test", "ann")
    found = queue_updates.patch(desk, data, data.feed.drain(), T0)
    assert found is not None and found.touched == 1 and found.rows.ids == ["I-7"]
    assert queue_updates.apply(data, found)
    row = data.ids.index("I-7")
    assert data.status[row] == "assigned" and data.assignee_id[row] == "ann"
    act(desk, request.id, "cancel", "test")
    found = queue_updates.patch(desk, data, data.feed.drain(), T0)
    assert found is not None and found.gone == {"I-7"}
    queue_updates.apply(data, found)
    assert "I-7" not in data.ids and len(data) == 199


def test_a_replaced_queue_stops_listening(tmp_path: Path) -> None:
    import gc

    store = open_store(tmp_path / "desk.json")
    desk = Desk(store, clock=lambda: T0)
    data = queue_updates.load(desk, T0)
    listeners = len(store.journal.feed)
    del data
    gc.collect()
    store.issues.add(Issue(id="I-1", title="x"))  # the dead feed's listener removes itself
    assert len(store.journal.feed) == listeners - 1


def test_a_patch_read_in_chunks_equals_one_read_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The patch's reads stop every CHUNK records for `between()` (the desk: while a key is pending); the rows are
    those of one read of them all."""
    store = open_store(tmp_path / "desk.json")
    store.experts.put_many([Expert(id="ann", name="Ann", specializations=["silver"])])
    store.issues.put_many([Issue(id=f"I-{n}", profile="appraisal", title="Teapot", category="silver",
                                 estimated_value={"min": 50000, "max": 80000}, confidence=0.3) for n in range(40)])
    desk = Desk(store, clock=lambda: T0)
    data = queue_updates.load(desk, T0)
    for n in range(0, 40, 3):
        desk.commands.edit("issues", f"I-{n}", {"title": f"Teapot {n}"}, "test")
    store.issues.add(Issue(id="I-new", title="Kettle", profile="appraisal"))
    changes = data.feed.drain()
    whole = queue_updates.patch(desk, data, changes, T0)
    calls: list[int] = []
    monkeypatch.setattr(queue_updates, "CHUNK", 4)
    chunked = queue_updates.patch(desk, data, changes, T0, between=lambda: calls.append(1))
    assert whole is not None and chunked is not None and len(whole.rows) == 15
    assert len(calls) >= 15 // 4 and rows(chunked.rows) == rows(whole.rows) and chunked.rows.ids == whole.rows.ids
    assert chunked.gone == whole.gone
