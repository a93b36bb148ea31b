"""`triagedesk show` and `search`: one issue in full (what the desk's issue screen shows), and every issue found."""

from __future__ import annotations

import click

from triagedesk.commands.common import db_option, emit_json, json_option, now_option, store_path
from triagedesk.commands.desk_cmds import answering
from triagedesk.display import printable
from triagedesk.domain.requests.states import state_name


@click.command()
@click.argument("issue_id")
@db_option
@now_option
@json_option
def show(issue_id: str, db_path: str | None, now_text: str | None, as_json: bool) -> None:
    """Everything about ISSUE_ID: its fields, requests, sessions, outcomes, corrections and audit history."""
    with answering(db_path, now_text) as operations:
        record = operations.queries.issue_record(issue_id)
    if as_json:
        emit_json(record)
        return
    from triagedesk.app.issue_view import sections

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
    from triagedesk.app.reading import open_reading

    reading = open_reading(store_path(db_path))
    try:
        found = reading.search(text, limit)
    finally:
        reading.close()
    if as_json:
        emit_json([f.__dict__ for f in found])
        return
    if not found:
        click.echo(f"No issue holds {printable(text)!r}.")
    for f in found:
        who = f"{f.assignee or '-':<18} {f.requester or '-':<14}"
        click.echo(printable(f"{f.issue_id}  {state_name(f.status):<18} {who} {f.title}  ({f.where})"))


COMMANDS = (show, search)
