"""Noise control from the command line: maintenance windows (add, list, end), feedback marks, `show` explaining why
an issue paged or did not (text and --json alike), the report's noise view and the intake backtest."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.support.cli import run_cli
from tests.support.clock import T0
from tests.support.noise import storm_profile
from triagedesk.app.dispatching import open_dispatching
from triagedesk.domain.intake.alertmanager import read_alert

PAUSE = '[[intake.pause]]\nid = "warnings"\nwhen = ["severity=warning"]\nminutes = 5\n'


def _alert(labels: dict[str, str], start: datetime, end: datetime | None = None) -> dict:
    return {"status": "resolved" if end else "firing", "labels": labels, "annotations": {"summary": "Latency high"},
            "startsAt": start.isoformat(), "endsAt": end.isoformat() if end else "0001-01-01T00:00:00Z"}


def _alerted(tmp_path: Path, rules: str | None) -> tuple[Path, dict[str, str]]:
    db = tmp_path / "desk.json"
    d = open_dispatching(str(db), profile_override=str(storm_profile(tmp_path, rules)) if rules else None)
    intake = d.desk.engine.profile("infrastructure").intake
    blip = {"alertname": "HighLatency", "instance": "web-1", "severity": "warning"}
    down = {"alertname": "InstanceDown", "instance": "api-1", "severity": "critical"}
    ids = {}
    for labels, at, end in ((blip, T0, None), (down, T0, None), (blip, T0, T0 + timedelta(minutes=2))):
        [taken] = d.take_alerts([read_alert(_alert(labels, T0, end), "a", intake, at)], at + timedelta(seconds=1))
        ids[labels["alertname"]] = taken.issue_id or ""
    d.close()
    return db, ids


@pytest.fixture
def alerted(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A store where a warning blipped (held, transient) and a critical alert paged."""
    return _alerted(tmp_path, PAUSE)


