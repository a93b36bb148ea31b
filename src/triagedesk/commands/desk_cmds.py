"""Desk commands: request lifecycle, timers, knowledge search, packages, the report and the rule backtest."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from triagedesk.commands.common import console, db_option, emit_json, json_option, now_option, parse_instant, store_path
from triagedesk.commands.lazy import LazyChoice

if TYPE_CHECKING:
    from triagedesk.app.desk import Desk

__all__ = ["db_option", "desk", "now_option"]


def _actor(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str:
    from triagedesk.app.actor import configured_actor, person

    return person(value or configured_actor())


def _actions() -> list[str]:
    from triagedesk.domain.requests.lifecycle import ACTIONS

    return [*ACTIONS, "senior"]


actor_option = click.option("--actor", default=None, callback=_actor,
                            help="Who is acting, for the audit log (default: config `actor`, else the login name).")


def _clock(now_text: str | None) -> Callable[[], datetime]:
    """The commands' clock: `--now` fixed, else the time."""
    if now_text:
        fixed: datetime = parse_instant(now_text, "--now")
        return lambda: fixed
    return lambda: parse_instant(None, "--now")


@contextmanager
def answering(db_path: str | None, now_text: str | None = None) -> Iterator[Desk]:
    """The desk for a question that writes nothing: opened without waiting for the snapshot's checksum (read on
    a thread meanwhile); the answer is let out only once the checksum is known good."""
    from triagedesk.app.stores import open_desk

    operations = open_desk(store_path(db_path), create=False, clock=_clock(now_text), checked=False)
    try:
        yield operations
        operations.store.journal.verified()
    finally:
        operations.close()


def desk(db_path: str | None, now_text: str | None = None, create: bool = False) -> Desk:
    """The desk over the store; `--now` fixes its clock so results are reproducible."""
    from triagedesk.app.stores import open_desk

    if now_text:
        fixed: datetime = parse_instant(now_text, "--now")
        return open_desk(store_path(db_path), create=create, clock=lambda: fixed)
    return open_desk(store_path(db_path), create=create)


@click.command()
@click.argument("issue_id")
@click.option("--tier", "tier_id", help="Tier id (default: the decision's recommended tier).")
@click.option("--notes", help="Notes from the requester.")
@click.option("--again", is_flag=True, help="Open another request although one is still open.")
@db_option
@actor_option
@now_option
@json_option
def escalate(issue_id: str, tier_id: str | None, notes: str | None, again: bool, db_path: str | None, actor: str,
             now_text: str | None, as_json: bool) -> None:
    """Open an expert request for ISSUE_ID (refused while one is open, unless --again)."""
    request = desk(db_path, now_text).escalate(issue_id, actor, tier_id, notes, again=again)
    from triagedesk.display import printable

    line = f"{request.id}: {request.status}, due {request.due_at:%Y-%m-%d %H:%M} UTC"
    emit_json(request) if as_json else click.echo(printable(line))


@click.command()
@click.argument("action", metavar="ACTION", type=LazyChoice(_actions))
@click.argument("request_id")
@click.option("--expert", "expert_id", help="Expert id (assign, reassign).")
@click.option("--rating", type=click.IntRange(1, 5), help="Rating of the work (complete).")
@click.option("--note", default="", help="A note for the audit log.")
@db_option
@actor_option
@now_option
@json_option
def request(action: str, request_id: str, expert_id: str | None, rating: int | None, note: str,
            db_path: str | None, actor: str, now_text: str | None, as_json: bool) -> None:
    """Move a request through its lifecycle: pay, assign, reassign, acknowledge, start, wait, resume,
    complete, cancel, refund, or `senior` (escalate to a senior expert)."""
    from triagedesk.display import printable

    operations = desk(db_path, now_text)
    if action == "senior":
        updated = operations.escalate_to_senior(request_id, actor, note)
    else:
        updated = operations.act(request_id, action, actor, expert_id, note, rating)
    if as_json:
        emit_json(updated)
    else:
        due = f", due {updated.due_at:%Y-%m-%d %H:%M} UTC" if updated.due_at else ""
        who = f" ({updated.assigned_expert_id})" if updated.assigned_expert_id else ""
        refund = " - refund due" if updated.refund_due else ""
        click.echo(printable(f"{updated.id}: {updated.status}{who}{due}{refund}"))


@click.command()
@db_option
@now_option
@json_option
def timers(db_path: str | None, now_text: str | None, as_json: bool) -> None:
    """SLA clocks of assigned, in-review and waiting requests, most pressing first, with refund exposure."""
    from rich.table import Table

    from triagedesk.display import literal
    from triagedesk.domain.requests.sla import refund_exposure

    operations = desk(db_path, now_text)
    rows = operations.clocks()
    exposure = refund_exposure([t for _, t, _ in rows])
    if as_json:
        emit_json({"refund_exposure": exposure, "clocks": [
            {**t.as_dict(), "status": r.status, "expert_id": r.assigned_expert_id, "suggestions": [x.text for x in s],
             "suggestion_codes": [x.code for x in s]} for r, t, s in rows]})
        return
    table = Table("request", "status", "expert", "left (min)", "state", "suggestion",
                  title=f"Refund exposure ${exposure:,.2f}", title_justify="left")
    for r, t, s in rows:
        table.add_row(literal(r.id), r.status, literal(r.assigned_expert_id or "-"), f"{t.left_minutes:,.0f}", t.state,
                      literal(s[0].text if s else "-"))
    console().print(table)


