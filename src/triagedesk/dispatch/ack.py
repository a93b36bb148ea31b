"""Acknowledgement links with intent: GET (and HEAD) show the request and a confirm button and change nothing;
only the button's POST acknowledges. A link scanner or a mail preview that opens the link acknowledges nothing."""

from __future__ import annotations

import hashlib
from html import escape
from typing import TYPE_CHECKING

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from triagedesk.dispatch import tokens
from triagedesk.domain.errors import UserError

if TYPE_CHECKING:
    from triagedesk.dispatch.intake import IntakeState

HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",  # the token is in the address: never passed on to another site
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                               "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
}


def _page(title: str, body: str, status: int) -> HTMLResponse:
    html = (f"<!doctype html><html lang=en><head><meta charset=utf-8><meta name=viewport "
            f"content='width=device-width'><title>{escape(title)}</title><style>body{{font:16px sans-serif;"
            f"max-width:36em;margin:2em auto;padding:0 1em}}button{{font-size:1.2em;padding:.5em 1.5em}}</style>"
            f"</head><body><h1>{escape(title)}</h1>{body}</body></html>")
    return HTMLResponse(html, status_code=status, headers=HEADERS)


def _token_key(token: str) -> str:
    return "ack-token:" + hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()[:32]


def _read(state: IntakeState, token: str) -> tuple[str, str] | Response:
    try:
        return tokens.read(state.secret, token, state.clock())
    except tokens.MalformedToken:
        return _page("Not a valid link", "<p>This address is not an acknowledgement link.</p>", 400)
    except tokens.TokenError as exc:
        return _page("This link is not valid", f"<p>This link is not valid: {escape(str(exc))}.</p>", 403)


def show(state: IntakeState, token: str) -> Response:
    """GET and HEAD: the request and the confirm button; nothing changes."""
    found = _read(state, token)
    if isinstance(found, Response):
        return found
    request, issue, refusal = state.dispatching.ack_state(*found)
    what = ""
    if request is not None:
        title = issue.title if issue is not None and issue.title else "(no title)"
        what = (f"<p>Issue <b>{escape(request.analysis_id)}</b>: {escape(title)}</p><p>Request "
                f"{escape(request.id)} · urgency {escape(request.urgency)} · assigned to "
                f"{escape(request.assigned_expert_name or request.assigned_expert_id or '-')}</p>")
    if refusal is not None:
        return _page("Nothing to acknowledge", f"{what}<p>{escape(refusal)}.</p>", 410)
    return _page("Acknowledge this assignment?", f"{what}<form method=post><button type=submit>"
                 "Acknowledge: I am on it</button></form><p>Opening this page changed nothing; "
                 "the button acknowledges.</p>", 200)


def confirm(state: IntakeState, token: str) -> Response:
    """POST: acknowledge the assignment the link was issued for."""
    found = _read(state, token)
    if isinstance(found, Response):
        return found
    request_id, assigned_at = found
    try:
        state.dispatching.acknowledge(request_id, assigned_at, state.clock())
    except UserError as exc:
        return _page("Not acknowledged", f"<p>Not acknowledged: {escape(str(exc))}.</p>", 410)
    state.on_change()
    return _page("Acknowledged", f"<p>Thank you: request {escape(request_id)} is acknowledged.</p>", 200)


async def endpoint(request: Request) -> Response:
    """`/ack/{token}`: rate-limited per client and per token, then `show` or `confirm` on a worker thread."""
    state: IntakeState = request.app.state.intake
    token = request.path_params["token"]
    client = request.client.host if request.client else "?"
    if not state.limiter.allow(client) or not state.limiter.allow(_token_key(token)):
        return _page("Too many requests", "<p>Too many requests: try again in a moment.</p>", 429)
    if request.method == "POST":
        return await run_in_threadpool(confirm, state, token)
    return await run_in_threadpool(show, state, token)
