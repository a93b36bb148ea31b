"""What every command shares: reading input files, JSON output, a console, option parsing."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import orjson

from triagedesk.domain.errors import InputError

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress


def console() -> Console:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False)


def progress_display() -> Progress:
    """Bars on stderr that vanish when done: what, how far (n/total), time left."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed:,}/{task.total:,}"),
               TimeRemainingColumn())
    return Progress(*columns, console=Console(stderr=True), transient=True)


def read_text(path: str) -> tuple[str, str]:
    """The text of a file (or stdin for `-`) and the name to use for it in errors."""
    if path == "-":
        data = sys.stdin.buffer.read()
        source = "<stdin>"
    else:
        source = path
        try:
            data = Path(path).read_bytes()
        except FileNotFoundError:
            raise InputError(f"{path}: no such file") from None
        except IsADirectoryError:
            raise InputError(f"{path}: is a directory, expected a file") from None
        except OSError as exc:
            raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8"), source
    except UnicodeDecodeError as exc:
        raise InputError(f"{source}: not UTF-8 text (byte {exc.start})") from None


def emit_json(value: Any) -> None:
    """Write JSON to stdout: pydantic models dumped as JSON, datetimes in ISO 8601."""
    click.echo(orjson.dumps(value, option=orjson.OPT_INDENT_2, default=_default).decode())


def _default(value: Any) -> Any:
    dump = getattr(value, "model_dump", None)
    if dump is not None:
        return dump(mode="json")
    raise TypeError(f"cannot serialise {type(value).__name__}")


def parse_instant(value: str | None, option: str) -> datetime:
    """An ISO 8601 instant from an option (UTC when no offset is given); now when absent."""
    from triagedesk.domain.models import as_utc

    if value is None:
        return datetime.now(UTC)
    from triagedesk.domain.instants import outside

    try:
        parsed = as_utc(datetime.fromisoformat(value))
    except (ValueError, OverflowError):  # OverflowError: a local time at year 1 or 9999 taken to UTC
        raise InputError(f"{option}: {value!r} is not an ISO 8601 time like 2026-01-05T14:00:00Z") from None
    assert parsed is not None
    beyond = outside(parsed)
    if beyond is not None:
        raise InputError(f"{option}: {value!r} is {beyond}")
    return parsed


profile_option = click.option(
    "--profile",
    "profile_name",
    metavar="NAME|PATH",
    help="Profile name (see `triagedesk profiles`) or path to a profile TOML file.",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
db_option = click.option(
    "--db", "db_path", metavar="PATH", type=click.Path(dir_okay=False),
    help="The store file (default: $TRIAGEDESK_DB, else desk.json in the user data folder).",
)
now_option = click.option("--now", "now_text", metavar="ISO-TIME", help="The reference time (default: now).")


def store_path(db_path: str | None) -> Path:
    """`--db PATH` if given, else the default store."""
    from triagedesk.app.location import store_path as chosen

    return chosen(db_path)
