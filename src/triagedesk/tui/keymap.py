"""Your keys: `[keys]` in config.toml maps the key table's actions to other keys; a clash or an unknown action is
reported once at start and the table's keys are kept for it. The bindings, the key bar, the help, the palette and
every refusal's "first: <key>" show the effective keys."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

from triagedesk.tui import keys as table

SPELLED = {" ": "space", "\t": "tab"}


def normalized(key: str) -> str:
    """Textual's name of a key as a user may write it: `?` is `question_mark`, `F5` is `f5`, `Ctrl+A` `ctrl+a`."""
    key = key.strip()
    if len(key) == 1:
        if key.isalnum():
            return key
        if key in SPELLED:
            return SPELLED[key]
        try:
            return unicodedata.name(key).lower().replace("-", "_").replace(" ", "_")
        except ValueError:
            return key
    parts = key.split("+")
    return "+".join([*(p.lower() for p in parts[:-1]), parts[-1] if len(parts[-1]) == 1 else parts[-1].lower()])


def _names(spec: str) -> list[str]:
    return [normalized(k) for k in spec.split(",") if k.strip()]


FRAMEWORK_KEYS = {"ctrl+p": "the command palette", "ctrl+q": "quitting the desk", "ctrl+c": "quitting the desk"}
"""Keys Textual keeps for itself (its palette binding, its quit keys): they reach Textual first, so a row given one
would never run; a `[keys]` entry naming one is reported like a clash (tests/tui/test_textual_contract.py checks
this list against Textual's own)."""


def _overlap(one: table.Key, other: table.Key) -> bool:
    """Two rows that could both be reached when a key is pressed: an app-wide key, or a role's keys on one screen."""
    return one.scope == "app" or other.scope == "app" or (one.scope == other.scope and bool(one.roles & other.roles))


@dataclass
class Keymap:
    """The effective key of every row, where it came from, and what was wrong with the user's table."""

    keys: dict[str, str] = field(default_factory=dict)
    """Row id -> the keys (Textual names, comma-separated)."""
    source: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def key(self, row: table.Key) -> str:
        return self.keys.get(row.id, row.key)

    def shown(self, row: table.Key) -> str:
        """How the help and the key bar name the key."""
        if self.source.get(row.id) == "config":
            return self.keys[row.id].split(",")[0]
        return row.shown_key or row.key.split(",")[0]

    def textual(self) -> dict[str, str]:
        """What `App.set_keymap` takes: the overridden rows only."""
        return {row_id: key for row_id, key in self.keys.items() if self.source.get(row_id) == "config"}

    def key_of(self) -> dict[str, str]:
        """Each of the domain table's actions -> the key that takes it (what a refusal names as coming first)."""
        out = dict(table.KEY_OF)
        for row in table.KEYS:
            if isinstance(row.rule, str) and self.source.get(row.id) == "config":
                out[row.rule] = self.shown(row)
        return out

    def rows(self) -> list[tuple[table.Key, str, str]]:
        """(row, its key, where it came from), in the table's order: `triagedesk keys`."""
        return [(row, self.shown(row), self.source.get(row.id, "default")) for row in table.KEYS]


def build(overrides: Mapping[str, str]) -> Keymap:
    """The table's keys with the user's over them, each clash or unknown name reported and left at the default."""
    found = Keymap()
    by_id = {row.id: row for row in table.KEYS}
    for name in sorted(set(overrides) - set(by_id)):
        found.problems.append(f"[keys] {name}: no such action (triagedesk keys lists them)")
    wanted = {name: _names(spec) for name, spec in overrides.items() if name in by_id}
    for name, names in list(wanted.items()):
        if not names:
            found.problems.append(f"[keys] {name}: no key given")
            del wanted[name]
    effective = {row.id: wanted.get(row.id, _names(row.key)) for row in table.KEYS}
    for name in sorted(wanted):
        row = by_id[name]
        kept = sorted({k.lower() for k in wanted[name]} & set(FRAMEWORK_KEYS))  # Ctrl+Q is ctrl+q to a terminal
        if kept:
            found.problems.append(f"[keys] {name} = {overrides[name]!r}: {kept[0]} is kept for "
                                  f"{FRAMEWORK_KEYS[kept[0]]}; kept {row.shown_key or row.key.split(',')[0]}")
            effective[name] = _names(row.key)
            continue
        clash = next((other for other in table.KEYS if other.id != name and _overlap(row, other)
                      and set(effective[other.id]) & set(wanted[name])), None)
        if clash is not None:
            taken = ", ".join(sorted(set(effective[clash.id]) & set(wanted[name])))
            found.problems.append(f"[keys] {name} = {overrides[name]!r}: {taken} already takes {clash.id}; "
                                  f"kept {row.shown_key or row.key.split(',')[0]}")
            effective[name] = _names(row.key)
            continue
        found.source[name] = "config"
    for row in table.KEYS:
        found.keys[row.id] = ",".join(effective[row.id])
        found.source.setdefault(row.id, "default")
    return found


DEFAULT = build({})
