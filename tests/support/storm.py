"""An alert storm in Alertmanager's own shapes (tests/dispatch/fixtures/SOURCES.md names them): label sets from
its `examples/ha/send_alerts.sh`, notifications in its webhook envelope, batched as its `doc/examples/simple.yml`
routes them (group_by alertname, cluster, service; a change sent at once, every firing alert again each 5 min).

Each population says what the noise rules of `STORM_RULES` must make of it: how many issues, requests and pages
(assignment messages: the dispatcher auto-assigns critical requests), with which verdict. The totals are the sum
of those expectations, each derived from the rules by hand, not from running the code.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from triagedesk.domain.intake.alertmanager import fingerprint

T0 = datetime(2026, 1, 5, 0, 0, tzinfo=UTC)
FIXTURES = Path(__file__).resolve().parents[1] / "dispatch" / "fixtures"
ZERO = "0001-01-01T00:00:00Z"
AM_GROUP_BY = ("alertname", "cluster", "service")
RESEND_MINUTES = 5
SUBSCRIBER = "json://127.0.0.1:9/maintenance"

STORM_RULES = """
[intake.grouping]
by = ["..."]
window_minutes = 0

[[intake.grouping.rules]]
id = "error-rate-by-cluster"
when = ["alertname=HighErrorRate"]
by = ["alertname", "cluster"]
window_minutes = 30

[[intake.thresholds]]
id = "error-rate-3-in-10"
when = ["alertname=HighErrorRate"]
alerts = 3
minutes = 10

[[intake.pause]]
id = "warnings-5-min"
when = ["severity=warning"]
minutes = 5

[intake.flapping]
cycles = 3
minutes = 60
"""
"""The noise rules the storm is asserted under (appended to the shipped infrastructure profile)."""

WINDOW = {"matchers": ["job=db"], "start": T0 + timedelta(minutes=120), "end": T0 + timedelta(minutes=180),
          "reason": "database upgrade", "subscribers": [SUBSCRIBER]}


def send_alerts() -> list[dict[str, Any]]:
    """Alertmanager's `examples/ha/send_alerts.sh` alerts, verbatim."""
    return json.loads((FIXTURES / "alertmanager-examples-ha-send_alerts.json").read_text("utf-8"))


@dataclass
class Series:
    """One label set and the minutes (from T0) it fires: [(start, end or None: still firing at the end)]."""

    labels: dict[str, str]
    annotations: dict[str, str]
    spans: list[tuple[int, int | None]]


@dataclass
class Population:
    """Label sets with what the rules must make of them."""

    name: str
    series: list[Series]
    issues: int
    requests: int
    pages: int
    verdict: str
    """The verdict every issue of the population ends with."""
    label_sets_per_issue: list[int] = field(default_factory=list)
    """When a rule groups several label sets into one issue: how many each issue holds (sorted)."""


def _critical(labels: dict[str, str]) -> dict[str, str]:
    return {**labels, "severity": labels.get("severity", "critical")}


