"""The storm: thousands of Alertmanager alerts over six simulated hours (tests/support/storm.py), stepped minute
by minute through the intake and the dispatcher's passes at fixed times. Exactly the expected issues, requests
and pages; no two label sets share an issue unless a rule says so; nothing resolved inside its pause window and
nothing inside a maintenance window pages; a held alert's clocks start at its arrival."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.support.dispatch import network
from tests.support.noise import post, storm_profile
from tests.support.storm import T0, WINDOW, Population, expected, notifications, populations
from triagedesk.app.dispatching import Dispatching, open_dispatching
from triagedesk.dispatch.runner import ActionLog, Dispatcher
from triagedesk.dispatch.settings import DispatchSettings
from triagedesk.domain.intake.alertmanager import fingerprint
from triagedesk.domain.intake.flow import Taken


@dataclass
class Run:
    d: Dispatching
    events: int
    taken: list[tuple[Any, Taken]]
    sent: list[tuple[str, str]]


def run_storm(folder: Path, found: list[Population], minutes: int = 360) -> Run:
    d = open_dispatching(str(folder / "desk.json"), profile_override=str(storm_profile(folder)))
    people = network({})
    d.store.experts.put_many(network({e.id: f"json://127.0.0.1:9/{e.id}" for e in people}))
    d.desk.clock = lambda: T0 - timedelta(hours=1)  # scheduled the evening before
    d.desk.commands.add_window(WINDOW["matchers"], WINDOW["start"], WINDOW["end"], WINDOW["reason"],
                               WINDOW["subscribers"], "cora")
    sent: list[tuple[str, str]] = []

    def send(url: str, message: Any, timeout: float = 10.0) -> bool:
        sent.append((url, message.subject))
        return False

    dispatcher = Dispatcher(d, DispatchSettings(), b"k" * 32, ActionLog("json", lambda line: None), None, send)
    events, taken = 0, []
    by_minute: dict[Any, list[dict[str, Any]]] = {}
    for at, payload in notifications(found, minutes):
        by_minute.setdefault(at, []).append(payload)
    try:
        for minute in range(minutes + 1):
            at = T0 + timedelta(minutes=minute)
            for payload in by_minute.get(at, []):
                events += len(payload["alerts"])
                taken.extend((at, t) for t in post(d, payload, at))
            dispatcher.run_pass(at)
    finally:
        dispatcher.close()
    return Run(d, events, taken, sent)


@pytest.fixture(scope="module")
def storm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Run, list[Population]]]:
    found = populations()
    run = run_storm(tmp_path_factory.mktemp("storm"), found)
    yield run, found
    run.d.close()


def _issues_of(run: Run, population: Population) -> list[Any]:
    keys = {fingerprint(s.labels) for s in population.series}
    ids = {r.issue_id for r in run.d.store.alerts.all() if r.fingerprint in keys}
    return [run.d.store.issues.require(i) for i in sorted(ids)]


def test_the_storm_is_thousands_of_alerts_from_alertmanagers_shapes(storm) -> None:
    run, _ = storm
    assert run.events >= 2000
    figures = run.d.desk.queries.noise(days=1, now=T0 + timedelta(hours=6))
    assert figures["events"] == run.events            # every alert of every notification is counted once
    assert not run.d.intake_due(T0 + timedelta(hours=7))   # nothing held, no window owes a notice: passes stay idle


def test_exactly_the_expected_issues_requests_and_pages(storm) -> None:
    run, found = storm
    want = expected(found)
    issues = run.d.store.issues.all()
    requests = run.d.store.requests.all()
    pages = [m for m in run.d.outbox() if m.kind == "assignment"]
    assert (len(issues), len(requests), len(pages)) == (want["issues"], want["requests"], want["pages"])
    for population in found:
        mine = _issues_of(run, population)
        asked = [r for r in requests if r.analysis_id in {i.id for i in mine}]
        paged = [m for m in pages if m.request_id in {r.id for r in asked}]
        assert (len(mine), len(asked), len(paged)) == (population.issues, population.requests, population.pages), \
            population.name
        verdicts = {i.alert_group.verdict for i in mine}
        if population.verdict:
            assert verdicts == {population.verdict}, (population.name, [i.alert_group.why for i in mine])
        if population.label_sets_per_issue:
            assert sorted(i.alert_group.label_set_count for i in mine) == population.label_sets_per_issue


def test_no_two_label_sets_share_an_issue_unless_a_rule_says_so(storm) -> None:
    run, _ = storm
    by_issue: dict[str, set[str]] = {}
    for record in run.d.store.alerts.all():
        if record.issue_id:
            by_issue.setdefault(record.issue_id, set()).add(record.fingerprint)
    assert by_issue
    merged = {key: sets for key, sets in by_issue.items() if len(sets) > 1}
    assert merged                                   # the error-rate rule does merge, by design...
    for key in merged:
        group = run.d.store.issues.require(key).alert_group
        assert group is not None and group.rule == "error-rate-by-cluster"     # ...and only it
        assert group.label_set_count == len(merged[key]) == len(group.label_sets)
    summaries = Counter(i.title for i in run.d.store.issues.all())
    assert summaries["[DiskRunningFull] please check the instance example1"] == 2  # one summary, two issues


def test_nothing_resolved_inside_its_pause_window_pages(storm) -> None:
    run, found = storm
    blips = next(p for p in found if p.name.startswith("HighLatency"))
    held = _issues_of(run, blips)
    assert len(held) == 8
    for issue in held:
        group = issue.alert_group
        assert group.verdict == "transient" and group.holds == 2
        assert group.why == "held 5 min, resolved after 2 min: transient"
        assert not run.d.store.requests.by("analysis_id", issue.id)


def test_nothing_in_a_maintenance_window_pages_and_what_outlives_it_pages_at_its_end(storm) -> None:
    run, found = storm
    inside = _issues_of(run, next(p for p in found if p.name.startswith("InstanceDown db-1..3")))
    assert len(inside) == 3
    for issue in inside:
        assert issue.alert_group.verdict == "maintenance" and "W-1" in issue.alert_group.why
        assert "all resolved inside it" in issue.alert_group.why
        assert not run.d.store.requests.by("analysis_id", issue.id)
    [outlived] = _issues_of(run, next(p for p in found if p.name.startswith("InstanceDown db-4")))
    [request] = run.d.store.requests.by("analysis_id", outlived.id)
    assert request.submitted_at == WINDOW["end"]     # as if it had just arrived, when the window ended
    subjects = [s for url, s in run.sent if url.endswith("/maintenance")]
    assert subjects == ["Maintenance W-1 started: job=db", "Maintenance W-1 ended: job=db"]


def test_a_held_alert_pages_with_its_clocks_from_its_arrival(storm) -> None:
    run, found = storm
    [issue] = _issues_of(run, next(p for p in found if "example3 warning" in p.name))
    [request] = run.d.store.requests.by("analysis_id", issue.id)
    assert request.submitted_at == T0 + timedelta(minutes=10)       # arrival, not the release at 10:15
    assert issue.alert_group.why.startswith("held 5 min, still firing: paged")


def test_a_flapping_alert_is_marked_and_pages_once(storm) -> None:
    run, found = storm
    for name, at in (("ProbeFailed probe-1", 100), ("ProbeFailed probe-2", 65)):
        [issue] = _issues_of(run, next(p for p in found if p.name.startswith(name)))
        [request] = run.d.store.requests.by("analysis_id", issue.id)
        assert issue.alert_group.flapping and issue.count == 12
        assert request.submitted_at == T0 + timedelta(minutes=at), name
    [warning] = _issues_of(run, next(p for p in found if p.name.startswith("ProbeFailed probe-1")))
    assert warning.alert_group.why == "flapping: 4 fire/resolve cycles in 60 min: paged once"


def test_the_threshold_explains_itself_below_it(storm) -> None:
    run, found = storm
    issues = _issues_of(run, next(p for p in found if p.name.startswith("HighErrorRate")))
    below = [i for i in issues if i.alert_group.verdict == "below_threshold"]
    assert [i.alert_group.why for i in below] == ["2 of 3 alerts needed in 10 min (threshold error-rate-3-in-10)"]


def test_the_noise_view_reports_the_storms_compression(storm) -> None:
    run, found = storm
    figures = run.d.desk.queries.noise(days=1, now=T0 + timedelta(hours=6))
    want = expected(found)
    assert (figures["issues"], figures["pages"]) == (want["issues"], want["requests"])
    assert figures["compression"] == round(1 - want["requests"] / run.events, 4) and figures["compression"] > 0.95
    assert figures["held"] == 8 + 1 + 1 + 0     # web blips, the example3 warning, probe-1 before it flapped
    assert figures["transient"] == 8
