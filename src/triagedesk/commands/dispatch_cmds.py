"""Dispatcher commands: `dispatch` (the headless service), `policy explain`, `outbox`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from triagedesk.commands.common import console, db_option, emit_json, json_option, parse_instant, store_path
from triagedesk.display import literal, one_line, printable
from triagedesk.domain.errors import UserError
from triagedesk.domain.requests.states import state_name

if TYPE_CHECKING:
    from triagedesk.app.dispatching import Dispatching
    from triagedesk.sync.client import CouchClient
    from triagedesk.sync.engine import Replicator


@click.command()
@db_option
@click.option("--once", is_flag=True, help="One pass (due steps, then the outbox), then exit.")
@click.option("--now", "now_text", metavar="ISO-TIME", help="The dispatcher's clock (tests, replays).")
@click.option("--listen", metavar="HOST:PORT", help="Serve the intake (POST /issues, /alertmanager, GET /ack).")
@click.option("--sync", "sync_url", metavar="URL", is_flag=False, flag_value="env",
              help="Follow a team's server and hold the lease there (`--sync` alone: $TRIAGEDESK_SYNC_URL).")
@click.option("--log-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--forwarded-allow-ips", metavar="ADDRESSES",
              help="The reverse proxies whose X-Forwarded-For names the client (addresses or networks, "
                   "comma-separated; `*`: any). Default: none ($TRIAGEDESK_FORWARDED_ALLOW_IPS).")
def dispatch(db_path: str | None, once: bool, now_text: str | None, listen: str | None, sync_url: str | None,
             log_format: str, forwarded_allow_ips: str | None) -> None:
    """Apply each profile's policy on a clock, deliver notifications, take issues in.

    One dispatcher acts per team: it holds a lease (on the sync server, else a lock beside the store);
    a second one waits and takes over when the lease expires. SIGTERM stops it after the current step.
    """
    import os
    from functools import partial

    from triagedesk.app.dispatching import open_dispatching
    from triagedesk.dispatch import service
    from triagedesk.dispatch.settings import DispatchSettings

    if once and listen:
        raise click.UsageError("--once runs one pass; --listen serves until stopped: choose one")
    if sync_url == "env":
        sync_url = os.environ.get("TRIAGEDESK_SYNC_URL") or None
        if sync_url is None:
            raise UserError("--sync needs a URL or TRIAGEDESK_SYNC_URL")
    elif sync_url is None and os.environ.get("TRIAGEDESK_SYNC_URL"):
        sync_url = os.environ["TRIAGEDESK_SYNC_URL"]
    if listen:
        try:
            service.parse_listen(listen)
        except ValueError as exc:
            raise UserError(str(exc)) from None
    now = parse_instant(now_text, "--now") if now_text else None
    settings = DispatchSettings()
    path = str(store_path(db_path))
    d = open_dispatching(path, create=True, coordinator_contact=settings.coordinator_url)
    try:
        service.run(d, path, once=once, now=now, listen=listen, sync_url=sync_url, log_format=log_format,
                    forwarded_allow_ips=forwarded_allow_ips, replicator_for=partial(replicator_for, d))
    finally:
        d.close()


def replicator_for(d: Dispatching, client: CouchClient) -> Replicator:
    """The dispatcher's sync rounds: its store replicated with the team's server, as `dispatcher`."""
    from triagedesk.sync.engine import Replicator

    return Replicator(d.desk.replica, client, actor="dispatcher")


@click.group()
def policy() -> None:
    """The escalation policy of each profile (`[policy]` in its TOML)."""


@policy.command()
@click.argument("request_id")
@db_option
@click.option("--now", "now_text", metavar="ISO-TIME", help="The reference time (default: now).")
@json_option
def explain(request_id: str, db_path: str | None, now_text: str | None, as_json: bool) -> None:
    """What the policy will do to REQUEST_ID: exactly the steps the next pass takes at --now (walked through the
    action table without writing), then what is planned later."""
    from triagedesk.app.dispatching import open_dispatching
    from triagedesk.dispatch.settings import DispatchSettings

    now = parse_instant(now_text, "--now")
    d = open_dispatching(str(store_path(db_path)), create=False, coordinator_contact=DispatchSettings().coordinator_url)
    try:
        request = d.request(request_id)
        if request is None:
            raise UserError(f"no request {request_id!r} in {store_path(db_path)}")
        history = d.step_history().get(request_id, [])
        walked = d.walk(request_id, now, lambda _r: None, list(history), write=False)
        later = [s for s in d.plan_for(request, history, now) if s.due > now]
    finally:
        d.close()
    if as_json:
        emit_json({"request_id": request_id, "status": request.status, "now": now,
                   "taken": [vars(h) for h in history],
                   "next_pass": [r.as_dict() for r in walked],
                   "steps": [{**s.as_dict(), "due_now": False} for s in later]})
        return
    click.echo(f"{printable(request_id)}: {state_name(request.status)}, {request.urgency}"
               f"{', held by ' + printable(request.assigned_expert_id) if request.assigned_expert_id else ''}")
    for done in history:
        click.echo(f"  taken: {done.kind} ({printable(done.key)})")
    for result in walked:
        to = f" -> {printable(result.expert_id)}" if result.expert_id and result.action != "notify" else ""
        click.echo(f"  next pass: {result.step.kind}: {result.action}{to} (due {result.step.due:%Y-%m-%d %H:%M} UTC): "
                   f"{printable(result.reason)}")
    for step in later:
        when = f"in {(step.due - now).total_seconds() / 60:.0f} min"
        click.echo(f"  later: {step.kind} at {step.due:%Y-%m-%d %H:%M} UTC ({when}): {printable(step.reason)}")
    if not walked and not later:
        click.echo("  the policy has nothing more to do in this state")


@policy.command()
@click.option("--profile", "profile_path", required=True, metavar="NAME|PATH", help="The changed profile.")
@click.option("--days", type=click.IntRange(1, 3650), default=30, show_default=True)
@db_option
@click.option("--now", "now_text", metavar="ISO-TIME", help="The end of the period (default: now).")
@json_option
def backtest(profile_path: str, days: int, db_path: str | None, now_text: str | None, as_json: bool) -> None:
    """Replay a changed profile's policy over the stored requests, against the shipped one of the same name."""
    from rich.table import Table

    from triagedesk.app.dispatching import open_dispatching
    from triagedesk.resources import available_profiles, load_profile

    now = parse_instant(now_text, "--now")
    changed = load_profile(profile_path)
    current = load_profile(changed.name) if changed.name in available_profiles() else None
    d = open_dispatching(str(store_path(db_path)), create=False)
    try:
        rows = [("current", d.replay(current, now, days))] if current is not None else []
        rows.append(("changed", d.replay(changed, now, days)))
    finally:
        d.close()
    if as_json:
        emit_json({name: row.as_dict() for name, row in rows})
        return
    table = Table("policy", "requests", "auto", "wait saved", "reassign", "at risk", "breaches", "senior",
                  "avoidable", "refunds", caption="auto: assigned without a coordinator; wait saved: their minutes "
                  "waiting for an expert; avoidable: breaches late by less than that wait")
    for name, row in rows:
        table.add_row(*(literal(str(c)) for c in (
            name, row.requests, row.auto_assigned, f"{row.assignment_wait_saved_minutes:,.0f}", row.reassignments,
            row.at_risk_notices, row.breaches, row.seniors_on_breach, row.breaches_avoidable,
            f"${row.refund_exposure:,.2f}")))
    console().print(table)


