"""The intake: issues over HTTP (our JSON, Prometheus Alertmanager, Grafana), acknowledgement links, health."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from triagedesk.app.dispatch_port import DispatchPort
from triagedesk.dispatch import ack
from triagedesk.dispatch.proxy import ProxyHeaders, Scope, TrustedProxies
from triagedesk.dispatch.ratelimit import RateLimiter
from triagedesk.dispatch.settings import DispatchSettings
from triagedesk.domain.errors import InputError, UserError
from triagedesk.domain.inputs import loads, parse_models
from triagedesk.domain.intake import alertmanager
from triagedesk.domain.models import Issue
from triagedesk.resources import available_profiles

JSON_TYPES = ("application/json",)
"""Bodies the intake reads: `application/json` or any `application/*+json` (a charset parameter is fine)."""


class TooLarge(Exception):
    pass


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def is_json(content_type: str | None) -> bool:
    kind = (content_type or "").split(";", 1)[0].strip().lower()
    return kind in JSON_TYPES or (kind.startswith("application/") and kind.endswith("+json"))


def client_of(request: Request) -> str:
    return request.client.host if request.client else "?"


class ErrorGuard:
    """The outermost layer: an unexpected failure is one log line (`intake_error`) and a 500, never a traceback
    on stderr (which would break `--log-format json`)."""

    def __init__(self, app: Any, log: Callable[..., None]) -> None:
        self.app = app
        self.log = log

    async def __call__(self, scope: Scope, receive: Callable[[], Awaitable[Any]],
                       send: Callable[[Any], Awaitable[None]]) -> None:
        started = False

        async def tracking(message: Any) -> None:
            nonlocal started
            if message.get("type") == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking)
        except Exception as exc:
            route = "/" + str(scope.get("path", "")).lstrip("/").split("/", 1)[0][:40]  # never an ack token
            self.log("intake_error", path=route, error=f"{type(exc).__name__}: {exc}"[:300])
            if not started and scope.get("type") == "http":
                await _error(500, "internal error (logged)")(scope, receive, send)


@dataclass
class IntakeState:
    """What the endpoints share, kept on `app.state.intake`."""

    dispatching: DispatchPort
    settings: DispatchSettings
    secret: bytes
    clock: Callable[[], datetime]
    limiter: RateLimiter
    on_change: Callable[[], None]
    """Wakes the dispatcher after an intake, so a critical issue is assigned at once."""


def state_of(request: Request) -> IntakeState:
    state: IntakeState = request.app.state.intake
    return state


def authorised(request: Request, token: str | None) -> bool:
    given = request.headers.get("authorization", "")
    if not token or not given.lower().startswith("bearer "):
        return False
    return hmac.compare_digest(given[7:].strip().encode("utf-8"), token.encode("utf-8"))


async def body_of(request: Request, limit: int) -> bytes:
    """The body, refused (TooLarge) as soon as it is known to pass `limit` bytes, declared or sent."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise TooLarge
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


Handler = Callable[[IntakeState, str], Response]


async def guarded(request: Request, handle: Handler) -> Response:
    """Rate limit, bearer token, JSON content type, size and UTF-8 checked in that order; then `handle` on a
    worker thread, its mistakes as 422 (the input) or 409 (the store's refusal)."""
    state = state_of(request)
    presented = hashlib.sha256(request.headers.get("authorization", "").encode("utf-8", "replace")).hexdigest()
    if not state.limiter.allow(client_of(request)) or not state.limiter.allow("bearer:" + presented[:32]):
        return _error(429, "too many requests")
    if not authorised(request, state.settings.intake_token):
        return _error(401, "a valid bearer token is required", {"WWW-Authenticate": "Bearer"})
    if not is_json(request.headers.get("content-type")):
        return _error(415, "body: expected Content-Type: application/json")
    try:
        raw = await body_of(request, state.settings.max_body)
    except TooLarge:
        return _error(413, f"request body over {state.settings.max_body} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return _error(400, "body: not UTF-8 text")
    try:
        return await run_in_threadpool(handle, state, text)
    except InputError as exc:
        return _error(422, str(exc))
    except UserError as exc:
        return _error(409, str(exc))


def take_issues(state: IntakeState, text: str) -> Response:
    """Our JSON: one issue or an array; a profile is named, never a path from the network."""
    issues = parse_models(text, "body", Issue, "json")
    if not issues:
        raise InputError("body: expected an issue or a non-empty array of issues")
    known = available_profiles()
    for index, issue in enumerate(issues):
        if issue.profile is not None and issue.profile not in known:
            where = f"body: [{index}]" if text.lstrip().startswith("[") else "body"
            raise InputError(f"{where}: profile: unknown profile {issue.profile!r} "
                             f"(known: {', '.join(sorted(known))})")
    results = state.dispatching.take_in(issues, state.clock())
    state.on_change()
    return JSONResponse({"ids": [r["id"] for r in results], "results": results}, status_code=201)


def take_alerts(state: IntakeState, text: str) -> Response:
    """Alertmanager's webhook payload, read under the alertmanager profile's noise rules."""
    payload = loads(text, "body")  # the same refusals as import: too deep, NaN, 2**64, duplicate fields
    alerts = payload.get("alerts") if isinstance(payload, dict) else None
    if not isinstance(alerts, list):
        raise InputError("body.alerts: expected Alertmanager's webhook payload with a list of alerts")
    received = state.clock()
    rules = state.dispatching.alert_rules()
    read = [alertmanager.read_alert(alert, f"body.alerts[{index}]", rules, received)
            for index, alert in enumerate(alerts)]
    taken = state.dispatching.take_alerts(read, received)
    state.on_change()
    firing = [t.as_dict() for t in taken if not t.resolved]
    resolved = [t.issue_id for t in taken if t.resolved and t.issue_id]
    return JSONResponse({"ids": [r["id"] for r in firing], "results": firing,
                         "resolved": list(dict.fromkeys(resolved))}, status_code=201 if firing else 200)


async def post_issues(request: Request) -> Response:
    return await guarded(request, take_issues)


async def post_alerts(request: Request) -> Response:
    return await guarded(request, take_alerts)


async def health(request: Request) -> Response:
    return JSONResponse({"ok": True})


def build_app(dispatching: DispatchPort, settings: DispatchSettings, secret: bytes,
              clock: Callable[[], datetime] = lambda: datetime.now(UTC),
              on_change: Callable[[], None] | None = None, log: Callable[..., None] | None = None) -> Any:
    """The ASGI app: the routes, their shared state on `app.state.intake`, behind the proxy and error layers."""
    app = Starlette(routes=[
        Route("/issues", post_issues, methods=["POST"]),
        Route("/alertmanager", post_alerts, methods=["POST"]),
        Route("/ack/{token}", ack.endpoint, methods=["GET", "POST"]),
        Route("/health", health, methods=["GET"]),
    ])
    app.state.intake = IntakeState(dispatching, settings, secret, clock, RateLimiter(settings.rate_limit),
                                   on_change or (lambda: None))
    trusted = TrustedProxies(settings.forwarded_allow_ips)
    return ErrorGuard(ProxyHeaders(app, trusted), log or (lambda event, **fields: None))
