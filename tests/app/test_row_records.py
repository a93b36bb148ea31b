"""A cursor row's issue and request read where the queue's load found them (`issue_at`, `request_at`): the same
records the `id` indexes give, without building those indexes (seconds at 1M right after the queue shows); a place
that no longer holds the record falls back to the index."""

from __future__ import annotations

from pathlib import Path

from tests.support.clock import T0
from tests.support.flows import act, escalate
from triagedesk.app.desk import Desk
from triagedesk.app.queue import load
from triagedesk.domain.models import Expert, Issue
from triagedesk.store.database import open_store
from triagedesk.tui import loaders


def make(path: Path) -> None:
    store = open_store(path)
    store.experts.put_many([Expert(id="ann", name="Ann", specializations=["silver"])])
    store.issues.put_many([Issue(id=f"I-{n}", profile="appraisal", title=f"Silver teapot {n}", category="silver",
                                 estimated_value={"min": 1000, "max": 5000}, created_at=T0) for n in range(6)])
    desk = Desk(store, clock=lambda: T0)
    request = escalate(desk, "I-2", "test")
    act(desk, request.id, "pay", "test")
    act(desk, request.id, "assign", "test", "ann")
    store.journal.compact()
    load(desk, T0)  # the side file written
    store.close()


def test_a_detail_after_the_load_builds_no_id_index(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    make(path)
    desk = Desk(open_store(path), clock=lambda: T0)
    data = load(desk, T0)
    assert data.request_at and not data.issues  # every row from the side file
    journal = desk.store.journal
    found = loaders.detail(desk, data, "I-2", with_match=False)
    assert found is not None and found.issue.id == "I-2" and found.acknowledged is False
    assert not journal.records.has_id_index("issues") and not journal.records.has_id_index("requests")
    indexed = Desk(open_store(path), clock=lambda: T0)  # the same detail through the indexes
    assert indexed.queries.issue("I-2") == found.issue
    request_id = data.request_id[data.ids.index("I-2")]
    assert request_id is not None
    assert desk.queries.request_at(request_id, data.request_at["I-2"]) == indexed.queries.require_request(request_id)


def test_a_place_that_holds_another_record_falls_back_to_the_index(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    make(path)
    desk = Desk(open_store(path), clock=lambda: T0)
    data = load(desk, T0)
    elsewhere = data.seq[data.ids.index("I-3")]
    assert desk.queries.issue_at("I-2", elsewhere) == desk.queries.issue("I-2")
    assert desk.queries.issue_at("I-2", 999) == desk.queries.issue("I-2")
    assert desk.queries.issue_at("I-9", data.seq[0]) is None
    request_id = data.request_id[data.ids.index("I-2")]
    assert request_id is not None
    assert desk.queries.request_at(request_id, 999) == desk.queries.require_request(request_id)
    desk.store.issues.save(desk.store.issues.require("I-2").model_copy(update={"title": "Renamed"}))
    found = desk.queries.issue_at("I-2", data.seq[data.ids.index("I-2")])
    assert found is not None and found.title == "Renamed"  # the record as it is now, not as the load read it
