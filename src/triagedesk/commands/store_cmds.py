"""Store commands: `import`, `export`, `demo`, `db check`, `db repair`."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

from triagedesk.commands.common import db_option as db_option
from triagedesk.commands.common import emit_json, json_option, parse_instant, progress_display, read_text
from triagedesk.commands.common import store_path as store_path

if TYPE_CHECKING:
    from pydantic import BaseModel
    from rich.progress import Progress, TaskID

    from triagedesk.demo.data import DemoData
    from triagedesk.domain.models import Expert

IMPORTED = ("experts", "issues", "requests", "schedules", "calendars")
"""The kinds `import` reads (each validated by its model)."""
EXPORTED = (*IMPORTED, "sessions", "outcomes", "corrections", "knowledge", "audit", "alerts", "maintenance")


def model_of(kind: str) -> type[BaseModel]:
    from triagedesk.domain.kinds import MODELS

    return MODELS[kind]


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
@click.option("--kind", type=click.Choice(IMPORTED), default="issues", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["json", "jsonl", "csv"]),
              help="Force the format (default: from the file's extension).")
@db_option
@json_option
def import_(file: str, kind: str, fmt: str | None, db_path: str | None, as_json: bool) -> None:
    """Import FILE into the store: every row is validated first, then all are written in one durable write."""
    from triagedesk.app.stores import open_desk
    from triagedesk.formats.transfer import format_of, read_records, validate_all

    model = model_of(kind)
    text, source = read_text(file)
    chosen = format_of(source if file != "-" else "stdin.jsonl", fmt)
    records = read_records(text, source, chosen, model)
    with progress_bar(f"validating {len(records):,} {kind}", len(records)) as advance:
        models = validate_all(records, model, chosen, advance)
    desk = open_desk(store_path(db_path))
    try:
        if kind in ("schedules", "calendars"):  # the people they name must be experts here
            new, updated = desk.oncall.put_many(kind, models, actor="import", note=f"from {source}",  # type: ignore[arg-type]
                                                wheres=[record.where for record in records])
        else:
            new, updated = desk.records.put_many(kind, models, actor="import", note=f"from {source}")
    finally:
        desk.close()
    if as_json:
        emit_json({"kind": kind, "rows": len(models), "inserted": new, "updated": updated, "db": str(desk.path)})
    else:
        click.echo(f"imported {len(models):,} {kind} ({new:,} new, {updated:,} updated) into {desk.path}")


@click.command()
@click.option("--kind", default="issues", show_default=True,
              type=click.Choice(EXPORTED))
@click.option("--format", "fmt", type=click.Choice(["jsonl", "json", "csv"]), default="jsonl", show_default=True)
@db_option
def export(kind: str, fmt: str, db_path: str | None) -> None:
    """Write every record of a kind to stdout; `import` reads it back losslessly."""
    from triagedesk.app.reading import open_reading
    from triagedesk.display import printable

    reading = open_reading(store_path(db_path))
    try:
        out = sys.stdout
        terminal = out.isatty()  # a file gets the exact export; a terminal never gets its control characters
        for chunk in reading.export(kind, fmt):  # type: ignore[arg-type]
            if terminal:
                out.write(printable(chunk.decode().replace("\r\n", "\n")))
            else:
                out.buffer.write(chunk)
        out.flush()
    finally:
        reading.close()


def _network() -> list[Expert]:
    from triagedesk.domain.inputs import parse_models
    from triagedesk.domain.models import Expert
    from triagedesk.resources import data_dir

    experts: list[Expert] = []
    for name in ("infrastructure", "appraisal"):
        path = data_dir() / "experts" / f"{name}.jsonl"
        experts.extend(parse_models(path.read_text("utf-8"), str(path), Expert))
    return experts


FOLD_SHARE = 0.15
"""The bar's share of the demo's work that folding the journal into the snapshot takes, after the writes."""


class DemoProgress:
    """The demo's bar on stderr (only on a terminal and for big demos): issues generated and written, then the
    fold into the snapshot, as one bar over the whole work."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.done = 0
        self.totals: dict[str, int] = dict.fromkeys(("issues", "experts", "requests", "sessions", "outcomes",
                                                     "corrections", "knowledge", "schedules", "calendars"), 0)
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    @contextmanager
    def shown(self, enabled: bool) -> Iterator[DemoProgress]:
        if not enabled or not sys.stderr.isatty() or self.count < 5000:
            yield self
            return
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

        columns = (TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TimeRemainingColumn())
        with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
            self._progress = progress
            self._task = progress.add_task(self._label(), total=self.count * (1 + FOLD_SHARE))
            try:
                yield self
            finally:
                self._progress = None

    def _label(self) -> str:
        return f"demo: {self.done:,}/{self.count:,} issues generated and written"

    def written(self, part: DemoData) -> None:
        """A part is committed: count its records and move the bar."""
        for kind in self.totals:
            self.totals[kind] += len(getattr(part, kind))
        self.done += len(part.issues)
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, completed=self.done, description=self._label())

    def folding(self) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, description=f"demo: {self.done:,} issues written; folding the "
                                                          "journal into the snapshot")


