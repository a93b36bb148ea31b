"""Store commands: `import`, `export`, `demo`, `db check`, `db repair`."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Callable

import click

from triagedesk.commands.common import emit_json, json_option, parse_instant, progress_display, read_text
from triagedesk.demo.data import generate
from triagedesk.domain.scoring.escalation import Scorer
from triagedesk.domain.inputs import parse_models
from triagedesk.domain.models import Expert, Issue
from triagedesk.domain.records import ExpertRequest
from triagedesk.resources import data_dir, load_profile
from triagedesk.store.check import check, repair
from triagedesk.store.database import default_path, open_store
from triagedesk.store.errors import StoreError
from triagedesk.display import printable
from triagedesk.formats.transfer import export_rows, format_of, read_records, validate_all

KINDS = {"issues": Issue, "experts": Expert, "requests": ExpertRequest}

db_option = click.option(
    "--db", "db_path", metavar="PATH", type=click.Path(dir_okay=False),
    help="The store file (default: $TRIAGEDESK_DB, else desk.json in the user data folder).",
)


def store_path(db_path: str | None) -> Path:
    return Path(db_path).expanduser() if db_path else default_path()


@contextmanager
def progress_bar(label: str, total: int, enabled: bool = True) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr for long work (only on a terminal and for big inputs)."""
    if not enabled or not sys.stderr.isatty() or total < 5000:
        yield lambda advance: None
        return
    with progress_display() as progress:
        task = progress.add_task(label, total=total)
        yield lambda advance: progress.advance(task, advance)


@click.command("import")
@click.argument("file", metavar="FILE")
@click.option("--kind", type=click.Choice(sorted(KINDS)), default="issues", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["json", "jsonl", "csv"]),
              help="Force the format (default: from the file's extension).")
@db_option
@json_option
def import_(file: str, kind: str, fmt: str | None, db_path: str | None, as_json: bool) -> None:
    """Import FILE into the store: every row is validated first, then all are written in one durable write."""
    model = KINDS[kind]
    text, source = read_text(file)
    chosen = format_of(source if file != "-" else "stdin.jsonl", fmt)
    records = read_records(text, source, chosen, model)
    with progress_bar(f"validating {len(records):,} {kind}", len(records)) as advance:
        models = validate_all(records, model, chosen, advance)
    store = open_store(store_path(db_path))
    try:
        new, updated = store.repository(kind).put_many(models, actor="import", note=f"from {source}")
    finally:
        store.close()
    if as_json:
        emit_json({"kind": kind, "rows": len(models), "inserted": new, "updated": updated, "db": str(store.path)})
    else:
        click.echo(f"imported {len(models):,} {kind} ({new:,} new, {updated:,} updated) into {store.path}")


@click.command()
@click.option("--kind", type=click.Choice(sorted(KINDS) + ["sessions", "outcomes", "corrections", "knowledge", "audit"]),
              default="issues", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["jsonl", "json", "csv"]), default="jsonl", show_default=True)
@db_option
def export(kind: str, fmt: str, db_path: str | None) -> None:
    """Write every record of a kind to stdout; `import` reads it back losslessly."""
    store = open_store(store_path(db_path), create=False)
    try:
        repository = store.repository(kind)
        models = repository.all()
    finally:
        store.close()
    out = sys.stdout
    terminal = out.isatty()  # a file gets the exact export; a terminal never gets its control characters
    for chunk in export_rows(models, fmt, repository.model):  # type: ignore[arg-type]
        out.write(printable(chunk.replace("\r\n", "\n")) if terminal else chunk)
    out.flush()


def _network() -> list[Expert]:
    experts: list[Expert] = []
    for name in ("infrastructure", "appraisal"):
        path = data_dir() / "experts" / f"{name}.jsonl"
        experts.extend(parse_models(path.read_text("utf-8"), str(path), Expert))
    return experts


@click.command()
@db_option
@click.option("--issues", "count", type=click.IntRange(1, 2_000_000), default=2000, show_default=True,
              help="How many issues to generate (half of each profile).")
@click.option("--seed", type=int, default=7, show_default=True)
@click.option("--now", "now_text", metavar="ISO-TIME", help="The reference time (default: now).")
@click.option("--force", is_flag=True, help="Write into a store that already holds issues.")
@json_option
def demo(db_path: str | None, count: int, seed: int, now_text: str | None, force: bool, as_json: bool) -> None:
    """Fill a store with a realistic, deterministic demo history (the same for the same seed and time)."""
    now = parse_instant(now_text, "--now")
    path = store_path(db_path)
    store = open_store(path)
    try:
        if len(store.issues) and not force:
            raise click.UsageError(f"{path} already holds {len(store.issues):,} issues; pass --force to add the demo anyway")
        scorers = {name: Scorer(load_profile(name)) for name in ("infrastructure", "appraisal")}
        with progress_bar(f"generating {count:,} issues", count) as advance:
            data = generate(count, seed, now, scorers, _network(), advance)
        with store.transaction():
            for kind in ("experts", "issues", "requests", "sessions", "outcomes", "corrections", "knowledge"):
                store.repository(kind).put_many(getattr(data, kind), actor="demo", action="demo",
                                                note=f"seed {seed}")
        try:
            store.journal.compact()
        except StoreError as exc:  # the demo is committed in the journal; the fold into the snapshot waits
            click.echo(f"triagedesk: note: {printable(exc)}", err=True)
    finally:
        store.close()
    counts = data.counts()
    if as_json:
        emit_json({"db": str(path), **counts})
    else:
        click.echo(f"demo store {path}: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()))


@click.group()
def db() -> None:
    """Check or repair a store's files."""


@db.command("check")
@db_option
@json_option
def db_check(db_path: str | None, as_json: bool) -> None:
    """Report damage in the snapshot or journal; exit 1 when something is wrong."""
    report = check(store_path(db_path))
    if as_json:
        emit_json({"ok": report.ok, "lines": report.lines(), "counts": report.counts, "schema": report.schema})
    else:
        for line in report.lines():
            click.echo(printable(line))
    if not report.ok:
        sys.exit(1)


@db.command("repair")
@db_option
def db_repair(db_path: str | None) -> None:
    """Restore the last good snapshot plus every intact journal record (damaged files are kept)."""
    for line in repair(store_path(db_path)):
        click.echo(printable(line))


COMMANDS = (import_, export, demo, db)
