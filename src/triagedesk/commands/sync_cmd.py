"""`triagedesk sync`: replicate the local store with a CouchDB-protocol server."""

from __future__ import annotations

import signal
import sys
import threading
from datetime import datetime
from typing import TYPE_CHECKING

import click

from triagedesk.commands.common import db_option, emit_json, json_option, progress_display, store_path
from triagedesk.display import printable

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from triagedesk.sync.client import SyncError
    from triagedesk.sync.engine import Replicator, SyncResult


@click.command()
@click.option("--url", metavar="URL", help="http(s)://[user:pass@]host:5984/DATABASE (default: $TRIAGEDESK_SYNC_URL).")
@db_option
@click.option("--push-only", is_flag=True, help="Only send local changes.")
@click.option("--pull-only", is_flag=True, help="Only fetch the server's changes.")
@click.option("--live", is_flag=True, help="Keep following the server's changes feed until interrupted.")
@click.option("--timeout", type=float, default=30.0, show_default=True, help="Seconds to wait for the server.")
@click.option("--poll", type=click.FloatRange(0.5, 300), default=10.0, show_default=True,
              help="With --live: seconds a quiet longpoll waits before reconnecting (local changes go out then).")
@click.option("--insecure", is_flag=True, help="Do not verify TLS certificates (verification is on by default).")
@click.option("--take-server", "take", metavar="KIND:ID", multiple=True,
              help="Undo a change the server refused: take the server's version of this document (repeatable).")
@json_option
def sync(url: str | None, db_path: str | None, push_only: bool, pull_only: bool, live: bool, timeout: float,
         poll: float, insecure: bool, take: tuple[str, ...], as_json: bool) -> None:
    """Push local changes and pull the team's, through Apache CouchDB, Cloudant or PouchDB Server."""
    if push_only and pull_only:
        raise click.UsageError("--push-only and --pull-only exclude each other")
    from triagedesk.app.stores import open_desk
    from triagedesk.sync.client import CouchClient, parse_remote
    from triagedesk.sync.engine import Replicator

    remote = parse_remote(url)
    desk = open_desk(store_path(db_path))
    client = CouchClient(remote, timeout=timeout, verify=not insecure)
    replicator = Replicator(desk.replica, client, actor=remote.username or "sync")  # the server checks audit actors
    try:
        if take:
            missing = replicator.take_server(list(take))
            for key in take:
                click.echo(f"{printable(key)}: {'not on the server' if key in missing else 'took the server version'}")
            return
        if live:
            _live(replicator, remote.shown, as_json, poll)
            return
        with SyncProgress(remote.shown) as progress:
            result = replicator.sync(push=not pull_only, pull=not push_only, progress=progress)
        quarantined = replicator.quarantined()
    finally:
        replicator.close()
        client.close()
        desk.close()
    _report(result, remote.shown, as_json, quarantined)


class SyncProgress:
    """One bar per stage on stderr ("pulling", "pushing"), shown once a stage has 5,000 documents or more."""

    SHOWN_FROM = 5000

    def __init__(self, shown: str) -> None:
        self.shown = shown
        self.bars: Progress | None = None
        self.tasks: dict[str, TaskID] = {}

    def __enter__(self) -> SyncProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bars is not None:
            self.bars.stop()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage not in self.tasks:
            if total < self.SHOWN_FROM or not sys.stderr.isatty():
                return
            if self.bars is None:
                self.bars = progress_display()
                self.bars.start()
            verb = "pulling from" if stage == "pull" else "pushing to"
            self.tasks[stage] = self.bars.add_task(f"{verb} {self.shown}", total=total)
        assert self.bars is not None
        self.bars.update(self.tasks[stage], completed=done, total=max(total, done))


def _report(result: SyncResult, shown: str, as_json: bool, quarantined: list[dict]) -> None:
    """The round's counts; `rejected N` is the store's whole rejected list (`--json` lists it)."""
    if as_json:
        emit_json({"url": shown, **result.as_dict(), "rejected": quarantined})
        return
    reset = " (the server had lost this desk's history: everything was sent again)" if result.server_reset else ""
    click.echo(f"synced with {shown}{reset}: {_counts(result, sum(q.get('source') != 'refused' for q in quarantined))}")
    _tell_refusals(result)


def _counts(result: SyncResult, rejected: int | None = None) -> str:
    line = f"pushed {result.pushed:,}, pulled {result.pulled:,}, conflicts {result.conflicts:,}"
    if result.server_conflicts:
        line += f", server conflicts resolved {result.server_conflicts:,}"
    shown = len(result.rejected) if rejected is None else rejected
    if shown:
        line += f", rejected {shown:,}"
    if result.refused:
        line += f", refused by the server {len(result.refused):,}"
    return line


TOLD_AT_MOST = 20
"""Rejected or refused documents told one per line; past that, a count (`sync --json` and the desk's R list all)."""


def _tell_refusals(result: SyncResult) -> None:
    """Each rejected or refused document once, with the reason (the store's rejected list keeps them)."""
    lines = [f"rejected {printable(item.key)} {printable(item.rev or '')}: {printable(item.error)}"
             for item in result.rejected]
    lines += [f"refused {printable(item.key)}: {printable(item.error)}" for item in result.refused]
    for line in lines[:TOLD_AT_MOST]:
        click.echo(line, err=True)
    if len(lines) > TOLD_AT_MOST:
        click.echo(f"… and {len(lines) - TOLD_AT_MOST:,} more (`triagedesk sync --json` lists them all)", err=True)


def _live(replicator: Replicator, shown: str, as_json: bool, poll: float) -> None:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    click.echo(f"following {shown} (ctrl+c stops)", err=True)

    lost = {"error": ""}

    def on_error(exc: SyncError) -> None:
        if str(exc) != lost["error"]:  # once per new error, not at every try
            click.echo(f"{datetime.now():%H:%M:%S} {printable(exc)}; trying again", err=True)
        lost["error"] = str(exc)

    def on_round(result: SyncResult) -> None:
        if lost["error"]:
            click.echo(f"{datetime.now():%H:%M:%S} back in step with {shown}", err=True)
            lost["error"] = ""
        if result.pushed or result.pulled or result.conflicts or result.rejected or result.refused:
            if as_json:
                emit_json({"at": datetime.now().isoformat(timespec="seconds"), **result.as_dict()})
            else:
                click.echo(f"{datetime.now():%H:%M:%S} {_counts(result)}")
                _tell_refusals(result)
            sys.stdout.flush()

    try:
        replicator.live(on_round, stop.is_set, read_timeout=poll, on_error=on_error)
    except KeyboardInterrupt:
        stop.set()


COMMANDS = (sync,)
