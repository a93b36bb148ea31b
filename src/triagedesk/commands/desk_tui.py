"""Opening the desk: the store is opened (and checked) before the terminal is taken over."""

from __future__ import annotations

import click

from triagedesk.commands.store_cmds import store_path
from triagedesk.domain.errors import UserError
from triagedesk.resources import load_profile
from triagedesk.app.stores import open_desk
from triagedesk.sync.client import parse_remote


def run_desk(db_path: str | None, role: str, expert_id: str | None, profile_name: str | None,
             sync_url: str | None = None) -> None:
    if role == "expert" and not expert_id:
        raise UserError("--role expert needs --expert ID (see `triagedesk export --kind experts`)")
    if profile_name:
        load_profile(profile_name)  # a bad profile is a one-line error now, not inside the desk
    remote = parse_remote(None if sync_url == "env" else sync_url) if sync_url else None
    path = store_path(db_path)
    click.echo(f"opening {path}…", err=True)  # a large store takes a moment before the desk appears
    desk = open_desk(path, profile_override=profile_name)
    try:
        known_ids = {e.id for e in desk.records("experts")}
        if expert_id and expert_id not in known_ids:
            known = ", ".join(sorted(known_ids)[:8]) or "none yet"
            raise UserError(f"no expert {expert_id!r} in {desk.path} (known: {known})")
        from triagedesk.tui.app import TriageDeskApp

        TriageDeskApp(desk, role=role, expert_id=expert_id, sync_remote=remote).run()
    finally:
        desk.close()
