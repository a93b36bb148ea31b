"""`triagedesk show` and `search`: one issue in full (what the desk's issue screen shows), and every issue found."""

from __future__ import annotations

import click

from triagedesk.app.issue_view import sections
from triagedesk.commands.common import emit_json, json_option
from triagedesk.commands.desk_cmds import desk, now_option
from triagedesk.commands.store_cmds import db_option
from triagedesk.display import printable
from triagedesk.domain.requests.states import state_name


@click.command()
@click.argument("issue_id")
@db_option
@now_option
@json_option
def show(issue_id: str, db_path: str | None, now_text: str | None, as_json: bool) -> None:
    """Everything about ISSUE_ID: its fields, requests, sessions, outcomes, corrections and audit history."""
    operations = desk(db_path, now_text)
    try:
        record = operations.queries.issue_record(issue_id)
    finally:
        operations.close()
    if as_json:
        emit_json(record)
        return
    for n, (title, lines) in enumerate(sections(record)):
        click.echo(("\n" if n else "") + f"## {printable(title)}")
        for line in lines:
            click.echo(printable(line))


@click.command()
@click.argument("text")
@click.option("--limit", type=click.IntRange(1, 100000), default=50, show_default=True)
@db_option
@json_option
def search(text: str, limit: int, db_path: str | None, as_json: bool) -> None:
    """Every issue, closed ones included, whose id, title, description, requester or assignee holds TEXT."""
    operations = desk(db_path)
    try:
        found = operations.queries.search_issues(text, limit)
    finally:
        operations.close()
    if as_json:
        emit_json([f.__dict__ for f in found])
        return
    if not found:
        click.echo(f"No issue holds {printable(text)!r}.")
    for f in found:
        who = f"{f.assignee or '-':<18} {f.requester or '-':<14}"
        click.echo(printable(f"{f.issue_id}  {state_name(f.status):<18} {who} {f.title}  ({f.where})"))


COMMANDS = (show, search)
