"""Schedules and calendars sync like the other records, through a real PouchDB Server: a schedule made on one desk,
an override added on another, holidays imported once; both desks then give the same on-call answers."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from tests.support.http import HTTP
from triagedesk.app.desk import Desk
from triagedesk.app.replica_store import StoreReplica
from triagedesk.domain.models import Expert
from triagedesk.domain.routing.calendars import Calendar, Holiday
from triagedesk.domain.routing.schedules import Layer, Override, Schedule
from triagedesk.store.database import open_store
from triagedesk.sync.client import CouchClient, parse_remote
from triagedesk.sync.engine import Replicator

AT = [datetime(2026, 1, d, h, tzinfo=UTC) for d in (5, 7, 12, 14) for h in (3, 12, 21)]


def _sync(path: Path, url: str):
    replicator = Replicator(StoreReplica(open_store(path)), CouchClient(parse_remote(url)))
    try:
        return replicator.sync()
    finally:
        replicator.client.close()
        replicator.replica.store.close()


def _answers(path: Path) -> list[tuple[str | None, object]]:
    desk = Desk(open_store(path))
    try:
        return [(answer.member, answer.until) for at in AT for answer, _ in desk.oncall.on_call(at)]
    finally:
        desk.close()


def test_a_schedule_an_override_and_holidays_travel_between_desks(tmp_path: Path, db_url: str) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    desk = Desk(open_store(a))
    desk.records.put_many("experts", [Expert(id=n, name=n.title()) for n in ("ann", "bob", "cy")], actor="cora")
    desk.oncall.add_schedule(Schedule(id="ops", timezone="Europe/Berlin", covers=["infrastructure"], layers=[
        Layer(members=["ann", "bob"], start=datetime(2026, 1, 5, 9), length="1w")]), "cora")
    desk.oncall.put_calendar(Calendar(id="de", kind="holidays", holidays=[Holiday(name="x", day=date(2026, 1, 6))],
                                      experts=["ann"]), "cora")
    desk.close()
    assert _sync(a, db_url).pushed > 0
    remote = HTTP.get(f"{db_url}/schedules:ops").json()
    assert remote["type"] == "schedules" and remote["data"]["timezone"] == "Europe/Berlin"
    assert _sync(b, db_url).pulled > 0
    assert _answers(b) == _answers(a)
    other = Desk(open_store(b))
    other.oncall.override("ops", Override(member="cy", start=datetime(2026, 1, 7, 10, tzinfo=UTC),
                                          end=datetime(2026, 1, 7, 14, tzinfo=UTC)), "bea")
    assert [c.id for c in other.oncall.calendar_records()] == ["de"]
    other.close()
    _sync(b, db_url)
    _sync(a, db_url)
    answers = _answers(a)
    assert answers == _answers(b) and ("cy", datetime(2026, 1, 7, 14, tzinfo=UTC)) in answers
    store = open_store(a)
    try:
        assert [o.member for o in store.schedules.require("ops").overrides] == ["cy"]
    finally:
        store.close()
