"""Dispatcher figures: intake throughput against `import`, an alert storm, and a steady-state dispatcher pass."""

from __future__ import annotations

import json
import socket
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from harness import Figure, stopwatch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from triagedesk.app.dispatching import open_dispatching  # noqa: E402
from triagedesk.demo.issues import issue_records  # noqa: E402
from triagedesk.dispatch.intake import build_app  # noqa: E402
from triagedesk.dispatch.lease import FileLease  # noqa: E402
from triagedesk.dispatch.runner import ActionLog, Dispatcher, run_forever  # noqa: E402
from triagedesk.dispatch.service import IntakeServer  # noqa: E402
from triagedesk.dispatch.settings import DispatchSettings  # noqa: E402
from triagedesk.domain.inputs import parse_models  # noqa: E402
from triagedesk.domain.models import Expert, Issue  # noqa: E402
from triagedesk.domain.records import ExpertRequest  # noqa: E402
from triagedesk.resources import data_dir  # noqa: E402

TOKEN = "bench-token"
NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _experts() -> list[Expert]:
    path = data_dir() / "experts" / "infrastructure.jsonl"
    return parse_models(path.read_text("utf-8"), str(path), Expert)


def _serve(path: Path) -> tuple[IntakeServer, str, object]:
    d = open_dispatching(str(path))
    d.store.experts.put_many(_experts())
    settings = DispatchSettings(intake_token=TOKEN, rate_limit=1e6)
    port = _port()
    server = IntakeServer(build_app(d, settings, b"k" * 32, lambda: NOW), "127.0.0.1", port)
    server.start()
    url = f"http://127.0.0.1:{port}"
    for _ in range(500):
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.02)
    return server, url, d


def intake(folder: Path, count: int) -> list[Figure]:
    records = [Issue.model_validate(r).model_dump(mode="json", exclude_defaults=True)
               for r in issue_records(count, seed=21)]
    headers = {"Authorization": f"Bearer {TOKEN}", "content-type": "application/json"}
    server, url, d = _serve(folder / "intake.json")
    try:
        with httpx.Client(headers=headers, timeout=120) as http:
            cpu = time.process_time()  # the server runs in this process: its CPU time is counted too
            with stopwatch() as batched:
                for start in range(0, count, 500):
                    answer = http.post(f"{url}/issues", content=json.dumps(records[start:start + 500]))
                    assert answer.status_code == 201, answer.text
            batched_cpu = time.process_time() - cpu
            singles = records[:200]
            fresh = [{**r, "id": f"single-{n}"} for n, r in enumerate(singles)]
            with stopwatch() as single:
                for record in fresh:
                    assert http.post(f"{url}/issues", content=json.dumps(record)).status_code == 201
            spread = [{**r, "id": f"eight-{n}"} for n, r in enumerate(records[:400])]

            def one(record: dict[str, Any]) -> int:
                return http.post(f"{url}/issues", content=json.dumps(record)).status_code

            with ThreadPoolExecutor(8) as clients, stopwatch() as eight:
                codes = list(clients.map(one, spread))
            assert codes.count(201) == len(spread), codes
    finally:
        server.stop()
        d.close()  # type: ignore[attr-defined]
    text = json.dumps(records)
    target = open_dispatching(str(folder / "import.json"))
    with stopwatch() as imported:  # what `triagedesk import` does: validate every row, then one durable write
        target.store.issues.put_many(parse_models(text, "x.json", Issue, "json"))
    target.close()
    return [
        Figure(f"intake POST /issues, {count:,} issues in batches of 500", batched[0], "s", baseline=imported[0],
               notes=f"{count / batched[0]:,.0f} issues/s ({count / batched_cpu:,.0f}/s of CPU, client and "
                     f"server together); baseline: `import` of the same rows "
                     f"({count / imported[0]:,.0f}/s), which neither scores them nor opens their requests nor "
                     "dedups; ratio < 1: the intake is that much slower"),
        Figure("intake POST /issues, one issue a request", single[0] / len(fresh) * 1000, "ms",
               notes=f"{len(fresh) / single[0]:,.0f} issues/s, each a durable write (fsync) of the issue, "
                     "its request and their audit entries"),
        Figure("intake POST /issues, one issue a request, 8 clients at once", len(spread) / eight[0], "posts/s",
               notes="400 posts from 8 threads (#23's figure before: 347/s)"),
    ]


