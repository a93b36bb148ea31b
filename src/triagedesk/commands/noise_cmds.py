"""Noise control commands: maintenance windows (`maintenance add|list|end`) and marking an issue useful or noise
(`feedback`)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

from triagedesk.commands.common import console, db_option, emit_json, json_option, now_option, parse_instant
from triagedesk.commands.desk_cmds import actor_option, desk
from triagedesk.display import literal, one_line, printable

if TYPE_CHECKING:
    from triagedesk.domain.intake.records import MaintenanceWindow


def _state(window: MaintenanceWindow, now: datetime) -> str:
    if window.ended_at is not None and window.ended_at <= window.starts_at:
        return "called off"
    if window.active(now):
        return "active"
    return "upcoming" if window.starts_at > now else "over"


def _row(window: MaintenanceWindow, now: datetime) -> dict[str, Any]:
    from triagedesk.domain import instants

    return {**window.model_dump(mode="json"), "state": _state(window, now),
            "until": instants.stamp(window.until)}


@click.group()
def maintenance() -> None:
    """Maintenance windows: alerts matching an active one are recorded and page nobody."""


@maintenance.command("add")
@click.option("--match", "matchers", multiple=True, required=True, metavar="LABEL=VALUE",
              help="A label the alerts carry (also !=, =~ regex, !~); every --match must hold.")
@click.option("--start", "start_text", required=True, metavar="ISO-TIME")
@click.option("--end", "end_text", required=True, metavar="ISO-TIME")
@click.option("--reason", required=True, metavar="TEXT", help="Why: shown on every alert it suppresses.")
@click.option("--notify", "subscribers", multiple=True, metavar="URL",
              help="An Apprise URL (or email address) told when it starts and ends; repeatable.")
@actor_option
@db_option
@now_option
@json_option
def add(matchers: tuple[str, ...], start_text: str, end_text: str, reason: str, subscribers: tuple[str, ...],
        actor: str, db_path: str | None, now_text: str | None, as_json: bool) -> None:
    """Schedule a maintenance window (it gets the next id, W-1, W-2...)."""
    starts, ends = parse_instant(start_text, "--start"), parse_instant(end_text, "--end")
    operations = desk(db_path, now_text, create=True)
    try:
        window = operations.commands.add_window(list(matchers), starts, ends, reason, list(subscribers), actor)
        now = operations.now()
    finally:
        operations.close()
    if as_json:
        emit_json(_row(window, now))
        return
    click.echo(printable(f"{window.id}: {', '.join(window.matchers)} from {window.starts_at:%Y-%m-%d %H:%M} to "
                         f"{window.ends_at:%Y-%m-%d %H:%M} UTC ({_state(window, now)}): {window.reason}"))


@maintenance.command("list")
@db_option
@now_option
@json_option
def list_windows(db_path: str | None, now_text: str | None, as_json: bool) -> None:
    """Every window: active and upcoming first, then the rest, newest first."""
    operations = desk(db_path, now_text)
    try:
        found = operations.queries.windows()
        now = operations.now()
    finally:
        operations.close()
    order = {"active": 0, "upcoming": 1, "over": 2, "called off": 3}
    found.sort(key=lambda w: (order[_state(w, now)], w.starts_at if _state(w, now) == "upcoming" else -w.number))
    if as_json:
        emit_json([_row(w, now) for w in found])
        return
    if not found:
        click.echo("no maintenance windows")
        return
    from rich.table import Table

    table = Table("id", "state", "matches", "from", "until", "by", "reason", "subscribers")
    for w in found:
        table.add_row(*(literal(c) for c in (
            w.id, _state(w, now), one_line(", ".join(w.matchers), 40), f"{w.starts_at:%Y-%m-%d %H:%M}",
            f"{w.until:%Y-%m-%d %H:%M}", one_line(w.created_by or "-", 16), one_line(w.reason, 40),
            str(len(w.subscribers)))))
    console().print(table)


@maintenance.command("end")
@click.argument("window_id")
@click.option("--note", default="", help="Why, for the audit log.")
@actor_option
@db_option
@now_option
@json_option
def end(window_id: str, note: str, actor: str, db_path: str | None, now_text: str | None, as_json: bool) -> None:
    """End WINDOW_ID now (one not started yet is called off); its subscribers are told."""
    operations = desk(db_path, now_text)
    try:
        window = operations.commands.end_window(window_id, actor, note)
        now = operations.now()
    finally:
        operations.close()
    if as_json:
        emit_json(_row(window, now))
        return
    said = "called off" if _state(window, now) == "called off" else "ended"
    click.echo(printable(f"{window.id}: {said} at {window.until:%Y-%m-%d %H:%M} UTC"))


@click.command()
@click.argument("issue_id")
@click.argument("mark", type=click.Choice(["useful", "noise", "none"]))
@click.option("--note", default="", help="Why, for the audit log.")
@actor_option
@db_option
@json_option
def feedback(issue_id: str, mark: str, note: str, actor: str, db_path: str | None, as_json: bool) -> None:
    """Mark ISSUE_ID useful or noise (none clears it): the analytics' noise view and the intake backtest read it."""
    operations = desk(db_path)
    try:
        issue = operations.commands.feedback(issue_id, None if mark == "none" else mark, actor, note)
    finally:
        operations.close()
    if as_json:
        emit_json({"id": issue.id, "feedback": issue.feedback})
        return
    click.echo(printable(f"{issue.id}: {issue.feedback or 'no mark'}"))


COMMANDS = (maintenance, feedback)