@click.command()
@db_option
@click.option("--issues", "count", type=click.IntRange(1, 2_000_000), default=2000, show_default=True,
              help="How many issues to generate (half of each profile).")
@click.option("--seed", type=int, default=7, show_default=True)
@click.option("--now", "now_text", metavar="ISO-TIME", help="The reference time (default: now).")
@click.option("--force", is_flag=True, help="Write into a store that already holds issues.")
@click.option("--chunk", type=click.IntRange(1), default=None, hidden=True,
              help="Issues per durable write (tests make it small).")
@json_option
def demo(db_path: str | None, count: int, seed: int, now_text: str | None, force: bool, chunk: int | None,
         as_json: bool) -> None:
    """Fill a store with a realistic, deterministic demo history (the same for the same seed and time).

    It is written in parts of a few thousand issues, each one durable write: an interrupted demo keeps the
    parts written so far, whole, and `--force` with the same --seed and --now writes it again in full."""
    from triagedesk.app.stores import open_desk
    from triagedesk.demo.data import CHUNK, generate_chunks
    from triagedesk.demo.data import KINDS as DEMO_KINDS
    from triagedesk.domain.scoring.escalation import Scorer
    from triagedesk.resources import load_profile

    now = parse_instant(now_text, "--now")
    path = store_path(db_path)
    desk = open_desk(path)
    bar = DemoProgress(count)
    try:
        held = len(desk.records.repository("issues"))
        if held and not force:
            raise click.UsageError(f"{path} already holds {held:,} issues; pass --force to add the demo anyway")
        scorers = {name: Scorer(load_profile(name)) for name in ("infrastructure", "appraisal")}
        parts = generate_chunks(count, seed, now, scorers, _network(), size=chunk or CHUNK)
        with bar.shown(enabled=True):
            desk.records.load_demo(parts, DEMO_KINDS, note=f"seed {seed}", written=bar.written, folding=bar.folding)
    except KeyboardInterrupt:
        click.echo(f"triagedesk: demo interrupted: {bar.done:,} of {count:,} issues are stored, in whole parts; "
                   "`demo --force` with the same --seed and --now writes it again in full", err=True)
        raise
    finally:
        desk.close()
    if as_json:
        emit_json({"db": str(path), **bar.totals})
    else:
        click.echo(f"demo store {path}: " + ", ".join(f"{v:,} {k}" for k, v in bar.totals.items()))


@click.group()
def db() -> None:
    """Check or repair a store's files."""


@db.command("check")
@db_option
@json_option
def db_check(db_path: str | None, as_json: bool) -> None:
    """Report damage in the snapshot or journal; exit 1 when something is wrong."""
    from triagedesk.app.stores import check_store
    from triagedesk.display import printable

    report = check_store(store_path(db_path))
    if as_json:
        emit_json(report.as_json())
    else:
        for line in report.lines():
            click.echo(printable(line))
    if not report.ok:
        sys.exit(1)


@db.command("repair")
@db_option
def db_repair(db_path: str | None) -> None:
    """Restore the last good snapshot plus every intact journal record (damaged files are kept)."""
    from triagedesk.app.stores import repair_store
    from triagedesk.display import printable

    for line in repair_store(store_path(db_path)):
        click.echo(printable(line))


COMMANDS = (import_, export, demo, db)