@click.group()
def kb() -> None:
    """The knowledge base of past resolutions."""


@kb.command("search")
@click.argument("text")
@click.option("--limit", type=click.IntRange(1, 100), default=5, show_default=True)
@db_option
@json_option
def kb_search(text: str, limit: int, db_path: str | None, as_json: bool) -> None:
    """Find past resolutions that share words with TEXT."""
    from triagedesk.display import literal, one_line

    with answering(db_path) as operations:
        hits = operations.knowledge_for(text, limit)
    if as_json:
        emit_json([{"score": h.score, "matched": list(h.matched), **h.entry.model_dump(mode="json")} for h in hits])
        return
    if not hits:
        click.echo("no matching resolutions")
    for hit in hits:
        console().print(literal(f"{hit.score:.2f}  {hit.entry.title}  ({hit.entry.issue_id})"))
        console().print(literal(f"      {one_line(hit.entry.resolution, 110)}"))


@click.command("package")
@click.argument("issue_id")
@click.option("--out", "out_path", type=click.Path(dir_okay=False), help="Write the Markdown to this file.")
@db_option
@now_option
def package_cmd(issue_id: str, out_path: str | None, db_path: str | None, now_text: str | None) -> None:
    """The escalation package of ISSUE_ID as Markdown, with the initial-contact and follow-up messages."""
    from triagedesk.display import printable

    with answering(db_path, now_text) as operations:
        text = printable(operations.package(issue_id))
    if out_path:
        from triagedesk.files import write_user_file

        write_user_file(Path(out_path), text.encode("utf-8"), protect=store_path(db_path))
        click.echo(printable(f"wrote {out_path}"))
    else:
        click.echo(text, nl=False)


@click.command()
@click.option("--days", type=click.IntRange(1, 3650), default=30, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["md", "json"]), default="md", show_default=True)
@db_option
@now_option
def report(days: int, fmt: str, db_path: str | None, now_text: str | None) -> None:
    """The expert network performance report over the requests submitted in the last DAYS days."""
    from triagedesk.app.reading import open_reading

    reading = open_reading(store_path(db_path), _clock(now_text))
    try:
        data = reading.report(days)
    finally:
        reading.close()
    if fmt == "json":
        emit_json(data)
    else:
        from triagedesk.display import printable
        from triagedesk.domain.insight import analytics

        click.echo(printable(analytics.markdown(data)), nl=False)


@click.command()
@click.option("--profile", "profile_path", required=True, metavar="NAME|PATH", help="The changed profile to replay.")
@click.option("--days", type=click.IntRange(1, 3650), default=30, show_default=True)
@click.option("--limit", type=int, default=20, show_default=True, help="Changed issues to list.")
@db_option
@now_option
@json_option
def backtest(profile_path: str, days: int, limit: int, db_path: str | None, now_text: str | None,
             as_json: bool) -> None:
    """Replay a changed profile over stored issues: what would escalate, at which urgency and tier."""
    from rich.table import Table

    from triagedesk.display import literal, one_line
    from triagedesk.domain.scoring.backtest import backtest as run_backtest
    from triagedesk.domain.scoring.escalation import Scorer
    from triagedesk.resources import load_profile

    operations = desk(db_path, now_text)
    candidate = Scorer(load_profile(profile_path))
    current = operations.scorer(candidate.profile.name)
    store = operations.store
    result = run_backtest(store.issues.all(), store.requests.all(), store.corrections.all(), current, candidate,
                          operations.clock(), days)
    if as_json:
        emit_json(result.as_dict())
        return
    out = console()
    out.print(literal(f"Backtest of {profile_path} over {result.considered:,} {result.profile} issues ({days} days)"))
    table = Table("", "current", "candidate")
    table.add_row("escalated", str(result.before["escalated"]), str(result.after["escalated"]))
    for urgency in ("critical", "high", "medium", "low"):
        table.add_row(f"  {urgency}", str(result.before["by_urgency"].get(urgency, 0)),
                      str(result.after["by_urgency"].get(urgency, 0)))
    for tier in sorted(set(result.before["by_tier"]) | set(result.after["by_tier"])):
        table.add_row(f"  tier {tier}", str(result.before["by_tier"].get(tier, 0)),
                      str(result.after["by_tier"].get(tier, 0)))
    out.print(table)
    changes = Table("issue", "title", "change", "actual request", "corrections",
                    title=f"{len(result.changes):,} issues change")
    for change in result.changes[:limit]:
        changes.add_row(literal(change.issue_id), literal(one_line(change.title, 40)), literal(change.note),
                        literal(change.actual["request"] or "-"), str(change.actual["corrections"]))
    out.print(changes)


COMMANDS = (escalate, request, timers, kb, package_cmd, report, backtest)
