"""The intake: issues over HTTP (our JSON, Prometheus Alertmanager), acknowledgement links, health (Starlette)."""

from __future__ import annotations

import hmac
import json
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from triagedesk.app.dispatching import Dispatching
from triagedesk.dispatch import tokens
from triagedesk.dispatch.settings import DispatchSettings
from triagedesk.domain.errors import InputError, UserError
from triagedesk.domain.inputs import loads, parse_models
from triagedesk.domain.models import Issue
from triagedesk.resources import available_profiles

SEVERITY = {"critical": "critical", "page": "critical", "error": "high", "high": "high", "warning": "medium",
            "medium": "medium", "info": "low", "low": "low", "none": "low"}
"""Alertmanager's common `severity` labels; a critical alert reads as an outage to the scorer."""


class TooLarge(Exception):
    pass


class RateLimiter:
    """A token bucket per client: `rate` requests a second, bursts of twice that."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.burst = max(rate * 2, 1.0)
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, client: str) -> bool:
        now = self.clock()
        with self._lock:
            if len(self._buckets) > 10_000:  # forget idle clients rather than grow without bound
                self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < 60}
            tokens_left, seen = self._buckets.get(client, (self.burst, now))
            tokens_left = min(self.burst, tokens_left + (now - seen) * self.rate)
            if tokens_left < 1:
                self._buckets[client] = (tokens_left, now)
                return False
            self._buckets[client] = (tokens_left - 1, now)
            return True


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def alert_issue(alert: dict[str, Any], where: str) -> Issue:
    """One Alertmanager alert as an issue: severity, summary, description and instance mapped, fingerprint the key."""
    if not isinstance(alert, dict):
        raise InputError(f"{where}: expected an alert object")
    labels = alert.get("labels") or {}
    notes = alert.get("annotations") or {}
    if not isinstance(labels, dict) or not isinstance(notes, dict):
        raise InputError(f"{where}.labels: expected objects of labels and annotations")
    name = str(labels.get("alertname") or "alert")
    severity = SEVERITY.get(str(labels.get("severity", "")).lower(), "medium")
    summary = str(notes.get("summary") or name)
    description = str(notes.get("description") or "")
    instance = str(labels.get("instance") or "")
    key = str(alert.get("fingerprint") or "") or "|".join(f"{k}={labels[k]}" for k in sorted(labels))
    text = description
    if severity == "critical" and "outage" not in (summary + description).lower():
        text = f"{description} (critical alert: service outage)".strip()
    started = _parse_time(alert.get("startsAt"))
    try:
        return Issue(title=f"[{name}] {summary}"[:300], description=text[:5000], profile="infrastructure",
                     affected_systems=[instance] if instance else [], dedup_key=key[:200],
                     symptoms=[f"{k}={v}" for k, v in sorted(labels.items())][:20], created_at=started,
                     last_seen=started)
    except ValueError as exc:
        raise InputError(f"{where}: {exc}") from None


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or value.startswith("0001-"):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def build_app(dispatching: Dispatching, settings: DispatchSettings, secret: bytes,
              clock: Callable[[], datetime] = lambda: datetime.now(UTC),
              on_change: Callable[[], None] | None = None) -> Starlette:
    """The ASGI app; `on_change` wakes the dispatcher after an intake so a critical issue is assigned at once."""
    limiter = RateLimiter(settings.rate_limit)
    token = settings.intake_token

    def authorised(request: Request) -> bool:
        given = request.headers.get("authorization", "")
        if not token or not given.lower().startswith("bearer "):
            return False
        return hmac.compare_digest(given[7:].strip().encode("utf-8"), token.encode("utf-8"))

    async def body_of(request: Request) -> bytes:
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > settings.max_body:
            raise TooLarge
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > settings.max_body:
                raise TooLarge
            chunks.append(chunk)
        return b"".join(chunks)

    async def guarded(request: Request, handle: Callable[[str], Response]) -> Response:
        client = request.client.host if request.client else "?"
        if not limiter.allow(client):
            return _error(429, "too many requests")
        if not authorised(request):
            return JSONResponse({"error": "a valid bearer token is required"}, status_code=401,
                                headers={"WWW-Authenticate": "Bearer"})
        try:
            raw = await body_of(request)
        except TooLarge:
            return _error(413, f"request body over {settings.max_body} bytes")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return _error(400, "body: not UTF-8 text")
        try:
            return await run_in_threadpool(handle, text)
        except InputError as exc:
            return _error(422, str(exc))
        except UserError as exc:
            return _error(409, str(exc))

    def take(issues: list[Issue], status: int = 201) -> Response:
        results = dispatching.take_in(issues, clock())
        if on_change is not None:
            on_change()
        return JSONResponse({"ids": [r["id"] for r in results], "results": results}, status_code=status)

    def post_issues_sync(text: str) -> Response:
        issues = parse_models(text, "body", Issue, "json")
        if not issues:
            raise InputError("body: expected an issue or a non-empty array of issues")
        known = available_profiles()  # by name only: a path from the network is never opened
        for index, issue in enumerate(issues):
            if issue.profile is not None and issue.profile not in known:
                where = f"body: [{index}]" if text.lstrip().startswith("[") else "body"
                raise InputError(f"{where}: profile: unknown profile {issue.profile!r} "
                                 f"(known: {', '.join(sorted(known))})")
        return take(issues)

    def post_alerts_sync(text: str) -> Response:
        try:
            payload = loads(text, "body")  # the same refusals as import: too deep, NaN, 2**64, lone surrogates
        except json.JSONDecodeError as exc:
            raise InputError(f"body:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from None
        alerts = payload.get("alerts") if isinstance(payload, dict) else None
        if not isinstance(alerts, list):
            raise InputError("body.alerts: expected Alertmanager's webhook payload with a list of alerts")
        firing: list[Issue] = []
        resolved: list[Issue] = []
        for index, alert in enumerate(alerts):
            issue = alert_issue(alert, f"body.alerts[{index}]")
            (resolved if alert.get("status") == "resolved" else firing).append(issue)
        results = dispatching.take_in(firing, clock(), actor="alertmanager") if firing else []
        noted = [dispatching.resolve_alert(i.dedup_key or "", clock()) for i in resolved]
        if on_change is not None:
            on_change()
        return JSONResponse({"ids": [r["id"] for r in results], "results": results,
                             "resolved": [n for n in noted if n]}, status_code=201 if firing else 200)

    async def post_issues(request: Request) -> Response:
        return await guarded(request, post_issues_sync)

    async def post_alerts(request: Request) -> Response:
        return await guarded(request, post_alerts_sync)

    def ack_sync(token_text: str) -> Response:
        try:
            request_id, assigned_at = tokens.read(secret, token_text, clock())
        except tokens.TokenError as exc:
            return PlainTextResponse(f"This link is not valid: {exc}.\n", status_code=403)
        try:
            dispatching.acknowledge(request_id, assigned_at, clock())
        except UserError as exc:
            return PlainTextResponse(f"Not acknowledged: {exc}.\n", status_code=410)
        if on_change is not None:
            on_change()
        return PlainTextResponse(f"Thank you: request {request_id} is acknowledged.\n")

    async def ack(request: Request) -> Response:
        client = request.client.host if request.client else "?"
        if not limiter.allow(client):
            return _error(429, "too many requests")
        return await run_in_threadpool(ack_sync, request.path_params["token"])

    async def health(request: Request) -> Response:
        return JSONResponse({"ok": True})

    return Starlette(routes=[
        Route("/issues", post_issues, methods=["POST"]),
        Route("/alertmanager", post_alerts, methods=["POST"]),
        Route("/ack/{token}", ack, methods=["GET"]),
        Route("/health", health, methods=["GET"]),
    ])
