"""Opening the desk: the store is opened (and checked) before the terminal is taken over."""

from __future__ import annotations

import threading

import click

from triagedesk.app.stores import open_desk
from triagedesk.commands.store_cmds import store_path
from triagedesk.domain.errors import UserError
from triagedesk.resources import load_profile
from triagedesk.sync.client import CouchClient, Remote, parse_remote
from triagedesk.sync.security import check_role, whoami


def server_identity(remote: Remote, role: str, expert_id: str | None) -> tuple[str | None, str | None]:
    """(the user's name, the expert id the desk is bound to); a one-line refusal when the roles fall short."""
    client = CouchClient(remote, timeout=10.0)
    try:
        identity = whoami(client)
        bound = check_role(identity, role, expert_id)
    finally:
        client.close()
    return identity.name, bound


def _import_desk_app() -> None:
    try:
        import triagedesk.tui.app  # noqa: F401
    except Exception:  # noqa: BLE001  # imported again below, where a failure is reported as it is
        pass


def run_desk(db_path: str | None, role: str, expert_id: str | None, profile_name: str | None,
             sync_url: str | None = None) -> None:
    remote = parse_remote(None if sync_url == "env" else sync_url) if sync_url else None
    user = None
    if remote is not None and remote.username:  # the server says what this user may open the desk as
        user, expert_id = server_identity(remote, role, expert_id)
    if role == "expert" and not expert_id:
        raise UserError("--role expert needs --expert ID (see `triagedesk export --kind experts`)")
    if profile_name:
        load_profile(profile_name)  # a bad profile is a one-line error now, not inside the desk
    path = store_path(db_path)
    click.echo(f"opening {path}…", err=True)  # a large store takes a moment before the desk appears
    importing = threading.Thread(target=_import_desk_app, daemon=True)
    importing.start()  # the interface's modules load while the store's checksum is read (which frees the GIL)
    try:
        desk = open_desk(path, profile_override=profile_name, checked=False)  # its checksum: read on a thread
    finally:
        importing.join()
    try:
        known_ids = {e.id for e in desk.records.all("experts")}
        if expert_id and expert_id not in known_ids:
            known = ", ".join(sorted(known_ids)[:8]) or "none yet"
            raise UserError(f"no expert {expert_id!r} in {desk.path} (known: {known})")
        from triagedesk.tui.app import TriageDeskApp

        app = TriageDeskApp(desk, role=role, expert_id=expert_id, sync_remote=remote)
        if user:
            app.actor = user  # the audit's "who" is the server's user, as the server requires
        app.run()
    finally:
        desk.close()