def populations(scale: int = 1) -> list[Population]:
    """The storm's label sets; `scale` multiplies the steady, never-escalating ones (the bench's bigger storm)."""
    sent = send_alerts()
    end = None
    out = [
        Population("send_alerts example3 critical", [Series(sent[4]["labels"], {}, [(10, end)])], 1, 1, 1, "paged"),
        Population("send_alerts example3 warning (held 5 min, still firing)",
                   [Series(sent[5]["labels"], {}, [(10, end)])], 1, 1, 0, "paged"),
        Population("send_alerts example1 and example2: summaries shared in pairs, no severity",
                   [Series(a["labels"], a.get("annotations", {}), [(20, end)]) for a in sent[:4]], 4, 0, 0,
                   "not_escalated"),
        Population("InstanceDown api-1 under two jobs, one summary",
                   [Series(_critical({"alertname": "InstanceDown", "job": job, "instance": "api-1"}),
                           {"summary": "Instance api-1 down"}, [(30, 200)]) for job in ("api", "worker")],
                   2, 2, 2, "paged"),
        Population("HighLatency blips on web-1..8 (2 min each, twice, 2 h apart)",
                   [Series({"alertname": "HighLatency", "job": "web", "instance": f"web-{n}", "severity": "warning"},
                           {"summary": "High latency on web"}, [(40 + 7 * n, 42 + 7 * n), (200 + 7 * n, 202 + 7 * n)])
                    for n in range(1, 9)], 8, 0, 0, "transient"),
        Population("ProbeFailed probe-1 flapping (warning): pages once, at its 5th fire",
                   [Series({"alertname": "ProbeFailed", "job": "blackbox", "instance": "probe-1",
                            "severity": "warning"}, {"summary": "Probe failed"},
                           [(60 + 10 * k, 63 + 10 * k) for k in range(12)])], 1, 1, 0, "paged"),
        Population("ProbeFailed probe-2 flapping (critical): pages once, at its first fire",
                   [Series({"alertname": "ProbeFailed", "job": "blackbox", "instance": "probe-2",
                            "severity": "critical"}, {"summary": "Probe failed"},
                           [(65 + 10 * k, 68 + 10 * k) for k in range(12)])], 1, 1, 1, "paged"),
        Population("InstanceDown db-1..3 inside maintenance W-1 (resolved inside it)",
                   [Series(_critical({"alertname": "InstanceDown", "job": "db", "instance": f"db-{n}"}),
                           {"summary": f"Instance db-{n} down"}, [(125, 160)]) for n in (1, 2, 3)],
                   3, 0, 0, "maintenance"),
        Population("InstanceDown db-4 still firing when W-1 ends: pages at its end",
                   [Series(_critical({"alertname": "InstanceDown", "job": "db", "instance": "db-4"}),
                           {"summary": "Instance db-4 down"}, [(130, 250)])], 1, 1, 1, "paged"),
        Population("HighErrorRate eu-1: 2 of 3 (below the threshold), then 3 in 4 min (pages)",
                   [Series({"alertname": "HighErrorRate", "cluster": "eu-1", "instance": f"api-{n}",
                            "severity": "error"}, {"summary": "Error rate above 5%"},
                           [(90, 110)] if n <= 2 else [(240 + 2 * (n - 3), 300)]) for n in range(1, 6)],
                   2, 1, 0, "", [2, 3]),
        Population("Watchdog, always firing", [Series({"alertname": "Watchdog", "severity": "none"}, {
            "summary": "An alert that should always be firing to certify that Alertmanager is working properly."},
            [(0, end)])], 1, 0, 0, "not_escalated"),
        Population("CPUThrottlingHigh info on 20 pods",
                   [Series({"alertname": "CPUThrottlingHigh", "namespace": "kube-system", "pod": f"p-{n}",
                            "severity": "info"}, {"summary": "Processes experience elevated CPU throttling."},
                           [(5, end)]) for n in range(1, 20 * scale + 1)], 20 * scale, 0, 0, "not_escalated"),
    ]
    return out


def _stamp(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _alert(series: Series, start: int, ended: int | None) -> dict[str, Any]:
    return {"status": "resolved" if ended is not None else "firing", "labels": series.labels,
            "annotations": series.annotations, "startsAt": _stamp(T0 + timedelta(minutes=start)),
            "endsAt": _stamp(T0 + timedelta(minutes=ended)) if ended is not None else ZERO,
            "generatorURL": "http://prometheus.example:9090/graph", "fingerprint": fingerprint(series.labels)}


def _envelope(key: tuple[str, ...], alerts: list[dict[str, Any]]) -> dict[str, Any]:
    labels = [a["labels"] for a in alerts]
    common = {k: v for k, v in labels[0].items() if all(other.get(k) == v for other in labels)}
    group = {name: value for name, value in zip(AM_GROUP_BY, key, strict=True) if value}
    return {"version": "4", "groupKey": "{}:{" + ", ".join(f'{k}="{v}"' for k, v in group.items()) + "}",
            "truncatedAlerts": 0, "status": "firing" if any(a["status"] == "firing" for a in alerts) else "resolved",
            "receiver": "triagedesk", "groupLabels": group, "commonLabels": common, "commonAnnotations": {},
            "externalURL": "http://alertmanager.example:9093", "alerts": alerts}


def notifications(found: list[Population], minutes: int = 360) -> Iterator[tuple[datetime, dict[str, Any]]]:
    """Every webhook notification of the storm, in time order: per Alertmanager group, at each minute where one of
    its alerts started or resolved (every firing alert of the group, and those just resolved), and every 5 minutes
    while any fires."""
    groups: dict[tuple[str, ...], list[Series]] = {}
    for population in found:
        for series in population.series:
            groups.setdefault(tuple(series.labels.get(k, "") for k in AM_GROUP_BY), []).append(series)
    for minute in range(minutes + 1):
        for key, members in groups.items():
            firing, resolved, changed = [], [], False
            for series in members:
                for start, end in series.spans:
                    if start <= minute and (end is None or minute < end):
                        firing.append(_alert(series, start, None))
                        changed = changed or start == minute
                    elif end == minute:
                        resolved.append(_alert(series, start, end))
                        changed = True
            if changed or (firing and minute % RESEND_MINUTES == 0):
                yield T0 + timedelta(minutes=minute), _envelope(key, firing + resolved)


def expected(found: list[Population]) -> dict[str, int]:
    return {"issues": sum(p.issues for p in found), "requests": sum(p.requests for p in found),
            "pages": sum(p.pages for p in found)}
