"""A pause rule holds only the alerts its `when` selects: one that no pause rule holds (a critical joining held
warnings) ends its issue's hold and pages at once. Payloads follow Alertmanager's webhook shape
(prometheus/alertmanager docs/configuration.md, `<webhook_config>`)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tests.support.clock import T0
from tests.support.dispatch import network
from tests.support.noise import post, storm_profile
from triagedesk.app.dispatching import Dispatching, open_dispatching

UNSET = "0001-01-01T00:00:00Z"  # Go's zero time: Alertmanager's endsAt of a firing alert

PAUSE_WARNINGS = """
[[intake.grouping.rules]]
id = "err"
when = ["alertname=HighErrorRate"]
by = ["alertname", "cluster"]
window_minutes = 30

[[intake.pause]]
id = "warnings-5-min"
when = ["severity=warning"]
minutes = 5
"""


def _alert(labels: dict[str, str], start: datetime, **more: Any) -> dict[str, Any]:
    return {"status": "firing", "labels": labels, "annotations": {"summary": "5xx rate high"},
            "startsAt": start.isoformat().replace("+00:00", "Z"), "endsAt": UNSET,
            "generatorURL": "http://prometheus:9090/graph", "fingerprint": "", **more}


def _desk(folder: Path, rules: str) -> Dispatching:
    d = open_dispatching(str(folder / "desk.json"), profile_override=str(storm_profile(folder, rules)))
    d.store.experts.put_many(network({}))
    return d


def test_a_critical_alert_joining_held_warnings_ends_the_hold_and_pages_at_once(tmp_path: Path) -> None:
    d = _desk(tmp_path, PAUSE_WARNINGS)
    try:
        warning = {"alertname": "HighErrorRate", "cluster": "eu", "instance": "a", "severity": "warning"}
        critical = {"alertname": "HighErrorRate", "cluster": "eu", "instance": "b", "severity": "critical"}
        first = post(d, {"version": "4", "status": "firing", "alerts": [_alert(warning, T0)]}, T0)
        assert first[0].verdict == "held"  # the warning is held, as its rule says
        another = {**warning, "instance": "c"}
        soon = T0 + timedelta(seconds=30)
        assert post(d, {"version": "4", "status": "firing", "alerts": [_alert(another, soon)]}, soon)[0].verdict \
            == "held"  # a warning that its pause rule holds keeps the hold
        later = T0 + timedelta(minutes=1)
        second = post(d, {"version": "4", "status": "firing", "alerts": [_alert(critical, later)]}, later)
        assert second[0].issue_id == first[0].issue_id  # one group, as the grouping rule says
        # no pause rule selects a critical alert: it pages at once, as it would alone
        assert second[0].verdict == "paged"
        assert second[0].request_id is not None
        issue = d.store.issues.require(second[0].issue_id or "")
        assert issue.alert_group.held_until is None
        assert "no pause rule holds it" in issue.alert_group.why
    finally:
        d.close()
