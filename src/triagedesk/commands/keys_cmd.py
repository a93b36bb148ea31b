"""`triagedesk keys`: the desk's effective keymap (the key table, your `[keys]` over it) and where each came from."""

from __future__ import annotations

import click

from triagedesk.commands.common import console, emit_json, json_option


@click.command("keys")
@json_option
def keys_cmd(as_json: bool) -> None:
    """Every action of the desk with its key and where the key came from (default, or config.toml's [keys]);
    what is wrong in [keys] is said on stderr, and those actions keep their default keys."""
    from rich.table import Table

    from triagedesk.display import literal
    from triagedesk.tui import keymap
    from triagedesk.tui.config import load_settings

    settings, problem = load_settings()
    found = keymap.build(settings.keys)
    for line in ([problem] if problem else []) + found.problems:
        click.echo(f"triagedesk: notice: {line}", err=True)
    rows = found.rows()
    if as_json:
        emit_json([{"action": row.id, "key": key, "source": source, "label": row.label, "roles": sorted(row.roles),
                    "help": row.help} for row, key, source in rows])
        return
    table = Table("action", "key", "from", "roles", "what it does")
    for row, key, source in rows:
        table.add_row(row.id, literal(key), source, ", ".join(sorted(row.roles)), row.help)
    console().print(table)


COMMANDS = (keys_cmd,)
