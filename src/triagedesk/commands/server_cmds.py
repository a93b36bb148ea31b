"""`triagedesk server`: set up a team's server (validation, access) and its users, as the server's admin."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from triagedesk.commands.common import emit_json, json_option
from triagedesk.commands.lazy import LazyChoice
from triagedesk.display import printable

if TYPE_CHECKING:
    from triagedesk.sync.client import CouchClient


def _roles() -> tuple[str, ...]:
    from triagedesk.sync.security import ROLES

    return tuple(ROLES)

url_option = click.option("--url", metavar="URL",
                          help="http(s)://admin:pass@host:5984/DATABASE (default: $TRIAGEDESK_SYNC_URL; "
                               "credentials also from $TRIAGEDESK_SYNC_USER / _PASSWORD).")
insecure_option = click.option("--insecure", is_flag=True, help="Do not verify TLS certificates.")


def _client(url: str | None, insecure: bool) -> CouchClient:
    from triagedesk.sync.client import CouchClient, parse_remote

    return CouchClient(parse_remote(url), verify=not insecure)


@click.group()
def server() -> None:
    """Set up the team's server: validation, access, users (needs the server's admin)."""


@server.command("setup")
@url_option
@insecure_option
@json_option
def server_setup(url: str | None, insecure: bool, as_json: bool) -> None:
    """Create the database if needed; install the validation function and the database's access rules."""
    from triagedesk.sync.security import setup

    client = _client(url, insecure)
    try:
        report = setup(client)
    finally:
        client.close()
    if as_json:
        emit_json({"url": client.remote.shown, "created_database": report.created_database,
                   "design": report.design, "security": report.security})
    else:
        click.echo(report.line(client.remote.shown))


def _password() -> str:
    if sys.stdin.isatty():
        return click.prompt("password", hide_input=True, confirmation_prompt=True)
    text = sys.stdin.readline().rstrip("\r\n")
    from triagedesk.sync.client import SyncError

    if not text:
        raise SyncError("no password on stdin: pipe one line, or run in a terminal to be asked")
    return text


@server.group("user")
def user() -> None:
    """The server's users and their triagedesk roles."""


@user.command("add")
@click.argument("name")
@click.option("--role", type=LazyChoice(_roles), metavar="ROLE", required=True, help="coordinator, expert or lead.")
@click.option("--expert", "expert_id", metavar="ID", help="With --role expert: the expert this user acts as.")
@url_option
@insecure_option
def user_add(name: str, role: str, expert_id: str | None, url: str | None, insecure: bool) -> None:
    """Add a user (or give one new roles and password); the password is asked, or read from stdin."""
    from triagedesk.sync.security import add_user

    client = _client(url, insecure)
    try:
        password = _password()
        created = add_user(client, name, password, role, expert_id)
    finally:
        client.close()
    bound = f" (expert {printable(expert_id)})" if expert_id else ""
    click.echo(f"{'added' if created else 'updated'} user {printable(name)}: {role}{bound}")


@user.command("list")
@url_option
@insecure_option
@json_option
def user_list(url: str | None, insecure: bool, as_json: bool) -> None:
    """Every user with their triagedesk roles."""
    from triagedesk.sync.security import list_users

    client = _client(url, insecure)
    try:
        users = list_users(client)
    finally:
        client.close()
    if as_json:
        emit_json(users)
        return
    for entry in users:
        bound = f" (expert {printable(entry['expert'])})" if entry["expert"] else ""
        click.echo(f"{printable(entry['name'])}: {', '.join(entry['roles']) or 'no triagedesk role'}{bound}")


COMMANDS = (server,)