@pytest.fixture
def shipped(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """The same alerts under the shipped profile's rules: both paged at once."""
    return _alerted(tmp_path, None)


def test_maintenance_add_list_end_and_their_mistakes(tmp_path: Path) -> None:
    db = str(tmp_path / "desk.json")
    at = "--now", "2026-01-05T01:00:00Z"
    made = run_cli("maintenance", "add", "--match", "job=db", "--match", "instance=~db-.*", "--start",
                   "2026-01-05T02:00:00Z", "--end", "2026-01-05T03:00:00Z", "--reason", "db upgrade", "--notify",
                   "json://hooks.example/ops", "--actor", "cora", "--db", db, "--json", *at)
    assert made.returncode == 0, made.stderr
    window = json.loads(made.stdout)
    assert (window["id"], window["state"], window["created_by"]) == ("W-1", "upcoming", "cora")
    for args, problem in ((["--match", "job"], "--match: 'job' is not a matcher"),
                          (["--match", "job=db", "--end", "2026-01-05T01:30:00Z"], "--end: the end must come after"),
                          (["--match", "job=db", "--start", "yesterday"], "--start: 'yesterday' is not an ISO"),
                          (["--match", "job=~.*", "--match", "team!=db"], "--match: 'job=~.*', 'team!=db' also")):
        full = {"--start": "2026-01-05T02:00:00Z", "--end": "2026-01-05T03:00:00Z"}
        rest = [a for pair in zip(args[::2], args[1::2], strict=True) for a in pair]
        for flag, value in full.items():
            if flag not in args:
                rest += [flag, value]
        bad = run_cli("maintenance", "add", *rest, "--reason", "x", "--db", db, *at)
        assert bad.returncode == 2 and problem in bad.stderr and bad.stderr.count("\n") == 1, bad.stderr
    listed = json.loads(run_cli("maintenance", "list", "--json", "--db", db, "--now", "2026-01-05T02:30:00Z").stdout)
    assert [(w["id"], w["state"]) for w in listed] == [("W-1", "active")]
    ended = run_cli("maintenance", "end", "W-1", "--db", db, "--now", "2026-01-05T02:40:00Z", "--actor", "cora")
    assert ended.returncode == 0 and "W-1: ended at 2026-01-05 02:40 UTC" in ended.stdout
    again = run_cli("maintenance", "end", "W-1", "--db", db, "--now", "2026-01-05T02:50:00Z")
    assert again.returncode == 2 and "W-1 is over already" in again.stderr
    missing = run_cli("maintenance", "end", "W-7", "--db", db)
    assert missing.returncode == 2 and "no maintenance window 'W-7' (windows: W-1)" in missing.stderr
    history = run_cli("show", "W-1", "--db", db)  # not an issue: one line, no traceback
    assert history.returncode == 2 and "Traceback" not in history.stderr


def test_show_says_why_an_issue_did_or_did_not_page_in_text_and_json(alerted) -> None:
    db, ids = alerted
    text = run_cli("show", ids["HighLatency"], "--db", str(db))
    assert text.returncode == 0, text.stderr
    assert "## Alerts" in text.stdout and "transient: held 5 min, resolved after 2 min: transient" in text.stdout
    assert "alertname=HighLatency, instance=web-1, severity=warning" in text.stdout
    as_json = json.loads(run_cli("show", ids["HighLatency"], "--json", "--db", str(db)).stdout)
    group = as_json["issue"]["alert_group"]
    assert (group["verdict"], group["why"]) == ("transient", "held 5 min, resolved after 2 min: transient")
    paged = json.loads(run_cli("show", ids["InstanceDown"], "--json", "--db", str(db)).stdout)
    assert paged["issue"]["alert_group"]["why"] == "paged at arrival" and len(paged["requests"]) == 1


def test_feedback_marks_clears_and_refuses_an_unknown_issue(alerted) -> None:
    db, ids = alerted
    marked = run_cli("feedback", ids["InstanceDown"], "useful", "--json", "--db", str(db), "--actor", "cora")
    assert marked.returncode == 0 and json.loads(marked.stdout)["feedback"] == "useful"
    cleared = run_cli("feedback", ids["InstanceDown"], "none", "--db", str(db))
    assert cleared.returncode == 0 and "no mark" in cleared.stdout
    wrong = run_cli("feedback", ids["InstanceDown"], "meh", "--db", str(db))
    assert wrong.returncode == 2 and "'meh' is not one of" in wrong.stderr
    unknown = run_cli("feedback", "NOPE-1", "noise", "--db", str(db))
    assert unknown.returncode == 2 and "no issue 'NOPE-1'" in unknown.stderr


def test_the_report_carries_the_noise_view(alerted) -> None:
    db, ids = alerted
    run_cli("feedback", ids["HighLatency"], "noise", "--db", str(db))
    found = json.loads(run_cli("report", "--format", "json", "--days", "7", "--now", "2026-01-05T12:00:00Z",
                               "--db", str(db)).stdout)["noise"]
    assert (found["events"], found["alerts"], found["issues"], found["pages"]) == (3, 2, 2, 1)
    assert (found["held"], found["transient"], found["transient_share"]) == (1, 1, 1.0)
    assert found["noisiest_rules"][0]["rule"] == "HighLatency" and found["marked"] == {"useful": 0, "noise": 1}
    md = run_cli("report", "--days", "7", "--now", "2026-01-05T12:00:00Z", "--db", str(db)).stdout
    assert "## Noise: events, issues, pages" in md and "| alertmanager | HighLatency | 2 | 1 | 0 |" in md


def test_the_docs_name_the_reports_json_as_report_takes_it(alerted) -> None:
    """docs/dispatcher.md and docs/oncall.md said `report --json`, an option report does not have."""
    docs = Path(__file__).parents[2] / "docs"
    said = {name: (docs / name).read_text("utf-8") for name in ("dispatcher.md", "oncall.md")}
    assert "`report` (`noise` in `--format json`)" in said["dispatcher.md"]
    assert "`report --format json` → `oncall`" in said["oncall.md"]
    assert not any("report --json" in text or "(`noise` in `--json`)" in text for text in said.values())
    db, _ = alerted
    found = run_cli("report", "--format", "json", "--now", "2026-01-05T12:00:00Z", "--db", str(db))
    assert found.returncode == 0, found.stderr
    assert {"noise", "oncall"} <= set(json.loads(found.stdout))


def test_backtest_replays_a_changed_pause_over_the_stored_alerts(shipped, tmp_path: Path) -> None:
    db, ids = shipped
    run_cli("feedback", ids["InstanceDown"], "useful", "--db", str(db))
    run_cli("feedback", ids["HighLatency"], "noise", "--db", str(db))
    (tmp_path / "changed").mkdir()
    stricter = storm_profile(tmp_path / "changed", '[[intake.pause]]\nid = "everything"\nminutes = 5\n')
    done = run_cli("backtest", "--profile", str(stricter), "--json", "--days", "7", "--now", "2026-01-05T12:00:00Z",
                   "--db", str(db))
    assert done.returncode == 0, done.stderr
    alerts = json.loads(done.stdout)["alerts"]
    assert (alerts["current"]["pages"], alerts["changed"]["pages"], alerts["pages_saved"]) == (2, 1, 1)
    [dropped] = alerts["dropped"]                 # the blip: resolved inside the pause (it was marked noise)
    assert (dropped["issue_id"], dropped["marked_useful"]) == (ids["HighLatency"], False)
    [late] = alerts["delayed"]                    # the outage: still firing, paged 5 min later
    assert (late["issue_id"], late["minutes_later"], late["held_by"]) == (ids["InstanceDown"], 5.0, ["everything"])
    [called] = alerts["called_out"]
    assert called["text"] == f"everything would have delayed the page of {ids['InstanceDown']} by 5 min; it was " \
                             "later marked useful"
    table = run_cli("backtest", "--profile", str(stricter), "--days", "7", "--now", "2026-01-05T12:00:00Z",
                    "--db", str(db))
    assert "Intake rules replayed over 2 stored alerts" in table.stdout and "[!]" in table.stdout


def test_dispatch_once_at_a_later_now_releases_a_held_alert_and_tells_a_windows_subscribers(tmp_path: Path) -> None:
    db = tmp_path / "desk.json"
    d = open_dispatching(str(db), profile_override=str(storm_profile(tmp_path, PAUSE)))
    intake = d.desk.engine.profile("infrastructure").intake
    lasting = {"alertname": "HighLatency", "instance": "web-2", "severity": "warning"}
    [held] = d.take_alerts([read_alert(_alert(lasting, T0), "a", intake, T0)], T0)
    d.desk.clock = lambda: T0
    d.desk.commands.add_window(["job=db"], T0, T0 + timedelta(minutes=30), "upgrade", ["json://127.0.0.1:9/x"], "cora")
    d.close()
    early = run_cli("dispatch", "--once", "--now", "2026-01-05T09:03:00Z", "--db", str(db))
    assert early.returncode == 0, early.stderr
    d = open_dispatching(str(db))
    try:
        assert d.store.issues.require(held.issue_id or "").alert_group.verdict == "held"   # type: ignore[union-attr]
        assert [m.subject for m in d.outbox() if m.kind == "maintenance"] == ["Maintenance W-1 started: job=db"]
    finally:
        d.close()
    later = run_cli("dispatch", "--once", "--now", "2026-01-05T09:06:00Z", "--db", str(db))  # the hold is over
    assert later.returncode == 0, later.stderr
    d = open_dispatching(str(db))
    try:
        issue = d.store.issues.require(held.issue_id or "")
        [request] = d.store.requests.by("analysis_id", issue.id)
        assert issue.alert_group.verdict == "paged" and request.submitted_at == T0   # type: ignore[union-attr]
    finally:
        d.close()