def storm(folder: Path) -> Figure:
    alerts = [{"status": "firing", "fingerprint": f"fp-{n % 20:02d}",
               "labels": {"alertname": f"A{n % 20}", "severity": "critical", "instance": f"h{n % 20}"},
               "annotations": {"summary": f"alert {n % 20} outage", "description": f"seen {n}"}} for n in range(500)]
    server, url, d = _serve(folder / "storm.json")
    headers = {"Authorization": f"Bearer {TOKEN}"}
    try:
        with httpx.Client(headers=headers, timeout=120) as http, stopwatch() as took:
            for start in range(0, 500, 25):  # Alertmanager groups alerts; 25 a notification
                answer = http.post(f"{url}/alertmanager", json={"version": "4", "alerts": alerts[start:start + 25]})
                assert answer.status_code == 201, answer.text
        rows = len(d.store.issues)  # type: ignore[attr-defined]
    finally:
        server.stop()
        d.close()  # type: ignore[attr-defined]
    return Figure("storm: 500 critical alerts with 20 keys, time until the queue holds the 20 rows", took[0], "s",
                  goal="20 rows", ok=rows == 20, notes=f"{rows} rows; 20 requests opened, one per row")


def dispatcher_pass(folder: Path, issues: int, open_requests: int) -> list[Figure]:
    d = open_dispatching(str(folder / "pass.json"))
    experts = _experts()
    d.store.experts.put_many(experts)
    records = issue_records(issues, seed=5)
    d.store.issues.put_many([Issue.model_validate(r) for r in records])
    ids = [r["id"] for r in records[:open_requests]]
    requests = []
    for n, issue_id in enumerate(ids):
        expert = experts[n % len(experts)]
        requests.append(ExpertRequest(
            id=f"req-{n}", analysis_id=issue_id, profile="infrastructure", status="assigned", urgency="medium",
            assigned_expert_id=expert.id, assigned_expert_name=expert.name, submitted_at=NOW - timedelta(hours=1),
            assigned_at=NOW, acknowledged_at=NOW,
            due_at=NOW + timedelta(hours=2 + n % 50)))
    d.store.requests.put_many(requests)
    dispatcher = Dispatcher(d, DispatchSettings(), b"k" * 32, ActionLog("json", lambda line: None))
    cpu = time.process_time()
    dispatcher.run_pass(NOW)  # builds the due-time index: one scan at start
    build = time.process_time() - cpu
    runs = []
    for second in range(1, 22):  # the passes of a running dispatcher: its clock moves on, nothing is due
        cpu = time.process_time()
        dispatcher.run_pass(NOW + timedelta(seconds=5 * second))
        runs.append(time.process_time() - cpu)
    steady = statistics.median(runs)
    dispatcher.close()
    d.close()
    return [
        Figure(f"dispatcher pass, {issues:,} issues with {open_requests:,} open requests (CPU)", steady * 1000, "ms",
               goal="<= 50 ms, O(due steps)", ok=steady <= 0.05, runs=runs,
               notes="its own due-time index (a heap fed by the store's change notices)"),
        Figure("dispatcher start: the due-time index over every open request (CPU, once)", build, "s",
               notes="one scan of the open requests and the audit log"),
    ]


