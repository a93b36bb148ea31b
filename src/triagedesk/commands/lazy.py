"""The command table: each command's module is imported only when that command runs (or shows its help)."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import Any

import click

COMMANDS: dict[str, tuple[str, str, str]] = {
    "calendar": ("calendar_cmds", "calendar", "Business hours per expert or team, and holidays (from an ICS file "
                 "or a country) that stop their clocks."),
    "oncall": ("schedule_cmds", "oncall", "Who is on call now (or --at) in every schedule: since, until, and the "
               "next hand-off."),
    "schedule": ("schedule_cmds", "schedule", "On-call schedules: layers of rotations, restrictions, overrides; "
                 "import and export as iCalendar."),
    "backtest": ("desk_cmds", "backtest", "Replay a changed profile over stored issues (what would escalate, at "
                 "which urgency and tier) and over stored alerts (its intake rules: pages saved, pages delayed or "
                 "dropped)."),
    "db": ("store_cmds", "db", "Check or repair a store's files."),
    "demo": ("store_cmds", "demo",
             "Fill a store with a realistic, deterministic demo history (the same for the same seed and time)."),
    "demo-queue": ("engine", "demo_queue",
                   "Evaluate the shipped demo queue and print it sorted by urgency, then score."),
    "dispatch": ("dispatch_cmds", "dispatch",
                 "Apply each profile's policy on a clock, deliver notifications, take issues in."),
    "correction": ("request_cmds", "correction", "Seed 002's expert corrections of the automated assessment (the "
                   "profile's correctable fields)."),
    "escalate": ("request_cmds", "escalate",
                 "Open an expert request for ISSUE_ID (refused while one is open, unless --again)."),
    "evaluate": ("engine", "evaluate",
                 "Score issues from FILE (a JSON object, a JSON array or JSONL; `-` for stdin)."),
    "export": ("store_cmds", "export", "Write every record of a kind to stdout; `import` reads it back losslessly."),
    "import": ("store_cmds", "import_", "Import FILE into the store: every row is validated first, then all are "
               "written in one durable write."),
    "feedback": ("noise_cmds", "feedback", "Mark ISSUE_ID useful or noise (none clears it): the analytics' noise "
                 "view and the intake backtest read it."),
    "maintenance": ("noise_cmds", "maintenance",
                    "Maintenance windows: alerts matching an active one are recorded and page nobody."),
    "kb": ("desk_cmds", "kb", "The knowledge base of past resolutions."),
    "keys": ("keys_cmd", "keys_cmd", "Every action of the desk with its key and where the key came from (default, "
             "or config.toml's [keys]); what is wrong in [keys] is said on stderr, and those actions keep their "
             "default keys."),
    "match": ("engine", "match", "Rank experts for the one issue in FILE (optionally with a `tier` id)."),
    "outbox": ("dispatch_cmds", "outbox", "The notifications: pending, sending, sent or failed, with attempts, "
               "possible repeats (a send after a crash that came mid-send: the receiver may have it twice, with the "
               "same idempotency key) and the last error."),
    "outcome": ("request_cmds", "outcome", "Session outcomes (seed 000's capture): they become knowledge, and "
                "complete a request in review."),
    "package": ("desk_cmds", "package_cmd", "The escalation package of ISSUE_ID as Markdown, with the "
                "initial-contact and follow-up messages."),
    "policy": ("dispatch_cmds", "policy", "The escalation policy of each profile (`[policy]` in its TOML)."),
    "profiles": ("engine", "profiles", "List the profiles that --profile accepts."),
    "redo": ("request_cmds", "redo", "Take the last undone step of --actor again."),
    "report": ("desk_cmds", "report",
               "The expert network performance report over the requests submitted in the last DAYS days."),
    "request": ("request_cmds", "request", "Move a request through its lifecycle (the action table decides; a "
                "refusal says why, exit 2): pay, assign, reassign, senior, claim (the --expert takes it herself), "
                "unassign, acknowledge, start, wait, resume, complete, cancel, withdraw, refund."),
    "search": ("show_cmd", "search", "Every issue, closed ones included, whose id, title, description, requester "
               "or assignee holds TEXT."),
    "server": ("server_cmds", "server",
               "Set up the team's server: validation, access, users (needs the server's admin)."),
    "session": ("request_cmds", "session", "An expert's session on a request they hold: start, pause, resume, end."),
    "show": ("show_cmd", "show", "Everything about ISSUE_ID: its fields, requests, sessions, outcomes, corrections "
             "and audit history."),
    "sync": ("sync_cmd", "sync",
             "Push local changes and pull the team's, through Apache CouchDB, Cloudant or PouchDB Server."),
    "undo": ("request_cmds", "undo", "Take back the last step --actor took (a bulk action is one step), as new "
             "audited actions the table still allows; what it no longer allows is named with the reason (exit 2 when "
             "nothing could be)."),
    "timers": ("desk_cmds", "timers", "Every open request's SLA clocks (acknowledge and resolve targets), breached "
               "first, then least time left, with refund exposure."),
}
"""name -> (module under triagedesk.commands, attribute, short help as the command's docstring gives it; a test
checks each against the command itself)."""


def load(name: str) -> click.Command:
    module, attribute, _ = COMMANDS[name]
    command = getattr(importlib.import_module(f"triagedesk.commands.{module}"), attribute)
    assert isinstance(command, click.Command)
    return command


def short_help(name: str, limit: int = 45) -> str:
    """The table's help of `name` cut as click cuts a command's own for a listing."""
    return click.Command(name, help=COMMANDS[name][2]).get_short_help_str(limit)


class LazyGroup(click.Group):
    """A group whose commands come from `COMMANDS`, imported on first use; the listing needs none of them."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        if cmd_name not in COMMANDS:
            return None
        command = self.commands[cmd_name] = load(cmd_name)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            if name in self.commands:
                rows.append((name, self.commands[name].get_short_help_str(limit)))
            else:
                rows.append((name, short_help(name, limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


class LazyChoice(click.Choice):
    """A choice whose values are computed when first needed (its module is not imported for `--help` alone)."""

    def __init__(self, values: Callable[[], Sequence[str]], case_sensitive: bool = True) -> None:
        self._values = values
        self._choices: Sequence[str] | None = None
        self.case_sensitive = case_sensitive

    @property  # type: ignore[override]
    def choices(self) -> Sequence[Any]:
        if self._choices is None:
            self._choices = tuple(self._values())
        return self._choices

    @choices.setter
    def choices(self, value: Sequence[Any]) -> None:
        self._choices = tuple(value)
