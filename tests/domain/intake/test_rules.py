"""The noise rules one by one, in memory (domain/intake): matchers as Alertmanager reads them, grouping by label set
(never the summary) or by content (explained), thresholds, the pause's two endings, flapping, maintenance windows,
and every profile mistake named by its key."""

from __future__ import annotations

import tomllib
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.support.clock import T0
from triagedesk.domain.errors import InputError, ProfileError
from triagedesk.domain.intake import maintenance
from triagedesk.domain.intake.alertmanager import fingerprint, read_alert
from triagedesk.domain.intake.flow import IntakeFlow
from triagedesk.domain.intake.grouping import group_of, title_shape
from triagedesk.domain.intake.matchers import parse_matcher
from triagedesk.domain.intake.replay import MemoryLedger, compare, replay
from triagedesk.domain.intake.rules import Intake
from triagedesk.domain.scoring.profiles import parse_profile
from triagedesk.resources import data_dir


def rules(text: str) -> Intake:
    return Intake.model_validate(tomllib.loads(text).get("intake", {}))


def alert(labels: dict[str, str], start: datetime, end: datetime | None = None, summary: str = "") -> Any:
    body = {"status": "resolved" if end else "firing", "labels": labels,
            "annotations": {"summary": summary or labels.get("alertname", "")}, "startsAt": start.isoformat(),
            "endsAt": end.isoformat() if end else "0001-01-01T00:00:00Z"}
    return read_alert(body, "a", Intake(), start)


def flow(text: str = "", windows: list | None = None, escalates: bool = True) -> tuple[IntakeFlow, MemoryLedger]:
    ledger = MemoryLedger(lambda issue: escalates)
    return IntakeFlow(ledger, rules(text), windows or []), ledger


@pytest.mark.parametrize(("text", "labels", "holds"), [
    ("job=api", {"job": "api"}, True), ("job=api", {"job": "api-2"}, False),
    ("job!=api", {}, True), ("job=", {}, True),                          # a missing label is ""
    ('job=~"api|web"', {"job": "web"}, True), ("job=~api|web", {"job": "api-2"}, False),  # anchored
    ("env!~dev.*", {"env": "prod"}, True), ("env!~dev.*", {"env": "dev-1"}, False),
])
def test_matchers_read_as_alertmanager_reads_them(text: str, labels: dict[str, str], holds: bool) -> None:
    assert parse_matcher(text).matches(labels) is holds