class _Pages(BaseHTTPRequestHandler):
    """The local receivers: `/hang` never answers (until the bench ends); any other path answers at once. Each
    arrival's time is kept by the request id its page names (the head's second line)."""

    arrived: dict[str, float] = {}
    release = threading.Event()
    changed = threading.Condition()

    def do_POST(self) -> None:  # noqa: N802
        raw = self.rfile.read(int(self.headers.get("content-length") or 0))
        if self.path.startswith("/hang"):
            self.release.wait(300)
            return
        text = json.loads(raw or b"{}").get("message", "")
        request_id = text.split("\n", 2)[1].split(" ")[1] if text.count("\n") >= 2 else "?"
        with self.changed:
            self.arrived.setdefault(request_id, time.monotonic())
            self.changed.notify_all()
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def page_latency(folder: Path, pages: int) -> list[Figure]:
    """A running dispatcher (its own threads, the real clock) pages 20 experts, one of whom is a webhook that
    never answers: from each step (its log line) to its page at a working receiver."""
    ThreadingHTTPServer.daemon_threads = True
    server = ThreadingHTTPServer(("127.0.0.1", _port()), _Pages)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"json://127.0.0.1:{server.server_address[1]}"
    template = _experts()[0]
    experts = [template.model_copy(update={"id": f"x{n:02d}", "name": f"Expert {n}", "current_workload": 0,
                                           "contacts": {"webhook": f"{base}/{'hang' if n == 0 else f'ok{n}'}"}})
               for n in range(20)]
    path = folder / "pages.json"
    d = open_dispatching(str(path))
    d.store.experts.put_many(experts)
    stepped: dict[str, tuple[float, str]] = {}

    def emit(line: str) -> None:
        event = json.loads(line)
        if event["event"] == "auto_assign":
            stepped[event["request"]] = (time.monotonic(), event["expert"])

    settings = DispatchSettings(send_timeout_seconds=10.0, interval_seconds=0.2)
    dispatcher = Dispatcher(d, settings, b"k" * 32, ActionLog("json", emit))
    stop, wake = threading.Event(), threading.Event()
    loop = threading.Thread(target=run_forever, daemon=True, args=(
        dispatcher, FileLease(str(path), 30), stop, 0.2, lambda: datetime.now(UTC), None, wake))
    loop.start()
    hanging_pages = 0
    try:
        for n in range(pages):
            [made] = d.take_in([Issue(id=f"P-{n}", title="Production outage", users_affected=900)],
                               datetime.now(UTC))
            wake.set()
            request_id = made["request_id"]
            deadline = time.monotonic() + 30
            with _Pages.changed:
                while time.monotonic() < deadline and request_id not in _Pages.arrived:
                    if stepped.get(request_id, (0, ""))[1] == "x00":
                        break  # the hanging expert's page: it never arrives
                    _Pages.changed.wait(0.05)
            hanging_pages += stepped.get(request_id, (0, ""))[1] == "x00"
    finally:
        stop.set()
        wake.set()
        loop.join(30)
        _Pages.release.set()
        server.shutdown()
        dispatcher.close()
        d.close()
    waits = sorted(_Pages.arrived[r] - at for r, (at, expert) in stepped.items()
                   if expert != "x00" and r in _Pages.arrived)
    p50 = statistics.median(waits) * 1000
    p99 = waits[min(len(waits) - 1, int(len(waits) * 0.99))] * 1000
    missing = pages - len(waits) - hanging_pages
    note = (f"{len(waits)} pages to 19 working receivers, {hanging_pages} more to the one that hangs "
            f"(10 s timeout, backoff){f', {missing} not measured (no step or no page in 30 s)' if missing else ''};"
            " from the step's log line to the receiver")
    return [Figure("page: due step to a working receiver, 1 hanging target among 20 (p50)", p50, "ms",
                   goal="< 1000 ms", ok=p50 < 1000, runs=waits, notes=note),
            Figure("page: due step to a working receiver, 1 hanging target among 20 (p99)", p99, "ms",
                   goal="< 1000 ms", ok=p99 < 1000, notes=note)]


def run(quick: bool) -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="triagedesk-dispatch-") as tmp:
        folder = Path(tmp)
        figures = intake(folder, 1_000 if quick else 5_000)
        figures.append(storm(folder))
        figures += dispatcher_pass(folder, 20_000 if quick else 100_000, 2_000 if quick else 10_000)
        figures += page_latency(folder, 40 if quick else 200)
    return figures
