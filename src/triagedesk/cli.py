"""The command line: the desk, and headless commands whose `--json` is a contract for scripts."""

from __future__ import annotations

import os
import sys

import click

from triagedesk import __version__
from triagedesk.app import memory
from triagedesk.commands.lazy import LazyGroup
from triagedesk.domain.errors import UserError


@click.group(cls=LazyGroup, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="triagedesk")
@click.option("--db", "db_path", metavar="PATH", help="The store (default: $TRIAGEDESK_DB, else the user data folder).")
@click.option("--role", type=click.Choice(["coordinator", "expert", "lead"]), default="coordinator", show_default=True)
@click.option("--expert", "expert_id", metavar="ID", help="Whose queue the expert view shows.")
@click.option("--profile", "profile_name", metavar="NAME|PATH", help="Score every issue with this profile.")
@click.option("--sync", "sync_url", metavar="URL", is_flag=False, flag_value="env",
              help="Sync live with this server while the desk runs (`--sync` alone: $TRIAGEDESK_SYNC_URL).")
@click.pass_context
def cli(ctx: click.Context, db_path: str | None, role: str, expert_id: str | None, profile_name: str | None,
        sync_url: str | None) -> None:
    """triagedesk: score, route and time escalations to human experts.

    With no command, opens the desk.
    """
    if ctx.invoked_subcommand is not None:
        given = [flag for flag, value in (("--db", db_path), ("--expert", expert_id), ("--profile", profile_name),
                                          ("--sync", sync_url)) if value is not None]
        if given:  # the desk's options: a command takes its own, after its name (a store must not be guessed)
            raise click.UsageError(f"{given[0]} before a command is the desk's; give it after the command "
                                   f"(triagedesk {ctx.invoked_subcommand} {given[0]} ...)")
        return
    if ctx.invoked_subcommand is None:
        from triagedesk.commands.desk_tui import run_desk

        run_desk(db_path, role, expert_id, profile_name, sync_url)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; a user's mistake is one line on stderr (whatever data it names: an expert's name with a newline
    is still one line) and exit code 2, never a traceback."""
    memory.apply()  # before the command's imports (at the default threshold, `show`'s ran many collections)
    try:
        cli.main(args=argv, prog_name="triagedesk", standalone_mode=False)
    except UserError as exc:
        from triagedesk.display import one_line

        click.echo(f"triagedesk: error: {one_line(exc)}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2 if isinstance(exc, click.UsageError) else exc.exit_code)
    except click.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
    except OSError as exc:  # stdout on a full disk, a closed terminal: said, not a traceback
        _output_failed(exc)
    try:
        sys.stdout.flush()  # what is still buffered must reach its file, or the command failed
    except BrokenPipeError:
        pass
    except OSError as exc:
        _output_failed(exc)
    sys.exit(0)


def _output_failed(exc: OSError) -> None:
    try:
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - the interpreter's final flush must not fail again
    except OSError:
        pass
    click.echo(f"triagedesk: error: cannot write the output: {exc.strerror or exc}", err=True)
    sys.exit(1)
