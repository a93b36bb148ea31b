"""The on-call load in the desk's report equals a reading command's (the stored experts' names, zones and hours;
the experts' counted figures, which the desk no longer waits for there, change none of it)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from tests.support.clock import T0
from triagedesk.app.desk import Desk
from triagedesk.app.reading import open_reading
from triagedesk.domain.models import Expert, Issue
from triagedesk.domain.records import ExpertRequest, OutboxMessage
from triagedesk.domain.routing.schedules import Layer, Schedule
from triagedesk.store.database import open_store

NOW = T0 + timedelta(days=40)


def test_the_desks_on_call_load_equals_a_reading_commands(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    desk = Desk(open_store(path), clock=lambda: NOW)
    desk.records.put_many("experts", [Expert(id="ann", name="Ann", timezone="Europe/Berlin"),
                                      Expert(id="bob", name="bob", timezone="Asia/Singapore"),
                                      Expert(id="cy", name="Cy")], actor="cora")
    desk.oncall.add_schedule(Schedule(id="ops", timezone="Europe/Berlin", covers=["infrastructure"], layers=[
        Layer(members=["ann", "bob"], start=datetime(2026, 1, 5, 9), length="1w")]), "cora")
    # requests held by ann make her counted figures (workload, reviews) differ from her stored record
    desk.store.issues.put_many([Issue(id=f"INC-{n}", title="Core switch down", created_at=T0) for n in range(3)])
    desk.store.requests.put_many([ExpertRequest(id=f"req-{n}", analysis_id=f"INC-{n}", submitted_at=T0,
                                                status="assigned", assigned_expert_id="ann", assigned_at=T0)
                                  for n in range(3)])
    desk.store.outbox.put_many([OutboxMessage(id=f"page-{n}", event=f"e{n}", kind="breach", target="ann",
                                              expert_id="ann", created_at=T0 + timedelta(days=n, hours=22))
                                for n in range(4)])
    counted = desk.figures.counted()
    assert counted["ann"].current_workload != desk.store.experts.require("ann").current_workload
    mine = desk.queries.report(30, NOW)["oncall"]
    desk.close()
    reading = open_reading(path, clock=lambda: NOW)
    try:
        theirs = reading.report(30, NOW)["oncall"]
    finally:
        reading.close()
    assert mine == theirs
    assert [p["interruptions"] for p in mine["people"] if p["expert_id"] == "ann"] == [4, 0]
