"""Noise control figures: the storm fixture (tests/support/storm.py, Alertmanager's own shapes) through the intake
and the dispatcher's passes: events -> issues -> pages, the compression, merges of distinct label sets, pages for
alerts resolved inside their pause; and intake throughput with grouping on, batched, through POST /alertmanager."""

from __future__ import annotations

import json
import socket
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from harness import Figure, stopwatch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.dispatch import network  # noqa: E402
from tests.support.noise import storm_profile  # noqa: E402
from tests.support.storm import T0, WINDOW, notifications, populations  # noqa: E402

from triagedesk.app.dispatching import open_dispatching  # noqa: E402
from triagedesk.dispatch.intake import build_app  # noqa: E402
from triagedesk.dispatch.runner import ActionLog, Dispatcher  # noqa: E402
from triagedesk.dispatch.service import IntakeServer  # noqa: E402
from triagedesk.dispatch.settings import DispatchSettings  # noqa: E402
from triagedesk.domain.intake.alertmanager import read_alert  # noqa: E402

TOKEN = "bench-token"
BURST_RULES = """
[intake.grouping]
by = ["..."]
[[intake.grouping.rules]]
id = "by-alertname-cluster"
when = ["alertname=~Disk.*|CPU.*"]
by = ["alertname", "cluster"]
window_minutes = 30
[[intake.thresholds]]
id = "disk-5-in-10"
when = ["alertname=~Disk.*"]
alerts = 5
minutes = 10
[[intake.pause]]
id = "warnings"
when = ["severity=warning"]
minutes = 5
[intake.flapping]
cycles = 3
minutes = 60
"""


def storm(folder: Path, scale: int) -> list[Figure]:
    """The storm, minute by minute for 6 simulated hours: each notification one `take_alerts` (one durable write),
    a dispatcher pass each minute (holds, maintenance notices, auto-assignment pages)."""
    found = populations(scale)
    d = open_dispatching(str(folder / "storm.json"), profile_override=str(storm_profile(folder)))
    d.store.experts.put_many(network({e.id: f"json://127.0.0.1:9/{e.id}" for e in network({})}))  # pages go out
    d.desk.clock = lambda: T0 - timedelta(hours=1)
    d.desk.commands.add_window(WINDOW["matchers"], WINDOW["start"], WINDOW["end"], WINDOW["reason"],
                               WINDOW["subscribers"], "bench")
    dispatcher = Dispatcher(d, DispatchSettings(), b"k" * 32, ActionLog("json", lambda line: None), None,
                            lambda url, message, timeout=10.0: False)
    by_minute: dict[datetime, list[dict]] = {}
    for at, payload in notifications(found):
        by_minute.setdefault(at, []).append(payload)
    intake = d.desk.engine.profile("infrastructure").intake
    events, spent = 0, 0.0
    try:
        for minute in range(361):
            at = T0 + timedelta(minutes=minute)
            for payload in by_minute.get(at, []):
                events += len(payload["alerts"])
                started = time.perf_counter()
                d.take_alerts([read_alert(a, "a", intake, at) for a in payload["alerts"]], at)
                spent += time.perf_counter() - started
            dispatcher.run_pass(at)
        figures = d.desk.queries.noise(days=1, now=T0 + timedelta(hours=6))
        by_issue: dict[str, set[str]] = {}
        for record in d.store.alerts.all():
            if record.issue_id:
                by_issue.setdefault(record.issue_id, set()).add(record.fingerprint)
        merged_without_rule = sum(1 for key, sets in by_issue.items() if len(sets) > 1
                                  and not (d.store.issues.require(key).alert_group or _Empty).rule)
        transient_paged = sum(1 for i in d.store.issues.all() if i.alert_group and i.alert_group.verdict == "transient"
                              and d.store.requests.by("analysis_id", i.id))
        pages = sum(1 for m in d.outbox() if m.kind == "assignment")
        verdicts = Counter(i.alert_group.verdict for i in d.store.issues.all() if i.alert_group)
    finally:
        dispatcher.close()
        d.close()
    share = figures["compression"]
    notes = (f"{events:,} events -> {figures['issues']} issues -> {figures['pages']} requests ({pages} pages: "
             f"critical ones auto-assigned); verdicts {dict(sorted(verdicts.items()))}")
    return [
        Figure(f"storm ×{scale}: events paged nobody (1 - requests/events)", share * 100, "%", goal=">= 95%",
               ok=share >= 0.95, notes=notes),
        Figure(f"storm ×{scale}: issues holding two label sets without a rule saying so", merged_without_rule,
               "issues", goal="0", ok=merged_without_rule == 0),
        Figure(f"storm ×{scale}: requests for alerts resolved inside their pause", transient_paged, "requests",
               goal="0", ok=transient_paged == 0, notes=f"{figures['transient']} transient of {figures['held']} held"),
        Figure(f"storm ×{scale}: intake throughput, notification by notification", events / spent, "alerts/s",
               notes=f"{events:,} alerts in {spent:.2f} s of take_alerts (each notification one durable write; "
                     "mostly repeats of firing alerts)"),
    ]


class _Empty:
    rule = ""


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def burst(folder: Path, count: int, batch: int = 500) -> Figure:
    """`count` new alerts (distinct label sets: 20 alertnames, 10 clusters, many instances) posted in batches to
    POST /alertmanager with grouping rules, a threshold, a pause and flapping on."""
    d = open_dispatching(str(folder / "burst.json"), profile_override=str(storm_profile(folder, BURST_RULES)))
    now = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
    port = _port()
    server = IntakeServer(build_app(d, DispatchSettings(intake_token=TOKEN, rate_limit=1e6), b"k" * 32,
                                    lambda: now), "127.0.0.1", port)
    server.start()
    url = f"http://127.0.0.1:{port}"
    names = [f"{kind}{n}" for kind in ("DiskFull", "CPUHigh", "HostDown", "Latency") for n in range(5)]
    severities = ("warning", "critical", "info")
    alerts = [{"status": "firing", "labels": {"alertname": names[n % 20], "cluster": f"c{n % 10}",
                                              "instance": f"host-{n}", "severity": severities[n % 3]},
               "annotations": {"summary": f"{names[n % 20]} on host-{n}"}, "startsAt": now.isoformat()}
              for n in range(count)]
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.02)
        headers = {"Authorization": f"Bearer {TOKEN}", "content-type": "application/json"}
        with httpx.Client(headers=headers, timeout=300) as http, stopwatch() as took:
            for start in range(0, count, batch):
                body = json.dumps({"version": "4", "alerts": alerts[start:start + batch]})
                answer = http.post(f"{url}/alertmanager", content=body)
                assert answer.status_code == 201, answer.text
        issues, requests = len(d.store.issues), len(d.store.requests)
    finally:
        server.stop()
        d.close()
    rate = count / took[0]
    return Figure(f"intake POST /alertmanager with grouping on, {count:,} new alerts in batches of {batch}", rate,
                  "alerts/s", goal=">= 1,000 alerts/s", ok=rate >= 1000,
                  notes=f"{took[0]:.2f} s; {issues:,} issues, {requests:,} requests; each batch one durable write "
                        "(alerts, issues with their audit, requests)")


def run(quick: bool) -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="triagedesk-noise-") as tmp:
        folder = Path(tmp)
        (folder / "a").mkdir(), (folder / "b").mkdir()
        figures = storm(folder / "a", 1 if quick else 10)
        figures.append(burst(folder / "b", 2_000 if quick else 10_000))
    return figures
