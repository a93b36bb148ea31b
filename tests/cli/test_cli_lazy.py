"""The lazy command table: help for every command imports none of the desk's world, and says what the commands do."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest

from tests.support.cli import run_cli
from triagedesk.cli import cli
from triagedesk.commands.lazy import COMMANDS, load, short_help

HEAVY = ("pydantic", "textual", "httpx", "tinydb", "rich.table", "triagedesk.app.desk", "triagedesk.store.journal",
         "triagedesk.domain.models")

HELP_EVERYWHERE = """
import sys
import click
from triagedesk.cli import cli
from triagedesk.commands.lazy import COMMANDS, load
heavy = set(sys.argv[1:])
cli.get_help(click.Context(cli, info_name="triagedesk"))
for name in COMMANDS:
    command = load(name)
    context = click.Context(command, info_name=name)
    command.get_help(context)
    for sub in getattr(command, "commands", {}).values():
        sub.get_help(click.Context(sub, info_name=sub.name, parent=context))
print(",".join(sorted(m for m in heavy if m in sys.modules)))
"""


def test_help_of_every_command_imports_nothing_heavy() -> None:
    result = subprocess.run([sys.executable, "-c", HELP_EVERYWHERE, *HEAVY], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "", f"--help imported {result.stdout.strip()}"


def test_the_import_check_can_fail() -> None:
    code = HELP_EVERYWHERE.replace("print(", "import triagedesk.app.desk\nprint(")
    result = subprocess.run([sys.executable, "-c", code, *HEAVY], capture_output=True, text=True, check=True)
    assert "triagedesk.app.desk" in result.stdout


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_table_says_what_each_command_says(name: str) -> None:
    command = load(name)
    assert command.name == name
    assert command.get_short_help_str(10_000) == short_help(name, 10_000)
    assert command.get_short_help_str(45) == short_help(name)


def test_the_listing_names_every_command_with_its_help() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    listed = result.stdout.split("Commands:")[1]
    for name in COMMANDS:
        assert f"  {name} " in listed
    assert "Check or repair a store's files." in listed


def test_an_unknown_command_is_a_usage_error() -> None:
    result = run_cli("no-such-command")
    assert result.returncode == 2
    assert "No such command" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_lazy_choice_is_checked_when_used() -> None:
    result = run_cli("request", "fly", "req-1")
    assert result.returncode == 2
    assert "'fly' is not one of" in result.stderr
    assert "assign" in result.stderr
    assert cli.get_command(click.Context(cli), "request") is load("request")


def test_the_table_names_every_command_of_every_module() -> None:
    import importlib
    import pkgutil

    import triagedesk.commands as package

    found: set[str] = set()
    for module in pkgutil.iter_modules(package.__path__):
        if module.name == "lazy":
            continue
        loaded = importlib.import_module(f"triagedesk.commands.{module.name}")
        found |= {c.name for c in getattr(loaded, "COMMANDS", ()) if c.name}
    assert found, "no command module found"
    assert found == set(COMMANDS)


@pytest.mark.parametrize("flag", ["--db", "--expert", "--profile", "--sync"])
def test_a_desk_option_before_a_command_is_refused_not_ignored(flag: str, tmp_path) -> None:
    """`triagedesk --db team.json sync` once synced the default store without a word (review of #22)."""
    done = run_cli(flag, str(tmp_path / "team.json"), "report", "--format", "json")
    assert done.returncode == 2
    assert f"{flag} before a command is the desk's; give it after the command" in done.stderr
    assert not (tmp_path / "team.json").exists() and "Traceback" not in done.stderr