@click.command()
@db_option
@click.option("--request", "request_id", help="Only this request's messages.")
@json_option
def outbox(db_path: str | None, request_id: str | None, as_json: bool) -> None:
    """The notifications: pending, sending, sent or failed, with attempts, possible repeats (a send after a crash
    that came mid-send: the receiver may have it twice, with the same idempotency key) and the last error."""
    from rich.table import Table

    from triagedesk.app.dispatching import open_dispatching
    from triagedesk.dispatch.masking import mask

    d = open_dispatching(str(store_path(db_path)), create=False)
    try:
        messages = d.outbox(request_id)
    finally:
        d.close()
    if as_json:
        emit_json([m.model_dump(mode="json", exclude={"attachment"}) | {"target": mask(m.target)}
                   for m in messages])
        return
    table = Table("id (idempotency key)", "request", "kind", "to", "via", "status", "tries", "possible repeats",
                  "when", "last error",
                  caption="possible repeats: sends after a crash mid-send; the receiver may hold that message twice, "
                          "both with the same idempotency key")
    for m in messages:
        when = m.sent_at or m.sending_since or m.next_attempt_at or m.created_at
        cells = (m.id, one_line(m.request_id or "-"), m.kind, one_line(m.expert_id or "coordinator"),
                 one_line(m.method or "-"), m.status, str(m.attempts), str(m.possible_repeats or "-"),
                 f"{when:%Y-%m-%d %H:%M}", one_line(mask(m.last_error or ""), 60))
        table.add_row(*(literal(c) for c in cells))
    console().print(table)


COMMANDS = [dispatch, policy, outbox]
