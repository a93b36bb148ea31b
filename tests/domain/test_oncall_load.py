"""On-call fairness: hours per person per month, off-hours against their own calendar, weekend hours on their own
clock, interruptions rated against PagerDuty's benchmark; `report --json` carries it."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tests.support.cli import run_cli
from triagedesk.domain.insight.oncall_load import month_starts, rating, report, weekend_hours
from triagedesk.domain.models import Expert
from triagedesk.domain.routing.calendars import Calendar, Holiday
from triagedesk.domain.routing.coverage import CalendarBook, Coverage
from triagedesk.domain.routing.schedules import Layer, Schedule
from triagedesk.resources import data_dir


@pytest.mark.parametrize(("pages", "verdict"), [(0, "good"), (2, "good"), (3, "fair"), (6, "fair"), (7, "bad"),
                                                (18, "bad"), (19, "burnout"), (40, "burnout")])
def test_interruptions_are_rated_against_pagerdutys_benchmark(pages: int, verdict: str) -> None:
    assert rating(pages) == verdict


def test_months_and_weekends() -> None:
    assert month_starts(datetime(2026, 1, 15, tzinfo=UTC), 2) == [
        datetime(2025, 12, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)]
    # Friday 20:00 UTC to Monday 04:00 UTC is 48 weekend hours in UTC, and in Sydney (UTC+11) from Fri 13:00Z
    assert weekend_hours(datetime(2026, 1, 9, 20, tzinfo=UTC), datetime(2026, 1, 12, 4, tzinfo=UTC), "UTC") == 48
    assert weekend_hours(datetime(2026, 1, 9, 13, tzinfo=UTC), datetime(2026, 1, 11, 13, tzinfo=UTC),
                         "Australia/Sydney") == 48


def test_a_month_per_person_hours_off_hours_weekends_and_pages() -> None:
    experts = {"ann": Expert(id="ann", name="Ann", timezone="UTC"), "bob": Expert(id="bob", name="Bob",
                                                                                    timezone="UTC")}
    schedule = Schedule(id="s", layers=[Layer(members=["ann", "bob"], start=datetime(2026, 1, 5), length="1w")])
    holidays = Calendar(id="h", kind="holidays", holidays=[Holiday(day=date(2026, 1, 6))], experts=["ann"])
    coverage = Coverage([schedule], CalendarBook([holidays]))
    pages = [("ann", datetime(2026, 1, 7, 3, tzinfo=UTC))] * 8 + [("bob", datetime(2026, 1, 14, tzinfo=UTC))]
    found = report(coverage, experts, pages, datetime(2026, 1, 20, tzinfo=UTC), months=1)
    rows = {r["expert_id"]: r for r in found["people"]}
    assert found["months"] == ["2026-01"] and set(rows) == {"ann", "bob"}
    # January from the 5th: ann 5-12, 19-26 (14 days) and bob 12-19, 26-1 Feb (13 days) on a weekly hand-off
    assert rows["ann"]["hours_on_call"] == 14 * 24 and rows["bob"]["hours_on_call"] == 13 * 24
    working_ann = 9 * 8  # ten weekdays less her holiday on Tuesday 6 January
    assert rows["ann"]["off_hours"] == 14 * 24 - working_ann and rows["ann"]["weekend_hours"] == 4 * 24
    assert (rows["ann"]["interruptions"], rows["ann"]["rating"]) == (8, "bad")
    assert (rows["bob"]["interruptions"], rows["bob"]["rating"]) == (1, "good")
    assert found["spread_hours"]["2026-01"] == 24


def test_report_json_carries_the_on_call_load(tmp_path: Path) -> None:
    db = tmp_path / "desk.json"
    assert run_cli("import", str(data_dir() / "experts" / "infrastructure.jsonl"), "--kind", "experts",
                   "--db", str(db)).returncode == 0
    made = run_cli("schedule", "add", "ops", "--member", "net-ana", "--member", "cloud-tom", "--start",
                   "2026-01-05T09:00", "--db", str(db))
    assert made.returncode == 0, made.stderr
    done = run_cli("report", "--format", "json", "--now", "2026-01-20T00:00:00Z", "--db", str(db))
    assert done.returncode == 0, done.stderr
    oncall = json.loads(done.stdout)["oncall"]
    assert oncall["benchmark"] == {"good": 2, "bad": 7, "burnout": 19}
    assert {r["expert_id"] for r in oncall["people"] if r["month"] == "2026-01"} == {"net-ana", "cloud-tom"}