@pytest.mark.parametrize(("text", "problem"), [
    ("", "not empty"), ("job", "not a matcher"), ("1job=x", "not a label name"), ("job=~(", "not a regular"),
])
def test_a_bad_matcher_says_what_is_wrong(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_matcher(text)


def test_by_default_the_group_is_the_full_label_set_never_the_summary() -> None:
    one = {"alertname": "DiskRunningFull", "dev": "sda1", "instance": "example1"}
    two = {**one, "dev": "sda2"}
    summary = "please check the instance example1"  # Alertmanager's send_alerts.sh: one summary, two label sets
    first, second = (group_of(labels, summary, fingerprint(labels), Intake().grouping) for labels in (one, two))
    assert first.key == fingerprint(one) != second.key == fingerprint(two)
    assert not first.merges_label_sets and first.explain() == "grouped by the full label set"


def test_group_by_a_subset_merges_what_the_rule_says_and_says_so() -> None:
    grouping = rules('[intake.grouping]\nby = ["alertname", "cluster"]\n').grouping
    a = group_of({"alertname": "X", "cluster": "eu", "instance": "1"}, "", "f1", grouping)
    b = group_of({"alertname": "X", "cluster": "eu", "instance": "2"}, "", "f2", grouping)
    c = group_of({"alertname": "X", "cluster": "us", "instance": "1"}, "", "f3", grouping)
    assert a.key == b.key != c.key and a.explain() == "grouped by alertname, cluster"


def test_content_grouping_shapes_titles_and_lists_what_matched() -> None:
    assert title_shape("Disk 91% full on web-12 (0xdeadbeef)") == "disk <*> full on <*> <*>"
    grouping = rules('[intake.grouping]\nmode = "content"\nservice_label = "job"\n').grouping
    a = group_of({"job": "node", "instance": "a"}, "Disk 91% full on web-1", "f1", grouping)
    b = group_of({"job": "node", "instance": "b"}, "Disk 97% full on web-7", "f2", grouping)
    c = group_of({"job": "db", "instance": "b"}, "Disk 97% full on web-7", "f3", grouping)
    assert a.key == b.key != c.key
    assert a.explain() == "grouped by content: title like 'disk <*> full on <*>'; job='node'"


def test_below_a_threshold_the_issue_is_counted_and_explained_then_pages_once_met() -> None:
    run, ledger = flow('[[intake.thresholds]]\nid = "t"\nalerts = 3\nminutes = 10\n'
                       '[intake.grouping]\nby = ["alertname"]\n')
    for n, at in enumerate((T0, T0 + timedelta(minutes=4))):
        taken = run.take(alert({"alertname": "X", "i": str(n)}, at), at)
    issue = ledger.issues[taken.issue_id]
    assert (issue.count, issue.alert_group.verdict, ledger.pages) == (2, "below_threshold", [])
    assert issue.alert_group.why == "2 of 3 alerts needed in 10 min (threshold t)"
    late = T0 + timedelta(minutes=12)        # the first fell out of the 10 minutes: still 2 of 3
    run.take(alert({"alertname": "X", "i": "2"}, late), late)
    assert ledger.pages == [] and "2 of 3" in ledger.issues[taken.issue_id].alert_group.why
    last = late + timedelta(minutes=1)
    run.take(alert({"alertname": "X", "i": "3"}, last), last)
    [page] = ledger.pages
    assert page.at == last and page.why == "paged at arrival: 3 of 3 alerts in 10 min (threshold t)"


def test_a_pause_ends_transient_when_resolved_inside_it_and_pages_from_arrival_otherwise() -> None:
    run, ledger = flow('[[intake.pause]]\nid = "p"\nwhen = ["severity=warning"]\nminutes = 5\n')
    blip = {"alertname": "Lat", "severity": "warning", "i": "1"}
    run.take(alert(blip, T0), T0)
    resolved = alert(blip, T0, T0 + timedelta(seconds=130))
    taken = run.take(resolved, T0 + timedelta(minutes=3))
    assert taken.verdict == "transient"
    assert ledger.issues[taken.issue_id].alert_group.why == "held 5 min, resolved after 2.2 min: transient"
    lasting = {**blip, "i": "2"}
    run.take(alert(lasting, T0), T0)
    assert run.tick(T0 + timedelta(minutes=4)) == []                 # not over yet
    [(issue_id, verdict)] = run.tick(T0 + timedelta(minutes=7))      # a pass after the hold's end
    [page] = ledger.pages
    assert verdict == "paged" and page.at == T0                      # its clocks from its arrival, not 09:07
    assert page.why == "held 5 min, still firing: paged (its clocks from its arrival at 09:00 UTC)"


def test_an_alert_no_pause_rule_holds_ends_its_issues_hold_and_pages_at_once() -> None:
    run, ledger = flow('[intake.grouping]\nby = ["alertname"]\n'
                       '[[intake.pause]]\nid = "p"\nwhen = ["severity=warning"]\nminutes = 5\n')
    run.take(alert({"alertname": "Err", "severity": "warning", "i": "1"}, T0), T0)
    held = run.take(alert({"alertname": "Err", "severity": "warning", "i": "2"}, T0), T0 + timedelta(minutes=1))
    assert held.verdict == "held" and ledger.pages == []            # a warning keeps the hold from its first
    at = T0 + timedelta(minutes=2)
    paged = run.take(alert({"alertname": "Err", "severity": "critical", "i": "3"}, at), at)
    [page] = ledger.pages
    assert (paged.issue_id, paged.verdict, page.at) == (held.issue_id, "paged", at)
    assert ledger.issues[paged.issue_id].alert_group.held_until is None
    assert run.tick(T0 + timedelta(minutes=6)) == [] and len(ledger.pages) == 1  # the hold's end pages no more


def test_a_late_resolve_by_its_end_time_still_counts_as_transient() -> None:
    run, ledger = flow('[[intake.pause]]\nid = "p"\nminutes = 5\n')
    labels = {"alertname": "Lat"}
    run.take(alert(labels, T0), T0)
    taken = run.take(alert(labels, T0, T0 + timedelta(minutes=4)), T0 + timedelta(minutes=9))  # delivered late
    assert taken.verdict == "transient" and ledger.pages == []


def test_a_flapping_alert_pages_once_and_not_again_from_another_issue_within_the_window() -> None:
    run, ledger = flow('[intake.flapping]\ncycles = 2\nminutes = 60\n'
                       '[[intake.pause]]\nid = "p"\nminutes = 5\n')
    labels = {"alertname": "Probe"}
    for k in range(5):
        start = T0 + timedelta(minutes=10 * k)
        run.take(alert(labels, start), start)
        run.take(alert(labels, start, start + timedelta(minutes=2)), start + timedelta(minutes=2))
    [page] = ledger.pages
    assert page.at == T0 + timedelta(minutes=30)  # 3 cycles done (> 2): the 4th fire pages, once
    [issue] = ledger.issues.values()
    assert issue.alert_group.flapping and page.why == "flapping: 3 fire/resolve cycles in 60 min: paged once"


def window(key: str = "W-1", start: int = 0, end: int = 60, **more: Any) -> Any:
    return maintenance.new_window(key, more.get("matchers", ["job=db"]), T0 + timedelta(minutes=start),
                                  T0 + timedelta(minutes=end), "upgrade", more.get("subscribers", []), "cora",
                                  T0 - timedelta(hours=1))


def test_a_maintenance_window_suppresses_matching_alerts_and_weighs_them_again_when_it_ends() -> None:
    run, ledger = flow(windows=[window()])
    inside = run.take(alert({"alertname": "Down", "job": "db"}, T0 + timedelta(minutes=5)), T0 + timedelta(minutes=5))
    other = run.take(alert({"alertname": "Down", "job": "api"}, T0 + timedelta(minutes=5)),
                     T0 + timedelta(minutes=5))
    assert inside.verdict == "maintenance" and other.verdict == "paged"
    assert ledger.issues[inside.issue_id].alert_group.why.startswith("in maintenance window W-1 until")
    run.tick(T0 + timedelta(minutes=61))
    assert [p.issue_id for p in ledger.pages] == [other.issue_id, inside.issue_id]
    assert ledger.pages[-1].at == T0 + timedelta(minutes=60)
    assert ledger.watched == set()                    # nothing left for the clock to come back to


def test_an_issue_escalated_by_hand_during_a_window_is_not_watched_after_it() -> None:
    run, ledger = flow(windows=[window()])
    inside = run.take(alert({"alertname": "Down", "job": "db"}, T0 + timedelta(minutes=5)), T0 + timedelta(minutes=5))
    ledger.paged.add(inside.issue_id)                 # a coordinator escalated it meanwhile
    run.tick(T0 + timedelta(minutes=61))
    assert ledger.pages == [] and ledger.watched == set()
    assert ledger.issues[inside.issue_id].alert_group.window_id is None


@pytest.mark.parametrize(("change", "problem"), [
    ({"matchers": []}, "--match"), ({"matchers": ["job=~("]}, "--match"),
    ({"start": -30, "end": -5}, "--end: .* passed"),
    ({"start": 30, "end": 10}, "--end: the end must come after"), ({"end": 60 * 24 * 40}, "at most 31 days"),
    ({"end": 60 * 24 * 31 + 1}, "at most 31 days"), ({"subscribers": ["not a url"]}, "--notify"),
    # each matches an alert without the label (a missing label is ""): the window would silence every alert
    ({"matchers": ["foo="]}, "--match: 'foo=' also match"), ({"matchers": ["job=~.*"]}, "--match: .*every alert"),
    ({"matchers": ["team!=db"]}, "--match: .*must not match the empty string"),
    ({"matchers": ["team!=db", "job=~.*", "env!~prod"]}, "--match: .*every alert"),
])
def test_a_window_a_user_gets_wrong_is_one_line_naming_the_option(change: dict, problem: str) -> None:
    start, end = change.pop("start", 0), change.pop("end", 60)
    with pytest.raises(InputError, match=problem):
        maintenance.new_window("W-1", change.get("matchers", ["job=db"]), T0 + timedelta(minutes=start),
                               T0 + timedelta(minutes=end), "x", change.get("subscribers", []), "cora", T0)


@pytest.mark.parametrize("matchers", [["job=db"], ["team!=db", "job=db"], ["job=~db|api"], ["job!~.*"]])
def test_a_window_with_one_matcher_that_needs_a_label_is_taken(matchers: list[str]) -> None:
    made = maintenance.new_window("W-1", matchers, T0, T0 + timedelta(hours=1), "x", [], "cora", T0)
    assert made.matchers == matchers and maintenance.covering([made], {}, T0) is None


def test_a_window_of_exactly_31_days_is_taken_as_documented() -> None:
    made = maintenance.new_window("W-1", ["job=db"], T0 + timedelta(hours=1), T0 + timedelta(days=31, hours=1),
                                  "long freeze", [], "cora", T0)
    assert made.ends_at - made.starts_at == timedelta(days=maintenance.MAX_DAYS)


def test_window_notices_come_at_its_start_and_end_and_not_for_one_called_off() -> None:
    on, off = window(subscribers=["json://x"]), window("W-2", 30, 90)
    off = off.model_copy(update={"ended_at": off.starts_at})
    assert maintenance.due_notices([on, off], T0 - timedelta(minutes=1)) == []
    assert maintenance.due_notices([on, off], T0 + timedelta(minutes=61)) == [(on, "start"), (on, "end")]
    said = maintenance.notice(on, "end")
    assert said.event == "maintenance:W-1:end" and said.subject == "Maintenance W-1 ended: job=db"


@pytest.mark.parametrize(("snippet", "where"), [
    ('[intake.grouping]\nby = ["...", "job"]\n', "intake.grouping.by: Value error, '...'"),
    ('[[intake.thresholds]]\nid = "t"\nwhen = ["job=~("]\nalerts = 2\nminutes = 5\n', "intake.thresholds[0].when"),
    ('[[intake.thresholds]]\nid = "t"\nalerts = 0\nminutes = 5\n', "intake.thresholds[0].alerts"),
    ('[[intake.pause]]\nid = "p"\nminutes = 5\n[[intake.pause]]\nid = "p"\nminutes = 6\n', "used twice"),
    ('[intake.flapping]\ncycles = -1\n', "intake.flapping.cycles"),
    ('[intake.grouping]\nmode = "summary"\n', "intake.grouping.mode"),
])
def test_a_profile_mistake_in_the_noise_rules_names_its_key(snippet: str, where: str) -> None:
    data = tomllib.loads((data_dir() / "profiles" / "infrastructure.toml").read_text("utf-8"))
    extra = tomllib.loads(snippet)["intake"]
    data["intake"] = {**data["intake"], **extra}
    with pytest.raises(ProfileError) as found:
        parse_profile(data, "custom.toml")
    assert str(found.value).startswith("custom.toml: ") and where.split(": ")[0] in str(found.value)
    assert where.split(": ", 1)[-1].replace("Value error, ", "") in str(found.value)


def test_the_backtest_calls_out_a_rule_that_would_hold_back_a_page_marked_useful() -> None:
    run, ledger = flow()
    labels = {"alertname": "Down", "job": "api"}
    run.take(alert(labels, T0), T0)
    stored = list(ledger.alerts.values())
    real = {a.id: "INC-1" for a in stored}
    stored = [a.model_copy(update={"issue_id": real[a.id]}) for a in stored]
    current = replay(stored, Intake(), [], lambda i: True, T0 + timedelta(hours=1))
    tighter = replay(stored, rules('[[intake.thresholds]]\nid = "two"\nalerts = 2\nminutes = 10\n'), [],
                     lambda i: True, T0 + timedelta(hours=1))
    found = compare(current, tighter, {"INC-1": "useful"})
    assert found["pages_saved"] == 1 and [d["issue_id"] for d in found["dropped"]] == ["INC-1"]
    assert found["called_out"][0]["text"] == "two would have dropped the page of INC-1, later marked useful"
